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
