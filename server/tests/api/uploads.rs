//! Uploads: a good recording is queued; every bad one is refused with a clear message and
//! leaves no file and no row behind.

use std::path::{Path, PathBuf};

use domain::Role;
use domain::admin::reruns::{RerunMode, RerunRequest, RerunService, RerunTarget, RubricChoice};
use domain::entities::submission::{self, SubmissionState};
use domain::entities::{evaluation, lab_session, transcript};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::Value;

use crate::helpers::TestApp;
use crate::upload_kit::{Media, lab_session_with, lab_with, message};

#[tokio::test]
async fn a_good_recording_is_stored_under_a_generated_name_and_queued() {
    let media = Media::new();
    let lab = lab_with(|_| {}).await;
    let (status, body) = lab
        .upload(&lab.student, &media.video(2), "../../etc/🎥 my talk.mp4")
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let rows = lab.rows().await;
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.state, SubmissionState::Queued);
    assert_eq!(row.original_name, "🎥 my talk.mp4");
    assert!(
        (1900..=2200).contains(&row.duration_ms),
        "{}",
        row.duration_ms
    );
    assert_eq!(row.media_sha256.as_ref().unwrap().len(), 64);
    let media_path = PathBuf::from(row.media_path.as_ref().unwrap());
    assert!(media_path.starts_with(lab.app.config.data_dir.join("media")));
    assert!(!media_path.to_string_lossy().contains("talk"));
    // 16 kHz mono 16-bit: 32 000 bytes a second.
    let wav = std::fs::metadata(&row.audio_path).unwrap().len();
    assert!((60_000..70_000).contains(&wav), "{wav}");
    assert_eq!(body["submission_id"], row.id);
}

#[tokio::test]
async fn every_bad_recording_is_refused_with_a_clear_message_and_leaves_nothing() {
    let media = Media::new();
    let lab = lab_with(|c| c.uploads.max_duration_secs = 4).await;
    let long = media.video(6);
    let cases: Vec<(&str, PathBuf, &str)> = vec![
        (
            "a text file named .mp4",
            media.text_as_mp4(),
            "not a video or audio recording",
        ),
        ("an empty file", media.empty(), "empty"),
        (
            "a truncated video",
            media.truncated(),
            "not a video or audio recording",
        ),
        (
            "a video without sound",
            media.video_without_audio(),
            "no sound track",
        ),
        (
            "a silent recording",
            media.silent_recording(),
            "no speech found",
        ),
        ("an over-long recording", long, "the limit is 4 s"),
    ];
    for (what, file, expected) in cases {
        let (status, body) = lab.upload(&lab.student, &file, "x.mp4").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {body}");
        assert!(message(&body).contains(expected), "{what}: {body}");
        assert!(lab.rows().await.is_empty(), "{what} left a row");
        assert!(
            lab.stored_files().is_empty(),
            "{what} left {:?}",
            lab.stored_files()
        );
    }
}

