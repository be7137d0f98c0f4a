//! An admin's hand on the cycle: settings changed at run time, pause and resume, re-runs
//! that transcribe again or choose another model.

use std::time::Duration;

use domain::admin::reruns::{RerunMode, RerunRequest, RerunService, RerunTarget, RubricChoice};
use domain::entities::engine_run::Phase;
use domain::entities::{evaluation, transcript};
use domain::scheduler_settings::SchedulerSettingsService;
use scheduler::Scheduler;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::support::{all_finished, lab, wait_for};

const WITHIN: Duration = Duration::from_secs(60);

fn rerun(id: i32, mode: RerunMode, model: Option<&str>) -> RerunRequest {
    RerunRequest {
        target: RerunTarget::Submission(id),
        mode,
        rubric: RubricChoice::Current,
        model: model.map(Into::into),
        reason: "admin test".into(),
    }
}

#[tokio::test]
async fn a_batch_size_saved_at_run_time_applies_from_the_next_batch() {
    let lab = lab(6).await;
    let config = lab.fake_config(10, 0.0, json!({"load_ms": 5, "item_ms": 5}));
    let admin = lab.students[0];
    let mut first = Vec::new();
    for i in 0..3 {
        first.push(
            lab.enqueue(i, &lab.silent_wav(&format!("a{i}"), 1, "x"))
                .await,
        );
    }
    let scheduler = Scheduler::start(lab.db.clone(), config.clone(), lab.dir.path());
    let handle = scheduler.handle();
    wait_for(&handle, WITHIN, all_finished(&first)).await;

    // Paused while the three uploads arrive, so the cycle cannot cut a batch from the first
    // of them before the others are in: the test is about the size, not about timing.
    SchedulerSettingsService::set_paused(&lab.db, admin, true, config.runtime())
        .await
        .unwrap();
    let mut smaller = config.runtime();
    smaller.batch_size = 2;
    SchedulerSettingsService::save(&lab.db, admin, smaller)
        .await
        .unwrap();
    // As the settings screen does: wake the cycle, which reads them before its next batch.
    handle.notify_queued();
    wait_for(&handle, WITHIN, |s| s.batch_size == 2 && s.paused).await;
    let mut second = Vec::new();
    for i in 3..6 {
        second.push(
            lab.enqueue(i, &lab.silent_wav(&format!("b{i}"), 1, "x"))
                .await,
        );
    }
    SchedulerSettingsService::set_paused(&lab.db, admin, false, config.runtime())
        .await
        .unwrap();
    handle.notify_queued();
    wait_for(&handle, WITHIN, all_finished(&second)).await;
    scheduler.stop().await;

    let sizes: Vec<(i32, i32)> = lab
        .runs()
        .await
        .iter()
        .filter(|(_, r)| r.phase == Phase::Stt)
        .map(|(seq, r)| (*seq, r.items))
        .collect();
    assert_eq!(sizes, [(1, 3), (2, 2), (3, 1)]);
}

#[tokio::test]
async fn pausing_lets_the_running_batch_finish_and_forms_no_new_one_until_resumed() {
    let lab = lab(2).await;
    let config = lab.fake_config(1, 0.0, json!({"load_ms": 300, "item_ms": 5}));
    let admin = lab.students[0];
    let first = lab.enqueue(0, &lab.silent_wav("a", 1, "x")).await;
    let scheduler = Scheduler::start(lab.db.clone(), config.clone(), lab.dir.path());
    let handle = scheduler.handle();
    wait_for(&handle, WITHIN, |s| s.current.is_some()).await;

    SchedulerSettingsService::set_paused(&lab.db, admin, true, config.runtime())
        .await
        .unwrap();
    let second = lab.enqueue(1, &lab.silent_wav("b", 1, "x")).await;
    handle.notify_queued();
    let held = wait_for(&handle, WITHIN, |s| {
        s.paused && s.current.is_none() && s.queue.len() == 1
    })
    .await;
    assert_eq!(held.queue[0].owner.submission_id, second);
    assert!(held.recent.iter().any(|r| r.owner.submission_id == first));
    assert_eq!(lab.runs().await.len(), 2, "only the first batch ran");

    SchedulerSettingsService::set_paused(&lab.db, admin, false, config.runtime())
        .await
        .unwrap();
    handle.notify_queued();
    let resumed = wait_for(&handle, WITHIN, all_finished(&[second])).await;
    assert!(!resumed.paused);
    scheduler.stop().await;
}

