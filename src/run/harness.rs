//! Scheduling checks: the checks' async work is started here, on one tokio
//! runtime, bounded by `--concurrency`, each told of the results of the
//! checks it requires; libtest reports them as they end ([`super::libtest`]).
//! The result model, not libtest's counts, decides the exit code.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Instant, SystemTime};

use futures_util::FutureExt;
use libtest_mimic::Arguments;
use tokio::sync::watch;

use crate::check::{Check, CheckId, CheckSet};
use crate::result::{CheckResult, Exchange, Outcome, Unreachable, Verdict};
use crate::secret::Redactor;

use super::check::{missing_fixtures, panicked, run_check, stopped, Prerequisites};
use super::clock::RunClock;
use super::error::RunError;
use super::http::Target;
use super::libtest::{list, reporting_args, trials_for, Pending};
use super::observer::{watched, Observer};
use super::selection::Selection;
use super::settings::RunSettings;
use super::turns::{Queue, Turn, Turns};
use crate::interrupt::{interrupted, Signal};

/// What a run produced.
#[derive(Debug)]
pub struct Executed {
    /// Results of the checks that ran (or were ignored), in check order.
    pub results: Vec<CheckResult>,
    /// The reachability probe's exchanges.
    pub preflight: Vec<Exchange>,
    /// Why the target could not be reached: then no check ran.
    pub unreachable: Option<Unreachable>,
    /// The run's name filters, `--skip` and `--exact` (none: every check).
    pub selection: Selection,
    /// The signal that stopped the run, if one did.
    pub interrupted: Option<Signal>,
    pub started_at: SystemTime,
    pub finished_at: SystemTime,
    pub duration: std::time::Duration,
}

type Slot = watch::Receiver<Option<Arc<CheckResult>>>;
/// Where a check's task tells its result to the checks that require it.
type SlotSender = watch::Sender<Option<Arc<CheckResult>>>;

/// What a run executes: the checks of `set` that `selection` picks, against
/// the target in `settings`.
#[derive(Debug, Clone, Copy)]
pub struct Plan<'a> {
    pub set: &'a CheckSet,
    pub settings: &'a RunSettings,
    pub selection: &'a Selection,
    /// Over `settings`' secrets: built once, for everything the run prints
    /// and records.
    pub redactor: &'a Arc<Redactor>,
}

/// Runs `plan`'s checks, each reported through libtest (`args`) as its
/// result arrives; with `--list`, only lists them. `observer`, if any,
/// watches each check as it runs.
pub fn execute(
    plan: Plan<'_>,
    args: &Arguments,
    runtime: &tokio::runtime::Runtime,
    observer: Option<Arc<dyn Observer>>,
) -> Result<Executed, RunError> {
    let clock = RunClock::start();
    let started_at = SystemTime::now();
    // Everything libtest prints (and writes to --logfile) is redacted, like
    // every other output: a check file's step name or hint may hold text a
    // secret was built into.
    let redactor = plan.redactor.clone();
    if args.list {
        list(plan, args, redactor);
        return Ok(finish(Vec::new(), started_at, clock));
    }
    let (trials, pending) = trials_for(chosen_checks(plan), &redactor, &observer);
    let args = reporting_args(args, trials.len());
    let target = Arc::new(Target::new(plan.settings, clock, redactor.clone())?);
    let probed = runtime.block_on(super::preflight::probe(&target, &plan.settings.run_id));
    if probed.unreachable.is_some() {
        return Ok(Executed {
            preflight: probed.exchanges,
            unreachable: probed.unreachable,
            ..finish(Vec::new(), started_at, clock)
        });
    }
    let interrupt = crate::interrupt::watch(runtime);
    let shared = Arc::new(Shared::new(plan, target, clock, interrupt.clone()));
    spawn_checks(runtime, &shared, pending, observer);
    // The counts are libtest's; the exit code comes from the results.
    let _conclusion = libtest_mimic::run(&args, trials);
    let interrupted = *interrupt.borrow();
    Ok(Executed {
        preflight: probed.exchanges,
        selection: plan.selection.clone(),
        interrupted,
        ..finish(collected(&shared, plan.set), started_at, clock)
    })
}

/// The checks `plan` runs, in check order. The selection is ours: the
/// filter's checks and, with them, the checks whose answers they judge
/// (`from`), as a test's fixtures run with it.
fn chosen_checks(plan: Plan<'_>) -> Vec<&Check> {
    let chosen = selected(plan.set, plan.selection);
    plan.set
        .checks
        .iter()
        .filter(|check| chosen.contains(check.id.as_str()))
        .collect()
}

