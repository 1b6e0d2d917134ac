//! Which proxy, if any, the run's requests go through.
//!
//! The key must reach no one but the target: a plain `http://` target never
//! goes through a proxy (the proxy would read the key), whatever
//! `HTTP_PROXY` or `ALL_PROXY` say. An `https://` target may go through the
//! proxy of `HTTPS_PROXY` (else `ALL_PROXY`), as corporate CI needs: the
//! request travels in a CONNECT tunnel, so the key stays inside TLS and the
//! answers are the target's (its certificate is checked through the
//! tunnel), unless `NO_PROXY` exempts the target's host.

use super::error::RunError;

/// The proxy a run uses: its URL (which may hold credentials: never shown)
/// and its `host:port`, which reports record; `var` is the variable that
/// named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyChoice {
    pub url: String,
    pub host: String,
    pub var: &'static str,
}

/// The variables that name a proxy for https targets, in precedence order.
const HTTPS_PROXY_VARS: [&str; 4] = ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"];

/// The proxy for requests to `base_url`, read through `env`.
pub fn choose(
    base_url: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<ProxyChoice>, RunError> {
    let Ok(target) = reqwest::Url::parse(base_url) else {
        return Ok(None);
    };
    if target.scheme() != "https" {
        return Ok(None);
    }
    let named = HTTPS_PROXY_VARS
        .iter()
        .find_map(|var| env(var).filter(|v| !v.trim().is_empty()).map(|v| (*var, v)));
    let Some((var, value)) = named else {
        return Ok(None);
    };
    let host = target.host_str().unwrap_or_default();
    let no_proxy = env("NO_PROXY")
        .or_else(|| env("no_proxy"))
        .unwrap_or_default();
    if is_exempt(host, &no_proxy) {
        return Ok(None);
    }
    let value = value.trim();
    let with_scheme = if value.contains("://") {
        value.to_string()
    } else {
        format!("http://{value}")
    };
    let url = reqwest::Url::parse(&with_scheme)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .ok_or_else(|| RunError::Proxy(format!("{var} is not an http:// or https:// proxy URL")))?;
    let host = match url.port_or_known_default() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_string(),
    };
    Ok(Some(ProxyChoice {
        url: with_scheme,
        host,
        var,
    }))
}

/// Whether `NO_PROXY` (comma-separated: `*`, host names that also cover
/// their subdomains, with or without a leading dot, or IP addresses)
/// exempts `host`.
fn is_exempt(host: &str, no_proxy: &str) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    no_proxy
        .split(',')
        .map(|entry| entry.trim().to_ascii_lowercase())
        .filter(|entry| !entry.is_empty())
        .any(|entry| {
            let entry = entry.trim_start_matches("*.").trim_start_matches('.');
            entry == "*" || host == entry || host.ends_with(&format!(".{entry}"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn a_plain_http_target_never_goes_through_a_proxy() {
        let env = with(&[
            ("HTTP_PROXY", "http://proxy:3128"),
            ("ALL_PROXY", "http://proxy:3128"),
        ]);
        assert_eq!(choose("http://api.example.com", &env).unwrap(), None);
    }

    #[test]
    fn an_https_target_takes_https_proxy_then_all_proxy_unless_exempt() {
        let env = with(&[
            ("HTTPS_PROXY", "proxy.corp:3128"),
            ("ALL_PROXY", "http://other:1"),
        ]);
        let chosen = choose("https://api.wapzi.com.br", &env).unwrap().unwrap();
        assert_eq!(chosen.host, "proxy.corp:3128");
        let env = with(&[("all_proxy", "http://user:pw@other:8080")]);
        let chosen = choose("https://api.wapzi.com.br", &env).unwrap().unwrap();
        assert_eq!(chosen.host, "other:8080");
        for no_proxy in ["*", "wapzi.com.br", ".wapzi.com.br", "x, api.wapzi.com.br"] {
            let vars = [("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", no_proxy)];
            let env = with(&vars);
            assert_eq!(
                choose("https://api.wapzi.com.br", &env).unwrap(),
                None,
                "{no_proxy}"
            );
        }
        let env = with(&[
            ("HTTPS_PROXY", "http://p:1"),
            ("NO_PROXY", "pi.wapzi.com.br"),
        ]);
        assert!(choose("https://api.wapzi.com.br", &env).unwrap().is_some());
    }

    #[test]
    fn a_proxy_that_is_not_a_url_is_refused_without_showing_it() {
        let env = with(&[("HTTPS_PROXY", "socks5://user:secret@p:1")]);
        let error = choose("https://api.wapzi.com.br", &env)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("HTTPS_PROXY") && !error.contains("secret"),
            "{error}"
        );
    }
}
