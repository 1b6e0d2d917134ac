//! Resolving the target of a run from flags and the environment, refusing
//! anything that would be unsafe or ambiguous before a request is sent.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::check::FixtureCatalog;
use crate::cli::RunArgs;
use crate::file::{read_regular, strip_bom, ReadError};
use crate::run::TargetSettings;
use crate::secret::{Redactor, Secret, SecretError};
use crate::source::Source;

/// The default base URL, from the API reference.
pub const DEFAULT_BASE_URL: &str = "https://api.wapzi.com.br";

/// A target's settings, as flags and environment (or the sandbox) give
/// them, with where each came from.
#[derive(Debug)]
pub struct TargetConfig {
    /// The settings the run is given.
    pub target: TargetSettings,
    /// Where each of them came from, recorded as it was resolved.
    pub sources: TargetSources,
}

/// Where each setting of a [`TargetConfig`] came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetSources {
    pub base_url: Source,
    pub api_key: Source,
    pub entry_point_id: Source,
    /// By fixture name, secret or not.
    pub fixtures: BTreeMap<String, Source>,
}

/// A lookup of a variable with its source: the environment, or an
/// `--env-file` behind it.
pub type SourcedEnv<'a> = &'a dyn Fn(&str) -> Option<(String, Source)>;

/// A setting of the target that is missing or invalid, with what to do
/// about it. No variant holds a secret's value: a path or pair that may be
/// a pasted key is not shown, and a base URL's text is redacted with the
/// key before it is kept.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("no API key: set WAPZI_API_KEY or pass --api-key-file PATH (the key is never taken as a flag value)")]
    NoApiKey,
    #[error("{0}: set it to the key copied from /dashboard/settings")]
    InvalidKey(SecretError),
    #[error("no entry point: pass --entry-point ID or set WAPZI_ENTRY_POINT_ID")]
    NoEntryPoint,
    /// A secret fixture's value from the environment.
    #[error("{0}")]
    InvalidSecret(SecretError),
    #[error("{error} ({path})")]
    InvalidSecretFile { error: SecretError, path: PathBuf },
    #[error("cannot read {what} at {shown}: {reason}")]
    UnreadableSecretFile {
        what: String,
        shown: String,
        reason: String,
    },
    #[error("--secret-file {name}: not a secret fixture; secret fixtures: {known}")]
    NotASecretFixture { name: String, known: String },
    #[error("--fixture {name}: unknown fixture; known: {known}")]
    UnknownFixture { name: String, known: String },
    #[error("--fixture {name}: `{name}` is a secret; supply it with {var} or --secret-file {name}=PATH, never as a flag value")]
    SecretAsFlag { name: String, var: String },
    #[error("--fixture {name}: the sandbox supplies `{name}` itself; with --sandbox, --fixture only adds a fixture it does not (such as completion_budget=600ms)")]
    SuppliedBySandbox { name: String },
    #[error(
        "fixture `{name}` is not a duration (`{shown}`: {reason}); write e.g. `30s` or `500ms`"
    )]
    NotADuration {
        name: String,
        shown: String,
        reason: String,
    },
    #[error("{flag} {shown}: expected {shape}")]
    MalformedPair {
        flag: &'static str,
        shown: String,
        shape: &'static str,
    },
    #[error(transparent)]
    BaseUrl(#[from] BaseUrlError),
    #[error("cannot read --env-file {path}: {reason}")]
    UnreadableEnvFile { path: String, reason: String },
    #[error("--env-file {path}: {line} is not `NAME=VALUE` (quote values that hold spaces or `#`; the value is not shown)")]
    MalformedEnvLine { path: String, line: String },
}

/// Why a base URL (`--base-url`, `WAPZI_BASE_URL`, `--upstream`) is refused.
#[derive(Debug, thiserror::Error)]
pub enum BaseUrlError {
    #[error("invalid base URL `{text}`: {reason} (expected e.g. https://api.wapzi.com.br)")]
    Unparsable { text: String, reason: String },
    #[error("invalid base URL `{text}`: use http:// or https:// with a host")]
    NotHttp { text: String },
    #[error("invalid base URL `{shown}` (its credentials, query or fragment not shown): no credentials, query or fragment allowed (the key goes in x-api-key)")]
    HoldsSecrets { shown: String },
    #[error("refusing plain http:// to {host}{why}: the API key would travel unencrypted; use https:// or pass --allow-insecure-http")]
    InsecureHttp { host: String, why: String },
}

