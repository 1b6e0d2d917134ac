//! The key: never sent to another origin, never in any output byte.

use wapzi_homolog::exit;
use wapzi_homolog::sandbox::FIXTURES;

use super::{latest_report, messages, Listener, NOT_READY};
use crate::support::{bin, files_below, run, temp_dir, Ran};

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

    assert_eq!(ran.code, NOT_READY, "{}\n{}", ran.stdout, ran.stderr);
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
    let secrets = [
        FIXTURES.api_key,
        FIXTURES.previous_api_key,
        FIXTURES.inactive_api_key,
        FIXTURES.other_api_key,
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
    assert_eq!(ran.code, i32::from(exit::READY), "{}", ran.stdout);
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
    assert_eq!(ran.code, NOT_READY, "{}", ran.stdout);
}
