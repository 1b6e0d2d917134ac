//! What answers the client: the embedded sandbox (with its scenarios and
//! faults), or the real API behind a recorder (`--upstream`).

use crate::app::config::{check_base_url, BaseUrlError, ConfigError};
use crate::app::error::{AppError, UsageError};
use crate::cli::ClientArgs;
use crate::recorder::{upstream_client, RecordedServer};
use crate::sandbox::{Hold, SandboxConfig, Scenario, FIXTURES};
use crate::secret::{Redactor, Secret};

use super::super::sandbox_config;

/// How long the real API has to answer one forwarded call.
const UPSTREAM_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The counterpart of a client run.
#[derive(Debug)]
pub enum Counterpart {
    Sandbox(SandboxConfig),
    /// The real API's base URL, checked like `run`'s, and the scenarios
    /// the recorder presents itself in front of it.
    Upstream {
        url: String,
        scenarios: Vec<Scenario>,
    },
}

impl Counterpart {
    /// The counterpart `args` ask for; sandbox-only settings with
    /// `--upstream` are refused rather than ignored.
    /// A key pasted in place of the URL is not shown back: the errors are
    /// redacted with the client's key from `env`.
    pub fn from_args(
        args: &ClientArgs,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Counterpart, AppError> {
        if let Some(upstream) = &args.upstream {
            if !args.behaviour.faults.is_empty() {
                return Err(UsageError::FaultWithUpstream.into());
            }
            if !args.behaviour.dialects.is_empty() {
                return Err(UsageError::DialectWithUpstream.into());
            }
            let url = check_base_url(upstream, args.allow_insecure_http)
                .map_err(|e| e.redacted(&Redactor::new(&clients_key(env))))?;
            let scenarios = args.scenarios.clone();
            // A scenario the recorder cannot present is refused, not ignored.
            if let Some((scenario, reason)) = scenarios
                .iter()
                .find_map(|s| s.upstream_refusal().map(|r| (*s, r)))
            {
                return Err(UsageError::ScenarioWithUpstream {
                    name: scenario.name(),
                    reason,
                    usable: upstream_scenarios(),
                }
                .into());
            }
            return Ok(Counterpart::Upstream { url, scenarios });
        }
        let mut config = sandbox_config(&args.behaviour);
        config.scenarios = args.scenarios.clone();
        config.hold = args.hold_running_reads.map(Hold::releasing_after);
        Ok(Counterpart::Sandbox(config))
    }

    /// The scenarios presented to the client, by whichever side.
    fn scenarios(&self) -> &[Scenario] {
        match self {
            Counterpart::Sandbox(config) => &config.scenarios,
            Counterpart::Upstream { scenarios, .. } => scenarios,
        }
    }

    /// Starts it behind the recorder on 127.0.0.1:`port`.
    pub async fn start(
        &self,
        port: u16,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<RecordedServer, AppError> {
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        let server = match self {
            Counterpart::Sandbox(config) => RecordedServer::sandbox(addr, config.clone())
                .await
                .map_err(AppError::Recorder)?,
            Counterpart::Upstream { url, scenarios } => {
                let url = reqwest::Url::parse(url).map_err(|e| {
                    ConfigError::from(BaseUrlError::Unparsable {
                        text: url.clone(),
                        reason: e.to_string(),
                    })
                })?;
                let client = upstream_client(&url, UPSTREAM_TIMEOUT, env)?;
                RecordedServer::upstream(addr, url, client, scenarios.clone())
                    .await
                    .map_err(AppError::Recorder)?
            }
        };
        Ok(server)
    }

    /// The secrets a client run redacts: every key the sandbox knows, or
    /// the key the environment gives the client for the real API (the
    /// keys seen in `x-api-key` are added when grading).
    pub fn secrets(&self, env: &dyn Fn(&str) -> Option<String>) -> Vec<Secret> {
        match self {
            Counterpart::Sandbox(_) => super::sandbox_secrets(),
            Counterpart::Upstream { .. } => clients_key(env),
        }
    }

    /// The variables the COMMAND gets: with the sandbox, its URL and the
    /// primary account's fixtures; with `--upstream`, the recorder's URL
    /// only (the key and entry point are the client's own, from its
    /// environment).
    pub fn command_env(&self, base_url: &str) -> Vec<(String, String)> {
        let mut env = vec![("WAPZI_BASE_URL".to_string(), base_url.to_string())];
        if let Counterpart::Sandbox(_) = self {
            env.push(("WAPZI_API_KEY".into(), FIXTURES.api_key.into()));
            env.push((
                "WAPZI_ENTRY_POINT_ID".into(),
                FIXTURES.entry_point_id.into(),
            ));
        }
        // The scenarios on, comma-separated (empty for none), so a test
        // can expect what each one makes happen.
        let scenarios: Vec<&str> = self.scenarios().iter().map(|s| s.name()).collect();
        env.push(("WAPZI_SCENARIOS".into(), scenarios.join(",")));
        env
    }

    /// One line: what answers the client.
    pub fn describe(&self) -> String {
        match self {
            Counterpart::Sandbox(config) if config.scenarios.is_empty() => "sandbox".into(),
            Counterpart::Sandbox(config) => {
                let names: Vec<&str> = config.scenarios.iter().map(|s| s.name()).collect();
                format!("sandbox (scenarios: {})", names.join(", "))
            }
            Counterpart::Upstream { url, scenarios } if scenarios.is_empty() => {
                format!("recorder forwarding to {url}")
            }
            Counterpart::Upstream { url, scenarios } => {
                let names: Vec<&str> = scenarios.iter().map(|s| s.name()).collect();
                format!(
                    "recorder forwarding to {url} (scenarios it presents itself: {})",
                    names.join(", ")
                )
            }
        }
    }

    /// What a person driving the client by hand needs: the URL and, for
    /// the sandbox, its fixtures.
    pub fn describe_for_person(&self, base_url: &str) -> String {
        match self {
            Counterpart::Sandbox(config) if config.scenarios.is_empty() => {
                FIXTURES.describe(base_url)
            }
            Counterpart::Sandbox(config) => {
                let mut text = FIXTURES.describe(base_url);
                text.push_str("\nScenarios presented:\n");
                for scenario in &config.scenarios {
                    text.push_str(&format!(
                        "  {:<20} {}\n",
                        scenario.name(),
                        scenario.description()
                    ));
                }
                text
            }
            Counterpart::Upstream { url, scenarios } => {
                let mut text = format!(
                    "Recorder at {base_url}, forwarding every call to {url}.\n\
                     Point your backend's WAPZI_BASE_URL at {base_url}; it keeps its own key."
                );
                if !scenarios.is_empty() {
                    text.push_str(
                        "\nScenarios the recorder presents itself (those calls are not forwarded):\n",
                    );
                    for scenario in scenarios {
                        text.push_str(&format!(
                            "  {:<20} {}\n",
                            scenario.name(),
                            scenario.description()
                        ));
                    }
                }
                text
            }
        }
    }

    pub fn upstream_url(&self) -> Option<String> {
        match self {
            Counterpart::Upstream { url, .. } => Some(url.clone()),
            Counterpart::Sandbox(_) => None,
        }
    }

    pub fn is_sandbox(&self) -> bool {
        matches!(self, Counterpart::Sandbox(_))
    }

    /// The entry point the client is expected to use.
    pub fn entry_point_id(&self, env: &dyn Fn(&str) -> Option<String>) -> String {
        match self {
            Counterpart::Sandbox(_) => FIXTURES.entry_point_id.to_string(),
            Counterpart::Upstream { .. } => env("WAPZI_ENTRY_POINT_ID").unwrap_or_default(),
        }
    }
}

/// The key the environment gives the client for the real API, if any.
fn clients_key(env: &dyn Fn(&str) -> Option<String>) -> Vec<Secret> {
    env("WAPZI_API_KEY")
        .and_then(|key| Secret::new(key.trim(), "WAPZI_API_KEY").ok())
        .into_iter()
        .collect()
}

/// The scenarios that work with `--upstream`, comma-separated.
fn upstream_scenarios() -> String {
    let names: Vec<&str> = crate::sandbox::Scenario::ALL
        .iter()
        .filter(|info| {
            info.name
                .parse::<Scenario>()
                .is_ok_and(Scenario::works_upstream)
        })
        .map(|info| info.name)
        .collect();
    names.join(", ")
}
