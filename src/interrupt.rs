//! Ctrl-C and SIGTERM mid-run (a CI job that times out, a person who stops
//! it): the first stops every unfinished check, which ends marked
//! interrupted, so the reports of what ran are still written with the
//! verdict INTERRUPTED; a second exits at once.
//!
//! A phase may take one more signal as its own stop ([`tolerate_another`]):
//! `client` without a COMMAND serves until the first signal, then grades,
//! and a signal during grading stops the grading, reports still written.

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

use tokio::sync::watch;

/// Signals received so far, the last one's number, and how many the run
/// takes before exiting at once (process-wide, as signals are).
static RECEIVED: AtomicUsize = AtomicUsize::new(0);
static LAST: AtomicU8 = AtomicU8::new(0);
static TOLERATED: AtomicUsize = AtomicUsize::new(1);

/// Lets one more signal stop the run gracefully instead of exiting at once
/// (the first was taken as "stop serving", not as an interruption).
pub fn tolerate_another() {
    TOLERATED.fetch_add(1, Ordering::SeqCst);
}

/// How many signals came so far: a phase notes it when it begins, and
/// [`signal_since`] says whether one came after.
pub fn signals_received() -> usize {
    RECEIVED.load(Ordering::SeqCst)
}

/// The last signal, when more than `count` came ([`signals_received`]).
pub fn signal_since(count: usize) -> Option<Signal> {
    (RECEIVED.load(Ordering::SeqCst) > count).then(|| match LAST.load(Ordering::SeqCst) {
        2 => Signal::Terminate,
        _ => Signal::Interrupt,
    })
}

/// Counts `signal`; whether the run must exit at once (more came than it
/// takes).
fn count(signal: Signal) -> bool {
    LAST.store(
        match signal {
            Signal::Interrupt => 1,
            Signal::Terminate => 2,
        },
        Ordering::SeqCst,
    );
    let n = RECEIVED.fetch_add(1, Ordering::SeqCst) + 1;
    n > TOLERATED.load(Ordering::SeqCst)
}

/// The signal that interrupted a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
}

impl Signal {
    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }

    /// The conventional exit code: 128 + the signal's number.
    pub fn exit_code(self) -> u8 {
        match self {
            Signal::Interrupt => crate::exit::INTERRUPTED,
            Signal::Terminate => crate::exit::TERMINATED,
        }
    }
}

/// Starts watching for the signals on `runtime`: the receiver says which
/// came first, if any. The handlers are registered before this returns,
/// not when the watching task first runs: a signal sent as soon as the
/// caller says it is ready is caught, never fatal.
pub fn watch(runtime: &tokio::runtime::Runtime) -> watch::Receiver<Option<Signal>> {
    let (tx, rx) = watch::channel(None);
    let mut listener = {
        let _entered = runtime.enter();
        Listener::register()
    };
    runtime.spawn(async move {
        let Some(first) = listener.next().await else {
            return;
        };
        count(first);
        tx.send_replace(Some(first));
        while let Some(next) = listener.next().await {
            if count(next) {
                eprintln!("{} again: exiting at once, without reports", next.name());
                std::process::exit(i32::from(next.exit_code()));
            }
        }
    });
    rx
}

/// Resolves once the first signal came, with it; never if none does.
pub async fn interrupted(mut rx: watch::Receiver<Option<Signal>>) -> Signal {
    let seen = rx.wait_for(Option::is_some).await.map(|signal| *signal);
    match seen {
        Ok(signal) => signal.unwrap_or(Signal::Interrupt),
        // The watcher is gone (it could not listen): no signal will come.
        Err(_) => std::future::pending().await,
    }
}

/// The process's SIGINT and SIGTERM handlers.
struct Listener {
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
}

impl Listener {
    /// Registers the handlers; must run inside a runtime.
    fn register() -> Listener {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Listener {
                interrupt: signal(SignalKind::interrupt()).ok(),
                terminate: signal(SignalKind::terminate()).ok(),
            }
        }
        #[cfg(not(unix))]
        Listener {}
    }

    /// The next signal; `None` when none can come (the handlers could not
    /// be registered).
    async fn next(&mut self) -> Option<Signal> {
        #[cfg(unix)]
        {
            let (Some(interrupt), Some(terminate)) = (&mut self.interrupt, &mut self.terminate)
            else {
                return None;
            };
            tokio::select! {
                got = interrupt.recv() => got.map(|()| Signal::Interrupt),
                got = terminate.recv() => got.map(|()| Signal::Terminate),
            }
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c()
                .await
                .ok()
                .map(|()| Signal::Interrupt)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tolerated_signal_is_counted_for_the_phase_not_fatal() {
        let before = signals_received();
        assert_eq!(signal_since(before), None);
        assert!(
            !count(Signal::Interrupt),
            "the first signal stops gracefully"
        );
        tolerate_another();
        let grading = signals_received();
        assert!(!count(Signal::Terminate), "tolerated: it stops the phase");
        assert_eq!(signal_since(grading), Some(Signal::Terminate));
        assert_eq!(signal_since(signals_received()), None);
        assert!(
            count(Signal::Interrupt),
            "one more than taken exits at once"
        );
    }
}
