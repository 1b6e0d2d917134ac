//! The integrator's COMMAND: run as the client, its output passed through,
//! bounded by `--deadline`, stopped with its whole process group.
//!
//! The command runs in a process group of its own, so a script that starts
//! a backend in the background and drives it can be stopped whole: at the
//! deadline, on Ctrl-C/SIGTERM, and after it exits (whatever it left
//! running in its group is told to stop, so no backend outlives the run).

use std::time::Duration;

use tokio::process::{Child, Command};
use tokio::sync::watch;

use crate::app::error::CommandError;
use crate::interrupt::Signal;
use crate::result::CommandExit;

/// How long a command told to stop (SIGTERM) has before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// How the command's run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandRun {
    pub exit: CommandExit,
    /// The signal that stopped the whole client run, if one did.
    pub interrupted: Option<Signal>,
    /// What the command left running after its leader ended, stopped.
    pub left_running: super::tree::Stopped,
}

/// Runs `argv` with `env` added to this process's environment until it
/// exits, the deadline passes or a signal comes. Its standard output is
/// ours, or our standard error when ours must hold JSON lines only
/// (`stdout_to_stderr`).
///
/// # Errors
///
/// [`CommandError`] when the command cannot be started (not found, not
/// executable) or waited for.
pub async fn run_command(
    argv: &[String],
    env: &[(String, String)],
    deadline: Duration,
    signals: watch::Receiver<Option<Signal>>,
    stdout_to_stderr: bool,
    adopted: bool,
) -> Result<CommandRun, CommandError> {
    let (program, args) = argv.split_first().ok_or(CommandError::Empty)?;
    let mut command = Command::new(program);
    command
        .args(args)
        .envs(env.iter().cloned())
        // A command reading the terminal (a prompt) would be stopped by
        // SIGTTIN, being in a group of its own, until --deadline: it reads
        // the end of input instead.
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    if stdout_to_stderr {
        command.stdout(std::io::stderr());
    }
    #[cfg(unix)]
    command.process_group(0);
    let mut child = command.spawn().map_err(|error| CommandError::Spawn {
        program: program.clone(),
        reason: describe_spawn(&error),
    })?;
    let group = child.id();
    let mut timed_out = false;
    let mut interrupted = None;
    let (status, leader_killed) = tokio::select! {
        status = child.wait() => (status, None),
        () = tokio::time::sleep(deadline) => {
            timed_out = true;
            eprintln!(
                "client: the command ran past --deadline {}: stopping it",
                humantime::format_duration(deadline)
            );
            stop(&mut child, group).await
        }
        signal = crate::interrupt::interrupted(signals) => {
            interrupted = Some(signal);
            eprintln!("client: {}: stopping the command", signal.name());
            stop(&mut child, group).await
        }
    };
    // What the command left running goes too: its group, what is below
    // it, and what it detached (given back to us when `adopted`).
    let left_running = super::tree::stop_tree(group, adopted, STOP_GRACE).await;
    say_stopped(&left_running);
    let status = status.map_err(CommandError::Wait)?;
    let mut exit = exit_of(status, timed_out);
    exit.left_running.clone_from(&left_running.terminated);
    exit.killed = leader_killed.into_iter().collect();
    exit.killed.extend(left_running.killed.iter().cloned());
    Ok(CommandRun {
        exit,
        interrupted,
        left_running,
    })
}

/// Tells what had to be stopped after the command ended.
fn say_stopped(stopped: &super::tree::Stopped) {
    if !stopped.terminated.is_empty() {
        eprintln!(
            "client: the command left {} process(es) running, told to stop (SIGTERM): {}",
            stopped.terminated.len(),
            stopped.terminated.join(", ")
        );
    }
    if !stopped.killed.is_empty() {
        eprintln!(
            "client: still running {} after SIGTERM, killed (SIGKILL): {}",
            humantime::format_duration(STOP_GRACE),
            stopped.killed.join(", ")
        );
    }
}