/// Starts every pending check's task on `runtime`, each told of the
/// results of the checks it requires.
fn spawn_checks(
    runtime: &tokio::runtime::Runtime,
    shared: &Arc<Shared>,
    pending: Vec<Pending<'_>>,
    observer: Option<Arc<dyn Observer>>,
) {
    let mut slots: HashMap<CheckId, Slot> = HashMap::new();
    let mut senders = Vec::new();
    for (check, tx) in &pending {
        let (slot_tx, slot_rx) = watch::channel(None);
        slots.insert(check.id.clone(), slot_rx);
        senders.push((*check, tx.clone(), slot_tx));
    }
    let checks: Vec<&Check> = pending.iter().map(|(check, _)| *check).collect();
    for (check, tx, slot_tx) in senders {
        let prerequisites: Vec<(String, Slot)> = check
            .requires
            .iter()
            .filter_map(|id| slots.get(id).map(|s| (id.to_string(), s.clone())))
            .collect();
        let task = CheckTask {
            shared: shared.clone(),
            check: check.clone(),
            prerequisites,
            handoff: handoff(check, &checks, &slots),
            tx,
            slot_tx,
        };
        runtime.spawn(watched(observer.clone(), check.id.to_string(), task.run()));
    }
}

/// The check `check`'s turn goes to when it ends: the first that overlaps
/// its executions, so that it sends before any check polls them to their
/// end. Only once every check that one still waits for and that sends
/// requests has ended (`waits_on`): it must not need a turn before it
/// takes the one kept for it.
struct Handoff {
    to: String,
    waits_on: Vec<Slot>,
}

impl Handoff {
    fn ready(&self) -> bool {
        self.waits_on.iter().all(|slot| slot.borrow().is_some())
    }
}

fn handoff(check: &Check, checks: &[&Check], slots: &HashMap<CheckId, Slot>) -> Option<Handoff> {
    // A check that sends nothing takes no turn: none is kept for it.
    let overlapping = checks
        .iter()
        .find(|c| c.overlaps.as_deref() == Some(check.id.as_str()) && c.sends_requests())?;
    // What `check` required has ended before it does.
    let mut ended = required_by(check, checks);
    ended.insert(check.id.as_str());
    let waits_on = required_by(overlapping, checks)
        .into_iter()
        .filter(|id| !ended.contains(id))
        .filter(|id| checks.iter().any(|c| c.id == *id && c.sends_requests()))
        .filter_map(|id| slots.get(id).cloned())
        .collect();
    Some(Handoff {
        to: overlapping.id.to_string(),
        waits_on,
    })
}