impl BaseUrlError {
    /// The error with a key pasted into the URL's text redacted.
    pub(crate) fn redacted(self, redactor: &Redactor) -> BaseUrlError {
        match self {
            BaseUrlError::Unparsable { text, reason } => BaseUrlError::Unparsable {
                text: redactor.redact(&text),
                reason,
            },
            BaseUrlError::NotHttp { text } => BaseUrlError::NotHttp {
                text: redactor.redact(&text),
            },
            BaseUrlError::HoldsSecrets { shown } => BaseUrlError::HoldsSecrets {
                shown: redactor.redact(&shown),
            },
            BaseUrlError::InsecureHttp { host, why } => BaseUrlError::InsecureHttp {
                host: redactor.redact(&host),
                why,
            },
        }
    }
}

/// Reads the target from `args`, falling back to `env` (the process
/// environment, or an `--env-file` behind it, in production; a table in
/// tests), and records where each setting came from.
pub fn resolve_target(
    args: &RunArgs,
    catalog: &FixtureCatalog,
    env: SourcedEnv<'_>,
) -> Result<TargetConfig, ConfigError> {
    let (api_key, api_key_source) = match &args.api_key_file {
        Some(path) => (
            read_secret_file(path, "the key file (--api-key-file)")?,
            Source::FlagFile("--api-key-file", path.clone()),
        ),
        None => match env("WAPZI_API_KEY") {
            Some((value, source)) => (
                Secret::new(&value, "WAPZI_API_KEY").map_err(ConfigError::InvalidKey)?,
                source,
            ),
            None => return Err(ConfigError::NoApiKey),
        },
    };
    let (base_url, base_url_source) =
        flag_or_env(&args.base_url, "--base-url", "WAPZI_BASE_URL", env)
            .unwrap_or_else(|| (DEFAULT_BASE_URL.to_string(), Source::Default));
    // A key pasted into the base URL must not be printed back.
    let base_url = check_base_url(&base_url, args.allow_insecure_http)
        .map_err(|e| e.redacted(&Redactor::new([&api_key])))?;
    let (entry_point_id, entry_point_source) = flag_or_env(
        &args.entry_point,
        "--entry-point",
        "WAPZI_ENTRY_POINT_ID",
        env,
    )
    .map(|(s, source)| (s.trim().to_string(), source))
    .filter(|(s, _)| !s.is_empty())
    .ok_or(ConfigError::NoEntryPoint)?;
    let fixtures = resolve_fixtures(args, catalog, env)?;
    Ok(TargetConfig {
        target: TargetSettings {
            base_url,
            api_key,
            entry_point_id,
            fixtures: fixtures.plain,
            secret_fixtures: fixtures.secret,
        },
        sources: TargetSources {
            base_url: base_url_source,
            api_key: api_key_source,
            entry_point_id: entry_point_source,
            fixtures: fixtures.sources,
        },
    })
}

/// The value of `flag` if given, else of the variable `var`, with its source.
fn flag_or_env(
    flag_value: &Option<String>,
    flag: &'static str,
    var: &str,
    env: SourcedEnv<'_>,
) -> Option<(String, Source)> {
    match flag_value {
        Some(value) => Some((value.clone(), Source::Flag(flag))),
        None => env(var),
    }
}

/// The fixtures supplied, and where each came from.
#[derive(Default)]
struct Fixtures {
    plain: BTreeMap<String, String>,
    secret: BTreeMap<String, Secret>,
    sources: BTreeMap<String, Source>,
}