/// Tells the group to stop, then kills it if it has not after
/// [`STOP_GRACE`]; with the command as `pid N (name)` when it had to be
/// killed (the summary says so).
async fn stop(
    child: &mut Child,
    group: Option<u32>,
) -> (std::io::Result<std::process::ExitStatus>, Option<String>) {
    signal_group(group, GroupSignal::Terminate);
    if let Ok(status) = tokio::time::timeout(STOP_GRACE, child.wait()).await {
        return (status, None);
    }
    let killed = group.map(|pid| super::tree::describe(&pid));
    eprintln!(
        "client: the command did not stop {} after SIGTERM: killed (SIGKILL)",
        humantime::format_duration(STOP_GRACE)
    );
    signal_group(group, GroupSignal::Kill);
    // Without a group to signal, the child itself.
    let _ = child.start_kill();
    (child.wait().await, killed)
}

#[derive(Debug, Clone, Copy)]
enum GroupSignal {
    Terminate,
    Kill,
}

/// Sends `signal` to the process group `group` leads; a group already gone
/// is nothing to stop.
fn signal_group(group: Option<u32>, signal: GroupSignal) {
    #[cfg(unix)]
    if let Some(pid) = group.and_then(|g| i32::try_from(g).ok()) {
        use nix::sys::signal::{killpg, Signal as Sig};
        let sig = match signal {
            GroupSignal::Terminate => Sig::SIGTERM,
            GroupSignal::Kill => Sig::SIGKILL,
        };
        let _ = killpg(nix::unistd::Pid::from_raw(pid), sig);
    }
    #[cfg(not(unix))]
    let _ = (group, signal);
}

fn exit_of(status: std::process::ExitStatus, timed_out: bool) -> CommandExit {
    #[cfg(unix)]
    let signal = {
        use std::os::unix::process::ExitStatusExt;
        status.signal().map(|n| {
            nix::sys::signal::Signal::try_from(n)
                .map(|s| s.as_str().to_string())
                .unwrap_or_else(|_| format!("signal {n}"))
        })
    };
    #[cfg(not(unix))]
    let signal = None;
    CommandExit {
        code: status.code(),
        signal,
        timed_out,
        ..CommandExit::default()
    }
}

fn describe_spawn(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "not found (is it on PATH?)".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied (is it executable?)".to_string(),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    fn sh(script: &str) -> Vec<String> {
        vec!["sh".into(), "-c".into(), script.into()]
    }

    #[test]
    fn the_exit_code_and_the_environment_reach_the_verdict() {
        let (_tx, rx) = watch::channel(None);
        let env = vec![("WAPZI_TEST_VALUE".to_string(), "7".to_string())];
        let run = rt()
            .block_on(run_command(
                &sh("exit $WAPZI_TEST_VALUE"),
                &env,
                Duration::from_secs(30),
                rx,
                false,
                false,
            ))
            .unwrap();
        assert_eq!(run.exit.code, Some(7));
        assert!(!run.exit.timed_out);
        assert_eq!(run.interrupted, None);
    }

    #[test]
    fn a_command_past_its_deadline_is_stopped_with_its_group() {
        let (_tx, rx) = watch::channel(None);
        // A background child of the script would keep running if only the
        // script were stopped; `wait` makes the script outlive the deadline.
        let run = rt()
            .block_on(run_command(
                &sh("sleep 30 & wait"),
                &[],
                Duration::from_millis(200),
                rx,
                false,
                false,
            ))
            .unwrap();
        assert!(run.exit.timed_out);
        assert_eq!(run.exit.code, None);
        assert_eq!(run.exit.signal.as_deref(), Some("SIGTERM"));
    }

    #[test]
    fn a_signal_stops_the_command_and_is_remembered() {
        let (tx, rx) = watch::channel(None);
        tx.send_replace(Some(Signal::Terminate));
        let run = rt()
            .block_on(run_command(
                &sh("sleep 30"),
                &[],
                Duration::from_secs(60),
                rx,
                false,
                false,
            ))
            .unwrap();
        assert_eq!(run.interrupted, Some(Signal::Terminate));
        assert!(!run.exit.timed_out);
    }

    #[test]
    fn a_command_that_cannot_start_is_a_setup_error() {
        let (_tx, rx) = watch::channel(None);
        let error = rt()
            .block_on(run_command(
                &["/no/such/wapzi-client".to_string()],
                &[],
                Duration::from_secs(1),
                rx,
                false,
                false,
            ))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("cannot run the client command `/no/such/wapzi-client`: not found"),
            "{error}"
        );
    }
}
