//! The libtest adapter: each check is a libtest-mimic trial that merely
//! awaits its check's result (the work runs on the runner's runtime), and
//! prints it libtest-style, redacted; results graded elsewhere (a `client`
//! run's) are printed the same way, so both sides read alike. libtest-mimic
//! runs trials on at most `--test-threads` threads (by default here, one
//! per trial) and only returns counts: the result model, not these counts,
//! decides the exit code.

use std::sync::{mpsc, Arc};

use libtest_mimic::{Arguments, Completion, Failed, Trial};

use crate::check::Check;
use crate::failure_text::failure_text;
use crate::result::{CheckResult, Outcome, Verdict};
use crate::secret::Redactor;

use super::harness::Plan;
use super::observer::Observer;

/// The most threads libtest is given to await results on by default: a
/// thread per check up to this many (any checklist a person writes), so
/// each line shows when its check ends. Past it, a line may wait for the
/// slower checks before it: a thread each would cost more than the checks
/// (1,000 checks at L = 0 took 0.30 s instead of 0.22 s, measured with
/// bench/run.sh's generated suite).
const MAX_REPORTING_THREADS: usize = 64;

/// `--list`: libtest prints the names of the checks `plan` selects.
pub(super) fn list(plan: Plan<'_>, args: &Arguments, redactor: Arc<Redactor>) {
    let trials = plan
        .set
        .checks
        .iter()
        .filter(|c| plan.selection.selects(&c.id))
        .map(|c| trial(c, mpsc::channel().1, redactor.clone(), None))
        .collect();
    let _listed = libtest_mimic::run(args, trials);
}

/// A check to run and the sender of its result to its trial.
pub(super) type Pending<'a> = (&'a Check, mpsc::Sender<Arc<CheckResult>>);

/// A trial per check, each awaiting the result its check's sender will
/// send.
pub(super) fn trials_for<'a>(
    checks: Vec<&'a Check>,
    redactor: &Arc<Redactor>,
    observer: &Option<Arc<dyn Observer>>,
) -> (Vec<Trial>, Vec<Pending<'a>>) {
    checks
        .into_iter()
        .map(|check| {
            let (tx, rx) = mpsc::channel();
            let trial = trial(check, rx, redactor.clone(), observer.clone());
            (trial, (check, tx))
        })
        .unzip()
}

/// libtest's arguments for the run: the selected trials only, and no
/// filter of its own. Each trial only waits for its check's result, so a
/// thread per trial (at least two, so that libtest prints whole lines, and
/// at most [`MAX_REPORTING_THREADS`]) lets libtest print each result as it
/// arrives: on fewer, a slow check would hold its thread and the results
/// queued behind it.
pub(super) fn reporting_args(args: &Arguments, trials: usize) -> Arguments {
    Arguments {
        filter: None,
        skip: Vec::new(),
        exact: false,
        test_threads: args
            .test_threads
            .or(Some(trials.clamp(2, MAX_REPORTING_THREADS))),
        ..args.clone()
    }
}

/// Prints results graded elsewhere (a `client` run's) the way libtest
/// prints a run's checks, in order, so both sides read alike.
pub fn print_results(results: &[CheckResult], args: &Arguments, redactor: Arc<Redactor>) {
    let trials = results
        .iter()
        .map(|result| {
            let result = Arc::new(result.clone());
            let redactor = redactor.clone();
            let advisory = result.severity == crate::result::Severity::Advisory;
            let trial =
                Trial::ignorable_test(result.id.clone(), move || report(Ok(result), &redactor));
            marked(trial, advisory)
        })
        .collect();
    // The counts are libtest's; the exit code comes from the results.
    let _conclusion = libtest_mimic::run(args, trials);
}

/// A libtest trial that waits for `check`'s result.
fn trial(
    check: &Check,
    rx: mpsc::Receiver<Arc<CheckResult>>,
    redactor: Arc<Redactor>,
    observer: Option<Arc<dyn Observer>>,
) -> Trial {
    let trial = Trial::ignorable_test(check.id.to_string(), move || {
        let received = rx.recv();
        if let Some(observer) = &observer {
            observer.check_reported();
        }
        report(received, &redactor)
    });
    marked(
        trial,
        matches!(check.severity, crate::check::Severity::Advisory),
    )
}

/// `trial`, shown `[advisory]` in its line when it is.
fn marked(trial: Trial, advisory: bool) -> Trial {
    if advisory {
        trial.with_kind("advisory")
    } else {
        trial
    }
}

/// What libtest prints for a check's result, redacted: its failure
/// section is [`failure_text`].
fn report(
    received: Result<Arc<CheckResult>, mpsc::RecvError>,
    redactor: &Redactor,
) -> Result<Completion, Failed> {
    let redact = |text: &str| redactor.redact(text);
    match received {
        Ok(result) => match result.verdict {
            Verdict::Passed => Ok(Completion::Completed),
            // `test [advisory] id ... FAILED`: a failure, shown as one; the
            // gate, which only the result model decides, does not count it.
            Verdict::AdvisoryFailed => Err(Failed::from(format!(
                "advisory: this failure does not fail the gate\n{}",
                redact(&failure_text(&result))
            ))),
            Verdict::Ignored => match &result.outcome {
                Outcome::Ignored { reason } => Ok(Completion::ignored_with(redact(reason))),
                _ => Ok(Completion::ignored()),
            },
            // Waivers are applied after the run; a check's own line says
            // how it ended.
            Verdict::Failed | Verdict::Error | Verdict::Waived => {
                Err(Failed::from(redact(&failure_text(&result))))
            }
        },
        Err(_) => Err(Failed::from(
            "internal error: the check's task ended without a result",
        )),
    }
}
