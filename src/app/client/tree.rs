//! The command's whole process tree, found and stopped after its leader
//! ended: what it left running in its process group, below it, and (on
//! Linux, where this process is the command's subreaper) what it detached
//! with `setsid` or a double fork, which the kernel gives back to us.

use std::time::Duration;

/// How often the tree is looked at while it is given time to stop.
const LOOK_EVERY: Duration = Duration::from_millis(50);

/// What stopping the tree took: the processes told to stop (SIGTERM), and
/// those still there after the grace, killed (SIGKILL); each `pid (name)`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Stopped {
    pub terminated: Vec<String>,
    pub killed: Vec<String>,
}

/// Makes this process the subreaper of everything it starts (Linux): a
/// process the command detaches is given back to us, not to init, so it
/// can be found and stopped. Returns whether it is.
pub fn adopt_orphans() -> bool {
    #[cfg(target_os = "linux")]
    return nix::sys::prctl::set_child_subreaper(true).is_ok();
    #[cfg(not(target_os = "linux"))]
    false
}

/// Stops what is left of the tree of the command led by `leader` (its
/// group, its descendants, and with `adopted` every other descendant of
/// this process): SIGTERM, then SIGKILL to what is still there after
/// `grace`. Every wait is bounded by `grace`.
pub async fn stop_tree(leader: Option<u32>, adopted: bool, grace: Duration) -> Stopped {
    let Some(leader) = leader else {
        return Stopped::default();
    };
    let mut stopped = Stopped::default();
    // Without `/proc` to look in, the group at least is told to stop.
    #[cfg(not(target_os = "linux"))]
    signal_all(leader, &[], Kill::Term);
    let left = members(leader, adopted);
    if left.is_empty() {
        return stopped;
    }
    stopped.terminated = left.iter().map(describe).collect();
    signal_all(leader, &left, Kill::Term);
    let until = tokio::time::Instant::now() + grace;
    let mut left = left;
    while !left.is_empty() && tokio::time::Instant::now() < until {
        tokio::time::sleep(LOOK_EVERY).await;
        reap(&left);
        left = members(leader, adopted);
    }
    if !left.is_empty() {
        stopped.killed = left.iter().map(describe).collect();
        signal_all(leader, &left, Kill::Kill);
        // Killed processes end at once; their zombies (ours, when adopted)
        // are reaped within the bound.
        for _ in 0..20 {
            reap(&left);
            if members(leader, adopted).is_empty() {
                break;
            }
            tokio::time::sleep(LOOK_EVERY).await;
        }
    }
    stopped
}

#[derive(Debug, Clone, Copy)]
enum Kill {
    Term,
    Kill,
}

fn signal_all(leader: u32, pids: &[u32], kill: Kill) {
    #[cfg(unix)]
    {
        use nix::sys::signal::{kill as send, killpg, Signal};
        use nix::unistd::Pid;
        let signal = match kill {
            Kill::Term => Signal::SIGTERM,
            Kill::Kill => Signal::SIGKILL,
        };
        if let Ok(group) = i32::try_from(leader) {
            let _ = killpg(Pid::from_raw(group), signal);
        }
        for pid in pids.iter().filter_map(|p| i32::try_from(*p).ok()) {
            let _ = send(Pid::from_raw(pid), signal);
        }
    }
    #[cfg(not(unix))]
    let _ = (leader, pids, kill);
}

/// Reaps those of `pids` that are our children and have ended.
fn reap(pids: &[u32]) {
    #[cfg(unix)]
    for pid in pids.iter().filter_map(|p| i32::try_from(*p).ok()) {
        use nix::sys::wait::{waitpid, WaitPidFlag};
        let _ = waitpid(nix::unistd::Pid::from_raw(pid), Some(WaitPidFlag::WNOHANG));
    }
    #[cfg(not(unix))]
    let _ = pids;
}

/// `pid (name)`, as the summary says it.
pub(super) fn describe(pid: &u32) -> String {
    let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    match name.trim() {
        "" => format!("pid {pid}"),
        name => format!("pid {pid} ({name})"),
    }
}

/// One process as `/proc/<pid>/stat` says.
#[derive(Debug, Clone, Copy)]
struct Proc {
    pid: u32,
    ppid: u32,
    group: u32,
    zombie: bool,
}

/// The live processes of the command's tree: in the group `leader` led,
/// below `leader`, or (with `adopted`) below this process; not this
/// process, and not those already ended (zombies).
fn members(leader: u32, adopted: bool) -> Vec<u32> {
    let procs = processes();
    let me = std::process::id();
    let parent_of = |pid: u32| procs.iter().find(|p| p.pid == pid).map(|p| p.ppid);
    let below = |mut pid: u32, root: u32| {
        // A chain is at most as long as the table; a cycle cannot hold us.
        for _ in 0..procs.len() {
            match parent_of(pid) {
                Some(parent) if parent == root => return true,
                Some(parent) if parent > 1 => pid = parent,
                _ => return false,
            }
        }
        false
    };
    procs
        .iter()
        .filter(|p| p.pid != me && !p.zombie)
        .filter(|p| {
            p.group == leader
                || p.pid == leader
                || below(p.pid, leader)
                || (adopted && below(p.pid, me))
        })
        .map(|p| p.pid)
        .collect()
}

/// Every process `/proc` shows (none where there is no `/proc`).
fn processes() -> Vec<Proc> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            parse_stat(pid, &stat)
        })
        .collect()
}

/// `pid (comm) state ppid pgrp ...`; the name may hold spaces and
/// parentheses, so the fields are read after its last `)`.
fn parse_stat(pid: u32, stat: &str) -> Option<Proc> {
    let (_, rest) = stat.rsplit_once(')')?;
    let mut fields = rest.split_whitespace();
    let state = fields.next()?;
    let ppid = fields.next()?.parse().ok()?;
    let group = fields.next()?.parse().ok()?;
    Some(Proc {
        pid,
        ppid,
        group,
        zombie: state == "Z" || state == "X",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stat_line_is_read_after_the_names_last_parenthesis() {
        let proc = parse_stat(42, "42 (a (b) c) S 7 42 42 0 -1").unwrap();
        assert_eq!((proc.ppid, proc.group, proc.zombie), (7, 42, false));
        assert!(parse_stat(9, "9 (x) Z 1 9").unwrap().zombie);
        assert!(parse_stat(9, "garbage").is_none());
    }
}
