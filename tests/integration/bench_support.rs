//! What the benchmark (bench/run.sh) relies on: `sandbox --stats-file`
//! writes the server's timing when the sandbox is stopped by a signal, and
//! its execution ids and times line up with the run's report.

use std::path::Path;

use serde_json::Value;
use wapzi_homolog::exit;
use wapzi_homolog::sandbox::FIXTURES;

use crate::support::{assert_exit, bin, run, temp_dir, Watched};

/// A `wapzi-homolog sandbox` process on a free port (watched: every wait
/// on it is bounded), and its base URL.
fn start_sandbox(latency: &str, stats: &Path) -> (Watched, String) {
    let mut sandbox = Watched::start(
        bin()
            .args([
                "sandbox",
                "--port",
                "0",
                "--latency",
                latency,
                "--stats-file",
            ])
            .arg(stats),
    );
    let url = |line: &str| line.strip_prefix("Wapzi sandbox at ").map(String::from);
    sandbox.wait_for("the sandbox prints its URL", |l| url(l).is_some());
    let base_url = sandbox.seen.iter().find_map(|l| url(l)).unwrap_or_default();
    (sandbox, base_url)
}

/// Sends `signal` (`TERM`, `INT`) to the sandbox and waits for it to exit.
fn stop(sandbox: Watched, signal: &str) -> i32 {
    sandbox.signal(signal);
    sandbox.finish().0
}

#[test]
fn sandbox_stats_file_times_each_execution_the_run_polled() {
    for signal in ["TERM", "INT"] {
        let dir = temp_dir();
        let stats_path = dir.path().join("stats.json");
        let (child, base_url) = start_sandbox("40ms", &stats_path);
        let ran = run(bin()
            .env("WAPZI_BASE_URL", &base_url)
            .env("WAPZI_API_KEY", FIXTURES.api_key)
            .env("WAPZI_ENTRY_POINT_ID", FIXTURES.entry_point_id)
            .args(["run", "--exact", "execution::completes", "--reports"])
            .arg(dir.path().join("reports")));
        assert_exit(&ran, exit::INCOMPLETE);
        assert!(!stats_path.exists(), "written before the sandbox stopped");
        assert_eq!(stop(child, signal), i32::from(exit::READY), "{signal}");

        let stats: Value = serde_json::from_slice(&std::fs::read(&stats_path).unwrap()).unwrap();
        assert_eq!(stats["latency_ms"], 40.0);
        let report_path = dir.path().join("reports/latest/report.json");
        let report: Value = serde_json::from_slice(&std::fs::read(report_path).unwrap()).unwrap();
        let completes = report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "execution::completes")
            .unwrap();
        let polls = &completes["polls"][0];
        let polled = polls["path"].as_str().unwrap().rsplit('/').next().unwrap();
        let completions = stats["completions"].as_array().unwrap();
        assert_eq!(completions.len(), 1, "{stats:#}");
        let completion = &completions[0];
        assert_eq!(completion["execution_id"], polled);
        assert_eq!(completion["status"], "completed");
        let created = completion["created_at_ms"].as_f64().unwrap();
        let completed = completion["completed_at_ms"].as_f64().unwrap();
        assert!((completed - created - 40.0).abs() < 0.01, "{completion}");
        // The preflight's read, one POST and at least one poll, each with the key.
        let requests = stats["requests"].as_u64().unwrap();
        assert!(requests >= 3 && requests == polls["polls"].as_u64().unwrap() + 2);
        assert_eq!(stats["requests_with_key"], requests);
    }
}
