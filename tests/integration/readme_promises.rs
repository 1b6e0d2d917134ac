//! README behaviours that had no test before issue 16: `--concurrency`,
//! `--secret-file previous_api_key=PATH`, `--no-attendants-entry-point`,
//! `sandbox --port` on a port in use, exit 4 end to end, and the TLS facts
//! of an https target in report.json.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::PrivateKeyDer;
use wapzi_homolog::exit;
use wapzi_homolog::sandbox::FIXTURES;

use crate::hostile::{latest_report, run_within, Listener};
use crate::support::{assert_exit, bin, files_below, run, temp_dir, TestSandbox};

/// `(started_ms, ended_ms)` of each check that ran and sent a request, in
/// report.json, by start. A check that only judges answers other checks
/// received (`from`) sends nothing and takes no turn.
fn check_spans(report: &serde_json::Value) -> Vec<(f64, f64)> {
    let sent = |c: &serde_json::Value| {
        c["exchanges"]
            .as_array()
            .is_some_and(|all| all.iter().any(|e| e["reused_from"].is_null()))
    };
    let mut spans: Vec<(f64, f64)> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["verdict"] != "ignored" && sent(c))
        .map(|c| {
            let start = c["started_ms"].as_f64().unwrap();
            (start, start + c["duration_ms"].as_f64().unwrap())
        })
        .collect();
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    spans
}

/// Whether some check started before the one before it ended.
fn overlaps(spans: &[(f64, f64)]) -> bool {
    spans.windows(2).any(|w| w[1].0 < w[0].1)
}

#[test]
fn concurrency_1_runs_one_check_at_a_time() {
    let sandbox = TestSandbox::start(20, &[]);
    let spans_with = |concurrency: &str| {
        let reports = temp_dir();
        let ran = run(sandbox
            .command()
            .args(["run", "--concurrency", concurrency, "--reports"])
            .arg(reports.path()));
        assert_exit(&ran, exit::READY);
        check_spans(&latest_report(reports.path()))
    };
    let one = spans_with("1");
    assert!(one.len() > 10, "{one:?}");
    assert!(!overlaps(&one), "checks overlapped: {one:?}");
    // The default lets independent checks overlap, so the above can fail.
    assert!(overlaps(&spans_with("16")), "no overlap at 16");
}

#[test]
fn a_rotated_key_from_secret_file_is_checked_and_refused() {
    let sandbox = TestSandbox::start(20, &[]);
    let dir = temp_dir();
    let file = dir.path().join("previous");
    std::fs::write(&file, format!("{}\n", FIXTURES.previous_api_key)).unwrap();
    let mut arg = std::ffi::OsString::from("previous_api_key=");
    arg.push(&file);
    let ran = run(sandbox
        .command()
        .args([
            "run",
            "--no-reports",
            "--exact",
            "key::rotated",
            "--secret-file",
        ])
        .arg(arg));
    assert_exit(&ran, exit::INCOMPLETE);
    assert_eq!(ran.passed(), ["key::rotated"], "{}", ran.stdout);
}

#[test]
fn an_entry_point_without_attendants_from_its_flag_is_refused() {
    let sandbox = TestSandbox::start(20, &[]);
    let ran = run(sandbox.command().args([
        "run",
        "--no-reports",
        "--exact",
        "entry-point::no-attendants",
        "--no-attendants-entry-point",
        FIXTURES.no_attendants_entry_point_id,
    ]));
    assert_exit(&ran, exit::INCOMPLETE);
    assert!(
        ran.passed()
            .contains(&"entry-point::no-attendants".to_string()),
        "{}",
        ran.stdout
    );
}

#[test]
fn sandbox_on_a_port_in_use_exits_2_naming_it() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let ran = run_within(
        bin().args(["sandbox", "--port", &port]),
        Duration::from_secs(30),
    )
    .expect("the sandbox gave up on the port in use");
    assert_exit(&ran, exit::SETUP);
    assert!(
        ran.stderr.contains(&format!(
            "cannot listen on 127.0.0.1:{port}: address in use"
        )),
        "{}",
        ran.stderr
    );
}

