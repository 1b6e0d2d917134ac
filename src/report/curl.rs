//! A failure's request as a `curl` command that reproduces it, for the
//! integrator to send to the vendor's support as it is: every credential
//! is the name of the environment variable that holds it
//! (`$WAPZI_API_KEY`), never its value.
//!
//! ```text
//! curl -sS -i -X POST 'https://api.wapzi.com.br/v1/entry-points/ep_1/execute' \
//!   -H 'content-type: application/json' \
//!   -H "x-api-key: $WAPZI_API_KEY" \
//!   --data-raw '{"message":"hello"}'
//! ```

use crate::result::{CheckResult, Exchange};
use crate::secret::REDACTED;

/// The command that reproduces `check`'s failure: the last request it
/// sent, the one whose answer failed it. `None` when it sent none.
pub fn reproduction(check: &CheckResult) -> Option<String> {
    check.failure()?;
    check
        .exchanges
        .iter()
        .rev()
        .find(|e| e.reused_from.is_none())
        .map(curl)
}

/// `exchange` as a curl command.
pub fn curl(exchange: &Exchange) -> String {
    let key = match &exchange.key_env {
        Some(name) => format!("${name}"),
        // An invalid key: any key no account has reproduces it.
        None => "not-a-real-key".to_string(),
    };
    let url = exchange
        .url
        .replace(REDACTED, &format!("${{{}}}", key.trim_start_matches('$')));
    let mut parts = vec![format!(
        "curl -sS -i -X {} {}",
        exchange.method,
        if url.contains('$') {
            double_quoted(&url)
        } else {
            single_quoted(&url)
        }
    )];
    for header in &exchange.request_headers {
        let line = if header.value.contains(REDACTED) {
            let value = match header.name.eq_ignore_ascii_case("authorization") {
                true => format!("Bearer {key}"),
                false => key.clone(),
            };
            double_quoted(&format!("{}: {value}", header.name))
        } else {
            single_quoted(&format!("{}: {}", header.name, header.value))
        };
        parts.push(format!("-H {line}"));
    }
    if let Some(body) = &exchange.request_body {
        parts.push(format!("--data-raw {}", single_quoted(body)));
    }
    parts.join(" \\\n  ")
}

/// `text` in single quotes, for a POSIX shell.
fn single_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// `text` in double quotes, its `$NAME` expanded by the shell and nothing
/// else: the text's own `"`, `\` and backquotes are escaped.
fn double_quoted(text: &str) -> String {
    let escaped: String = text
        .chars()
        .flat_map(|c| match c {
            '"' | '\\' | '`' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("\"{escaped}\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::Header;

    fn exchange(key_env: Option<&str>) -> Exchange {
        Exchange {
            step: "execute".into(),
            method: "POST".into(),
            url: "http://127.0.0.1:1/v1/entry-points/ep_1/execute".into(),
            request_headers: vec![
                Header {
                    name: "content-type".into(),
                    value: "application/json".into(),
                },
                Header {
                    name: "x-api-key".into(),
                    value: format!("{REDACTED} (account key)"),
                },
            ],
            request_body: Some(r#"{"message":"it's"}"#.into()),
            response: None,
            error: None,
            started_ms: 0.0,
            duration_ms: 0.0,
            poll: None,
            reused_from: None,
            key_env: key_env.map(str::to_string),
        }
    }

    #[test]
    fn the_key_is_its_variable_never_its_value() {
        assert_eq!(
            curl(&exchange(Some("WAPZI_API_KEY"))),
            "curl -sS -i -X POST 'http://127.0.0.1:1/v1/entry-points/ep_1/execute' \\\n  -H 'content-type: application/json' \\\n  -H \"x-api-key: $WAPZI_API_KEY\" \\\n  --data-raw '{\"message\":\"it'\\''s\"}'"
        );
    }

    #[test]
    fn an_invalid_key_is_any_key_no_account_has() {
        assert!(curl(&exchange(None)).contains("-H \"x-api-key: not-a-real-key\""));
    }

    #[test]
    fn a_key_in_the_query_is_its_variable_too() {
        let mut e = exchange(Some("WAPZI_API_KEY"));
        e.url = format!("http://127.0.0.1:1/v1/executions/x?api_key={REDACTED}");
        let text = curl(&e);
        assert!(
            text.contains("\"http://127.0.0.1:1/v1/executions/x?api_key=${WAPZI_API_KEY}\""),
            "{text}"
        );
    }
}
