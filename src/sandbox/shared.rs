//! What the handlers share: settings, the store behind its lock, request
//! counters and the shutdown signal.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::watch;

use super::dialects::ActiveDialects;
use super::faults::ActiveFaults;
use super::scenario::ActiveScenarios;
use super::server::SandboxConfig;
use super::state::{Clock, SandboxStats, Settings, Store};

/// Everything the handlers share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) settings: Settings,
    store: Mutex<Store>,
    requests: AtomicU64,
    requests_with_key: AtomicU64,
    shutdown: watch::Sender<bool>,
}

impl Shared {
    /// Builds a fresh state for `config`.
    pub(crate) fn new(config: SandboxConfig) -> Arc<Self> {
        let scenarios = ActiveScenarios::new(config.scenarios);
        Arc::new(Self {
            settings: Settings {
                latency: scenarios.latency(config.latency),
                faults: ActiveFaults::new(config.faults),
                dialects: ActiveDialects::new(config.dialects),
                scenarios,
                hold: config.hold,
            },
            store: Mutex::new(Store::default()),
            requests: AtomicU64::new(0),
            requests_with_key: AtomicU64::new(0),
            shutdown: watch::Sender::new(false),
        })
    }

    /// Locks the store; a handler that panicked leaves it usable.
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts one request, `with_key` when it carried `x-api-key`.
    pub(crate) fn count_request(&self, with_key: bool) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        if with_key {
            self.requests_with_key.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Returns the counts, settling every execution due by now first.
    pub(crate) fn stats(&self) -> SandboxStats {
        let mut store = self.store();
        store.settle_all(Clock::now().now, &self.settings);
        let mut completions = store.completions().to_vec();
        completions.sort_by_key(|completion| completion.completed_at);
        SandboxStats {
            requests: self.requests.load(Ordering::Relaxed),
            requests_with_key: self.requests_with_key.load(Ordering::Relaxed),
            completions,
        }
    }

    /// Tells every waiting handler and body that the sandbox stops.
    pub(crate) fn begin_shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    /// Resolves once [`Shared::begin_shutdown`] was called.
    pub(crate) fn stopped(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut receiver = self.shutdown.subscribe();
        async move {
            // The sender lives in `Shared`, so an error means it is gone: stop too.
            let _ = receiver.wait_for(|stopped| *stopped).await;
        }
    }
}
