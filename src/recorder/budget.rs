//! The recording's memory, bounded in total, not only per call: one byte
//! budget for the calls kept ([`RECORDING_BUDGET`]) and one for what the
//! calls in flight hold ([`IN_FLIGHT_BUDGET`]: request bodies read before
//! they are passed on, response bytes tapped for their facts).
//!
//! Past the recording's budget the recorder still serves and forwards
//! every call but keeps no more of them: they are counted in
//! [`crate::recording::Recording::truncated`], the verdict is INCOMPLETE and
//! the reports say the recording was truncated, as past the call cap. A
//! request body that would overflow the in-flight budget is refused with
//! the recorder's own `503` and `Retry-After: 1`: only a client holding
//! dozens of megabyte bodies open at once meets it.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use crate::recording::{RecordedBody, RecordedCall, RECORDING_BUDGET};

/// The most bytes the calls in flight may hold at once: request bodies read
/// whole (1 MiB each at most) and response bytes tapped (256 KiB each).
pub const IN_FLIGHT_BUDGET: usize = 64 * 1024 * 1024;

/// What a call costs besides its text: the record itself, and each header.
const CALL_OVERHEAD: usize = 512;
const HEADER_OVERHEAD: usize = 64;

/// The two budgets and what was not kept for them.
#[derive(Debug)]
pub(crate) struct Budget {
    kept_limit: usize,
    kept: AtomicUsize,
    in_flight_limit: usize,
    in_flight: AtomicUsize,
    /// Set once a call did not fit: no later call is kept, so the recording
    /// is the first calls, whole (as past the call cap).
    spent: AtomicBool,
    truncated: AtomicU64,
}

impl Budget {
    pub(crate) fn new(kept_limit: usize, in_flight_limit: usize) -> Budget {
        Budget {
            kept_limit,
            kept: AtomicUsize::new(0),
            in_flight_limit,
            in_flight: AtomicUsize::new(0),
            spent: AtomicBool::new(false),
            truncated: AtomicU64::new(0),
        }
    }

    pub(crate) fn standard() -> Budget {
        Budget::new(RECORDING_BUDGET, IN_FLIGHT_BUDGET)
    }

    /// Whether the recording's budget is spent (calls are no longer kept).
    pub(crate) fn is_spent(&self) -> bool {
        self.spent.load(Ordering::Acquire)
    }

    /// Takes `call`'s size from the recording's budget; `false` (and the
    /// call counted as truncated) when it does not fit or the budget was
    /// already spent.
    pub(crate) fn keep(&self, call: &RecordedCall) -> bool {
        if !self.is_spent() && take(&self.kept, call_size(call), self.kept_limit) {
            return true;
        }
        self.spent.store(true, Ordering::Release);
        self.not_kept();
        false
    }

    /// Counts a call served but not kept for the budget.
    pub(crate) fn not_kept(&self) {
        self.truncated.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn truncated(&self) -> u64 {
        self.truncated.load(Ordering::Relaxed)
    }

    /// Takes `n` bytes from the in-flight budget if they fit.
    pub(crate) fn hold(&self, n: usize) -> bool {
        take(&self.in_flight, n, self.in_flight_limit)
    }

    /// Gives back `n` bytes held in flight.
    pub(crate) fn release(&self, n: usize) {
        self.in_flight.fetch_sub(n, Ordering::AcqRel);
    }
}

/// Adds `n` to `counter` if the sum stays within `limit`.
fn take(counter: &AtomicUsize, n: usize, limit: usize) -> bool {
    counter
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |held| {
            held.checked_add(n).filter(|sum| *sum <= limit)
        })
        .is_ok()
}

/// About the bytes `call` holds: its text, and a fixed cost for the record
/// and for each header.
pub(crate) fn call_size(call: &RecordedCall) -> usize {
    let headers = |headers: &[(String, String)]| -> usize {
        headers
            .iter()
            .map(|(n, v)| n.len() + v.len() + HEADER_OVERHEAD)
            .sum()
    };
    CALL_OVERHEAD
        + call.method.len()
        + call.path.len()
        + call.query.as_ref().map_or(0, String::len)
        + headers(&call.headers)
        + headers(&call.response_headers)
        + body_size(&call.body)
        + body_size(&call.response_body)
}

