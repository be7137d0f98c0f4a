//! The request an engine reads on its stdin, built from rows already loaded: no database
//! work here, so what goes to an engine can be read (and tested) apart from how it is run.
//! An item whose request cannot be made (its rubric does not parse) is reported, not sent.

use std::collections::HashMap;
use std::path::Path;

use domain::entities::engine_run::Phase;
use domain::entities::{lab_session, submission, transcript};
use engine_protocol::{
    EvalItem, EvalSettings, PROTOCOL_VERSION, Request, Rubric, SttItem, SttSettings,
};
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
}

#[derive(Debug, PartialEq, Eq)]
pub enum EngineRequest {
    /// The request, encoded: one JSON document.
    Ready(Vec<u8>),
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
            encode(settings, SttSettings {}, items)
        }
        Phase::Evaluation => {
            let mut items = Vec::new();
            let mut unusable = Vec::new();
            for p in rows.pending {
                let lab = rows.labs.get(&p.lab_session_id);
                let rubric = lab.and_then(|l| serde_json::from_str::<Rubric>(&l.rubric).ok());
                match (lab, rubric, rows.transcripts.get(&p.id)) {
                    (Some(lab), Some(rubric), Some(t)) => items.push(EvalItem {
                        id: i64::from(p.id),
                        transcript: t.text.clone(),
                        instructions: lab.instructions.clone(),
                        rubric,
                    }),
                    _ => unusable.push((p.id, "its lab session's rubric could not be read".into())),
                }
            }
            if !unusable.is_empty() {
                return Ok(EngineRequest::Unusable(unusable));
            }
            let phase_settings = EvalSettings {
                seed: settings.eval_seed,
                parallel: true,
            };
            encode(settings, phase_settings, items)
        }
    }
}

fn encode<S: Serialize, I: Serialize>(
    settings: &RequestSettings<'_>,
    phase_settings: S,
    items: Vec<I>,
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
        .map(EngineRequest::Ready)
        .map_err(Error::encode("an engine request"))
}
