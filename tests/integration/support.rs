//! Shared test support: the real binary, and a real sandbox on loopback.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use wapzi_homolog::sandbox::{Fault, Sandbox, SandboxConfig, SandboxStats, FIXTURES};

/// Environment variables the binary reads, cleared so the developer's own
/// settings (or a CI runner's proxy) cannot leak into a test.
const WAPZI_VARS: &[&str] = &[
    "WAPZI_BASE_URL",
    "WAPZI_API_KEY",
    "WAPZI_ENTRY_POINT_ID",
    "WAPZI_PREVIOUS_API_KEY",
    "WAPZI_INACTIVE_API_KEY",
    "WAPZI_OTHER_API_KEY",
    "WAPZI_NO_ATTENDANTS_ENTRY_POINT_ID",
    "WAPZI_UNAVAILABLE_ENTRY_POINT_ID",
    "WAPZI_INACTIVE_ENTRY_POINT_ID",
    "WAPZI_FAILING_MESSAGE",
    "GITHUB_ACTIONS",
    "GITHUB_STEP_SUMMARY",
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// The binary under test, run from the repository root with a clean
/// environment.
pub fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wapzi-homolog"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    for var in WAPZI_VARS {
        cmd.env_remove(var);
    }
    cmd.env("NO_COLOR", "1");
    cmd
}

/// What a finished command printed, and how it exited.
pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    /// Ids of the checks libtest printed as FAILED.
    pub fn failed(&self) -> Vec<String> {
        self.with_status("FAILED")
    }

    pub fn passed(&self) -> Vec<String> {
        self.with_status("ok")
    }

    /// Ids of the checks libtest printed with `status` (`ok`, `FAILED`,
    /// `ignored`); the reason in `ignored (...)` is dropped.
    pub fn with_status(&self, status: &str) -> Vec<String> {
        let mut ids: Vec<String> = self
            .stdout
            .lines()
            .filter_map(|l| l.strip_prefix("test "))
            .filter_map(|l| l.split_once(" ... "))
            .filter(|(_, s)| s.trim() == status || s.starts_with(&format!("{status} (")))
            .map(|(id, _)| id.trim().trim_start_matches("[advisory] ").to_string())
            .collect();
        ids.sort();
        ids
    }
}

/// Asserts `ran` exited with `code` (an `exit` constant), showing what it
/// printed if not.
#[track_caller]
pub fn assert_exit(ran: &Ran, code: u8) {
    assert_exit_case(ran, code, "");
}

/// [`assert_exit`] for one `case` of a table, named in the message.
#[track_caller]
pub fn assert_exit_case(ran: &Ran, code: u8, case: impl std::fmt::Display) {
    assert_eq!(
        ran.code,
        i32::from(code),
        "{case}\nstdout:\n{}\nstderr:\n{}",
        ran.stdout,
        ran.stderr
    );
}

/// How long any run of the binary may take in a test: a hang fails its
/// test, naming the command, instead of holding CI until its own limit.
pub const RUN_LIMIT: std::time::Duration = std::time::Duration::from_secs(300);

/// Runs `cmd` to its end (within [`RUN_LIMIT`], or the test fails).
pub fn run(cmd: &mut Command) -> Ran {
    let shown = format!("{cmd:?}");
    run_within(cmd, RUN_LIMIT)
        .unwrap_or_else(|| panic!("{shown} did not end within {}s", RUN_LIMIT.as_secs()))
}

/// Runs `cmd`, killing it if it has not finished within `limit`.
pub fn run_within(cmd: &mut Command, limit: Duration) -> Option<Ran> {
    run_watching(cmd, limit, |_| {})
}

/// [`run_within`], calling `on_line` with each line of stdout as it comes
/// (to act on a point of the run, such as a check's result line).
pub fn run_watching(
    cmd: &mut Command,
    limit: Duration,
    on_line: impl FnMut(&str) + Send + 'static,
) -> Option<Ran> {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    finish_within(child, limit, on_line).map(|output| Ran {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap_or_default(),
        stderr: String::from_utf8(output.stderr).unwrap_or_default(),
    })
}

/// `cmd.output()`, bounded: a command that has not ended within
/// [`RUN_LIMIT`] is killed and the test fails, naming it.
pub fn output(cmd: &mut Command) -> Output {
    let shown = format!("{cmd:?}");
    try_output(cmd).unwrap_or_else(|e| panic!("{shown} could not start: {e}"))
}

