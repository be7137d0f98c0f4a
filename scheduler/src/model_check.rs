//! Checking a model before an admin's settings use it: the engine's `check` command loads
//! it (taking the GPU lock like any engine, so it waits for a running phase) and exits. The
//! web layer reaches this through [`domain::scheduler_settings::EngineSetup`].

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use domain::entities::scheduler_setting::RuntimeSettings;
use domain::scheduler_settings::{EngineSetup, ModelKind};
use engine_protocol::{EvalSettings, Event, PROTOCOL_VERSION, Request, SttSettings};
use serde_json::Value;

use crate::config::{EngineConfig, SchedulerConfig};
use crate::engine::EngineProcess;

/// The configured engines, for the settings screen.
pub struct ModelChecker {
    base: SchedulerConfig,
    gpu_lock: PathBuf,
}

impl ModelChecker {
    pub fn new(base: SchedulerConfig, data_dir: &std::path::Path) -> Self {
        Self {
            base,
            gpu_lock: data_dir.join("gpu.lock"),
        }
    }

    async fn load(&self, engine: EngineConfig, kind: ModelKind) -> Result<(), String> {
        let request = match kind {
            ModelKind::Stt => encode(&engine, &self.gpu_lock, SttSettings {}),
            ModelKind::Eval => encode(
                &engine,
                &self.gpu_lock,
                EvalSettings {
                    seed: self.base.eval_seed,
                    parallel: true,
                },
            ),
        }?;
        let mut check = engine.clone();
        check.args = check_args(&engine.args);
        let mut process = EngineProcess::spawn(&check, &request)
            .await
            .map_err(|e| format!("cannot start {}: {e}", engine.program.display()))?;
        let read = async {
            while let Some(line) = process.next_line().await.map_err(|e| e.to_string())? {
                match serde_json::from_str::<Event<Value>>(&line) {
                    Ok(Event::Finished { .. }) => return Ok(()),
                    Ok(Event::Error { message }) => return Err(message),
                    _ => {}
                }
            }
            Err("the engine exited without loading the model".to_owned())
        };
        let outcome = tokio::time::timeout(engine.item_timeout(), read)
            .await
            .unwrap_or_else(|_| Err("loading the model took longer than the item timeout".into()));
        if outcome.is_err() {
            process.kill().await;
        } else {
            let _ = process.wait().await;
        }
        outcome
    }
}

/// `run` becomes `check`; an engine started without `run` (the test engine) gets `check`
/// first.
fn check_args(args: &[String]) -> Vec<String> {
    if args.iter().any(|a| a == "run") {
        args.iter()
            .map(|a| {
                if a == "run" {
                    "check".into()
                } else {
                    a.clone()
                }
            })
            .collect()
    } else {
        std::iter::once("check".to_owned())
            .chain(args.iter().cloned())
            .collect()
    }
}

fn encode<S: serde::Serialize>(
    engine: &EngineConfig,
    gpu_lock: &std::path::Path,
    settings: S,
) -> Result<Vec<u8>, String> {
    let request = Request::<S, Value> {
        version: PROTOCOL_VERSION,
        model: engine.model.clone(),
        gpu_lock: gpu_lock.to_path_buf(),
        threads: engine.threads,
        use_gpu: engine.use_gpu,
        settings,
        items: Vec::new(),
    };
    serde_json::to_vec(&request).map_err(|e| e.to_string())
}

impl EngineSetup for ModelChecker {
    fn defaults(&self) -> RuntimeSettings {
        self.base.runtime()
    }

    fn models(&self, kind: ModelKind) -> Vec<String> {
        match kind {
            ModelKind::Stt => domain::model_files::list(&self.base.stt.models_dir(), "bin"),
            ModelKind::Eval => domain::model_files::list(&self.base.eval.models_dir(), "gguf"),
        }
    }

    fn check<'a>(
        &'a self,
        kind: ModelKind,
        settings: &'a RuntimeSettings,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        let config = self.base.with_runtime(settings);
        let engine = match kind {
            ModelKind::Stt => config.stt,
            ModelKind::Eval => config.eval,
        };
        Box::pin(self.load(engine, kind))
    }
}
