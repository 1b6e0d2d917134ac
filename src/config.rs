//! Resolving the target of a run from flags and the environment, refusing
//! anything that would be unsafe or ambiguous before a request is sent.

use std::collections::BTreeMap;
use std::path::Path;

use crate::check::FixtureCatalog;
use crate::cli::RunArgs;
use crate::error::AppError;
use crate::file::{read_regular, strip_bom, ReadError};
use crate::secret::{Redactor, Secret};

/// The default base URL, from the API reference.
pub const DEFAULT_BASE_URL: &str = "https://api.wapzi.com.br";

/// A real target's settings, as flags and environment give them.
#[derive(Debug)]
pub struct TargetConfig {
    pub base_url: String,
    pub api_key: Secret,
    pub entry_point_id: String,
    pub fixtures: BTreeMap<String, String>,
    pub secret_fixtures: BTreeMap<String, Secret>,
}

fn setting(message: impl Into<String>) -> AppError {
    AppError::Setting(message.into())
}

/// Reads the target from `args`, falling back to `env` (the process
/// environment in production, a table in tests).
pub fn resolve_target(
    args: &RunArgs,
    catalog: &FixtureCatalog,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<TargetConfig, AppError> {
    let api_key = match &args.api_key_file {
        Some(path) => read_secret_file(path, "the key file (--api-key-file)")?,
        None => match env("WAPZI_API_KEY") {
            Some(value) => Secret::new(&value, "WAPZI_API_KEY").map_err(|e| setting(format!("{e}: set it to the key copied from /dashboard/settings")))?,
            None => return Err(setting("no API key: set WAPZI_API_KEY or pass --api-key-file PATH (the key is never taken as a flag value)")),
        },
    };
    let base_url = args
        .base_url
        .clone()
        .or_else(|| env("WAPZI_BASE_URL"))
        .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
    // A key pasted into the base URL must not be printed back.
    let base_url = check_base_url(&base_url, args.allow_insecure_http).map_err(|e| match e {
        AppError::Setting(m) => setting(Redactor::new([&api_key]).redact(&m)),
        other => other,
    })?;
    let entry_point_id = args
        .entry_point
        .clone()
        .or_else(|| env("WAPZI_ENTRY_POINT_ID"))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            setting("no entry point: pass --entry-point ID or set WAPZI_ENTRY_POINT_ID")
        })?;
    let (fixtures, secret_fixtures) = resolve_fixtures(args, catalog, env)?;
    Ok(TargetConfig {
        base_url,
        api_key,
        entry_point_id,
        fixtures,
        secret_fixtures,
    })
}

type Fixtures = (BTreeMap<String, String>, BTreeMap<String, Secret>);

