//! `client` hardened (issue 23): the command's environment, its process
//! tree and what reaches output of the keys it holds.

use std::io::{Read, Write};
use std::process::Command;
use std::time::Duration;

use wapzi_homolog::exit;
use wapzi_homolog::sandbox::FIXTURES;

use crate::support::{assert_exit, bin, run, temp_dir};

/// The requests [`raw_client`] sends: one per line, the request line's
/// target, then a tab and any header lines, tab-separated.
const REQUESTS: &str = "WAPZI_TEST_REQUESTS";

/// A client process of these tests: sends [`REQUESTS`] as raw HTTP/1.1 to
/// `WAPZI_BASE_URL`, each on a connection of its own, and reads each
/// answer to its end (bounded).
#[test]
#[ignore = "the client process of the hardening tests, run by them"]
fn raw_client() {
    let base = std::env::var("WAPZI_BASE_URL").expect("run by `client`");
    let addr = base.trim_start_matches("http://").trim_end_matches('/');
    let requests = std::env::var(REQUESTS).expect("run with requests");
    for request in requests.lines() {
        let mut parts = request.split('\t');
        let target = parts.next().unwrap();
        let headers: String = parts.map(|h| format!("{h}\r\n")).collect();
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(
            stream,
            "GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{headers}\r\n"
        )
        .unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
    }
}

/// `client` running [`raw_client`] with `requests`.
fn with_raw_client(cmd: &mut Command, requests: &[&str]) {
    cmd.env(REQUESTS, requests.join("\n"))
        .arg("--")
        .arg(std::env::current_exe().unwrap())
        .args([
            "--include-ignored",
            "--exact",
            "client::hardening::raw_client",
        ])
        .arg("--quiet");
}

#[test]
fn a_value_under_a_generic_name_equal_to_report_text_does_not_delete_the_report() {
    let dir = temp_dir();
    let mut cmd = bin();
    cmd.args(["client", "--reports"]).arg(dir.path());
    let first = format!(
        "/v1/executions/exec_1?token=executions_created\tx-api-key: {}",
        FIXTURES.api_key
    );
    with_raw_client(
        &mut cmd,
        &[
            &first,
            "/v1/executions/exec_1\tx-api-key: executions_created",
        ],
    );
    let ran = run(&mut cmd);
    assert_ne!(ran.code, i32::from(exit::SECRET_LEAK), "{}", ran.stderr);
    let json = std::fs::read_to_string(dir.path().join("latest/report.json")).unwrap();
    assert!(json.contains("\"executions_created\""), "{json}");
}

#[test]
fn the_command_gets_no_proxy_for_the_recorder_and_a_proxy_is_said() {
    let dir = temp_dir();
    let out = dir.path().join("env.txt");
    let ran = run(bin()
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env("NO_PROXY", "corp.example")
        .env("OUT", &out)
        .args(["client", "--no-reports", "--"])
        .args([
            "sh",
            "-c",
            r#"printf '%s|%s' "$NO_PROXY" "$no_proxy" > "$OUT""#,
        ]));
    assert_exit(&ran, exit::INCOMPLETE);
    let seen = std::fs::read_to_string(&out).unwrap();
    let wanted = "corp.example,127.0.0.1,localhost,::1";
    assert_eq!(seen, format!("{wanted}|{wanted}"));
    assert!(
        ran.stderr.contains("HTTP_PROXY set in the environment"),
        "{}",
        ran.stderr
    );
    assert!(!ran.stderr.contains("127.0.0.1:9"), "{}", ran.stderr);
}