#[tokio::test]
async fn a_retranscription_runs_both_phases_and_replaces_the_transcript() {
    let lab = lab(1).await;
    let wav = lab.silent_wav("a", 1, "first words");
    let id = lab.enqueue(0, &wav).await;
    let config = lab.fake_config(10, 0.0, json!({"load_ms": 5, "item_ms": 5}));
    let scheduler = Scheduler::start(lab.db.clone(), config, lab.dir.path());
    let handle = scheduler.handle();
    wait_for(&handle, WITHIN, all_finished(&[id])).await;

    // A better model hears it differently.
    std::fs::write(format!("{}.txt", wav.display()), "better words").unwrap();
    RerunService::request(
        &lab.db,
        lab.students[0],
        &rerun(id, RerunMode::Retranscribe, None),
    )
    .await
    .unwrap();
    handle.notify_queued();
    wait_for(&handle, WITHIN, |s| {
        s.queue.is_empty() && s.current.is_none() && s.recent.iter().any(|r| r.batch_seq == 2)
    })
    .await;
    scheduler.stop().await;

    let phases: Vec<(i32, Phase)> = lab
        .runs()
        .await
        .iter()
        .map(|(seq, r)| (*seq, r.phase))
        .collect();
    assert_eq!(
        phases,
        [
            (1, Phase::Stt),
            (1, Phase::Evaluation),
            (2, Phase::Stt),
            (2, Phase::Evaluation)
        ]
    );
    let transcripts = transcript::Entity::find().all(&lab.db).await.unwrap();
    assert_eq!(transcripts.len(), 1);
    assert!(
        transcripts[0].text.contains("better words"),
        "{}",
        transcripts[0].text
    );
    assert_eq!(
        lab.submission(id).await.retranscribe,
        None,
        "the request is used up"
    );
}

#[tokio::test]
async fn a_rerun_with_another_llm_runs_in_a_batch_of_its_own_and_records_that_models_hash() {
    let lab = lab(2).await;
    let models = lab.dir.path().join("models");
    std::fs::create_dir_all(&models).unwrap();
    std::fs::write(models.join("configured.gguf"), b"weights one").unwrap();
    std::fs::write(models.join("other.gguf"), b"weights two").unwrap();
    let mut config = lab.fake_config(10, 0.0, json!({"load_ms": 5, "item_ms": 5}));
    config.eval.model = models.join("configured.gguf");
    let graded = lab.enqueue(0, &lab.silent_wav("a", 1, "x")).await;
    let scheduler = Scheduler::start(lab.db.clone(), config, lab.dir.path());
    let handle = scheduler.handle();
    wait_for(&handle, WITHIN, all_finished(&[graded])).await;

    let request = rerun(graded, RerunMode::EvaluationOnly, Some("other.gguf"));
    RerunService::request(&lab.db, lab.students[0], &request)
        .await
        .unwrap();
    let fresh = lab.enqueue(1, &lab.silent_wav("b", 1, "x")).await;
    handle.notify_queued();
    wait_for(&handle, WITHIN, |s| {
        s.queue.is_empty() && s.current.is_none() && s.recent.iter().any(|r| r.batch_seq == 3)
    })
    .await;
    scheduler.stop().await;

    let evals: Vec<(i32, Phase, String)> = lab
        .runs()
        .await
        .into_iter()
        .map(|(seq, r)| (seq, r.phase, r.model))
        .collect();
    assert_eq!(
        evals,
        [
            (1, Phase::Stt, "fake.bin".into()),
            (1, Phase::Evaluation, "configured.gguf".into()),
            (2, Phase::Evaluation, "other.gguf".into()),
            (3, Phase::Stt, "fake.bin".into()),
            (3, Phase::Evaluation, "configured.gguf".into()),
        ]
    );
    let newest = evaluation::Entity::find()
        .filter(evaluation::Column::SubmissionId.eq(graded))
        .all(&lab.db)
        .await
        .unwrap()
        .pop()
        .unwrap();
    let other_hash = domain::model_files::sha256(&models.join("other.gguf")).unwrap();
    assert_eq!(newest.model_sha256.as_deref(), Some(other_hash.as_str()));
    assert_eq!(lab.submission(fresh).await.rerun_model, None);
}
