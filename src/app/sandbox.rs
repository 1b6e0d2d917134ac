//! `wapzi-homolog sandbox`: the embedded reference server on its own.

use std::future::Future;
use std::io::Write as _;
use std::path::Path;
use std::time::{Duration, SystemTime};

use serde_json::{json, Value};

use crate::app::error::AppError;
use crate::cli::SandboxArgs;
use crate::exit;
use crate::result::ms;
use crate::sandbox::{Dialect, Fault, Sandbox, SandboxStats, FIXTURES};

use super::{runtime, sandbox_config, stdout};

/// Serves the sandbox until Ctrl-C or SIGTERM, after printing its fixtures;
/// then writes its stats to `--stats-file`, if given.
pub fn sandbox(args: SandboxArgs) -> Result<u8, AppError> {
    if args.list_faults {
        for info in Fault::ALL {
            stdout::line(format_args!("{:<34} {}", info.name, info.description));
        }
        return Ok(exit::READY);
    }
    if args.list_dialects {
        for info in Dialect::ALL {
            stdout::line(format_args!("{:<26} {}", info.name, info.description));
        }
        return Ok(exit::READY);
    }
    let config = sandbox_config(&args.behaviour);
    let latency = config.latency;
    let rt = runtime()?;
    let stats = rt.block_on(async {
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], args.port));
        let sandbox = Sandbox::start(addr, config).await?;
        // Registered before the URL is printed: whoever read it may signal.
        let stop = stop_signal();
        // A closed stdout (the reader of the URL went away) does not stop
        // the sandbox: it serves until signalled.
        let mut out = std::io::stdout();
        let _ = writeln!(out, "{}", FIXTURES.describe(&sandbox.base_url()));
        let _ = writeln!(out, "Press Ctrl-C to stop.");
        stop.await;
        let stats = sandbox.stats();
        sandbox.shutdown().await;
        Ok::<_, AppError>(stats)
    })?;
    if let Some(path) = &args.stats_file {
        write_stats(path, &stats_json(&stats, latency))?;
    }
    Ok(exit::READY)
}

/// Registers for Ctrl-C (SIGINT) and, on Unix, SIGTERM at once; the future
/// resolves on either. If a signal cannot be awaited, it resolves at once:
/// stopping beats hanging unstoppable.
fn stop_signal() -> impl Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let interrupt = signal(SignalKind::interrupt()).ok();
        let terminate = signal(SignalKind::terminate()).ok();
        async move {
            if let (Some(mut interrupt), Some(mut terminate)) = (interrupt, terminate) {
                tokio::select! {
                    _ = interrupt.recv() => {}
                    _ = terminate.recv() => {}
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// The stats as `--stats-file` writes them; times are milliseconds since
/// the Unix epoch, so another process can line them up with its own clock.
///
/// ```text
/// {"latency_ms": 300.0, "requests": 12, "requests_with_key": 10,
///  "completions": [{"execution_id": "exec_1", "status": "completed",
///                   "created_at_ms": 1764340000123.456, "completed_at_ms": 1764340000423.456}]}
/// ```
fn stats_json(stats: &SandboxStats, latency: Duration) -> Value {
    let completions: Vec<Value> = stats
        .completions
        .iter()
        .map(|c| {
            json!({
                "execution_id": c.execution_id,
                "status": c.status,
                "created_at_ms": epoch_ms(c.created_at),
                "completed_at_ms": epoch_ms(c.completed_at),
            })
        })
        .collect();
    json!({
        "latency_ms": ms(latency),
        "requests": stats.requests,
        "requests_with_key": stats.requests_with_key,
        "completions": completions,
    })
}

/// Milliseconds since the Unix epoch, to the microsecond.
fn epoch_ms(at: SystemTime) -> f64 {
    ms(at
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default())
}

/// Writes `stats` to a temporary sibling, then renames it over `path`, so a
/// reader waiting for the file never sees it half written.
fn write_stats(path: &Path, stats: &Value) -> Result<(), AppError> {
    let fail = |source: std::io::Error| AppError::Write {
        what: "the sandbox stats",
        path: path.to_path_buf(),
        source,
    };
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".tmp-{}", std::process::id()));
    let tmp = path.with_file_name(name);
    std::fs::write(&tmp, format!("{stats:#}\n")).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::Completion;

    #[test]
    fn stats_are_epoch_milliseconds_with_each_status() {
        let at = |ms: u64| SystemTime::UNIX_EPOCH + Duration::from_micros(ms * 1000 + 250);
        let stats = SandboxStats {
            requests: 3,
            requests_with_key: 2,
            completions: vec![Completion {
                execution_id: "exec_1".into(),
                status: "completed",
                created_at: at(1_000),
                completed_at: at(1_300),
            }],
        };
        let expected = json!({
            "latency_ms": 300.0,
            "requests": 3,
            "requests_with_key": 2,
            "completions": [{
                "execution_id": "exec_1",
                "status": "completed",
                "created_at_ms": 1000.25,
                "completed_at_ms": 1300.25,
            }],
        });
        assert_eq!(stats_json(&stats, Duration::from_millis(300)), expected);
    }

    #[test]
    fn stats_are_written_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stats.json");
        write_stats(&path, &json!({"requests": 1})).unwrap();
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
        let back: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(back["requests"], 1);
        let missing = dir.path().join("no/such/dir/stats.json");
        let error = write_stats(&missing, &json!({})).unwrap_err().to_string();
        assert!(
            error.starts_with("cannot write the sandbox stats to "),
            "{error}"
        );
    }
}