/// Every check of `checks` that `check` requires, directly or not.
fn required_by<'a>(check: &'a Check, checks: &[&'a Check]) -> std::collections::HashSet<&'a str> {
    let requires = |c: &'a Check| c.requires.iter().map(CheckId::as_str).collect();
    reached(checks, requires(check), requires)
}

/// The results the checks' tasks collected, in check order.
fn collected(shared: &Shared, set: &CheckSet) -> Vec<CheckResult> {
    let mut results: Vec<CheckResult> = shared
        .collected
        .lock()
        .map(|all| all.iter().map(|r| (**r).clone()).collect())
        .unwrap_or_default();
    let order = set.order();
    results.sort_by_key(|r| order.get(r.id.as_str()).copied().unwrap_or(usize::MAX));
    results
}

/// What every check's task shares.
struct Shared {
    target: Arc<Target>,
    settings: RunSettings,
    catalog: crate::check::FixtureCatalog,
    turns: Turns,
    collected: Mutex<Vec<Arc<CheckResult>>>,
    deadline: Option<Instant>,
    interrupt: watch::Receiver<Option<Signal>>,
}

impl Shared {
    fn new(
        plan: Plan<'_>,
        target: Arc<Target>,
        clock: RunClock,
        interrupt: watch::Receiver<Option<Signal>>,
    ) -> Shared {
        Shared {
            // A deadline past what the clock can hold (`--deadline
            // 300000000000y`) is no deadline.
            deadline: clock.origin().checked_add(plan.settings.timeouts.deadline),
            target,
            settings: plan.settings.clone(),
            catalog: plan.set.catalog.clone(),
            turns: Turns::new(plan.settings.concurrency),
            collected: Mutex::default(),
            interrupt,
        }
    }
}

impl Shared {
    /// A turn in `queue` for `check`; none once the run's deadline has
    /// passed (the check then ends at once, out of time), so no wait for a
    /// turn outlives the run.
    async fn turn(&self, queue: Queue, check: &str) -> Option<Turn> {
        let taking = self.turns.take(queue, check);
        match self.deadline {
            Some(deadline) => tokio::time::timeout_at(deadline.into(), taking).await.ok(),
            None => Some(taking.await),
        }
    }
}

/// A check's task: its check, the results it waits for, and where its
/// own result and turn go.
struct CheckTask {
    shared: Arc<Shared>,
    check: Check,
    prerequisites: Vec<(String, Slot)>,
    handoff: Option<Handoff>,
    tx: mpsc::Sender<Arc<CheckResult>>,
    slot_tx: SlotSender,
}

impl CheckTask {
    /// Runs the check once its prerequisites are known, within its
    /// budget, and hands its result to its trial, to the checks that
    /// require it and to the run. A panic is an error of this check, with
    /// its message, and a signal ends it as interrupted: a result is never
    /// lost.
    async fn run(self) {
        let CheckTask {
            shared,
            check,
            prerequisites,
            handoff,
            tx,
            slot_tx,
        } = self;
        let started = Instant::now();
        let work = async {
            let gate = await_prerequisites(prerequisites).await;
            let ignored = missing_fixtures(&check, &shared.settings, &shared.catalog);
            let turn = match turn_queue(&check) {
                Some(queue) => shared.turn(queue, &check.id).await,
                None => None,
            };
            let now = Instant::now();
            let check_budget = shared.settings.timeouts.check;
            let budget = shared.deadline.map_or(check_budget, |d| {
                check_budget.min(d.saturating_duration_since(now))
            });
            let running = run_check(
                &check,
                &shared.target,
                &shared.settings,
                gate,
                ignored,
                budget,
            );
            let result = match AssertUnwindSafe(running).catch_unwind().await {
                Ok(result) => result,
                Err(payload) => {
                    panicked(&check, &shared.target, now, panic_message(payload.as_ref()))
                }
            };
            (result, turn)
        };
        let (result, turn) = tokio::select! {
            done = work => done,
            signal = interrupted(shared.interrupt.clone()) => {
                (stopped(&check, &shared.target, started, signal.name()), None)
            }
        };
        // Kept before the result is told: the check it is kept for asks
        // for a turn as soon as it knows. Only after a pass: then whatever
        // this check required has ended too.
        match (turn, handoff) {
            (Some(turn), Some(handoff)) if result.verdict == Verdict::Passed && handoff.ready() => {
                turn.hand_to(&handoff.to)
            }
            (turn, _) => drop(turn),
        }
        let result = Arc::new(result);
        if let Ok(mut all) = shared.collected.lock() {
            all.push(result.clone());
        }
        slot_tx.send_replace(Some(result.clone()));
        // The trial may be gone (libtest stopped early): nothing to tell.
        let _ = tx.send(result);
    }
}

/// Where `check` waits for its turn: none for a check that sends nothing
/// (it only judges answers other checks received), ahead of the others for
/// a check that must run while another's execution is still running.
fn turn_queue(check: &Check) -> Option<Queue> {
    if !check.sends_requests() {
        None
    } else if check.overlaps.is_some() {
        Some(Queue::Ahead)
    } else {
        Some(Queue::Normal)
    }
}

fn finish(results: Vec<CheckResult>, started_at: SystemTime, clock: RunClock) -> Executed {
    Executed {
        results,
        preflight: Vec::new(),
        unreachable: None,
        selection: Selection::default(),
        interrupted: None,
        started_at,
        finished_at: SystemTime::now(),
        duration: clock.origin().elapsed(),
    }
}

/// The text a panic carried.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_string())
}

/// Waits for each prerequisite; the first that did not pass blocks the check.
async fn await_prerequisites(prerequisites: Vec<(String, Slot)>) -> Prerequisites {
    let mut passed = HashMap::new();
    for (id, mut slot) in prerequisites {
        let seen = match slot.wait_for(Option::is_some).await {
            Ok(result) => result.clone(),
            Err(_) => None,
        };
        match seen.as_ref().map(|r| (r.outcome.clone(), r.severity)) {
            Some((Outcome::Passed, _)) => {
                if let Some(result) = seen {
                    passed.insert(id, result);
                }
            }
            Some((outcome, severity)) => {
                return Prerequisites::Unmet {
                    id,
                    outcome: Box::new(outcome),
                    severity,
                }
            }
            None => {
                return Prerequisites::Unmet {
                    id,
                    outcome: Box::new(Outcome::Ignored {
                        reason: "it did not finish".into(),
                    }),
                    severity: crate::result::Severity::Required,
                }
            }
        }
    }
    Prerequisites::Met(passed)
}

