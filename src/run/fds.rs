//! Fitting the run to the file descriptors this machine allows (`ulimit
//! -n`): every request holds a socket, so a low limit is met by running
//! fewer checks at once, and without idle keep-alive connections, rather
//! than by "Too many open files" blamed on the target. A limit that leaves
//! room for no check at all is refused before anything is sent.

/// Descriptors kept for what a run opens besides its checks' connections:
/// the TLS probe, libtest's relay pipe and log file, signal handling, the
/// report files written one at a time.
pub const RESERVE: u64 = 4;

/// The soft limit on open files and how many are open now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FdRoom {
    pub limit: u64,
    pub open: u64,
}

/// How the run fits in the room it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fit {
    /// Checks that may run at once.
    pub concurrency: usize,
    /// Whether idle connections are kept for reuse (one pool per key).
    pub keep_alive: bool,
}

/// The room this process has, where the OS tells it without unsafe code
/// (Linux's `/proc/self`); `None` elsewhere, and the run goes as asked.
pub fn fd_room() -> Option<FdRoom> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let limit = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))?
        .split_whitespace()
        .nth(3)?
        .parse::<u64>()
        .ok()?;
    // The listing's own descriptor is counted too: one to spare.
    let open = std::fs::read_dir("/proc/self/fd").ok()?.count() as u64;
    Some(FdRoom { limit, open })
}

/// Fits `requested` checks at once, each holding `per_request`
/// descriptors while a request is out, with `clients` keep-alive pools
/// that may each keep one idle connection per check, into `room`.
/// `Err` says why not even one check can run.
pub fn fit(requested: usize, per_request: u64, clients: u64, room: FdRoom) -> Result<Fit, String> {
    let free = room.limit.saturating_sub(room.open + RESERVE);
    let requested_u64 = requested as u64;
    if free >= requested_u64 * per_request * clients {
        return Ok(Fit {
            concurrency: requested,
            keep_alive: true,
        });
    }
    let fits = usize::try_from(free / per_request.max(1)).unwrap_or(usize::MAX);
    if fits == 0 {
        return Err(format!(
            "this machine lets the run open {} files (`ulimit -n`) and {} are already open: not \
             even one check can run (a request needs {per_request}, and {RESERVE} are kept for \
             the reports and the runtime). Raise the limit, e.g. `ulimit -n 1024`, and run again",
            room.limit, room.open
        ));
    }
    Ok(Fit {
        concurrency: requested.min(fits),
        keep_alive: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_low_limit_lowers_concurrency_and_too_low_a_limit_is_refused() {
        let room = |limit| FdRoom { limit, open: 10 };
        let cases = [
            // Room for every pool's idle connections: as asked.
            (room(20_000), Ok((16, true))),
            // Room for 8 requests at once, 2 descriptors each.
            (room(30), Ok((8, false))),
            (room(16), Ok((1, false))),
        ];
        for (room, expected) in cases {
            let fit = fit(16, 2, 6, room).map(|f| (f.concurrency, f.keep_alive));
            assert_eq!(fit, expected, "{room:?}");
        }
        let refused = fit(16, 2, 6, room(15)).unwrap_err();
        assert!(refused.contains("open 15 files (`ulimit -n`) and 10 are already open"));
        assert!(fd_room().is_none_or(|r| r.limit > 0 && r.open >= 3));
    }
}