#[tokio::test]
async fn an_oversized_upload_is_stopped_while_it_streams() {
    let lab = lab_with(|c| c.uploads.max_mb = 1).await;
    // A body of unknown length, so only the streaming check can stop it.
    let chunks = (0..40).map(|_| Ok::<_, std::io::Error>(vec![7u8; 256 * 1024]));
    let body = reqwest::Body::wrap_stream(futures::stream::iter(chunks));
    let url = lab
        .app
        .url(&format!("/api/lab-sessions/{}/upload", lab.lab));
    let response = lab.student.post(url).body(body).send().await;
    // The server answers as soon as the limit passes; it may close before reading the rest.
    if let Ok(response) = response {
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let body: Value = response.json().await.unwrap();
        assert!(message(&body).contains("limit of 1 mb"), "{body}");
    }
    assert!(lab.rows().await.is_empty());
    assert!(lab.stored_files().is_empty());

    // A declared length over the limit is refused before a byte is stored.
    let url = lab
        .app
        .url(&format!("/api/lab-sessions/{}/upload", lab.lab));
    let response = lab
        .student
        .post(url)
        .body(vec![0u8; 2 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn a_second_upload_at_once_for_the_same_lab_session_is_refused() {
    let media = Media::new();
    let lab = lab_with(|_| {}).await;
    let (send, receive) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(1);
    let slow = reqwest::Body::wrap_stream(futures::stream::unfold(receive, |mut r| async move {
        r.recv().await.map(|chunk| (chunk, r))
    }));
    let url = lab
        .app
        .url(&format!("/api/lab-sessions/{}/upload", lab.lab));
    let first = tokio::spawn(lab.student.post(url).body(slow).send());
    let video = std::fs::read(media.video(2)).unwrap();
    send.send(Ok(video[..1000].to_vec())).await.unwrap();
    // The first upload holds the slot once its first bytes are on disk.
    let media_dir = lab.app.config.data_dir.join("media");
    while std::fs::read_dir(&media_dir).map_or(true, |d| d.count() == 0) {
        tokio::task::yield_now().await;
    }
    let (status, body) = lab.upload(&lab.student, &media.video(2), "again.mp4").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(message(&body).contains("already in progress"));
    send.send(Ok(video[1000..].to_vec())).await.unwrap();
    drop(send);
    let first = first.await.unwrap().unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    assert_eq!(lab.rows().await.len(), 1);
}

#[tokio::test]
async fn uploading_again_before_processing_replaces_the_queued_attempt() {
    let media = Media::new();
    let lab = lab_with(|_| {}).await;
    let video = media.video(2);
    let (first, _) = lab.upload(&lab.student, &video, "one.mp4").await;
    assert_eq!(first, StatusCode::CREATED);
    let old = lab.rows().await.remove(0);
    let (second, body) = lab.upload(&lab.student, &video, "two.mp4").await;
    assert_eq!(second, StatusCode::CREATED);
    let rows = lab.rows().await;
    assert_eq!(rows.len(), 1, "the queued attempt was replaced");
    assert_eq!(rows[0].original_name, "two.mp4");
    assert_eq!(body["submission_id"], rows[0].id);
    assert!(
        !Path::new(&old.audio_path).exists(),
        "the replaced files are gone"
    );
    assert_eq!(lab.stored_files().len(), 2);
}

#[tokio::test]
async fn a_new_upload_never_replaces_a_queued_re_run() {
    let media = Media::new();
    let lab = lab_with(|_| {}).await;
    let video = media.video(2);
    let (first, _) = lab.upload(&lab.student, &video, "one.mp4").await;
    assert_eq!(first, StatusCode::CREATED);
    let graded = lab.rows().await.remove(0);
    crate::rubric_versions::store_graded_result(&lab.app.db, graded.id, 1).await;
    let owner = lab_session::Entity::find_by_id(lab.lab)
        .one(&lab.app.db)
        .await
        .unwrap()
        .unwrap()
        .owner_id;
    let request = RerunRequest {
        target: RerunTarget::Submission(graded.id),
        mode: RerunMode::EvaluationOnly,
        rubric: RubricChoice::Current,
        model: None,
        reason: "new model".into(),
    };
    RerunService::request(&lab.app.db, owner, &request)
        .await
        .unwrap();

    let (second, _) = lab.upload(&lab.student, &video, "two.mp4").await;
    assert_eq!(second, StatusCode::CREATED);
    let rows = lab.rows().await;
    assert_eq!(rows.len(), 2, "the re-run stays beside the new attempt");
    let rerun = rows.iter().find(|r| r.id == graded.id).unwrap();
    assert_eq!(rerun.state, SubmissionState::Queued);
    let kept = transcript::Entity::find()
        .filter(transcript::Column::SubmissionId.eq(graded.id))
        .count(&lab.app.db)
        .await
        .unwrap();
    assert_eq!(kept, 1, "its transcript is kept");
    let evaluations = evaluation::Entity::find()
        .filter(evaluation::Column::SubmissionId.eq(graded.id))
        .count(&lab.app.db)
        .await
        .unwrap();
    assert_eq!(evaluations, 1, "its earlier evaluation is kept");
    assert!(Path::new(&graded.audio_path).exists(), "its audio is kept");
}

#[tokio::test]
async fn uploads_need_a_student_and_an_open_lab_session() {
    let media = Media::new();
    let lab = lab_with(|_| {}).await;
    let video = media.video(2);
    let (status, _) = lab.upload(&TestApp::client(), &video, "a.mp4").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let teacher = lab.app.logged_in("other-teacher", Role::Instructor).await;
    let (status, _) = lab.upload(&teacher, &video, "a.mp4").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let mut closed: lab_session::ActiveModel = lab_session::Entity::find_by_id(lab.lab)
        .one(&lab.app.db)
        .await
        .unwrap()
        .unwrap()
        .into();
    closed.open = Set(false);
    closed.update(&lab.app.db).await.unwrap();
    let (status, body) = lab.upload(&lab.student, &video, "a.mp4").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&body).contains("closed"), "{body}");
    assert!(lab.rows().await.is_empty());
    assert!(lab.stored_files().is_empty());
}

#[tokio::test]
async fn thirty_students_uploading_at_once_are_all_queued_in_arrival_order() {
    let media = Media::new();
    let lab = lab_with(|_| {}).await;
    let video = std::fs::read(media.video(1)).unwrap();
    let mut uploads = Vec::new();
    for i in 0..30 {
        let client = lab
            .app
            .logged_in(&format!("student{i:02}"), Role::Student)
            .await;
        let url = lab
            .app
            .url(&format!("/api/lab-sessions/{}/upload", lab.lab));
        let body = video.clone();
        uploads.push(tokio::spawn(async move {
            let response = client.post(url).body(body).send().await.unwrap();
            let status = response.status();
            let answer: Value = response.json().await.unwrap();
            (status, answer["submission_id"].as_i64())
        }));
    }
    let mut ids = Vec::new();
    for upload in uploads {
        let (status, id) = upload.await.unwrap();
        assert_eq!(status, StatusCode::CREATED);
        ids.push(id.unwrap());
    }
    let rows = lab.rows().await;
    assert_eq!(rows.len(), 30, "none lost");
    assert!(rows.iter().all(|r| r.state == SubmissionState::Queued));
    let students: std::collections::HashSet<i32> = rows.iter().map(|r| r.student_id).collect();
    assert_eq!(students.len(), 30);
    // The queue's order (queued_at) is the order in which the uploads were accepted.
    let mut by_queue = rows.clone();
    by_queue.sort_by_key(|r| (r.queued_at, r.id));
    let mut by_arrival = rows;
    by_arrival.sort_by_key(|r| r.id);
    assert_eq!(by_queue, by_arrival);
    // The scheduler (idle: an hour's linger in these tests) shows the same queue.
    let mut updates = lab.app.scheduler.subscribe();
    let queue: Vec<i32> = loop {
        let ids: Vec<i32> = updates
            .borrow_and_update()
            .queue
            .iter()
            .map(|q| q.owner.submission_id)
            .collect();
        if ids.len() == 30 {
            break ids;
        }
        tokio::time::timeout(std::time::Duration::from_secs(30), updates.changed())
            .await
            .unwrap()
            .unwrap();
    };
    assert_eq!(queue, by_arrival.iter().map(|r| r.id).collect::<Vec<_>>());
    assert_eq!(
        lab.stored_files().len(),
        60,
        "a recording and its audio each"
    );
}

#[tokio::test]
async fn a_lab_session_with_a_join_code_is_seen_and_takes_uploads_only_after_joining() {
    let media = Media::new();
    let app = TestApp::spawn().await;
    let student = app.logged_in("sam", Role::Student).await;
    let lab = lab_session_with(&app, Some("PEND-1"), None).await;
    let labs: Value = app.call_json(&student, "/api/student/labs", &[]).await;
    assert_eq!(labs, serde_json::json!([]), "not listed before joining");
    let url = app.url(&format!("/api/lab-sessions/{lab}/upload"));
    let video = std::fs::read(media.video(2)).unwrap();
    let refused = student.post(&url).body(video.clone()).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);

    let (status, body) = app
        .call_error(&student, "/api/student/join", &[("code", "PEND-2")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["Invalid"][0]["field"], "code");
    let joined = app
        .call(&student, "/api/student/join", &[("code", " pend-1 ")])
        .await;
    assert_eq!(joined.json::<String>().await.unwrap(), "Coded lab");
    let labs: Value = app.call_json(&student, "/api/student/labs", &[]).await;
    assert_eq!(labs[0]["id"], lab);
    let accepted = student.post(&url).body(video).send().await.unwrap();
    assert_eq!(accepted.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn uploads_after_the_deadline_are_refused() {
    let media = Media::new();
    let app = TestApp::spawn().await;
    let student = app.logged_in("sam", Role::Student).await;
    let past = chrono::Utc::now() - chrono::Duration::minutes(1);
    let lab = lab_session_with(&app, None, Some(past)).await;
    let url = app.url(&format!("/api/lab-sessions/{lab}/upload"));
    let response = student
        .post(&url)
        .body(std::fs::read(media.video(2)).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert!(message(&body).contains("deadline"), "{body}");
    assert!(
        submission::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
            .is_empty()
    );
}
