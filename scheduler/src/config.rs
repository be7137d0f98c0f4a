//! The scheduler's settings, as `[scheduler]` in `viva.toml`.

use std::path::PathBuf;
use std::time::Duration;

use domain::entities::scheduler_setting::RuntimeSettings;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchedulerConfig {
    /// Items per batch: one model load per phase is shared by this many submissions.
    pub batch_size: u32,
    /// How long the oldest waiting item may wait for the batch to fill (0 = start at once).
    pub linger_secs: f64,
    /// Seed recorded with every evaluation (decoding is greedy).
    pub eval_seed: u32,
    pub stt: EngineConfig,
    pub eval: EngineConfig,
}

/// How to start one engine process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineConfig {
    /// The engine binary; a bare name is looked up next to the `viva` binary, then on PATH.
    pub program: PathBuf,
    pub args: Vec<String>,
    pub model: PathBuf,
    pub threads: u32,
    pub use_gpu: bool,
    /// An item (or the model load) taking longer than this kills the engine.
    pub item_timeout_secs: u64,
    /// The whole phase taking longer than this kills the engine.
    pub phase_timeout_secs: u64,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get() as u32);
        Self {
            batch_size: 10,
            linger_secs: 15.0,
            eval_seed: 42,
            stt: EngineConfig {
                program: PathBuf::from("viva-stt"),
                args: vec!["run".into()],
                model: PathBuf::from("models/ggml-tiny.en.bin"),
                threads,
                use_gpu: true,
                item_timeout_secs: 10 * 60,
                phase_timeout_secs: 2 * 60 * 60,
            },
            eval: EngineConfig {
                program: PathBuf::from("viva-eval"),
                args: vec!["run".into()],
                model: PathBuf::from("models/SmolLM2-135M-Instruct.Q4_1.gguf"),
                threads,
                use_gpu: true,
                item_timeout_secs: 10 * 60,
                phase_timeout_secs: 2 * 60 * 60,
            },
        }
    }
}

/// The longest an engine timeout may be set to: a week.
const MAX_TIMEOUT_SECS: u64 = 7 * 24 * 60 * 60;

impl SchedulerConfig {
    /// The first rule broken, as (key, problem), for the server's config error.
    pub fn problem(&self) -> Option<(&'static str, &'static str)> {
        if !(1..=64).contains(&self.batch_size) {
            return Some(("scheduler.batch_size", "must be from 1 to 64"));
        }
        if !(0.0..=3600.0).contains(&self.linger_secs) {
            return Some(("scheduler.linger_secs", "must be from 0 to 3600"));
        }
        for engine in [&self.stt, &self.eval] {
            if !(1..=1024).contains(&engine.threads) {
                return Some((
                    "scheduler.stt.threads / scheduler.eval.threads",
                    "must be from 1 to 1024",
                ));
            }
            // Deadlines are instants: an unbounded timeout would overflow them.
            let timeouts = [engine.item_timeout_secs, engine.phase_timeout_secs];
            if timeouts.iter().any(|t| !(1..=MAX_TIMEOUT_SECS).contains(t)) {
                return Some((
                    "scheduler.stt / scheduler.eval item_timeout_secs, phase_timeout_secs",
                    "must be from 1 to 604800 (a week)",
                ));
            }
        }
        None
    }

    /// What an admin may change at run time, as this configuration sets it.
    pub fn runtime(&self) -> RuntimeSettings {
        RuntimeSettings {
            batch_size: self.batch_size,
            linger_secs: self.linger_secs,
            stt_model: file_name(&self.stt.model),
            eval_model: file_name(&self.eval.model),
            threads: self.eval.threads,
            use_gpu: self.eval.use_gpu,
            item_timeout_secs: self.eval.item_timeout_secs,
            phase_timeout_secs: self.eval.phase_timeout_secs,
        }
    }

    /// This configuration with an admin's run-time settings over it. Models stay in the
    /// folder of the configured ones. The screen has one threads, GPU and timeout setting for
    /// both engines: one the admin left as `viva.toml` set it keeps each engine's own value.
    pub fn with_runtime(&self, runtime: &RuntimeSettings) -> Self {
        let toml = self.runtime();
        let engine = |base: &EngineConfig, model: &str| EngineConfig {
            model: base.model_path(model),
            threads: changed(runtime.threads, toml.threads, base.threads),
            use_gpu: changed(runtime.use_gpu, toml.use_gpu, base.use_gpu),
            item_timeout_secs: changed(
                runtime.item_timeout_secs,
                toml.item_timeout_secs,
                base.item_timeout_secs,
            ),
            phase_timeout_secs: changed(
                runtime.phase_timeout_secs,
                toml.phase_timeout_secs,
                base.phase_timeout_secs,
            ),
            ..base.clone()
        };
        Self {
            batch_size: runtime.batch_size,
            linger_secs: runtime.linger_secs,
            eval_seed: self.eval_seed,
            stt: engine(&self.stt, &runtime.stt_model),
            eval: engine(&self.eval, &runtime.eval_model),
        }
    }

    pub fn linger(&self) -> Duration {
        Duration::from_secs_f64(self.linger_secs)
    }
}

/// The admin's value where it differs from `viva.toml`'s shared one, else the engine's own.
fn changed<T: PartialEq>(admin: T, toml: T, own: T) -> T {
    if admin != toml { admin } else { own }
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

impl EngineConfig {
    /// The folder models are picked from: the configured model's.
    pub fn models_dir(&self) -> PathBuf {
        self.model
            .parent()
            .map_or_else(PathBuf::new, std::path::Path::to_path_buf)
    }

    /// `name`, a file in [`Self::models_dir`].
    pub fn model_path(&self, name: &str) -> PathBuf {
        self.models_dir().join(name)
    }

    pub fn item_timeout(&self) -> Duration {
        Duration::from_secs(self.item_timeout_secs)
    }

    pub fn phase_timeout(&self) -> Duration {
        Duration::from_secs(self.phase_timeout_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_admins_setting_overrides_both_engines_and_one_left_alone_keeps_each_engines_own() {
        let mut toml = SchedulerConfig::default();
        toml.stt.threads = 2;
        toml.eval.threads = 6;
        toml.stt.item_timeout_secs = 60;
        let mut runtime = toml.runtime();
        runtime.batch_size = 3;
        let kept = toml.with_runtime(&runtime);
        assert_eq!(
            (kept.batch_size, kept.stt.threads, kept.eval.threads),
            (3, 2, 6)
        );
        assert_eq!(kept.stt.item_timeout_secs, 60);
        runtime.threads = 4;
        runtime.eval_model = "other.gguf".into();
        let changed = toml.with_runtime(&runtime);
        assert_eq!((changed.stt.threads, changed.eval.threads), (4, 4));
        assert_eq!(changed.eval.model, PathBuf::from("models/other.gguf"));
    }
}