/// [`output`], or why the command could not start (a tool not installed).
pub fn try_output(cmd: &mut Command) -> std::io::Result<Output> {
    let shown = format!("{cmd:?}");
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    Ok(finish_within(child, RUN_LIMIT, |_| {})
        .unwrap_or_else(|| panic!("{shown} did not end within {}s", RUN_LIMIT.as_secs())))
}

/// Waits for a started `child` to end within `limit`, reading what is left
/// of its piped stdout (each line given to `on_line`) and stderr; kills it
/// and returns `None` past the limit.
pub fn finish_within(
    mut child: Child,
    limit: Duration,
    mut on_line: impl FnMut(&str) + Send + 'static,
) -> Option<Output> {
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = child.stdout.take().map(BufReader::new);
    let stdout = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let Some(mut pipe) = stdout else {
            return bytes;
        };
        let mut line = Vec::new();
        while pipe.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
            on_line(String::from_utf8_lossy(&line).trim_end_matches('\n'));
            bytes.append(&mut line);
        }
        bytes
    });
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let started = Instant::now();
    // Looks at the child often at first (most runs end in milliseconds),
    // then every 20 ms: this only waits for it to exit, bounded by `limit`.
    let mut pause = Duration::from_millis(1);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    };
    let (stdout, stderr) = (stdout.join().unwrap(), stderr.join().unwrap());
    status.map(|status| Output {
        status,
        stdout,
        stderr,
    })
}

/// A sandbox served on 127.0.0.1 by a runtime of its own, stopped on drop.
pub struct TestSandbox {
    runtime: tokio::runtime::Runtime,
    sandbox: Option<Sandbox>,
}

impl TestSandbox {
    pub fn start(latency_ms: u64, faults: &[&str]) -> TestSandbox {
        Self::with_config(SandboxConfig {
            latency: std::time::Duration::from_millis(latency_ms),
            faults: faults.iter().map(|f| Fault::parse(f).unwrap()).collect(),
            ..SandboxConfig::default()
        })
    }

    /// A sandbox for `config` (a test's [`wapzi_homolog::sandbox::Hold`]...).
    pub fn with_config(config: SandboxConfig) -> TestSandbox {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let sandbox = runtime
            .block_on(Sandbox::start(([127, 0, 0, 1], 0).into(), config))
            .unwrap();
        TestSandbox {
            runtime,
            sandbox: Some(sandbox),
        }
    }

    pub fn base_url(&self) -> String {
        self.sandbox.as_ref().unwrap().base_url()
    }

    pub fn stats(&self) -> SandboxStats {
        self.sandbox.as_ref().unwrap().stats()
    }

    /// The binary, configured through the environment to check this sandbox
    /// with its primary key and entry point (no fixtures).
    pub fn command(&self) -> Command {
        let mut cmd = bin();
        cmd.env("WAPZI_BASE_URL", self.base_url())
            .env("WAPZI_API_KEY", FIXTURES.api_key)
            .env("WAPZI_ENTRY_POINT_ID", FIXTURES.entry_point_id);
        cmd
    }
}

impl TestSandbox {
    /// [`TestSandbox::command`] with every fixture the sandbox has, as
    /// `run --sandbox` sets them, so that no check is ignored for want of one.
    pub fn command_with_fixtures(&self) -> Command {
        let mut cmd = self.command();
        for (name, value) in [
            (
                "NO_ATTENDANTS_ENTRY_POINT_ID",
                FIXTURES.no_attendants_entry_point_id,
            ),
            (
                "UNAVAILABLE_ENTRY_POINT_ID",
                FIXTURES.unavailable_entry_point_id,
            ),
            ("FAILING_MESSAGE", FIXTURES.fail_marker),
            ("OTHER_ENTRY_POINT_ID", FIXTURES.other_entry_point_id),
            ("INACTIVE_ENTRY_POINT_ID", FIXTURES.inactive_entry_point_id),
            ("PREVIOUS_API_KEY", FIXTURES.previous_api_key),
            ("INACTIVE_API_KEY", FIXTURES.inactive_api_key),
            ("OTHER_API_KEY", FIXTURES.other_api_key),
        ] {
            cmd.env(format!("WAPZI_{name}"), value);
        }
        cmd
    }
}

