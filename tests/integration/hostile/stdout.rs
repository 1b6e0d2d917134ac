//! A closed stdout (`run | head -1`) ends printing quietly: the command
//! goes on, writes its reports and exits with its own code, not a panic.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};

use wapzi_homolog::sandbox::FIXTURES;

use super::{http_response, read_head, Listener, NOT_READY};
use crate::support::{bin, files_below, finish_within, temp_dir, RUN_LIMIT};

/// Starts `cmd` with stdout a pipe, reads its first line, closes the pipe
/// (what `head -1` does) and returns the child with stderr still to read.
fn spawn_and_close_stdout_after_one_line(cmd: &mut Command) -> (Child, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    // Read on a thread of its own so that the wait for the line is bounded.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut first = String::new();
        let _ = stdout.read_line(&mut first);
        drop(stdout);
        let _ = tx.send(first);
    });
    match rx.recv_timeout(RUN_LIMIT) {
        Ok(first) => (child, first),
        Err(_) => {
            let _ = child.kill();
            panic!("no line on stdout within {RUN_LIMIT:?}");
        }
    }
}

/// Waits for `child` to end (bounded: killed, and the test failed, past
/// the limit); its exit code and stderr.
fn wait(child: Child) -> (i32, String) {
    let output = finish_within(child, RUN_LIMIT, |_| {}).expect("the command ends");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn run_with_stdout_closed_after_one_line_still_reports_and_gives_its_verdict() {
    // The target answers only once stdout is closed, so every line after
    // the first is written to a closed pipe.
    let (closed_tx, closed_rx) = mpsc::channel::<()>();
    let closed = Arc::new(Mutex::new(closed_rx));
    let target = Listener::start(move |stream| {
        let head = read_head(stream);
        // The preflight is answered at once, as documented; the checks'
        // requests block until the sender is dropped, then never again.
        if head.contains("exec_homolog_preflight") {
            let documented = br#"{"message":"Invalid executionId for this account"}"#;
            let _ = std::io::Write::write_all(
                stream,
                &http_response("400 Bad Request", "", documented),
            );
            return None;
        }
        let _ = closed.lock().unwrap().recv();
        let _ = std::io::Write::write_all(stream, &http_response("200 OK", "", b"{}"));
        Some(head)
    });
    let reports = temp_dir();
    let check = concat!(env!("CARGO_MANIFEST_DIR"), "/checks/key/missing.yaml");
    let (child, first) = spawn_and_close_stdout_after_one_line(
        bin()
            .env("WAPZI_API_KEY", FIXTURES.api_key)
            .args(["run", "--entry-point", "ep", "--checks", check])
            .arg("--base-url")
            .arg(target.base_url())
            .arg("--reports")
            .arg(reports.path()),
    );
    drop(closed_tx);
    let (code, stderr) = wait(child);
    target.finish();
    assert_eq!(first, "\n", "libtest's first line is blank");
    // The check fails (200 where 401 is expected): the verdict is kept.
    assert_eq!(code, NOT_READY, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let written = files_below(&reports.path().join("latest"));
    assert!(written.len() >= 4, "{written:?}");
}

#[test]
fn list_with_stdout_closed_after_one_line_ends_quietly() {
    // More lines than a pipe holds, so `list` is still writing when the
    // pipe closes.
    let dir = temp_dir();
    let file = dir.path().join("many.yaml");
    let shipped = include_str!("../../../checks/key/missing.yaml");
    let documents: Vec<String> = (0..2_000)
        .map(|i| shipped.replace("id: key::missing", &format!("id: gen::c{i}")))
        .collect();
    std::fs::write(&file, documents.join("---\n")).unwrap();
    let (child, first) =
        spawn_and_close_stdout_after_one_line(bin().arg("list").arg("--checks").arg(&file));
    let (code, stderr) = wait(child);
    assert!(first.starts_with("gen::c0 "), "{first}");
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn commands_that_only_print_end_quietly_on_a_stdout_closed_before_their_first_line() {
    let dir = temp_dir();
    let scaffold = dir.path().join("scaffold");
    let cases: [(&str, Vec<std::ffi::OsString>); 4] = [
        ("init", vec!["init".into(), scaffold.clone().into()]),
        (
            "sandbox --list-faults",
            vec!["sandbox".into(), "--list-faults".into()],
        ),
        (
            "completions bash",
            vec!["completions".into(), "bash".into()],
        ),
        ("schema", vec!["schema".into()]),
    ];
    for (name, args) in cases {
        let mut child = bin()
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The reader is gone before the first write: every write fails.
        drop(child.stdout.take());
        let (code, stderr) = wait(child);
        assert_eq!(code, 0, "{name}: {stderr}");
        assert!(stderr.is_empty(), "{name}: {stderr}");
    }
    assert!(
        scaffold.join(".env.example").is_file(),
        "init wrote its files all the same"
    );
}