/// A secret holding the redaction marker: redacting text made of it nested
/// in itself (`a{8k}[redacted]b{8k}`) removes one layer per pass, so a few
/// passes leave the secret whole in the reports, where the canary finds it.
#[test]
fn a_report_holding_a_secret_is_deleted_and_the_run_exits_4() {
    let sandbox = TestSandbox::start(20, &[]);
    let secret = format!("{}[redacted]{}", "a".repeat(8), "b".repeat(8));
    let nested = format!("{}[redacted]{}", "a".repeat(80), "b".repeat(80));
    let reports = temp_dir();
    let ran = run(sandbox
        .command()
        .env("WAPZI_PREVIOUS_API_KEY", &secret)
        .env("WAPZI_ENTRY_POINT_ID", &nested)
        .args(["run", "--exact", "key::missing", "--reports"])
        .arg(reports.path()));
    assert_exit(&ran, exit::SECRET_LEAK);
    assert!(
        ran.stderr
            .contains("a secret was found in 8 written file(s), which were deleted"),
        "{}",
        ran.stderr
    );
    for file in files_below(reports.path()) {
        assert!(file.extension().is_some_and(|e| e == "sha256"), "{file:?}");
    }
}

/// A TLS listener on 127.0.0.1 with a self-signed certificate from rcgen:
/// it completes handshakes and reads nothing after them.
fn tls_listener() -> Listener {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            PrivateKeyDer::try_from(key.serialize_der()).unwrap(),
        )
        .unwrap();
    let config = Arc::new(config);
    Listener::start(move |stream| {
        let mut tls = rustls::ServerConnection::new(config.clone()).ok()?;
        // A handshake takes a few round trips; the stream's timeouts bound each.
        for _ in 0..8 {
            if !tls.is_handshaking() || tls.complete_io(stream).is_err() {
                break;
            }
        }
        None
    })
}

/// The checks verify the certificate (this one is trusted by nobody), so
/// the run is UNREACHABLE; the facts are read all the same.
#[test]
fn an_https_target_has_its_tls_facts_in_report_json() {
    let listener = tls_listener();
    let addr = listener.addr();
    let reports = temp_dir();
    let ran = run(bin()
        .env("WAPZI_API_KEY", FIXTURES.api_key)
        .env("WAPZI_ENTRY_POINT_ID", FIXTURES.entry_point_id)
        .args(["run", "--base-url", &format!("https://{addr}"), "--reports"])
        .arg(reports.path()));
    assert_exit(&ran, exit::UNREACHABLE);
    assert!(
        ran.stdout.contains(&format!(
            "TLS certificate of {addr} rejected: invalid peer certificate: UnknownIssuer"
        )),
        "{}",
        ran.stdout
    );
    let tls = &latest_report(reports.path())["target"]["tls"];
    assert_eq!(tls["protocol"], "TLS 1.3", "{tls}");
    let subject = tls["certificate_subject"].as_str().unwrap_or_default();
    assert!(subject.contains("rcgen self signed cert"), "{tls}");
    let not_after = tls["certificate_not_after"].as_str().unwrap_or_default();
    assert!(not_after.starts_with("4096-01-01"), "{tls}");
}

/// The README's walkthrough, as a newcomer follows it: `init`, the check it
/// shows in `checks/acme/`, then `validate`, whose line is the one the
/// README prints (the built-in checks, the example and acme's, counted by
/// the program).
#[test]
fn readme_walkthrough_prints_the_count_validate_prints() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let (_, section) = readme.split_once("## Write your own check").unwrap();
    let promised = section
        .lines()
        .find_map(|l| l.strip_prefix("wapzi-homolog validate "))
        .and_then(|l| l.split_once("# "))
        .map(|(_, said)| said.to_string())
        .unwrap();
    let (_, rest) = section.split_once("```yaml\n").unwrap();
    let (check, _) = rest.split_once("```").unwrap();
    let dir = temp_dir();
    assert_exit(&run(bin().arg("init").arg(dir.path())), exit::READY);
    let file = dir.path().join("checks/acme/follow-up.yaml");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, check).unwrap();
    let ran = run(bin().arg("validate").current_dir(dir.path()));
    assert_exit(&ran, exit::READY);
    assert_eq!(ran.stdout.trim(), promised);
}

/// Every command of the README that installs from source keeps to the
/// tested lock file, and its Docker line runs as the user who mounts.
#[test]
fn readme_installs_from_source_with_locked_and_runs_docker_as_the_user() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for line in readme.lines().filter(|l| l.contains("cargo install ")) {
        assert!(line.contains("--locked"), "{line}");
    }
    for line in readme.lines().filter(|l| l.starts_with("docker run ")) {
        assert!(line.contains(r#"--user "$(id -u):$(id -g)""#), "{line}");
    }
}