fn body_size(body: &RecordedBody) -> usize {
    body.text.len()
        + body
            .credentials
            .iter()
            .map(|c| c.value.len() + HEADER_OVERHEAD)
            .sum::<usize>()
        + body
            .cut_json
            .as_ref()
            .map_or(0, |json| json.to_string().len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call_with(headers: usize) -> RecordedCall {
        let mut call = crate::grade::sample::call(0, "GET", "/v1/executions/e", 200, "{}");
        call.headers = (0..headers)
            .map(|i| (format!("x-{i}"), "v".repeat(1000)))
            .collect();
        call
    }

    #[test]
    fn calls_are_kept_until_the_budget_is_spent_then_none_is() {
        let big = call_with(10);
        let size = call_size(&big);
        assert!(size > 10 * 1000, "{size}");
        let budget = Budget::new(2 * size + 10, 0);
        assert!(budget.keep(&big));
        assert!(budget.keep(&big));
        assert!(!budget.keep(&big), "a third does not fit");
        // A small call after the budget was spent is not kept either: the
        // recording stays the first calls, whole.
        assert!(!budget.keep(&call_with(0)));
        assert_eq!(budget.truncated(), 2);
    }

    #[test]
    fn what_is_held_in_flight_is_bounded_and_given_back() {
        let budget = Budget::new(0, 100);
        assert!(budget.hold(60));
        assert!(!budget.hold(41));
        assert!(budget.hold(40));
        budget.release(60);
        assert!(budget.hold(60));
    }
}

#[cfg(test)]
mod served {
    use std::time::Duration;

    use super::super::{serve_recorded, Recorder};
    use crate::sandbox::tests::client;

    /// Serves an empty router (every call answered 404) behind `recorder`
    /// on 127.0.0.1 until the returned sender is dropped or used.
    async fn serve(recorder: &Recorder) -> (String, tokio::sync::oneshot::Sender<()>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binds");
        let base = format!("http://{}", listener.local_addr().expect("bound"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(serve_recorded(
            listener,
            axum::Router::new(),
            recorder.clone(),
            async {
                let _ = stopped.await;
            },
        ));
        (base, stop)
    }

    #[tokio::test]
    async fn past_the_budget_calls_are_served_and_counted_not_kept() {
        // Room for about three calls with ten 1,000-byte headers.
        let recorder = Recorder::with_budget(3 * 12_000, super::IN_FLIGHT_BUDGET);
        let (base, stop) = serve(&recorder).await;
        let value = "v".repeat(1000);
        for n in 0..8 {
            let mut request = client().get(format!("{base}/call/{n}"));
            for h in 0..10 {
                request = request.header(format!("x-big-{h}"), &value);
            }
            let answer = request.send().await.expect("an answer");
            assert_eq!(answer.status(), 404, "call {n} is served");
        }
        recorder.settled(Duration::from_secs(5)).await;
        let _ = stop.send(());
        let recording = recorder.snapshot();
        let kept: Vec<&str> = recording.calls.iter().map(|c| c.path.as_str()).collect();
        assert!(!kept.is_empty() && kept.len() < 8, "{kept:?}");
        // The first calls, whole; every later one counted.
        let first: Vec<String> = (0..kept.len()).map(|n| format!("/call/{n}")).collect();
        assert_eq!(kept, first);
        assert!(recording.calls.iter().all(|c| c.headers.len() >= 10));
        assert_eq!(recording.truncated, 8 - kept.len() as u64);
        assert_eq!(recording.dropped, 0);
    }

    #[tokio::test]
    async fn a_request_body_past_the_in_flight_budget_is_refused_with_a_retry() {
        let recorder = Recorder::with_budget(crate::recording::RECORDING_BUDGET, 100 * 1024);
        let (base, stop) = serve(&recorder).await;
        let big = client()
            .post(format!("{base}/big"))
            .body(vec![b'x'; 200 * 1024])
            .send()
            .await
            .expect("an answer");
        assert_eq!(big.status(), 503);
        assert_eq!(
            big.headers().get("retry-after").map(|v| v.as_bytes()),
            Some(&b"1"[..])
        );
        let text = big.text().await.expect("a body");
        assert!(text.contains("in flight"), "{text}");
        // What a body held is given back: the next one fits.
        let small = client()
            .post(format!("{base}/small"))
            .body(vec![b'x'; 60 * 1024])
            .send()
            .await
            .expect("an answer");
        assert_eq!(small.status(), 404);
        let again = client()
            .post(format!("{base}/small"))
            .body(vec![b'x'; 60 * 1024])
            .send()
            .await
            .expect("an answer");
        assert_eq!(again.status(), 404);
        recorder.settled(Duration::from_secs(5)).await;
        let _ = stop.send(());
        let recording = recorder.snapshot();
        let refused = &recording.calls[0];
        assert_eq!((refused.status, refused.recorder_answer), (None, Some(503)));
        assert_eq!(recording.calls.len(), 3);
    }
}
