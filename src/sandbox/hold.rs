//! A hold on executions that a test owns: while held, an execution stays
//! `queued` whatever the clock says, until the test releases it (one, or
//! all at once). The sandbox tells the hold what it accepted and what it
//! answered, so a test can wait for a precise point of a run (a message
//! accepted, an execution read) instead of a window of wall-clock time.
//!
//! A hold can also let each execution go by itself once it was read
//! running a number of times ([`Hold::releasing_after`]): the deterministic
//! stand-in for `--scenario slow`'s 3 s, where what a test needs is that
//! polling shows, not that time passes.
//!
//! Off unless a [`SandboxConfig`](super::SandboxConfig) carries one: the
//! sandbox's own behaviour knows nothing of it, and the command line only
//! a hidden, test-only `client --hold-running-reads`.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// What the sandbox tells a hold, in the order it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HoldEvent {
    /// An execute was accepted and created this execution.
    Accepted {
        execution_id: String,
        conversation_id: String,
        /// Whether its execute named a conversationId (continued one).
        continued: bool,
    },
    /// A read of this execution was answered with this status.
    Read {
        execution_id: String,
        status: &'static str,
    },
}

/// The statuses an execution ends with; any other it is read with
/// (`queued`, or `processing` in that dialect) says it is running.
const TERMINAL: [&str; 3] = ["completed", "failed", "superseded"];

#[derive(Debug, Default)]
struct State {
    released_all: bool,
    released: HashSet<String>,
    events: Vec<HoldEvent>,
    /// How many reads showed each execution running.
    running_reads: HashMap<String, usize>,
}

#[derive(Debug, Default)]
struct Inner {
    state: Mutex<State>,
    changed: Condvar,
    /// Lets an execution go once it was read running this many times.
    release_after: Option<usize>,
}

/// A handle on the hold: cheap to clone, every clone the same hold.
#[derive(Clone, Default)]
pub struct Hold(Arc<Inner>);

impl Hold {
    /// A hold on every execution the sandbox will create.
    pub fn new() -> Self {
        Self::default()
    }

    /// A hold that lets each execution go by itself once it was read
    /// running (`queued`, or `processing` in that dialect) `reads` times, at
    /// least once: a client that polls sees it running that often, then it
    /// ends by its latency. An execution no one reads stays held.
    pub fn releasing_after(reads: usize) -> Self {
        Self(Arc::new(Inner {
            release_after: Some(reads.max(1)),
            ..Inner::default()
        }))
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.0.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn changed(&self, state: MutexGuard<'_, State>) {
        drop(state);
        self.0.changed.notify_all();
    }

    /// Lets execution `id` go: from now on it ends by its latency, as
    /// without a hold (at its next read if that has passed).
    pub fn release(&self, id: &str) {
        let mut state = self.state();
        state.released.insert(id.to_string());
        self.changed(state);
    }

    /// Lets every execution go, those to come included.
    pub fn release_all(&self) {
        let mut state = self.state();
        state.released_all = true;
        self.changed(state);
    }

    /// Whether execution `id` is still held.
    pub fn holds(&self, id: &str) -> bool {
        let state = self.state();
        !state.released_all && !state.released.contains(id)
    }

    /// What the sandbox told the hold so far.
    pub fn events(&self) -> Vec<HoldEvent> {
        self.state().events.clone()
    }

    /// Waits until `ready` holds of the events so far, or every execution
    /// was released, or `bound` has passed; returns whether `ready` held.
    /// Woken by each event, never by polling.
    pub fn wait_until(&self, bound: Duration, ready: impl Fn(&[HoldEvent]) -> bool) -> bool {
        let state = self.state();
        let (state, _) = self
            .0
            .changed
            .wait_timeout_while(state, bound, |s| !s.released_all && !ready(&s.events))
            .unwrap_or_else(PoisonError::into_inner);
        ready(&state.events)
    }

    /// Tells the hold what the sandbox did.
    pub(crate) fn record(&self, event: HoldEvent) {
        let mut state = self.state();
        if let (Some(reads), Some(id)) = (self.0.release_after, running_read(&event)) {
            let seen = state.running_reads.entry(id.to_string()).or_default();
            *seen += 1;
            if *seen >= reads {
                state.released.insert(id.to_string());
            }
        }
        state.events.push(event);
        self.changed(state);
    }
}

/// The execution a read showed running, if it did.
fn running_read(event: &HoldEvent) -> Option<&str> {
    match event {
        HoldEvent::Read {
            execution_id,
            status,
        } if !TERMINAL.contains(status) => Some(execution_id),
        _ => None,
    }
}

impl fmt::Debug for Hold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state();
        f.debug_struct("Hold")
            .field("released_all", &state.released_all)
            .field("released", &state.released.len())
            .field("events", &state.events.len())
            .field("release_after", &self.0.release_after)
            .finish()
    }
}

/// Two handles are equal when they are the same hold.
impl PartialEq for Hold {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Hold {}
