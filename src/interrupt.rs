//! Ctrl-C and SIGTERM mid-run (a CI job that times out, a person who stops
//! it): the first stops every unfinished check, which ends marked
//! interrupted, so the reports of what ran are still written with the
//! verdict INTERRUPTED; a second exits at once.

use tokio::sync::watch;

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
        tx.send_replace(Some(first));
        if let Some(second) = listener.next().await {
            eprintln!("{} again: exiting at once, without reports", second.name());
            std::process::exit(i32::from(second.exit_code()));
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
