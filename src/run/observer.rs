//! Watching a run as it happens: each exchange when it is recorded, and the
//! polls in progress. The terminal's verbose lines and live line are built
//! on this hook (`crate::app::console`); the runner itself never prints.
//!
//! The observer travels with each check's task (a tokio task-local), so the
//! step and poll code only says what happened, without passing it around.

use std::future::Future;
use std::sync::Arc;

use crate::result::Exchange;

/// Watches a run. Called from the runtime's and libtest's threads at once.
pub trait Observer: Send + Sync {
    /// `exchange` was recorded for `check` (already redacted, as reports see it).
    fn exchange(&self, check: &str, exchange: &Exchange);
    /// `check` started polling; [`Observer::poll_ended`] follows when it stops.
    fn poll_started(&self, check: &str);
    /// `check` stopped polling (reached, gave up, failed or was cancelled).
    fn poll_ended(&self, check: &str);
    /// A check finished and libtest is about to print its line.
    fn check_reported(&self);
}

/// The observer of the current check's task, with that check's id.
#[derive(Clone)]
struct Watch {
    observer: Arc<dyn Observer>,
    check: String,
}

tokio::task_local! {
    static WATCH: Watch;
}

/// Runs `task` (the work of `check`) with `observer` watching it.
pub(super) async fn watched<F: Future>(
    observer: Option<Arc<dyn Observer>>,
    check: String,
    task: F,
) -> F::Output {
    match observer {
        Some(observer) => WATCH.scope(Watch { observer, check }, task).await,
        None => task.await,
    }
}

/// Tells the observer, if any, that `exchange` was recorded.
pub(super) fn exchange(exchange: &Exchange) {
    let _ = WATCH.try_with(|w| w.observer.exchange(&w.check, exchange));
}

/// Tells the observer, if any, that polling started; polling ends when the
/// returned guard is dropped, however the poll loop is left.
pub(super) fn polling() -> Polling {
    let watch = WATCH.try_with(Watch::clone).ok();
    if let Some(w) = &watch {
        w.observer.poll_started(&w.check);
    }
    Polling(watch)
}

/// Ends a poll for the observer when dropped.
pub(super) struct Polling(Option<Watch>);

impl Drop for Polling {
    fn drop(&mut self) {
        if let Some(w) = &self.0 {
            w.observer.poll_ended(&w.check);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Recorder(Mutex<Vec<String>>);

    impl Observer for Recorder {
        fn exchange(&self, check: &str, exchange: &Exchange) {
            self.0
                .lock()
                .unwrap()
                .push(format!("{check} {}", exchange.method));
        }
        fn poll_started(&self, check: &str) {
            self.0.lock().unwrap().push(format!("{check} start"));
        }
        fn poll_ended(&self, check: &str) {
            self.0.lock().unwrap().push(format!("{check} end"));
        }
        fn check_reported(&self) {}
    }

    fn sample() -> Exchange {
        Exchange {
            step: "s".into(),
            method: "GET".into(),
            url: "http://127.0.0.1/v1".into(),
            request_headers: Vec::new(),
            request_body: None,
            response: None,
            error: None,
            started_ms: 0.0,
            duration_ms: 1.0,
            poll: None,
            reused_from: None,
            key_env: None,
        }
    }

    #[tokio::test]
    async fn events_name_the_check_of_the_task_and_polls_end_on_drop() {
        let recorder = Arc::new(Recorder::default());
        let observer: Arc<dyn Observer> = recorder.clone();
        watched(Some(observer), "key::x".into(), async {
            let _polling = polling();
            exchange(&sample());
        })
        .await;
        exchange(&sample());
        let seen = recorder.0.lock().unwrap().clone();
        assert_eq!(seen, ["key::x start", "key::x GET", "key::x end"]);
    }
}
