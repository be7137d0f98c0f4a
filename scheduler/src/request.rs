//! The request an engine reads on its stdin, built from rows already loaded: no database
//! work here, so what goes to an engine can be read (and tested) apart from how it is run.
//! An item whose request cannot be made (its lab session or transcript is gone) is reported,
//! not sent.

use std::collections::HashMap;
use std::path::Path;

use domain::entities::engine_run::Phase;
use domain::entities::{lab_session, rubric_version, submission, transcript};
use engine_protocol::{EvalItem, EvalSettings, PROTOCOL_VERSION, Request, SttItem, SttSettings};
use serde::Serialize;

use crate::config::EngineConfig;
use crate::error::Error;

/// What an engine request needs besides the items.
pub struct RequestSettings<'a> {
    pub engine: &'a EngineConfig,
    /// The OS lock every engine takes before loading its model.
    pub gpu_lock: &'a Path,
    pub eval_seed: u32,
}

/// The rows a request is built from.
pub struct RequestRows<'a> {
    pub pending: &'a [submission::Model],
    pub labs: &'a HashMap<i32, lab_session::Model>,
    /// Only the evaluation phase reads these.
    pub transcripts: &'a HashMap<i32, transcript::Model>,
    /// By submission: the older rubric version a re-run asked for.
    pub chosen_rubrics: &'a HashMap<i32, rubric_version::Model>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum EngineRequest {
    /// The request, encoded: one JSON document, and for an evaluation the rubric version
    /// each item was sent with (what its evaluation records, whatever is edited meanwhile).
    Ready {
        bytes: Vec<u8>,
        rubric_versions: HashMap<i32, i32>,
    },
    /// Items that cannot go in a request, with the reason each one fails.
    Unusable(Vec<(i32, String)>),
}

pub fn build(
    phase: Phase,
    settings: &RequestSettings<'_>,
    rows: &RequestRows<'_>,
) -> Result<EngineRequest, Error> {
    match phase {
        Phase::Stt => {
            let items = rows
                .pending
                .iter()
                .map(|p| SttItem {
                    id: i64::from(p.id),
                    audio: p.audio_path.clone().into(),
                    language: rows.labs.get(&p.lab_session_id).map(|l| l.language.clone()),
                })
                .collect();
            encode(settings, SttSettings {}, items, HashMap::new())
        }
        Phase::Evaluation => {
            let mut items = Vec::new();
            let mut unusable = Vec::new();
            let mut rubric_versions = HashMap::new();
            for p in rows.pending {
                let lab = rows.labs.get(&p.lab_session_id);
                match (lab, rows.transcripts.get(&p.id)) {
                    (Some(lab), Some(t)) => {
                        let (version, rubric) = match rows.chosen_rubrics.get(&p.id) {
                            Some(chosen) => (chosen.version, &chosen.rubric),
                            None => (lab.rubric_version, &lab.rubric),
                        };
                        rubric_versions.insert(p.id, version);
                        items.push(EvalItem {
                            id: i64::from(p.id),
                            transcript: t.text.clone(),
                            segments: t.segments.0.clone(),
                            instructions: lab.instructions.clone(),
                            rubric: rubric.clone(),
                        });
                    }
                    _ => unusable.push((p.id, "its lab session or transcript is missing".into())),
                }
            }
            if !unusable.is_empty() {
                return Ok(EngineRequest::Unusable(unusable));
            }
            let phase_settings = EvalSettings {
                seed: settings.eval_seed,
                parallel: true,
            };
            encode(settings, phase_settings, items, rubric_versions)
        }
    }
}

