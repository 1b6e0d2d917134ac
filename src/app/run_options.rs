//! The run's own settings (timeouts, concurrency, reports folder, which
//! checks), each with where it came from, and the `run -v` lines that say
//! where every setting of the run came from, before the checks run:
//!
//! ```text
//! setting: base URL = http://127.0.0.1:8080 (from WAPZI_BASE_URL)
//! setting: entry point = ep_1 (from --entry-point)
//! setting: API key (from --api-key-file /home/me/.wapzi-key)
//! setting: fixture previous_api_key (from WAPZI_PREVIOUS_API_KEY in --env-file .env, line 4)
//! setting: checks = built-in, ./checks (default: the built-in checks and your own)
//! setting: reports = reports (default)
//! setting: request timeout = 30s (default)
//! setting: proxy = proxy.corp:3128 (from HTTPS_PROXY)
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::check::CheckSource;
use crate::cli::RunArgs;
use crate::run::{ProxyChoice, Timeouts};
use crate::source::{setting_line, Source, Sourced};

use super::config::TargetConfig;

/// How many checks run at once unless `--concurrency` says.
pub(super) const DEFAULT_CONCURRENCY: u16 = 16;
/// The reports' root folder unless `--reports` says.
pub(super) const DEFAULT_REPORTS: &str = "reports";

/// The settings of a run that are not the target's.
#[derive(Debug)]
pub(super) struct RunOptions {
    pub request_timeout: Sourced<Duration>,
    pub connect_timeout: Sourced<Duration>,
    pub check_timeout: Sourced<Duration>,
    pub deadline: Sourced<Duration>,
    /// `None`: each check's own polling timeout.
    pub poll_timeout: Option<Duration>,
    pub concurrency: Sourced<u16>,
    /// `None`: `--no-reports`.
    pub reports: Option<Sourced<PathBuf>>,
}

impl RunOptions {
    /// The options `args` give, defaults filling the rest.
    pub fn from_args(args: &RunArgs) -> RunOptions {
        let defaults = Timeouts::default();
        let duration =
            |given: Option<Duration>, flag, default| Sourced::flag_or_default(given, flag, default);
        RunOptions {
            request_timeout: duration(args.timeout, "--timeout", defaults.request),
            connect_timeout: duration(args.connect_timeout, "--connect-timeout", defaults.connect),
            check_timeout: duration(args.check_timeout, "--check-timeout", defaults.check),
            deadline: duration(args.deadline, "--deadline", defaults.deadline),
            poll_timeout: args.poll_timeout,
            concurrency: Sourced::flag_or_default(
                args.concurrency,
                "--concurrency",
                DEFAULT_CONCURRENCY,
            ),
            reports: (!args.no_reports).then(|| {
                Sourced::flag_or_default(
                    args.reports.clone(),
                    "--reports",
                    PathBuf::from(DEFAULT_REPORTS),
                )
            }),
        }
    }

    /// The run's timeouts.
    pub fn timeouts(&self) -> Timeouts {
        Timeouts {
            connect: self.connect_timeout.value,
            request: self.request_timeout.value,
            check: self.check_timeout.value,
            deadline: self.deadline.value,
        }
    }
}

/// Where the checks are loaded from: `--checks`, else the default choice
/// (`checks_set`), its hints and warnings left out.
pub(super) fn check_sources(paths: &[PathBuf], default_dir: &Path) -> Sourced<Vec<CheckSource>> {
    super::checks_set::choose_checks(paths, default_dir).sources
}

/// Every setting of the run, a `setting: ...` line each; the key and
/// secret fixtures by their source alone.
pub(super) fn setting_lines(
    config: &TargetConfig,
    checks: &Sourced<Vec<CheckSource>>,
    options: &RunOptions,
    proxy: Option<&ProxyChoice>,
) -> Vec<String> {
    let TargetConfig { target, sources } = config;
    let mut lines = vec![
        setting_line("base URL", Some(&target.base_url), &sources.base_url),
        setting_line(
            "entry point",
            Some(&target.entry_point_id),
            &sources.entry_point_id,
        ),
        setting_line("API key", None, &sources.api_key),
    ];
    for (name, source) in &sources.fixtures {
        lines.push(setting_line(&format!("fixture {name}"), None, source));
    }
    lines.push(checks_line(checks));
    lines.push(match &options.reports {
        Some(reports) => setting_line("reports", Some(&reports.value.display()), &reports.source),
        None => setting_line("reports", Some(&"none"), &Source::Flag("--no-reports")),
    });
    let durations = [
        ("request timeout", &options.request_timeout),
        ("connect timeout", &options.connect_timeout),
        ("check timeout", &options.check_timeout),
        ("deadline", &options.deadline),
    ];
    for (name, duration) in durations {
        let shown = humantime::format_duration(duration.value);
        lines.push(setting_line(name, Some(&shown), &duration.source));
    }
    lines.push(match options.poll_timeout {
        Some(timeout) => setting_line(
            "poll timeout",
            Some(&humantime::format_duration(timeout)),
            &Source::Flag("--poll-timeout"),
        ),
        None => setting_line("poll timeout", Some(&"each check's own"), &Source::Default),
    });
    let concurrency = &options.concurrency;
    lines.push(setting_line(
        "concurrency",
        Some(&concurrency.value),
        &concurrency.source,
    ));
    if let Some(proxy) = proxy {
        // `host:port` only: the proxy's URL may hold credentials.
        let source = Source::Env(proxy.var.to_string());
        lines.push(setting_line("proxy", Some(&proxy.host), &source));
    }
    lines
}

/// `setting: checks = built-in (default: there is no ./checks)`.
fn checks_line(checks: &Sourced<Vec<CheckSource>>) -> String {
    let shown = checks
        .value
        .iter()
        .map(|source| match source {
            CheckSource::Builtin => "built-in".to_string(),
            CheckSource::Path(path) if path.is_relative() && checks.source == Source::Default => {
                format!("./{}", path.display())
            }
            CheckSource::Path(path) => path.display().to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let source = match (&checks.source, checks.value.as_slice()) {
        (Source::Default, [CheckSource::Builtin]) => {
            "default: no checks of your own in ./checks".to_string()
        }
        (Source::Default, [CheckSource::Builtin, ..]) => {
            "default: the built-in checks and your own".to_string()
        }
        (Source::Default, _) => {
            "default: ./checks holds changed copies of built-in checks".to_string()
        }
        (source, _) => source.to_string(),
    };
    format!("setting: checks = {shown} ({source})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checks_line_says_why_the_default_set_was_chosen() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let missing = dir.path().join("checks");
        let builtin = check_sources(&[], &missing);
        assert_eq!(
            checks_line(&builtin),
            "setting: checks = built-in (default: no checks of your own in ./checks)"
        );
        let given = check_sources(&[PathBuf::from("builtin"), PathBuf::from("mine")], &missing);
        assert_eq!(
            checks_line(&given),
            "setting: checks = built-in, mine (from --checks)"
        );
        let folder = Sourced {
            value: vec![CheckSource::Path(PathBuf::from("checks"))],
            source: Source::Default,
        };
        assert_eq!(
            checks_line(&folder),
            "setting: checks = ./checks (default: ./checks holds changed copies of built-in checks)"
        );
    }
}