/// The ids of the checks a run selects: those `selection` names, and the
/// checks whose answers they judge with `from`, transitively.
fn selected<'a>(set: &'a CheckSet, selection: &Selection) -> std::collections::HashSet<&'a str> {
    let all: Vec<&Check> = set.checks.iter().collect();
    let named: Vec<&str> = all
        .iter()
        .filter(|c| selection.selects(&c.id))
        .map(|c| c.id.as_str())
        .collect();
    // The named checks, and the checks whose answers they judge (`from`).
    reached(&all, named, |check| {
        check
            .steps
            .iter()
            .filter_map(|s| s.from())
            .map(|f| f.check.as_str())
            .collect()
    })
}

/// The checks of `checks` named in `start`, and every one reached from
/// them through `next` (the ids a check leads to), directly or not.
fn reached<'a>(
    checks: &[&'a Check],
    start: Vec<&'a str>,
    next: impl Fn(&'a Check) -> Vec<&'a str>,
) -> std::collections::HashSet<&'a str> {
    let mut found = std::collections::HashSet::new();
    let mut todo = start;
    while let Some(id) = todo.pop() {
        let Some(check) = checks.iter().find(|c| c.id == id) else {
            continue;
        };
        if found.insert(check.id.as_str()) {
            todo.extend(next(check));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{load_sources, CheckSource};

    /// The built-in checks, each with a slot that says whether it ended.
    fn slots_of(set: &CheckSet) -> (HashMap<CheckId, Slot>, Vec<SlotSender>) {
        let mut slots = HashMap::new();
        let mut senders = Vec::new();
        for check in &set.checks {
            let (tx, rx) = watch::channel(None);
            slots.insert(check.id.clone(), rx);
            senders.push(tx);
        }
        (slots, senders)
    }

    #[test]
    fn the_plain_execution_hands_its_turn_to_latest_wins_which_waits_for_no_sender() {
        let set = load_sources(&[CheckSource::Builtin]).expect("the built-in checks load");
        let checks: Vec<&Check> = set.checks.iter().collect();
        let (slots, _senders) = slots_of(&set);
        let by_id = |id: &str| *checks.iter().find(|c| c.id == id).unwrap();
        let plain = by_id("entry-point::configured-active");
        let handoff = handoff(plain, &checks, &slots).expect("latest-wins overlaps it");
        assert_eq!(handoff.to, "conversation::latest-wins");
        // What latest-wins still waits for (accepts-execute, has-attendant)
        // only judges answers: the turn can be kept at once.
        assert!(handoff.waits_on.is_empty());
        assert!(handoff.ready());
        // A check nobody overlaps keeps no turn.
        assert!(handoff_for(&checks, &slots, "key::accepted").is_none());
    }

    #[test]
    fn no_turn_is_kept_while_the_overlapping_check_waits_for_a_check_that_sends() {
        let set = load_sources(&[CheckSource::Builtin]).expect("the built-in checks load");
        let mut owned: Vec<Check> = set.checks.clone();
        // latest-wins made to wait for a check that sends and has not ended.
        let latest = owned
            .iter_mut()
            .find(|c| c.id == "conversation::latest-wins")
            .unwrap();
        latest.requires.push(CheckId::new("key::missing"));
        let checks: Vec<&Check> = owned.iter().collect();
        let (slots, senders) = slots_of(&set);
        let handoff = handoff_for(&checks, &slots, "entry-point::configured-active").unwrap();
        assert_eq!(handoff.waits_on.len(), 1);
        assert!(!handoff.ready(), "key::missing has not ended");
        let at = set
            .checks
            .iter()
            .position(|c| c.id == "key::missing")
            .unwrap();
        let ended = crate::report::sample::sample_run().checks.remove(0);
        senders[at].send_replace(Some(Arc::new(ended)));
        assert!(handoff.ready());
    }

    fn handoff_for(checks: &[&Check], slots: &HashMap<CheckId, Slot>, id: &str) -> Option<Handoff> {
        let check = *checks.iter().find(|c| c.id == id).unwrap();
        handoff(check, checks, slots)
    }
}
