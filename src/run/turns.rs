//! Turns to send requests: at most `--concurrency` checks at once, and a
//! check that must overlap another's execution (`overlaps`) served first.
//!
//! A plain FIFO semaphore would start such a check only after every check
//! that became ready before it: with `--concurrency 1`, after the one that
//! polls the execution to its end, when there is nothing left to overlap.
//! Serving it ahead is not enough either: the checks that become ready at
//! the same moment as it (those that poll that execution) may take the
//! turn first. So the overlapped check hands its turn to it directly
//! ([`Turn::hand_to`]).

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

/// Where a check waits for its turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queue {
    /// Served before every check of [`Queue::Normal`] (in arrival order).
    Ahead,
    /// Served in arrival order.
    Normal,
}

/// The turns of a run, shared by every check's task.
#[derive(Debug, Clone)]
pub struct Turns {
    state: Arc<Mutex<State>>,
}

#[derive(Debug)]
struct State {
    free: usize,
    ahead: VecDeque<oneshot::Sender<Turn>>,
    normal: VecDeque<oneshot::Sender<Turn>>,
    /// Checks a turn is kept for, each taking it at once when it asks.
    kept_for: Vec<String>,
    /// Checks that have asked for a turn: one is never kept for them (it
    /// would wait in a queue, or never be taken).
    asked: HashSet<String>,
}

/// A check's turn; handed to the next waiting check when dropped.
#[derive(Debug)]
pub struct Turn {
    turns: Option<Turns>,
}

impl Turns {
    /// `limit` turns (at least one).
    pub fn new(limit: usize) -> Turns {
        Turns {
            state: Arc::new(Mutex::new(State {
                free: limit.max(1),
                ahead: VecDeque::new(),
                normal: VecDeque::new(),
                kept_for: Vec::new(),
                asked: HashSet::new(),
            })),
        }
    }

    /// Waits for a turn in `queue` for `check`, or takes the one kept for it.
    pub async fn take(&self, queue: Queue, check: &str) -> Turn {
        let waiting = {
            let mut state = self.lock();
            state.asked.insert(check.to_string());
            if let Some(at) = state.kept_for.iter().position(|id| id == check) {
                state.kept_for.swap_remove(at);
                return self.turn();
            }
            if state.free > 0 {
                state.free -= 1;
                return self.turn();
            }
            let (tx, rx) = oneshot::channel();
            match queue {
                Queue::Ahead => state.ahead.push_back(tx),
                Queue::Normal => state.normal.push_back(tx),
            }
            rx
        };
        // The sender is only dropped once the turn is sent; a closed channel
        // cannot happen, and then the check runs rather than waits forever.
        waiting.await.unwrap_or(Turn { turns: None })
    }

    fn turn(&self) -> Turn {
        Turn {
            turns: Some(self.clone()),
        }
    }

