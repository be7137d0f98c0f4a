//! One typed configuration, from defaults, then `viva.toml`, then `VIVA_*` environment
//! variables (`VIVA_LOGIN__MAX_FAILURES_PER_USER` for `[login] max_failures_per_user`).
//! Nothing is required: the defaults run a local lab server.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the database and uploads live.
    pub data_dir: PathBuf,
    /// Defaults to the SQLite file `<data_dir>/viva.db`.
    pub database_url: Option<String>,
    pub listen: SocketAddr,
    /// The built front end (WASM, JS, CSS, favicon), as `scripts/build` lays it out.
    pub site_root: PathBuf,
    /// Mark session cookies `Secure`; set when Viva is served over HTTPS (e.g. behind a proxy).
    pub secure_cookies: bool,
    /// A session ends after this many days without a request.
    pub session_idle_days: u32,
    /// Reverse proxies (CIDR, e.g. `["127.0.0.1/32"]`) whose `X-Forwarded-For` names the
    /// client. Empty (the default): the header is ignored and the TCP peer is the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Addresses (CIDR) that may read `/metrics` without logging in, e.g. a Prometheus on
    /// this machine. Admins' sessions may read it from anywhere.
    pub metrics_from: Vec<ipnet::IpNet>,
    pub login: LoginConfig,
    /// The GPU cycle: batch size, linger, and how to start each engine.
    pub scheduler: scheduler::SchedulerConfig,
    pub uploads: UploadsConfig,
    pub status: StatusConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StatusConfig {
    /// Live status streams one user may hold open (tabs and devices together).
    pub max_streams_per_user: u32,
    /// Live status streams the server holds open in all.
    pub max_streams: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UploadsConfig {
    /// Largest upload accepted, in MiB; enforced while the body streams in.
    pub max_mb: u64,
    /// Longest recording accepted, measured on its extracted audio.
    pub max_duration_secs: u64,
    /// Uploads are refused while the data volume has less free space than this.
    pub min_free_mb: u64,
    /// Uploads a student may make to one lab session (replaced ones count).
    pub max_attempts: u32,
    /// Uploads one student may have under way at once (each to a different lab session).
    pub max_concurrent_per_user: u32,
    /// The longest ffprobe or ffmpeg may run on one upload.
    pub tool_timeout_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LoginConfig {
    /// Failed logins for one username before each further attempt must wait.
    pub max_failures_per_user: u32,
    /// Attempts from one client address (failed, or being checked) before each further one
    /// must wait. Every student of a lab behind one NAT address shares it.
    pub max_failures_per_address: u32,
    /// The first wait; it doubles with each further failure.
    pub base_delay_secs: u64,
    pub max_delay_secs: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("data"),
            database_url: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 3000)),
            site_root: PathBuf::from("target/site"),
            secure_cookies: false,
            session_idle_days: 7,
            trusted_proxies: Vec::new(),
            metrics_from: vec![
                ipnet::IpNet::from(std::net::IpAddr::from([127, 0, 0, 1])),
                ipnet::IpNet::from(std::net::IpAddr::from(std::net::Ipv6Addr::LOCALHOST)),
            ],
            login: LoginConfig {
                max_failures_per_user: 5,
                // A class of 30 behind one NAT address may all log in at the same moment.
                max_failures_per_address: 30,
                base_delay_secs: 2,
                max_delay_secs: 15 * 60,
            },
            scheduler: scheduler::SchedulerConfig::default(),
            uploads: UploadsConfig {
                max_mb: 1024,
                max_duration_secs: 15 * 60,
                min_free_mb: 1024,
                max_attempts: 5,
                max_concurrent_per_user: 2,
                tool_timeout_secs: 5 * 60,
            },
            status: StatusConfig {
                max_streams_per_user: 8,
                max_streams: 5000,
            },
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid configuration: {0}")]
    Figment(#[from] Box<figment::Error>),
    #[error("invalid configuration: `{key}` {problem}")]
    Invalid {
        key: &'static str,
        problem: &'static str,
    },
}

impl Config {
    /// Reads `file` (default `viva.toml`, optional) and the environment over the defaults.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let file = file.unwrap_or(Path::new("viva.toml"));
        let config: Config = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file(file))
            .merge(Env::prefixed("VIVA_").split("__"))
            .extract()
            .map_err(Box::new)?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key, problem| Err(ConfigError::Invalid { key, problem });
        if self.data_dir.as_os_str().is_empty() {
            return invalid("data_dir", "must not be empty");
        }
        if self.session_idle_days == 0 {
            return invalid("session_idle_days", "must be at least 1");
        }
        if self.login.max_failures_per_user == 0 {
            return invalid("login.max_failures_per_user", "must be at least 1");
        }
        if self.login.max_failures_per_address == 0 {
            return invalid("login.max_failures_per_address", "must be at least 1");
        }
        if self.login.base_delay_secs == 0 || self.login.base_delay_secs > self.login.max_delay_secs
        {
            return invalid(
                "login.base_delay_secs",
                "must be at least 1 and at most login.max_delay_secs",
            );
        }
        if self.session_idle_days > 365 {
            return invalid("session_idle_days", "must be at most 365");
        }
        if self.login.max_delay_secs > 24 * 60 * 60 {
            return invalid("login.max_delay_secs", "must be at most 86400 (a day)");
        }
        let uploads = &self.uploads;
        if !(1..=1024 * 1024).contains(&uploads.max_mb) {
            return invalid("uploads.max_mb", "must be from 1 to 1048576 (1 TiB)");
        }
        if !(1..=4 * 60 * 60).contains(&uploads.max_duration_secs) {
            return invalid("uploads.max_duration_secs", "must be from 1 to 14400 (4 h)");
        }
        if uploads.min_free_mb > 1024 * 1024 * 1024 {
            return invalid("uploads.min_free_mb", "must be at most 1073741824 (1 PiB)");
        }
        if !(1..=1000).contains(&uploads.max_attempts) {
            return invalid("uploads.max_attempts", "must be from 1 to 1000");
        }
        if !(1..=16).contains(&uploads.max_concurrent_per_user) {
            return invalid("uploads.max_concurrent_per_user", "must be from 1 to 16");
        }
        if !(1..=60 * 60).contains(&uploads.tool_timeout_secs) {
            return invalid("uploads.tool_timeout_secs", "must be from 1 to 3600");
        }
        if !(1..=100).contains(&self.status.max_streams_per_user) {
            return invalid("status.max_streams_per_user", "must be from 1 to 100");
        }
        if !(1..=100_000).contains(&self.status.max_streams) {
            return invalid("status.max_streams", "must be from 1 to 100000");
        }
        if let Some((key, problem)) = self.scheduler.problem() {
            return invalid(key, problem);
        }
        Ok(())
    }

    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("viva.db").display()
            ),
        }
    }

    pub fn session_idle(&self) -> Duration {
        Duration::from_secs(u64::from(self.session_idle_days) * 24 * 60 * 60)
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment's Jail fixes the closures' error type
mod tests {
    use super::*;
    use figment::Jail;

    #[test]
    fn defaults_need_no_file() {
        Jail::expect_with(|_| {
            let config = Config::load(None).map_err(|e| e.to_string())?;
            assert_eq!(config, Config::default());
            assert_eq!(config.database_url(), "sqlite://data/viva.db?mode=rwc");
            Ok(())
        });
    }

    #[test]
    fn file_then_environment_override_defaults() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "viva.toml",
                "listen = \"0.0.0.0:8080\"\n[login]\nmax_failures_per_user = 3\n",
            )?;
            jail.set_env("VIVA_DATA_DIR", "/srv/viva");
            let config = Config::load(None).map_err(|e| e.to_string())?;
            assert_eq!(config.listen.port(), 8080);
            assert_eq!(config.login.max_failures_per_user, 3);
            assert_eq!(config.data_dir, PathBuf::from("/srv/viva"));
            Ok(())
        });
    }

    #[test]
    fn an_invalid_value_names_its_key() {
        Jail::expect_with(|jail| {
            jail.set_env("VIVA_LISTEN", "not-an-address");
            let message = Config::load(None).unwrap_err().to_string();
            assert!(
                message.contains("\"LISTEN\"") && message.contains("VIVA_"),
                "{message}"
            );
            Ok(())
        });
    }

    #[test]
    fn an_unknown_or_out_of_range_key_is_refused() {
        Jail::expect_with(|jail| {
            jail.create_file("viva.toml", "lsiten = \"0.0.0.0:1\"\n")?;
            assert!(
                Config::load(None)
                    .unwrap_err()
                    .to_string()
                    .contains("lsiten")
            );
            jail.create_file("viva.toml", "[login]\nmax_failures_per_user = 0\n")?;
            assert!(
                Config::load(None)
                    .unwrap_err()
                    .to_string()
                    .contains("login.max_failures_per_user")
            );
            Ok(())
        });
    }

    #[test]
    fn huge_values_are_refused_at_start_with_the_key_named() {
        let cases = [
            (
                "[scheduler.eval]\nitem_timeout_secs = 18446744073709551615\n",
                "item_timeout_secs",
            ),
            (
                "[scheduler.stt]\nphase_timeout_secs = 9999999999\n",
                "phase_timeout_secs",
            ),
            ("[scheduler.stt]\nthreads = 100000\n", "threads"),
            ("session_idle_days = 100000\n", "session_idle_days"),
            (
                "[uploads]\nmax_duration_secs = 99999999\n",
                "uploads.max_duration_secs",
            ),
            (
                "[uploads]\ntool_timeout_secs = 0\n",
                "uploads.tool_timeout_secs",
            ),
            ("[uploads]\nmax_attempts = 0\n", "uploads.max_attempts"),
            (
                "[login]\nmax_delay_secs = 99999999\n",
                "login.max_delay_secs",
            ),
        ];
        for (file, key) in cases {
            Jail::expect_with(|jail| {
                jail.create_file("viva.toml", file)?;
                let message = Config::load(None).unwrap_err().to_string();
                assert!(message.contains(key), "{file}: {message}");
                Ok(())
            });
        }
    }
}