fn resolve_fixtures(
    args: &RunArgs,
    catalog: &FixtureCatalog,
    env: SourcedEnv<'_>,
) -> Result<Fixtures, ConfigError> {
    let mut found = Fixtures::default();
    let Fixtures {
        plain,
        secret,
        sources,
    } = &mut found;
    for fixture in catalog.iter() {
        let Some((value, source)) = env(&fixture.env_var()) else {
            continue;
        };
        if fixture.secret {
            secret.insert(
                fixture.name.clone(),
                Secret::new(&value, &fixture.env_var()).map_err(ConfigError::InvalidSecret)?,
            );
        } else if !value.trim().is_empty() {
            plain.insert(fixture.name.clone(), value.trim().to_string());
        } else {
            continue;
        }
        sources.insert(fixture.name.clone(), source);
    }
    let named = [
        (
            "no_attendants_entry_point_id",
            &args.no_attendants_entry_point,
            "--no-attendants-entry-point",
        ),
        (
            "unavailable_entry_point_id",
            &args.unavailable_entry_point,
            "--unavailable-entry-point",
        ),
    ];
    for (name, value, flag) in named {
        if let Some(value) = value {
            plain.insert(name.to_string(), value.trim().to_string());
            sources.insert(name.to_string(), Source::Flag(flag));
        }
    }
    for (name, value) in fixture_flags(&args.fixtures, catalog)? {
        plain.insert(name.clone(), value);
        sources.insert(name, Source::Flag("--fixture"));
    }
    for pair in &args.secret_files {
        let (name, path) = split_pair(pair, "--secret-file", "NAME=PATH")?;
        match catalog.get(name) {
            Some(f) if f.secret => {
                secret.insert(
                    name.to_string(),
                    read_secret_file(Path::new(path), &format!("--secret-file {name}"))?,
                );
                sources.insert(
                    name.to_string(),
                    Source::FlagFile("--secret-file", PathBuf::from(path)),
                );
            }
            _ => {
                return Err(ConfigError::NotASecretFixture {
                    name: name.to_string(),
                    known: catalog
                        .iter()
                        .filter(|f| f.secret)
                        .map(|f| f.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                })
            }
        }
    }
    Ok(found)
}

/// The `--fixture NAME=VALUE` flags, each a known, non-secret fixture.
pub(crate) fn fixture_flags(
    pairs: &[String],
    catalog: &FixtureCatalog,
) -> Result<Vec<(String, String)>, ConfigError> {
    let mut found = Vec::new();
    for pair in pairs {
        let (name, value) = split_pair(pair, "--fixture", "NAME=VALUE")?;
        match catalog.get(name) {
            None => {
                return Err(ConfigError::UnknownFixture {
                    name: name.to_string(),
                    known: catalog.names().collect::<Vec<_>>().join(", "),
                })
            }
            Some(f) if f.secret => {
                return Err(ConfigError::SecretAsFlag {
                    name: name.to_string(),
                    var: f.env_var(),
                })
            }
            Some(_) => found.push((name.to_string(), value.to_string())),
        };
    }
    Ok(found)
}

fn split_pair<'a>(
    pair: &'a str,
    flag: &'static str,
    shape: &'static str,
) -> Result<(&'a str, &'a str), ConfigError> {
    // What was given to --secret-file may be a key pasted in place of
    // NAME=PATH, and so may a --fixture with no `=`: a --fixture value is
    // shown back with its `=` (a name or a value missing), or when it is
    // too short to be a key.
    let could_be_a_key = !pair.contains('=') && Secret::new(pair, "a key").is_ok();
    let shown = if flag == "--fixture" && !could_be_a_key {
        format!("`{pair}`")
    } else {
        "(value not shown: it may hold a secret)".to_string()
    };
    pair.split_once('=')
        .map(|(n, v)| (n.trim(), v))
        .filter(|(n, v)| !n.is_empty() && !v.trim().is_empty())
        .ok_or(ConfigError::MalformedPair { flag, shown, shape })
}

/// More than any key: a larger file (or `/dev/zero`) is not a key file.
const SECRET_FILE_CAP: u64 = 64 * 1024;

pub(crate) fn read_secret_file(path: &Path, what: &str) -> Result<Secret, ConfigError> {
    let cannot = |e: &dyn std::fmt::Display| ConfigError::UnreadableSecretFile {
        what: what.to_string(),
        shown: shown_path(path),
        reason: e.to_string(),
    };
    let bytes = match read_regular(path, SECRET_FILE_CAP, "64 KiB") {
        Ok(bytes) => bytes,
        Err(e @ ReadError::TooLarge(_)) => return Err(cannot(&format!("{e}, so not a key file"))),
        Err(e) => return Err(cannot(&e)),
    };
    let text = String::from_utf8(bytes).map_err(|_| cannot(&"it is not UTF-8 text"))?;
    // A byte order mark is no part of the key: sent, it would be refused.
    Secret::new(strip_bom(&text), what).map_err(|error| ConfigError::InvalidSecretFile {
        error,
        path: path.to_path_buf(),
    })
}

