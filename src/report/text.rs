//! Small text helpers shared by the writers: durations, labels, excerpts.

use crate::result::{Exchange, ItemVerdict, RunVerdict, Verdict};

/// `0.4 ms`, `120 ms`, `1.25 s`: a duration for people.
pub(crate) fn format_ms(ms: f64) -> String {
    let ms = if ms.is_finite() && ms > 0.0 { ms } else { 0.0 };
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

/// A verdict in words.
pub(crate) fn verdict_label(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Passed => "passed",
        Verdict::Failed => "failed",
        Verdict::Error => "error",
        Verdict::AdvisoryFailed => "advisory failure",
        Verdict::Ignored => "ignored",
        Verdict::Waived => "waived",
    }
}

/// The mark of a verdict in Markdown.
pub(crate) fn verdict_icon(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Passed => "✅",
        Verdict::Failed | Verdict::Error => "❌",
        Verdict::AdvisoryFailed => "⚠️",
        Verdict::Waived => "🟨",
        Verdict::Ignored => "➖",
    }
}

/// A checklist item's verdict in words.
pub(crate) fn item_label(verdict: ItemVerdict) -> &'static str {
    match verdict {
        ItemVerdict::Passed => "passed",
        ItemVerdict::PassedWithGaps => "passed, with gaps",
        ItemVerdict::Failed => "failed",
        ItemVerdict::NotEvidenced => "not evidenced",
    }
}

/// The mark of a checklist item's verdict.
pub(crate) fn item_icon(verdict: ItemVerdict) -> &'static str {
    match verdict {
        ItemVerdict::Passed => "✅",
        ItemVerdict::PassedWithGaps => "☑️",
        ItemVerdict::Failed => "❌",
        ItemVerdict::NotEvidenced => "⚠️",
    }
}

/// The mark of a run's verdict.
pub(crate) fn run_icon(verdict: RunVerdict) -> &'static str {
    match verdict {
        RunVerdict::Ready => "✅",
        RunVerdict::ReadyWithWaivers => "☑️",
        RunVerdict::NotReady => "❌",
        RunVerdict::Unreachable => "🚫",
        RunVerdict::Incomplete => "⚠️",
        RunVerdict::Interrupted => "⏹️",
    }
}

/// The colour something is drawn in on report.html: its CSS class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tone {
    Pass,
    Fail,
    Warn,
    Muted,
}

impl Tone {
    /// The CSS class.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Tone::Pass => "pass",
            Tone::Fail => "fail",
            Tone::Warn => "warn",
            Tone::Muted => "muted",
        }
    }

    /// The mark drawn in the tone's coloured disc: plain characters that
    /// every font has (emoji may be missing where the page is printed).
    pub(crate) fn mark(self) -> &'static str {
        match self {
            Tone::Pass => "✓",
            Tone::Fail => "✗",
            Tone::Warn => "!",
            Tone::Muted => "–",
        }
    }

    /// A run's verdict.
    pub(crate) fn of_run(verdict: RunVerdict) -> Tone {
        match verdict {
            RunVerdict::Ready => Tone::Pass,
            RunVerdict::NotReady | RunVerdict::Unreachable => Tone::Fail,
            RunVerdict::Incomplete | RunVerdict::Interrupted | RunVerdict::ReadyWithWaivers => {
                Tone::Warn
            }
        }
    }

    /// A check's verdict.
    pub(crate) fn of_verdict(verdict: Verdict) -> Tone {
        match verdict {
            Verdict::Passed => Tone::Pass,
            Verdict::Failed | Verdict::Error => Tone::Fail,
            Verdict::AdvisoryFailed | Verdict::Waived => Tone::Warn,
            Verdict::Ignored => Tone::Muted,
        }
    }

    /// A checklist item's verdict.
    pub(crate) fn of_item(verdict: ItemVerdict) -> Tone {
        match verdict {
            ItemVerdict::Passed | ItemVerdict::PassedWithGaps => Tone::Pass,
            ItemVerdict::Failed => Tone::Fail,
            ItemVerdict::NotEvidenced => Tone::Warn,
        }
    }
}

impl std::fmt::Display for Tone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Polls shown at each end of a long poll history; the ones between are
/// counted, not shown one by one (report.json keeps them all), so a run
/// whose every execution timed out stays readable and printable.
pub(crate) const POLLS_SHOWN_AT_EACH_END: usize = 3;

/// Indexes of `len` polls to show, each with how many were left out just
/// before it: the first and last few.
pub(crate) fn shown_polls(len: usize) -> Vec<(usize, usize)> {
    let keep = POLLS_SHOWN_AT_EACH_END;
    if len <= 2 * keep + 1 {
        return (0..len).map(|i| (i, 0)).collect();
    }
    let last = len - keep;
    (0..keep)
        .map(|i| (i, 0))
        .chain((last..len).map(|i| (i, if i == last { len - 2 * keep } else { 0 })))
        .collect()
}

/// `exchanges` cut into runs, `(start, len)`: each run of consecutive polls
/// of one step is one run, any other exchange a run of its own.
pub(crate) fn poll_runs(exchanges: &[Exchange]) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < exchanges.len() {
        let len = exchanges[i..]
            .iter()
            .take_while(|e| e.poll.is_some() && e.step == exchanges[i].step)
            .count()
            .max(1);
        runs.push((i, len));
        i += len;
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_well() {
        assert_eq!(format_ms(0.42), "0.4 ms");
        assert_eq!(format_ms(120.4), "120 ms");
        assert_eq!(format_ms(1250.0), "1.25 s");
        assert_eq!(format_ms(f64::NAN), "0.0 ms");
    }

    #[test]
    fn long_poll_histories_show_their_ends_and_count_the_rest() {
        assert_eq!(shown_polls(3), vec![(0, 0), (1, 0), (2, 0)]);
        assert_eq!(shown_polls(7).len(), 7);
        assert_eq!(
            shown_polls(50),
            vec![(0, 0), (1, 0), (2, 0), (47, 44), (48, 0), (49, 0)]
        );
    }
}
