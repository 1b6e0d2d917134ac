//! The key: never sent to another origin, never in any output byte.

use wapzi_homolog::exit;
use wapzi_homolog::sandbox::FIXTURES;

use super::{latest_report, messages, Listener};
use crate::support::{assert_exit, assert_exit_case, bin, files_below, run, temp_dir, Ran};

// Redirects.

#[test]
fn a_redirect_is_not_followed_and_the_key_never_reaches_the_other_origin() {
    let other = Listener::recorder();
    let other_url = other.base_url();
    let reports = temp_dir();
    let ran = run(bin()
        .args(["run", "--sandbox", "--timeout", "5s", "--reports"])
        .arg(reports.path())
        .arg("--fault")
        .arg(format!("redirect-to={other_url}")));
    let received = other.finish();
    assert!(
        received
            .iter()
            .all(|head| !head.to_ascii_lowercase().contains("x-api-key")),
        "the key reached the other origin: {received:?}"
    );
    assert!(received.is_empty(), "a redirect was followed: {received:?}");

    assert_exit(&ran, exit::NOT_READY);
    let location = format!("{other_url}/v1/");
    let report = latest_report(reports.path());
    let failed = messages(&report, "failed");
    assert!(!failed.is_empty());
    for message in &failed {
        assert!(
            message.contains(&format!("got 307 (a redirect to {location}"))
                && message.contains("not followed"),
            "{message}"
        );
    }
    assert!(
        ran.stdout
            .contains(&format!("(Location: {location}entry-points/")),
        "{}",
        ran.stdout
    );
}

// The key never appears in output.

/// Every form of `secret` that must not appear: as is, base64 in both
/// alphabets with and without padding, the base64 of text holding it at
/// each of the three alignments, percent-encoded (reserved bytes or every
/// byte, upper or lower hex), JSON-escaped.
fn secret_forms(secret: &str) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    use base64::Engine;
    let json = serde_json::to_string(secret).unwrap();
    let reserved =
        percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
    let every_byte: String = secret.bytes().map(|b| format!("%{b:02X}")).collect();
    let mut forms = vec![
        secret.to_string(),
        STANDARD.encode(secret),
        STANDARD_NO_PAD.encode(secret),
        URL_SAFE.encode(secret),
        URL_SAFE_NO_PAD.encode(secret),
        regex::Regex::new("%[0-9A-F]{2}")
            .unwrap()
            .replace_all(&reserved, |c: &regex::Captures| c[0].to_ascii_lowercase())
            .into_owned(),
        reserved,
        every_byte.to_ascii_lowercase(),
        every_byte,
        json.trim_matches('"').to_string(),
    ];
    // Inside longer text, the characters of the base64 that the secret
    // alone decides: those that agree whatever the bytes around it are.
    for offset in 0..3 {
        let around = |filler: u8| {
            let mut bytes = vec![filler; offset];
            bytes.extend_from_slice(secret.as_bytes());
            bytes.extend([filler; 2]);
            bytes
        };
        for engine in [&STANDARD, &URL_SAFE] {
            let (zeros, ones) = (engine.encode(around(0)), engine.encode(around(0xff)));
            let agree: Vec<usize> = (0..zeros.len())
                .filter(|&i| zeros.as_bytes()[i] == ones.as_bytes()[i])
                .collect();
            forms.push(zeros[agree[0]..=agree[agree.len() - 1]].to_string());
        }
    }
    forms
}

/// Where any form of a sandbox secret appears in `bytes`.
pub(super) fn leaks(bytes: &[u8]) -> Vec<String> {
    let key = FIXTURES.api_key;
    // The near misses of the key that checks send are secrets too; built
    // here by hand, apart from the library's own derivation.
    let swapped: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    let last_changed = format!(
        "{}{}",
        &key[..key.len() - 1],
        if key.ends_with('0') { '1' } else { '0' }
    );
    let secrets = [
        key.to_string(),
        FIXTURES.previous_api_key.to_string(),
        FIXTURES.inactive_api_key.to_string(),
        FIXTURES.other_api_key.to_string(),
        swapped,
        last_changed,
        key[..key.len() - 1].to_string(),
        key[..key.len() - 4].to_string(),
    ];
    secrets
        .iter()
        .flat_map(|s| secret_forms(s))
        .filter(|form| bytes.windows(form.len()).any(|w| w == form.as_bytes()))
        .collect()
}