/// A path as an error may show it: one that names no file and looks like
/// no path (no folder, no extension) may be a key pasted in its place.
fn shown_path(path: &Path) -> String {
    let looks_like_a_path =
        path.exists() || path.components().count() > 1 || path.extension().is_some();
    if looks_like_a_path {
        path.display().to_string()
    } else {
        "the given path (not shown: it names no file and may be a key pasted by mistake)".into()
    }
}

/// Accepts `http(s)://host[:port][/prefix]`; plain http only to loopback
/// unless `allow_insecure` (the key would cross the network in clear).
pub fn check_base_url(text: &str, allow_insecure: bool) -> Result<String, BaseUrlError> {
    let text = text.trim();
    let url = reqwest::Url::parse(text).map_err(|e| BaseUrlError::Unparsable {
        text: text.to_string(),
        reason: e.to_string(),
    })?;
    let host = url.host_str().unwrap_or_default().to_string();
    if !matches!(url.scheme(), "http" | "https") || host.is_empty() {
        return Err(BaseUrlError::NotHttp {
            text: text.to_string(),
        });
    }
    if !url.username().is_empty()
        || url.password().is_some()
        || url.query().is_some()
        || url.fragment().is_some()
    {
        // Shown without those parts: they are where a secret would be.
        let shown = format!("{}://{}{}", url.scheme(), host_port(&url), url.path());
        return Err(BaseUrlError::HoldsSecrets { shown });
    }
    if url.scheme() == "http" && !allow_insecure {
        if let Some(why) = not_loopback(&host, &resolve_bounded) {
            return Err(BaseUrlError::InsecureHttp { host, why });
        }
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// How long the name `localhost` is given to resolve before plain http to
/// it is refused.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(2);

/// The addresses `host` resolves to, or why it did not, waiting at most
/// [`RESOLVE_TIMEOUT`] (a resolver that hangs leaves its thread behind,
/// not the run).
fn resolve_bounded(host: &str) -> Result<Vec<IpAddr>, String> {
    use std::net::ToSocketAddrs;
    let (tx, rx) = std::sync::mpsc::channel();
    let name = host.to_string();
    std::thread::spawn(move || {
        let found = (name.as_str(), 0)
            .to_socket_addrs()
            .map(|addrs| addrs.map(|a| a.ip()).collect())
            .map_err(|e| e.to_string());
        let _ = tx.send(found);
    });
    rx.recv_timeout(RESOLVE_TIMEOUT).unwrap_or_else(|_| {
        Err(format!(
            "it did not resolve within {}",
            humantime::format_duration(RESOLVE_TIMEOUT)
        ))
    })
}

/// `None` when `host` is loopback: a loopback address, or the name
/// `localhost` when every address `resolve` gives for it is loopback (a
/// hosts file or resolver can point `localhost` anywhere, and the key
/// would go there in clear). Else what the refusal says after the host.
fn not_loopback(
    host: &str,
    resolve: &dyn Fn(&str) -> Result<Vec<IpAddr>, String>,
) -> Option<String> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return (!ip.is_loopback()).then(String::new);
    }
    if !bare.eq_ignore_ascii_case("localhost") {
        return Some(String::new());
    }
    match resolve(bare) {
        Err(why) => Some(format!(
            " (`{bare}` could not be checked to be loopback: {why})"
        )),
        Ok(addrs) if addrs.is_empty() => Some(format!(" (`{bare}` resolves to no address)")),
        Ok(addrs) => {
            let outside: Vec<String> = addrs
                .iter()
                .filter(|ip| !ip.is_loopback())
                .map(IpAddr::to_string)
                .collect();
            (!outside.is_empty()).then(|| {
                format!(
                    " (`{bare}` resolves to {}, not loopback)",
                    outside.join(", ")
                )
            })
        }
    }
}

