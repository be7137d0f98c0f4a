//! Limits no upload can get around: a recording's length is measured on its audio (its
//! header decides nothing), a volume low on space refuses uploads up front, a student has a
//! quota of attempts per lab session, and leftovers of a crash are swept at start.

use domain::Role;
use domain::entities::submission::{self, SubmissionState};
use reqwest::StatusCode;
use sea_orm::EntityTrait;
use test_kit::media;

use crate::helpers::{TestApp, enqueue, lab_session};
use crate::upload_kit::{Media, lab_with, message};

#[tokio::test]
async fn a_header_that_lies_about_the_length_does_not_get_an_hour_of_gpu_time() {
    let files = Media::new();
    // 20 s of Opus whose Matroska header claims 2 s, against a 5 s limit.
    let crafted = media::falsified_duration_mkv(20, 2, &files.path("crafted.mkv"));
    let lab = lab_with(|c| c.uploads.max_duration_secs = 5).await;

    let (status, body) = lab.upload(&lab.student, &crafted, "talk.mkv").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(message(&body).contains("the limit is 5 s"), "{body}");
    assert!(lab.rows().await.is_empty());
    assert!(lab.stored_files().is_empty(), "{:?}", lab.stored_files());
}

#[tokio::test]
async fn the_stored_duration_is_the_extracted_audios() {
    let files = Media::new();
    let crafted = media::falsified_duration_mkv(4, 60, &files.path("crafted.mkv"));
    let lab = lab_with(|_| {}).await;
    let (status, body) = lab.upload(&lab.student, &crafted, "talk.mkv").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let ms = body["duration_ms"].as_i64().unwrap();
    assert!(
        (3_900..=4_100).contains(&ms),
        "stored {ms} ms for 4 s of audio"
    );
}

#[tokio::test]
async fn a_volume_low_on_space_refuses_uploads_as_such_and_keeps_nothing() {
    let files = Media::new();
    let video = files.video(2);
    // More free space than any disk has.
    let lab = lab_with(|c| c.uploads.min_free_mb = 1024 * 1024 * 1024).await;
    let (status, body) = lab.upload(&lab.student, &video, "talk.mp4").await;
    assert_eq!(status, StatusCode::INSUFFICIENT_STORAGE, "{body}");
    let text = message(&body);
    assert!(
        text.contains("out of storage") && text.contains("nothing was kept"),
        "{text}"
    );
    assert!(!text.contains("video"), "never blamed on the file: {text}");
    assert!(lab.rows().await.is_empty());
    assert!(lab.stored_files().is_empty());
}

#[tokio::test]
async fn a_student_has_a_quota_of_attempts_per_lab_session_counting_replaced_ones() {
    let files = Media::new();
    let video = files.video(2);
    let lab = lab_with(|c| c.uploads.max_attempts = 2).await;
    for attempt in 1..=2 {
        let (status, body) = lab.upload(&lab.student, &video, "talk.mp4").await;
        assert_eq!(status, StatusCode::CREATED, "attempt {attempt}: {body}");
    }
    // The second replaced the first in the queue; both count.
    let rows = lab.rows().await;
    assert_eq!(rows.iter().map(|r| r.attempt).collect::<Vec<_>>(), [2]);

    let (status, body) = lab.upload(&lab.student, &video, "talk.mp4").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(message(&body).contains("all 2 attempts"), "{body}");
    assert_eq!(lab.rows().await.len(), 1);
    assert_eq!(lab.stored_files().len(), 2, "one media file and its audio");
}

#[tokio::test]
async fn at_start_orphan_files_go_and_queued_work_without_audio_fails_for_the_admin_to_see() {
    let app = TestApp::spawn().await;
    let teacher = app
        .add_user("teach", Role::Instructor, "a-long-password")
        .await;
    let lab = lab_session(&app.db, teacher).await;
    let ada = app.logged_in("ada", Role::Student).await;
    let media_dir = app.config.data_dir.join("media");
    std::fs::create_dir_all(&media_dir).unwrap();
    let kept = enqueue(&app.db, &media_dir, app.user_id("ada").await, lab, "kept").await;
    let lost = enqueue(&app.db, &media_dir, app.user_id("ada").await, lab, "lost").await;
    let lost_row = submission::Entity::find_by_id(lost)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    std::fs::remove_file(&lost_row.audio_path).unwrap();
    let orphan = media_dir.join("0123456789abcdef01234567.mp4");
    std::fs::write(&orphan, b"half an upload").unwrap();

    let app = app.restart().await;
    assert!(!orphan.exists(), "the orphan file was removed");
    let rows = submission::Entity::find().all(&app.db).await.unwrap();
    let row = |id| rows.iter().find(|r| r.id == id).unwrap().clone();
    assert_eq!(row(kept).state, SubmissionState::Queued);
    let failed = row(lost);
    assert_eq!(failed.state, SubmissionState::Failed);
    let raw = failed.failure_reason.unwrap();
    assert!(raw.contains("missing from the server") && raw.contains(&lost_row.audio_path));

    // Ada is told in her words, without the server's path.
    let lost_id = lost.to_string();
    let view = app
        .call(&ada, "/api/student/submission", &[("id", lost_id.as_str())])
        .await
        .text()
        .await
        .unwrap();
    assert!(
        view.contains("Your recording was lost on the server."),
        "{view}"
    );
    assert!(!view.contains(&lost_row.audio_path), "{view}");
}