/// Runs the sandbox with `fault`, printing every exchange with its body
/// (`-vv`) and writing reports; asserts no secret is in any byte of it.
fn assert_no_key_anywhere(fault: &str) -> (Ran, Vec<u8>) {
    let reports = temp_dir();
    let ran = run(bin()
        .args(["run", "--sandbox", "-vv", "--fault", fault, "--reports"])
        .arg(reports.path()));
    assert_ne!(
        ran.code,
        i32::from(exit::SECRET_LEAK),
        "{}\n{}",
        ran.stdout,
        ran.stderr
    );
    let mut all = Vec::new();
    for (name, bytes) in [
        ("stdout", ran.stdout.as_bytes()),
        ("stderr", ran.stderr.as_bytes()),
    ] {
        assert!(
            leaks(bytes).is_empty(),
            "{fault}: {name} leaks {:?}",
            leaks(bytes)
        );
    }
    let files = files_below(reports.path());
    assert!(files.len() >= 10, "{fault}: reports missing: {files:?}");
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            leaks(&bytes).is_empty(),
            "{fault}: {} leaks {:?}",
            file.display(),
            leaks(&bytes)
        );
        all.extend(bytes);
    }
    (ran, all)
}

#[test]
fn an_echoed_key_appears_in_no_output_byte_in_any_encoding() {
    let (ran, reports) = assert_no_key_anywhere("echo-key");
    // Echoes are fields beside an error's message: shape::error-bodies fails.
    assert_exit(&ran, exit::NOT_READY);
    assert_eq!(ran.failed(), ["shape::error-bodies"], "{}", ran.stdout);
    let text = String::from_utf8_lossy(&reports);
    // The echoes did arrive, and were recorded redacted.
    for echoed in [
        "\"x-echo-key\"",
        "\"x-echo-key-base64\"",
        "echo_base64url",
        "echo_base64_json",
        "echo_base64_basic",
        "echo_base64url_inside",
        "echo_percent",
        "echo_percent_all",
        "echo_percent_lower",
    ] {
        assert!(text.contains(echoed), "{echoed} is not in the reports");
    }
    assert!(text.contains("[redacted]"));
    assert!(
        ran.stderr.contains("\"echo_base64\":\"[redacted]\""),
        "-vv printed no echoed body:\n{}",
        ran.stderr
    );
}

#[test]
fn html_injection_leaks_no_key_either() {
    let (ran, _) = assert_no_key_anywhere("html-injection");
    assert_exit(&ran, exit::NOT_READY);
}

// Proxies.

#[test]
fn a_plain_http_target_never_goes_through_a_proxy_whatever_the_environment_says() {
    let proxy = Listener::recorder();
    let reports = temp_dir();
    let mut cmd = bin();
    for var in [
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
        "HTTPS_PROXY",
    ] {
        cmd.env(var, proxy.base_url());
    }
    let ran = run(cmd
        .args(["run", "--sandbox", "--reports"])
        .arg(reports.path()));
    let received = proxy.finish();
    assert!(
        received.is_empty(),
        "a request went through the proxy: {received:?}"
    );
    assert_exit(&ran, exit::READY);
    assert!(latest_report(reports.path())["target"]["proxy"].is_null());
}