    /// Hands a returned turn to the first check still waiting, ahead first.
    fn give_back(&self) {
        let mut state = self.lock();
        loop {
            let next = state.ahead.pop_front().or_else(|| state.normal.pop_front());
            let Some(next) = next else {
                state.free += 1;
                return;
            };
            // A waiter that is gone (its check was interrupted) returns the
            // turn at once: the next one gets it.
            match next.send(self.turn()) {
                Ok(()) => return,
                Err(mut unsent) => unsent.turns = None,
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is a counter and two queues, consistent at every unlock.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Turn {
    /// Keeps this turn for `check` instead of handing it to the next check
    /// waiting: `check` must need no other check's turn before it asks
    /// (else it would wait for a turn it holds). A check that already
    /// asked (it waits ahead, or ran) gets nothing kept: the turn goes on
    /// as usual.
    pub fn hand_to(mut self, check: &str) {
        let Some(turns) = self.turns.take() else {
            return;
        };
        let mut state = turns.lock();
        if state.asked.contains(check) {
            drop(state);
            turns.give_back();
        } else {
            state.kept_for.push(check.to_string());
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        if let Some(turns) = self.turns.take() {
            turns.give_back();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a runtime")
    }

    /// `waiting`, failing the test instead of hanging it if a turn is lost.
    async fn bounded<T>(waiting: impl std::future::Future<Output = T>) -> T {
        tokio::time::timeout(std::time::Duration::from_secs(5), waiting)
            .await
            .expect("a turn within 5 s: none was lost")
    }

    #[test]
    fn ahead_is_served_before_checks_that_waited_longer() {
        runtime().block_on(async {
            let turns = Turns::new(1);
            let first = turns.take(Queue::Normal, "a").await;
            let order = Arc::new(Mutex::new(Vec::new()));
            let mut tasks = Vec::new();
            for (name, queue) in [
                ("normal-1", Queue::Normal),
                ("normal-2", Queue::Normal),
                ("ahead", Queue::Ahead),
            ] {
                let (turns, order) = (turns.clone(), order.clone());
                tasks.push(tokio::spawn(async move {
                    let _turn = turns.take(queue, name).await;
                    order.lock().unwrap().push(name);
                }));
                // Each is queued before the next is spawned.
                tokio::task::yield_now().await;
            }
            drop(first);
            for task in tasks {
                bounded(task).await.unwrap();
            }
            assert_eq!(*order.lock().unwrap(), ["ahead", "normal-1", "normal-2"]);
        });
    }

    #[test]
    fn never_more_turns_than_the_limit_and_a_gone_waiter_passes_its_turn_on() {
        runtime().block_on(async {
            let turns = Turns::new(2);
            let a = turns.take(Queue::Normal, "a").await;
            let _b = turns.take(Queue::Normal, "a").await;
            let gone = tokio::spawn({
                let turns = turns.clone();
                async move { turns.take(Queue::Ahead, "gone").await }
            });
            tokio::task::yield_now().await;
            gone.abort();
            let _ = gone.await;
            let waiting = tokio::spawn({
                let turns = turns.clone();
                async move { turns.take(Queue::Normal, "a").await }
            });
            tokio::task::yield_now().await;
            assert!(!waiting.is_finished(), "two turns are taken");
            drop(a);
            let _c = bounded(waiting).await.unwrap();
            assert_eq!(turns.lock().free, 0);
        });
    }

    #[test]
    fn a_turn_handed_to_a_check_is_its_own_whoever_waited_before() {
        runtime().block_on(async {
            let turns = Turns::new(1);
            let first = turns.take(Queue::Normal, "overlapped").await;
            let waiting = tokio::spawn({
                let turns = turns.clone();
                async move { turns.take(Queue::Ahead, "waiting").await }
            });
            tokio::task::yield_now().await;
            first.hand_to("overlapping");
            tokio::task::yield_now().await;
            assert!(!waiting.is_finished(), "the turn is kept for another");
            let kept = bounded(turns.take(Queue::Normal, "overlapping")).await;
            drop(kept);
            let _next = bounded(waiting).await.unwrap();
            assert!(turns.lock().kept_for.is_empty());
        });
    }

    #[test]
    fn no_turn_is_kept_for_a_check_that_already_asked() {
        runtime().block_on(async {
            let turns = Turns::new(1);
            let first = turns.take(Queue::Normal, "overlapped").await;
            // The overlapping check asked already (its prerequisites failed
            // early): it waits ahead, and the turn must reach it.
            let waiting = tokio::spawn({
                let turns = turns.clone();
                async move { turns.take(Queue::Ahead, "overlapping").await }
            });
            tokio::task::yield_now().await;
            first.hand_to("overlapping");
            let _turn = bounded(waiting).await.unwrap();
            assert!(turns.lock().kept_for.is_empty());
            // And one that asked and ran gets nothing kept either.
            drop(_turn);
            let again = bounded(turns.take(Queue::Normal, "other")).await;
            again.hand_to("overlapping");
            assert_eq!(turns.lock().free, 1, "the turn went back");
        });
    }
}
