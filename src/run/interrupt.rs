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
/// came first, if any.
pub fn watch(runtime: &tokio::runtime::Runtime) -> watch::Receiver<Option<Signal>> {
    let (tx, rx) = watch::channel(None);
    runtime.spawn(async move {
        let Some(first) = next_signal().await else {
            return;
        };
        tx.send_replace(Some(first));
        if let Some(second) = next_signal().await {
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

async fn next_signal() -> Option<Signal> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut terminate = signal(SignalKind::terminate()).ok()?;
        tokio::select! {
            ctrl_c = tokio::signal::ctrl_c() => ctrl_c.ok().map(|()| Signal::Interrupt),
            _ = terminate.recv() => Some(Signal::Terminate),
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