#[test]
fn an_https_target_goes_through_the_proxy_in_a_tunnel_and_no_proxy_exempts_it() {
    // The "proxy" refuses every tunnel, as a proxy that cannot reach the
    // target does: the run is UNREACHABLE, never a verdict from the proxy.
    let proxy = Listener::start(|stream| {
        let head = super::read_head(stream);
        let _ = std::io::Write::write_all(
            stream,
            b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        );
        Some(head)
    });
    let port = super::closed_port();
    let target = format!("https://127.0.0.1:{port}");
    let reports = temp_dir();
    let ran = run(bin()
        .env("WAPZI_API_KEY", FIXTURES.api_key)
        .env("WAPZI_ENTRY_POINT_ID", FIXTURES.entry_point_id)
        .env("HTTPS_PROXY", proxy.base_url())
        .args(["run", "--base-url", &target, "--reports"])
        .arg(reports.path()));
    assert_exit(&ran, exit::UNREACHABLE);
    assert!(
        ran.stdout.starts_with(&format!(
            "UNREACHABLE: the proxy did not open a tunnel to 127.0.0.1:{port}"
        )),
        "{}",
        ran.stdout
    );
    let report = latest_report(reports.path());
    assert_eq!(report["target"]["proxy"], proxy.addr().to_string());
    assert_eq!(report["unreachable"]["kind"], "proxy");
    let received = proxy.finish();
    assert!(!received.is_empty(), "the proxy was not used");
    for head in &received {
        assert!(
            head.starts_with(&format!("CONNECT 127.0.0.1:{port} ")),
            "{head}"
        );
        assert!(
            !head.to_ascii_lowercase().contains("x-api-key"),
            "the key reached the proxy: {head}"
        );
        assert!(!head.contains(FIXTURES.api_key));
    }

    let bypassed = Listener::recorder();
    let ran = run(bin()
        .env("WAPZI_API_KEY", FIXTURES.api_key)
        .env("WAPZI_ENTRY_POINT_ID", FIXTURES.entry_point_id)
        .env("HTTPS_PROXY", bypassed.base_url())
        .env("NO_PROXY", "localhost,127.0.0.1")
        .args(["run", "--no-reports", "--base-url", &target]));
    assert_exit(&ran, exit::UNREACHABLE);
    assert!(
        ran.stdout.starts_with("UNREACHABLE: connection refused"),
        "{}",
        ran.stdout
    );
    assert!(bypassed.finish().is_empty(), "NO_PROXY was not honoured");
}

// Failure text, --format json and --logfile.

/// `text` with every character written as a JSON `\u` escape.
fn json_escaped(text: &str) -> String {
    text.chars()
        .map(|c| format!("\\u{:04x}", c as u32))
        .collect()
}

#[test]
fn a_key_echoed_with_json_escapes_reaches_no_output_nor_the_logfile() {
    // Every answer is the documented 400, whose message is the received key
    // written as JSON escapes: decoded, it is the key in clear.
    let target = Listener::start(|stream| {
        let head = super::read_head(stream);
        let key = head
            .lines()
            .find_map(|l| l.strip_prefix("x-api-key: "))
            .unwrap_or_default()
            .trim()
            .to_string();
        let body = format!(r#"{{"message":"{}"}}"#, json_escaped(&key));
        let _ = std::io::Write::write_all(
            stream,
            &super::http_response("400 Bad Request", "", body.as_bytes()),
        );
        None
    });
    let dir = temp_dir();
    let logfile = dir.path().join("libtest.log");
    for format in ["pretty", "json"] {
        let ran = run(bin()
            .env("WAPZI_API_KEY", FIXTURES.api_key)
            .env("WAPZI_ENTRY_POINT_ID", FIXTURES.entry_point_id)
            .args(["run", "--base-url", &target.base_url(), "--format", format])
            .arg("--logfile")
            .arg(&logfile)
            .arg("--reports")
            .arg(dir.path().join("reports")));
        assert_exit_case(&ran, exit::NOT_READY, format);
        let log = std::fs::read_to_string(&logfile).unwrap_or_default();
        for (name, text) in [
            ("stdout", &ran.stdout),
            ("stderr", &ran.stderr),
            ("logfile", &log),
        ] {
            assert!(
                !text.contains(FIXTURES.api_key),
                "{format}: the key in {name}:\n{text}"
            );
        }
        assert!(ran.stdout.contains("[redacted]"), "{}", ran.stdout);
    }
    for file in files_below(&dir.path().join("reports")) {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(FIXTURES.api_key),
            "{}",
            file.display()
        );
    }
}

#[test]
fn a_check_file_that_holds_the_key_is_refused_without_showing_it() {
    let dir = temp_dir();
    let file = dir.path().join("leaky.yaml");
    let check = format!(
        "id: acme::leaky\ntitle: t\nchecklist: valid-key\nhint: the key is {}\nsteps:\n  - request: {{method: GET, path: /v1/executions/x}}\n",
        FIXTURES.api_key
    );
    std::fs::write(&file, check).unwrap();
    let ran = run(bin()
        .args(["run", "--sandbox", "--no-reports", "--checks"])
        .arg(&file));
    assert_exit(&ran, exit::SETUP);
    assert!(
        ran.stderr.contains(&format!(
            "{}:4:18: this check file holds a secret",
            file.display()
        )),
        "{}",
        ran.stderr
    );
    assert!(!ran.stderr.contains(FIXTURES.api_key) && !ran.stdout.contains(FIXTURES.api_key));
}