fn host_port(url: &reqwest::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

/// Refuses, before anything is sent, a supplied fixture that a step's
/// `within` reads as its time budget but that is no duration.
pub fn check_duration_fixtures(
    set: &crate::check::CheckSet,
    fixtures: &std::collections::BTreeMap<String, String>,
) -> Result<(), ConfigError> {
    let named = set
        .checks
        .iter()
        .flat_map(|c| &c.steps)
        .filter_map(|step| step.within.as_ref()?.fixture.as_ref());
    for name in named {
        let Some(value) = fixtures.get(name) else {
            continue;
        };
        if let Err(why) = humantime::parse_duration(value.trim()) {
            return Err(ConfigError::NotADuration {
                name: name.clone(),
                shown: crate::text::excerpt(value, 40),
                reason: why.to_string(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_pasted_in_place_of_a_path_or_pair_is_not_shown_back() {
        let key = "ak_live_pasted0000000000000000001";
        let shown = |e: ConfigError| e.to_string();
        let missing = shown(read_secret_file(Path::new(key), "the key file").unwrap_err());
        assert!(!missing.contains(key), "{missing}");
        assert!(missing.contains("not shown"), "{missing}");
        let pair = shown(split_pair(key, "--secret-file", "NAME=PATH").unwrap_err());
        assert!(
            !pair.contains(key) && pair.contains("expected NAME=PATH"),
            "{pair}"
        );
        let plain = shown(split_pair("oops", "--fixture", "NAME=VALUE").unwrap_err());
        assert!(plain.contains("`oops`"), "{plain}");
        let real = shown(read_secret_file(Path::new("/nonexistent/key"), "k").unwrap_err());
        assert!(real.contains("/nonexistent/key"), "{real}");
    }

    #[test]
    fn a_key_file_is_read_up_to_a_cap() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'k'; 70 * 1024]).unwrap();
        let err = read_secret_file(&big, "the key file")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("it is larger than 64 KiB, so not a key file"),
            "{err}"
        );
        let zero = read_secret_file(Path::new("/dev/zero"), "the key file").unwrap_err();
        assert!(
            zero.to_string()
                .contains("it is a character device, not a regular file"),
            "{zero}"
        );
    }

    #[test]
    fn base_url_rules() {
        assert_eq!(
            check_base_url("https://api.wapzi.com.br/", false).unwrap(),
            "https://api.wapzi.com.br"
        );
        assert!(check_base_url("http://127.0.0.1:8080", false).is_ok());
        assert!(check_base_url("http://[::1]:8080", false).is_ok());
        assert!(check_base_url("http://localhost", false).is_ok());
        assert!(check_base_url("http://example.com", false).is_err());
        assert!(check_base_url("http://example.com", true).is_ok());
        for bad in ["not a url", "ftp://x", "https://u:p@x", "https://x/?a=1"] {
            assert!(check_base_url(bad, false).is_err(), "{bad}");
        }
    }

    #[test]
    fn localhost_is_trusted_for_plain_http_only_when_it_resolves_to_loopback() {
        let to = |addrs: &'static [&'static str]| {
            move |_: &str| -> Result<Vec<IpAddr>, String> {
                Ok(addrs.iter().map(|a| a.parse().unwrap()).collect())
            }
        };
        assert_eq!(not_loopback("localhost", &to(&["127.0.0.1", "::1"])), None);
        let elsewhere = not_loopback("localhost", &to(&["127.0.0.1", "10.1.2.3"])).unwrap();
        assert_eq!(
            elsewhere,
            " (`localhost` resolves to 10.1.2.3, not loopback)"
        );
        assert!(not_loopback("LOCALHOST", &to(&[])).is_some());
        let hung = |_: &str| Err("it did not resolve within 2s".to_string());
        let said = not_loopback("localhost", &hung).unwrap();
        assert!(said.contains("could not be checked"), "{said}");
        // Addresses need no resolving; other names are never trusted.
        let never = |_: &str| -> Result<Vec<IpAddr>, String> { panic!("resolved") };
        assert_eq!(not_loopback("[::1]", &never), None);
        assert_eq!(not_loopback("127.0.0.2", &never), None);
        assert_eq!(
            not_loopback("localhost.example.com", &never),
            Some(String::new())
        );
        let error = BaseUrlError::InsecureHttp {
            host: "localhost".into(),
            why: elsewhere,
        };
        assert!(error.to_string().starts_with(
            "refusing plain http:// to localhost (`localhost` resolves to 10.1.2.3, not loopback): "
        ));
    }
}
