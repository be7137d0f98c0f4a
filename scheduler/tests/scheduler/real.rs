//! The real path: generated speech videos, ffmpeg-extracted audio, `viva-stt` on Whisper
//! tiny.en and `viva-eval` on SmolLM2, through the scheduler in batches of four.

use std::time::Duration;

use domain::entities::submission::SubmissionState;
use domain::entities::{evaluation, transcript};
use scheduler::{EngineConfig, Scheduler, SchedulerConfig};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use test_kit::media;

use crate::support::{all_finished, assert_phase_locked, engine_bin, lab, wait_for};

const KEY_WORDS: [&str; 12] = [
    "pendulum",
    "magnet",
    "resistor",
    "circuit",
    "lens",
    "prism",
    "spring",
    "thermometer",
    "voltage",
    "friction",
    "gravity",
    "density",
];

fn real_config() -> SchedulerConfig {
    let engine = |program: &str, model: &str| EngineConfig {
        program: engine_bin(program),
        args: vec!["run".into()],
        model: test_kit::engines::model(model),
        threads: 2,
        use_gpu: false,
        item_timeout_secs: 600,
        phase_timeout_secs: 1800,
    };
    SchedulerConfig {
        batch_size: 4,
        linger_secs: 0.0,
        eval_seed: 42,
        stt: engine("viva-stt", "ggml-tiny.en.bin"),
        eval: engine("viva-eval", "SmolLM2-135M-Instruct.Q4_1.gguf"),
    }
}

#[tokio::test]
async fn twelve_spoken_videos_are_transcribed_and_graded_in_three_phase_locked_batches() {
    let lab = lab(12).await;
    let mut ids = Vec::new();
    for (i, word) in KEY_WORDS.iter().enumerate() {
        let text = format!(
            "In this lab I measured the {word}. The {word} was the key part of my experiment."
        );
        let name = format!("talk{i}");
        let audio = media::speech_video(lab.dir.path(), &name, &text, media::Voice::SLOW).audio;
        ids.push(lab.enqueue(i, &audio).await);
    }
    let scheduler = Scheduler::start(lab.db.clone(), real_config(), lab.dir.path());
    wait_for(
        &scheduler.handle(),
        Duration::from_secs(1500),
        all_finished(&ids),
    )
    .await;
    scheduler.stop().await;

    let mut misheard = Vec::new();
    for (id, word) in ids.iter().zip(KEY_WORDS) {
        let sub = lab.submission(*id).await;
        assert_eq!(sub.state, SubmissionState::Evaluated, "{sub:?}");
        let text = transcript::Entity::find()
            .filter(transcript::Column::SubmissionId.eq(*id))
            .one(&lab.db)
            .await
            .unwrap()
            .unwrap()
            .text
            .to_lowercase();
        if !text.contains(word) {
            misheard.push(format!("{word:?} not heard in {text:?}"));
        }
        let grade = evaluation::Entity::find()
            .filter(evaluation::Column::SubmissionId.eq(*id))
            .one(&lab.db)
            .await
            .unwrap()
            .unwrap();
        assert!(
            (0..=10).contains(&grade.total),
            "total {} over the rubric's 10",
            grade.total
        );
        assert_eq!(grade.parallel_sequences, 4);
    }
    assert!(misheard.is_empty(), "{misheard:#?}");
    assert_phase_locked(&lab.runs().await, 3);
}

/// The settings screen's model check: each real engine's `check` command loads the model
/// and exits, and names the file it cannot load.
#[tokio::test]
async fn the_real_engines_check_a_model_by_loading_it() {
    use domain::scheduler_settings::{EngineSetup, ModelKind};
    let dir = tempfile::tempdir().unwrap();
    let mut config = real_config();
    for (engine, broken) in [
        (&mut config.stt, "broken.bin"),
        (&mut config.eval, "broken.gguf"),
    ] {
        let name = engine.model.file_name().unwrap().to_owned();
        std::os::unix::fs::symlink(&engine.model, dir.path().join(&name)).unwrap();
        std::fs::write(dir.path().join(broken), b"not a model at all").unwrap();
        engine.model = dir.path().join(name);
    }
    let checker = scheduler::ModelChecker::new(config.clone(), dir.path());
    assert_eq!(
        checker.models(ModelKind::Eval),
        ["SmolLM2-135M-Instruct.Q4_1.gguf", "broken.gguf"]
    );
    let settings = checker.defaults();
    for kind in [ModelKind::Stt, ModelKind::Eval] {
        assert_eq!(checker.check(kind, &settings).await, Ok(()), "{kind:?}");
    }
    let mut broken = settings.clone();
    broken.stt_model = "broken.bin".into();
    broken.eval_model = "broken.gguf".into();
    for (kind, name) in [
        (ModelKind::Stt, "broken.bin"),
        (ModelKind::Eval, "broken.gguf"),
    ] {
        let refused = checker.check(kind, &broken).await.unwrap_err();
        assert!(
            refused.contains("cannot load") && refused.contains(name),
            "{refused}"
        );
    }
}