#[test]
fn a_key_in_a_script_header_or_url_of_the_command_is_never_echoed_or_reported() {
    const KEY: &str = "ak_only0in0the0command0line0000009";
    let dir = temp_dir();
    let script = format!(
        "WAPZI_API_KEY='{KEY}' true; true -H 'x-api-key: {KEY}' 'http://h/v1?api_key={KEY}'"
    );
    let ran = run(bin()
        .args(["client", "--reports"])
        .arg(dir.path())
        .args(["--", "sh", "-c", &script]));
    assert_exit(&ran, exit::INCOMPLETE);
    assert!(ran.stderr.contains("running `sh -c "), "{}", ran.stderr);
    assert!(!ran.stderr.contains(KEY), "{}", ran.stderr);
    assert!(!ran.stdout.contains(KEY), "{}", ran.stdout);
    for file in ["report.json", "report.md", "report.html", "junit.xml"] {
        let text = std::fs::read_to_string(dir.path().join("latest").join(file)).unwrap();
        assert!(!text.contains(KEY), "{file}");
    }
}

/// The processes whose command line is `sleep <seconds>`.
fn sleeping(seconds: u32) -> Vec<u32> {
    let wanted = format!("sleep\0{seconds}\0");
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let zombie = stat
                .rsplit_once(')')
                .is_some_and(|(_, r)| r.trim_start().starts_with('Z'));
            !zombie
                && std::fs::read(format!("/proc/{pid}/cmdline"))
                    .is_ok_and(|c| c == wanted.as_bytes())
        })
        .collect()
}

#[cfg(target_os = "linux")]
#[test]
fn what_the_command_leaves_running_is_killed_after_the_grace_even_detached() {
    // Numbers no other process sleeps for, to find these two again.
    let stubborn = 200_000 + std::process::id();
    let detached = 300_000 + std::process::id();
    let dir = temp_dir();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    // Each says it is in place before the script ends (bounded by --deadline);
    // their output goes elsewhere so that a failure cannot hold the test.
    let script = format!(
        "sh -c 'trap \"\" TERM; : > {a}; exec sleep {stubborn} >/dev/null 2>&1' & \
         setsid sh -c ': > {b}; exec sleep {detached} >/dev/null 2>&1' & \
         while [ ! -e {a} ] || [ ! -e {b} ]; do :; done; echo started",
        a = a.display(),
        b = b.display()
    );
    let started = std::time::Instant::now();
    let mut watched = crate::support::Watched::start(
        bin()
            .args(["client", "--no-reports", "--deadline", "60s", "--"])
            .args(["sh", "-c", &script]),
    );
    watched.wait_for("the script started", |l| l == "started");
    let (code, _, stderr) = watched.finish_all();
    let left: Vec<u32> = [stubborn, detached]
        .into_iter()
        .flat_map(sleeping)
        .collect();
    for pid in &left {
        let _ =
            crate::support::output(Command::new("kill").args(["-KILL", &pid.to_string()])).status;
    }
    drop(dir);
    assert!(left.is_empty(), "still running: {left:?}\n{stderr}");
    assert_eq!(code, i32::from(exit::INCOMPLETE), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(25), "{stderr}");
    assert!(stderr.contains("killed (SIGKILL)"), "{stderr}");
    assert!(stderr.contains("(sleep)"), "{stderr}");
}

#[test]
fn a_command_reading_its_input_gets_the_end_of_it_not_a_wait_until_the_deadline() {
    let started = std::time::Instant::now();
    // The client's own input stays open (held by `Watched`): the command
    // must not be given it.
    let mut watched = crate::support::Watched::start(
        bin()
            .stdin(std::process::Stdio::piped())
            .args(["client", "--no-reports", "--deadline", "20s", "--"])
            .args(["sh", "-c", "read answer; echo \"answered:$answer.\""]),
    );
    watched.wait_for("the command's line", |l| l == "answered:.");
    let (code, _, stderr) = watched.finish_all();
    assert_eq!(code, i32::from(exit::INCOMPLETE), "{stderr}");
    assert!(!stderr.contains("--deadline"), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(20), "{stderr}");
}

#[test]
fn a_deadline_of_zero_is_refused() {
    let ran = run(bin().args(["client", "--no-reports", "--deadline", "0s", "--", "true"]));
    assert_exit(&ran, exit::SETUP);
    assert!(ran.stderr.contains("--deadline"), "{}", ran.stderr);
    assert!(ran.stderr.contains("more than zero"), "{}", ran.stderr);
}