fn encode<S: Serialize, I: Serialize>(
    settings: &RequestSettings<'_>,
    phase_settings: S,
    items: Vec<I>,
    rubric_versions: HashMap<i32, i32>,
) -> Result<EngineRequest, Error> {
    let engine = settings.engine;
    let request = Request {
        version: PROTOCOL_VERSION,
        model: engine.model.clone(),
        gpu_lock: settings.gpu_lock.to_path_buf(),
        threads: engine.threads,
        use_gpu: engine.use_gpu,
        settings: phase_settings,
        items,
    };
    serde_json::to_vec(&request)
        .map(|bytes| EngineRequest::Ready {
            bytes,
            rubric_versions,
        })
        .map_err(Error::encode("an engine request"))
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use domain::entities::lab_session::ReleaseMode;
    use domain::entities::submission::SubmissionState;
    use domain::labs::{Rubric, RubricRules};
    use engine_protocol::{Segment, Segments};

    use super::*;

    fn lab(id: i32, rubric_version: i32) -> lab_session::Model {
        lab_session::Model {
            id,
            owner_id: 1,
            title: "Lab".into(),
            instructions: "Explain.".into(),
            rubric: Rubric::standard(),
            rubric_version,
            language: "de".into(),
            release_mode: ReleaseMode::Automatic,
            join_code: None,
            deadline: None,
            open: true,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn item(id: i32, lab: i32) -> submission::Model {
        submission::Model {
            id,
            student_id: 7,
            lab_session_id: lab,
            original_name: "talk.mp4".into(),
            media_path: None,
            media_sha256: None,
            audio_path: format!("/data/{id}.wav"),
            duration_ms: 1000,
            attempt: 1,
            state: SubmissionState::Transcribed,
            batch_id: Some(1),
            stt_crashes: 0,
            eval_crashes: 0,
            failure_reason: None,
            rerun_by: None,
            rerun_reason: None,
            rerun_rubric_version: None,
            rerun_model: None,
            retranscribe: None,
            failure_before_rerun: None,
            estimated_wait_ms: None,
            estimated_results_ms: None,
            queued_at: Utc::now(),
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn transcript(id: i32) -> transcript::Model {
        transcript::Model {
            id,
            submission_id: id,
            text: format!("talk {id}"),
            segments: Segments(vec![Segment {
                start_ms: 0,
                end_ms: 1000,
                text: format!("talk {id}"),
            }]),
            language: "de".into(),
            model: "tiny".into(),
            ms: 1,
            batch_id: None,
            engine_run_id: None,
            created_at: Utc::now(),
        }
    }

    fn engine() -> EngineConfig {
        EngineConfig {
            program: "viva-eval".into(),
            args: Vec::new(),
            model: "/models/m.gguf".into(),
            threads: 2,
            use_gpu: false,
            item_timeout_secs: 1,
            phase_timeout_secs: 1,
        }
    }

    #[test]
    fn an_evaluation_request_carries_each_labs_rubric_and_names_its_version() {
        let engine = engine();
        let settings = RequestSettings {
            engine: &engine,
            gpu_lock: Path::new("/data/gpu.lock"),
            eval_seed: 9,
        };
        let labs = HashMap::from([(1, lab(1, 3)), (2, lab(2, 1))]);
        let transcripts = HashMap::from([(10, transcript(10)), (11, transcript(11))]);
        let pending = [item(10, 1), item(11, 2)];
        let rows = RequestRows {
            pending: &pending,
            labs: &labs,
            transcripts: &transcripts,
            chosen_rubrics: &HashMap::new(),
        };
        let EngineRequest::Ready {
            bytes,
            rubric_versions,
        } = build(Phase::Evaluation, &settings, &rows).unwrap()
        else {
            panic!("every item has its rows");
        };
        assert_eq!(rubric_versions, HashMap::from([(10, 3), (11, 1)]));
        let sent: Request<EvalSettings, EvalItem> = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(sent.settings.seed, 9);
        assert_eq!(sent.items[1].transcript, "talk 11");
        assert_eq!(sent.items[1].segments, transcripts[&11].segments.0);
        assert_eq!(sent.items[0].rubric, Rubric::standard());

        let stt: Request<SttSettings, SttItem> = match build(Phase::Stt, &settings, &rows) {
            Ok(EngineRequest::Ready { bytes, .. }) => serde_json::from_slice(&bytes).unwrap(),
            other => panic!("{other:?}"),
        };
        assert_eq!(stt.items[0].language.as_deref(), Some("de"));
    }

    #[test]
    fn an_item_without_its_transcript_is_unusable_not_sent() {
        let engine = engine();
        let settings = RequestSettings {
            engine: &engine,
            gpu_lock: Path::new("/data/gpu.lock"),
            eval_seed: 9,
        };
        let labs = HashMap::from([(1, lab(1, 1))]);
        let transcripts = HashMap::from([(10, transcript(10))]);
        let pending = [item(10, 1), item(11, 1), item(12, 5)];
        let rows = RequestRows {
            pending: &pending,
            labs: &labs,
            transcripts: &transcripts,
            chosen_rubrics: &HashMap::new(),
        };
        let EngineRequest::Unusable(problems) = build(Phase::Evaluation, &settings, &rows).unwrap()
        else {
            panic!("two items lack rows");
        };
        assert_eq!(
            problems.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
            [11, 12]
        );
    }
}
