//! `client` hardened (issue 23): the command's environment, its process
//! tree and what reaches output of the keys it holds.

use std::io::{Read, Write};
use std::process::Command;
use std::time::Duration;

use wapzi_homolog::exit;
use wapzi_homolog::sandbox::FIXTURES;

use crate::support::{assert_exit, bin, latest_report, run, temp_dir, TestSandbox, Watched};

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
    let reports = dir.path().join("reports");
    let mut watched = crate::support::Watched::start(
        bin()
            .args(["client", "--deadline", "60s", "--reports"])
            .arg(&reports)
            .args(["--"])
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
    let json = std::fs::read_to_string(reports.join("latest/report.json"));
    let markdown = std::fs::read_to_string(reports.join("latest/report.md"));
    drop(dir);
    assert!(left.is_empty(), "still running: {left:?}\n{stderr}");
    // The summary says what had to be killed, not only stderr.
    let json: serde_json::Value = serde_json::from_str(&json.unwrap()).unwrap();
    let exit = &json["client"]["command_exit"];
    let killed = exit["killed"].as_array().expect("killed listed");
    assert!(
        killed
            .iter()
            .any(|k| k.as_str().unwrap().ends_with("(sleep)")),
        "{exit}"
    );
    assert!(
        exit["left_running"].as_array().unwrap().len() >= 2,
        "{exit}"
    );
    let markdown = markdown.unwrap();
    assert!(
        markdown.contains("killed (SIGKILL) after the grace: `pid "),
        "{markdown}"
    );
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

/// The test-only hold is the sandbox's: with `--upstream` it would be
/// silently ignored, so the two are refused together.
#[test]
fn the_hidden_hold_is_refused_with_an_upstream() {
    let ran = run(bin().args([
        "client",
        "--no-reports",
        "--hold-running-reads",
        "2",
        "--upstream",
        "http://127.0.0.1:9",
        "--",
        "true",
    ]));
    assert_exit(&ran, exit::SETUP);
    assert!(ran.stderr.contains("--upstream"), "{}", ran.stderr);
    assert!(!ran.stderr.contains("Recording"), "{}", ran.stderr);
}

/// A key the run is never told, one per place it is sent in.
fn place_key(place: usize) -> String {
    format!("wk{place:0>2}0never0told0to0the0run0009")
}

/// The requests of [`every_place_a_key_goes_is_learned_before_anything_is_shown`],
/// each with the key of its place.
fn requests_with_keys(client: &reqwest::Client, base_url: &str) -> Vec<reqwest::RequestBuilder> {
    let read = format!("{base_url}/v1/executions/exec_1");
    let execute = format!(
        "{base_url}/v1/entry-points/{}/execute",
        FIXTURES.entry_point_id
    );
    let key = place_key;
    let deep = format!(
        r#"{}{{"auth":{{"x-api-key":"{}"}}}}{}"#,
        r#"{"a":"#.repeat(300),
        key(7),
        "}".repeat(300)
    );
    let multipart = format!(
        "--b0\r\nContent-Disposition: form-data; name=\"message\"\r\n\r\nhi\r\n\
         --b0\r\nContent-Disposition: form-data; name=\"api_key\"\r\n\r\n{}\r\n--b0--\r\n",
        key(6)
    );
    let json = |body: String| {
        client
            .post(&execute)
            .header("content-type", "application/json")
            .body(body)
    };
    vec![
        client.get(format!("{read}?{}", key(0))),
        client.get(format!("{read}?a=1;api_key={}", key(1))),
        client.get(format!("{read}?api_key[]={}", key(2))),
        client
            .get(&read)
            .header("authorization", format!(r#"ApiKey key="{}""#, key(3))),
        client
            .get(&read)
            .header("cookie", format!("session=s1; api_key={}", key(4))),
        client.get(&read).header("x-wapzi-key", key(5)),
        client
            .post(&execute)
            .header("content-type", "multipart/form-data; boundary=b0")
            .body(multipart),
        json(deep),
        json(format!(
            r#"{{"message":"hi","headers":[["x-api-key","{}"]]}}"#,
            key(8)
        )),
        client.get(format!("{read}?access_key={}", key(9))),
        json(format!(r#"{{"message":"hi","password":"{}"}}"#, key(10))),
        json(format!(
            r#"{{"message":"hi","callback":"https://h/v1?api_key={}"}}"#,
            key(11)
        )),
        client.get(format!("{read};api_key={}", key(12))),
    ]
}

/// Through `--upstream` with no `WAPZI_API_KEY`, a key sent in any place a
/// key goes is learned before anything is recorded, cut or printed: it is
/// on no line of stdout or `-v`, in no report, and the checks that say
/// where the key travels judge the calls instead of ending ignored.
#[test]
fn every_place_a_key_goes_is_learned_before_anything_is_shown() {
    let upstream = TestSandbox::start(0, &[]);
    let dir = temp_dir();
    let mut watched = Watched::start(
        bin()
            .args(["client", "-v", "--upstream", &upstream.base_url()])
            .arg("--reports")
            .arg(dir.path())
            .env_remove("WAPZI_API_KEY"),
    );
    let base_url = watched.recorder_url();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let sent = rt.block_on(async {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let mut sent = 0;
        for request in requests_with_keys(&client, &base_url) {
            request.send().await.unwrap();
            sent += 1;
        }
        sent
    });
    watched.signal("TERM");
    let (code, stdout, stderr) = watched.finish_all();
    assert_eq!(code, i32::from(exit::NOT_READY), "{stdout}\n{stderr}");
    let mut outputs = vec![
        ("stdout".to_string(), stdout),
        ("stderr".to_string(), stderr),
    ];
    for entry in std::fs::read_dir(dir.path().join("latest")).unwrap() {
        let path = entry.unwrap().path();
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        outputs.push((path.display().to_string(), text));
    }
    assert!(outputs
        .iter()
        .any(|(name, _)| name.ends_with("attestation.json")));
    for place in 0..sent {
        let key = place_key(place);
        for (name, text) in &outputs {
            assert!(
                !text.contains(&key),
                "the key of place {place} is in {name}"
            );
        }
    }
    let json = latest_report(dir.path());
    let verdict = |id: &str| {
        json["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .map(|c| c["verdict"].clone())
    };
    assert_eq!(verdict("client::key-only-in-header"), Some("failed".into()));
    assert_eq!(
        verdict("client::key-only-in-x-api-key"),
        Some("advisory_failed".into())
    );
}

/// The issue's case: through `--upstream` with no `WAPZI_API_KEY`, a
/// client that sends its key only in the URL (a bare `?KEY`, a
/// `;`-separated `api_key`) has `client::key-only-in-header` judged and
/// failed, and the key is on no line and in no report.
#[test]
fn a_key_sent_only_in_the_url_through_upstream_is_judged_and_shown_nowhere() {
    for format in [None, Some(["--format", "json"])] {
        key_only_in_the_url(format);
    }
}

/// [`a_key_sent_only_in_the_url_through_upstream_is_judged_and_shown_nowhere`],
/// its output in the human format or with `format`.
fn key_only_in_the_url(format: Option<[&str; 2]>) {
    const KEY: &str = "wk0only0in0the0url0never0told00009";
    let upstream = TestSandbox::start(0, &[]);
    let dir = temp_dir();
    let mut cmd = bin();
    cmd.args(["client", "--upstream", &upstream.base_url(), "--reports"])
        .arg(dir.path())
        .args(format.into_iter().flatten())
        .env_remove("WAPZI_API_KEY");
    let bare = format!("/v1/executions/exec_1?{KEY}");
    let semicolon = format!("/v1/executions/exec_2?trace=1;api_key={KEY}");
    with_raw_client(&mut cmd, &[&bare, &semicolon]);
    let ran = run(&mut cmd);
    assert_exit(&ran, exit::NOT_READY);
    assert!(!ran.stdout.is_empty());
    assert!(!ran.stdout.contains(KEY), "{format:?}: {}", ran.stdout);
    assert!(!ran.stderr.contains(KEY), "{format:?}: {}", ran.stderr);
    for entry in std::fs::read_dir(dir.path().join("latest")).unwrap() {
        let path = entry.unwrap().path();
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        assert!(!text.contains(KEY), "{}", path.display());
    }
    let json = latest_report(dir.path());
    let check = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "client::key-only-in-header")
        .expect("graded")
        .clone();
    assert_eq!(check["verdict"], "failed", "{check}");
    assert!(
        check.to_string().contains("the key is in the query string"),
        "{check}"
    );
}

/// Without a COMMAND the first signal ends the serving: the next one, if it
/// comes while grading, stops the grading with its reports written (it
/// used to exit at once, without reports).
#[cfg(unix)]
#[test]
fn without_a_command_a_second_signal_still_leaves_the_reports() {
    let dir = temp_dir();
    let mut watched =
        crate::support::Watched::start(bin().args(["client", "--reports"]).arg(dir.path()));
    watched.wait_for("the recorder is up", |l| {
        l.contains("Recording your client's calls")
    });
    watched.signal("TERM");
    watched.signal("TERM");
    let (code, stdout, stderr) = watched.finish_all();
    // No call: INCOMPLETE, or INTERRUPTED when the second came while grading.
    assert!(
        code == i32::from(exit::INCOMPLETE) || code == i32::from(exit::TERMINATED),
        "{code}\n{stdout}\n{stderr}"
    );
    assert!(!stderr.contains("exiting at once"), "{stderr}");
    let report = crate::support::latest_report(dir.path());
    assert_eq!(report["exit_code"], code, "{report}");
}