fn resolve_fixtures(
    args: &RunArgs,
    catalog: &FixtureCatalog,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Fixtures, AppError> {
    let mut plain = BTreeMap::new();
    let mut secret = BTreeMap::new();
    for fixture in catalog.iter() {
        let Some(value) = env(&fixture.env_var()) else {
            continue;
        };
        if fixture.secret {
            secret.insert(
                fixture.name.clone(),
                Secret::new(&value, &fixture.env_var()).map_err(|e| setting(e.to_string()))?,
            );
        } else if !value.trim().is_empty() {
            plain.insert(fixture.name.clone(), value.trim().to_string());
        }
    }
    let named = [
        (
            "no_attendants_entry_point_id",
            &args.no_attendants_entry_point,
        ),
        ("unavailable_entry_point_id", &args.unavailable_entry_point),
    ];
    for (name, value) in named {
        if let Some(value) = value {
            plain.insert(name.to_string(), value.trim().to_string());
        }
    }
    for pair in &args.fixtures {
        let (name, value) = split_pair(pair, "--fixture", "NAME=VALUE")?;
        match catalog.get(name) {
            None => return Err(setting(format!("--fixture {name}: unknown fixture; known: {}", catalog.names().collect::<Vec<_>>().join(", ")))),
            Some(f) if f.secret => {
                return Err(setting(format!(
                    "--fixture {name}: `{name}` is a secret; supply it with {} or --secret-file {name}=PATH, never as a flag value",
                    f.env_var()
                )))
            }
            Some(_) => plain.insert(name.to_string(), value.to_string()),
        };
    }
    for pair in &args.secret_files {
        let (name, path) = split_pair(pair, "--secret-file", "NAME=PATH")?;
        match catalog.get(name) {
            Some(f) if f.secret => {
                secret.insert(
                    name.to_string(),
                    read_secret_file(Path::new(path), &format!("--secret-file {name}"))?,
                );
            }
            _ => {
                return Err(setting(format!(
                    "--secret-file {name}: not a secret fixture; secret fixtures: {}",
                    catalog
                        .iter()
                        .filter(|f| f.secret)
                        .map(|f| f.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            }
        }
    }
    Ok((plain, secret))
}

fn split_pair<'a>(pair: &'a str, flag: &str, shape: &str) -> Result<(&'a str, &'a str), AppError> {
    // What was given to --secret-file may be a key pasted in place of
    // NAME=PATH: only --fixture's plain values are shown back.
    let shown = if flag == "--fixture" {
        format!("`{pair}`")
    } else {
        "(value not shown: it may hold a secret)".to_string()
    };
    pair.split_once('=')
        .map(|(n, v)| (n.trim(), v))
        .filter(|(n, v)| !n.is_empty() && !v.trim().is_empty())
        .ok_or_else(|| setting(format!("{flag} {shown}: expected {shape}")))
}

/// More than any key: a larger file (or `/dev/zero`) is not a key file.
const SECRET_FILE_CAP: u64 = 64 * 1024;

pub(crate) fn read_secret_file(path: &Path, what: &str) -> Result<Secret, AppError> {
    let cannot = |e: &dyn std::fmt::Display| {
        setting(format!("cannot read {what} at {}: {e}", shown_path(path)))
    };
    let bytes = match read_regular(path, SECRET_FILE_CAP, "64 KiB") {
        Ok(bytes) => bytes,
        Err(e @ ReadError::TooLarge(_)) => return Err(cannot(&format!("{e}, so not a key file"))),
        Err(e) => return Err(cannot(&e)),
    };
    let text = String::from_utf8(bytes).map_err(|_| cannot(&"it is not UTF-8 text"))?;
    // A byte order mark is no part of the key: sent, it would be refused.
    Secret::new(strip_bom(&text), what).map_err(|e| setting(format!("{e} ({})", path.display())))
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
pub fn check_base_url(text: &str, allow_insecure: bool) -> Result<String, AppError> {
    let text = text.trim();
    let url = reqwest::Url::parse(text).map_err(|e| {
        setting(format!(
            "invalid base URL `{text}`: {e} (expected e.g. https://api.wapzi.com.br)"
        ))
    })?;
    let host = url.host_str().unwrap_or_default().to_string();
    if !matches!(url.scheme(), "http" | "https") || host.is_empty() {
        return Err(setting(format!(
            "invalid base URL `{text}`: use http:// or https:// with a host"
        )));
    }
    if !url.username().is_empty()
        || url.password().is_some()
        || url.query().is_some()
        || url.fragment().is_some()
    {
        // Shown without those parts: they are where a secret would be.
        let shown = format!("{}://{}{}", url.scheme(), host_port(&url), url.path());
        return Err(setting(format!("invalid base URL `{shown}` (its credentials, query or fragment not shown): no credentials, query or fragment allowed (the key goes in x-api-key)")));
    }
    if url.scheme() == "http" && !allow_insecure && !is_loopback(&host) {
        return Err(setting(format!(
            "refusing plain http:// to {host}: the API key would travel unencrypted; use https:// or pass --allow-insecure-http"
        )));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

fn host_port(url: &reqwest::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_pasted_in_place_of_a_path_or_pair_is_not_shown_back() {
        let key = "ak_live_pasted0000000000000000001";
        let shown = |e: AppError| e.to_string();
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
}