impl Drop for TestSandbox {
    fn drop(&mut self) {
        if let Some(sandbox) = self.sandbox.take() {
            self.runtime.block_on(sandbox.shutdown());
        }
    }
}

/// A fresh temporary directory.
/// The `latest/report.json` of a reports root, parsed.
pub fn latest_report(root: &Path) -> serde_json::Value {
    let path = root.join("latest/report.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("no report at {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

pub fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// Every file below `dir`, recursively.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// A running binary whose stdout lines are read as they come, so a test
/// can act when a line shows (send a signal once the run is up); every
/// wait is bounded.
pub struct Watched {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    /// Everything written on stderr, read to the end by a thread of its own.
    stderr: std::thread::JoinHandle<String>,
    /// Every line read so far.
    pub seen: Vec<String>,
}

/// How long a watched run may take to print a line, or to end.
const WATCH_LIMIT: std::time::Duration = std::time::Duration::from_secs(30);

impl Watched {
    /// Starts `cmd` with stdout and stderr piped.
    pub fn start(cmd: &mut Command) -> Watched {
        use std::io::{BufRead, BufReader, Read};
        let mut child = cmd
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        Watched {
            child,
            lines,
            stderr,
            seen: Vec::new(),
        }
    }

    /// Reads lines until one satisfies `wanted`.
    pub fn wait_for(&mut self, what: &str, wanted: impl Fn(&str) -> bool) {
        while !self.seen.iter().any(|l| wanted(l)) {
            let line = self
                .lines
                .recv_timeout(WATCH_LIMIT)
                .unwrap_or_else(|_| panic!("{what} within {WATCH_LIMIT:?}: {:?}", self.seen));
            self.seen.push(line);
        }
    }

    /// Sends `signal` (`TERM`, `INT`) to the process.
    pub fn signal(&self, signal: &str) {
        let sent = output(
            Command::new("kill").args([&format!("-{signal}"), &self.child.id().to_string()]),
        )
        .status;
        assert!(sent.success(), "kill -{signal}");
    }

    /// Waits for the process to end; its exit code (-1 when a signal ended
    /// it) and every line it printed.
    pub fn finish(self) -> (i32, String) {
        let (code, stdout, _) = self.finish_all();
        (code, stdout)
    }

    /// [`Watched::finish`], with everything written on stderr too. Every
    /// line is read to the end of the output, not only those already
    /// passed on when the process ended.
    /// Waits until `client`'s recorder is up and returns the base URL it
    /// tells the backend to use.
    pub fn recorder_url(&mut self) -> String {
        self.wait_for("the recorder is up", |l| {
            l.contains("Recording your client's calls")
        });
        self.seen
            .iter()
            .find_map(|l| l.strip_prefix("Point your backend's WAPZI_BASE_URL at "))
            .and_then(|rest| rest.split(';').next())
            .expect("the recorder's URL")
            .to_string()
    }

    pub fn finish_all(mut self) -> (i32, String, String) {
        let (tx, done) = std::sync::mpsc::channel();
        let mut child = self.child;
        let pid = child.id();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait());
        });
        let Ok(status) = done.recv_timeout(WATCH_LIMIT) else {
            // Not left behind: the run is killed before the test fails.
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            panic!("the run did not end within {WATCH_LIMIT:?}: killed");
        };
        let status = status.unwrap();
        // The reader ends (and the channel closes) at the end of stdout.
        while let Ok(line) = self.lines.recv_timeout(WATCH_LIMIT) {
            self.seen.push(line);
        }
        let stderr = self.stderr.join().unwrap_or_default();
        (status.code().unwrap_or(-1), self.seen.join("\n"), stderr)
    }
}

/// The bound is real: a command still running at it is killed (its pipes
/// close, so the wait ends long before the command would have) and the
/// run reported as not ended.
#[test]
fn a_command_past_its_bound_is_killed_and_reported() {
    let started = Instant::now();
    let ran = run_within(Command::new("sleep").arg("30"), Duration::from_millis(200));
    assert!(ran.is_none());
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    let quick = run_within(Command::new("true").arg("x"), Duration::from_secs(60));
    assert_eq!(quick.map(|r| r.code), Some(0));
}
