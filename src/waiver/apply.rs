//! Applying waivers to a run's results: a required check's failure a
//! valid waiver covers becomes [`Verdict::Waived`] before the verdict is
//! decided; every waiver gets a [`WaiverStatus`] saying what became of it.

use std::time::{Duration, SystemTime};

use crate::result::{
    CheckResult, FailureKind, RunResult, RunVerdict, Verdict, WaiverRecord, WaiverStatus,
};

use super::load::{Waiver, Waivers};

/// A day (UTC), as days since 1970-01-01: waivers expire at the end of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Today(i64);

impl Today {
    /// The day `at` falls on.
    pub fn of(at: SystemTime) -> Today {
        let secs = match at.duration_since(SystemTime::UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
        };
        Today(secs.div_euclid(86_400))
    }

    /// A `YYYY-MM-DD` date, if it is one.
    pub fn parse(date: &str) -> Option<Today> {
        let well_formed = date.len() == 10
            && date.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        if !well_formed {
            return None;
        }
        humantime::parse_rfc3339(&format!("{date}T00:00:00Z"))
            .ok()
            .map(Today::of)
    }

    /// Days from `earlier` to this day.
    pub fn days_since(self, earlier: Today) -> i64 {
        self.0 - earlier.0
    }

    /// The day after `self` plus `days` (tests write dates relative to today).
    pub fn plus_days(self, days: i64) -> String {
        let secs = (self.0 + days) * 86_400;
        let at = match u64::try_from(secs) {
            Ok(s) => SystemTime::UNIX_EPOCH + Duration::from_secs(s),
            Err(_) => SystemTime::UNIX_EPOCH,
        };
        humantime::format_rfc3339_seconds(at).to_string()[..10].to_string()
    }
}

/// Checklist items whose checks can never be waived: the key's refusals
/// (a key accepted where it must not be is a leak) and a client that shows
/// its key.
const UNWAIVABLE_ITEMS: [&str; 2] = ["valid-key", "practice::key-in-backend"];
/// Checks that can never be waived: another account's data is reachable.
const UNWAIVABLE_CHECKS: [&str; 3] = [
    "conversation::other-account",
    "entry-point::other-account",
    "execution::other-account",
];

/// Applies `waivers` on `today` to `results` (of the checks `side_ids` of
/// this side; `all_ids` are every loaded check's, the other side's
/// included, whose waivers are left out here): the failures they cover
/// become [`Verdict::Waived`]. Returns what became of each waiver.
pub fn apply(
    results: &mut [CheckResult],
    side_ids: &[&str],
    all_ids: &[&str],
    waivers: &Waivers,
    today: Today,
) -> Vec<WaiverRecord> {
    waivers
        .waivers
        .iter()
        .filter(|w| side_ids.contains(&w.check.as_str()) || !all_ids.contains(&w.check.as_str()))
        .map(|waiver| {
            let result = results.iter_mut().find(|r| r.id == waiver.check);
            let (status, note) = judge(waiver, result, all_ids, today);
            WaiverRecord {
                check: waiver.check.clone(),
                reason: waiver.reason.trim().to_string(),
                by: waiver.by.trim().to_string(),
                expires: waiver.expires.clone(),
                status,
                note,
            }
        })
        .collect()
}

/// What becomes of `waiver` for its check's `result`; marks the result
/// waived when the waiver applies.
fn judge(
    waiver: &Waiver,
    result: Option<&mut CheckResult>,
    all_ids: &[&str],
    today: Today,
) -> (WaiverStatus, String) {
    if !all_ids.contains(&waiver.check.as_str()) {
        let near = all_ids
            .iter()
            .filter(|id| strsim::jaro_winkler(id, &waiver.check) > 0.85)
            .max_by(|a, b| {
                strsim::jaro_winkler(a, &waiver.check)
                    .total_cmp(&strsim::jaro_winkler(b, &waiver.check))
            });
        let hint = near.map_or(String::new(), |id| format!(" (did you mean `{id}`?)"));
        return (
            WaiverStatus::UnknownCheck,
            format!("no loaded check has this id{hint}: the waiver covers nothing"),
        );
    }
    let expired = Today::parse(&waiver.expires).is_none_or(|end| end < today);
    let Some(result) = result else {
        return (
            WaiverStatus::NotRun,
            "the check did not run: nothing to cover".into(),
        );
    };
    match result.verdict {
        Verdict::Failed | Verdict::Error if expired => (
            WaiverStatus::Expired,
            format!(
                "expired on {}: the failure gates again (renew the waiver, or fix it)",
                waiver.expires
            ),
        ),
        Verdict::Failed | Verdict::Error => match unwaivable(result) {
            Some(why) => (WaiverStatus::NotWaivable, why),
            None => {
                result.verdict = Verdict::Waived;
                (
                    WaiverStatus::Applied,
                    format!("the failure is waived until {}", waiver.expires),
                )
            }
        },
        _ if expired => (
            WaiverStatus::Expired,
            format!("expired on {}: remove it", waiver.expires),
        ),
        Verdict::Passed | Verdict::AdvisoryFailed | Verdict::Waived => (
            WaiverStatus::Stale,
            "stale: the check did not fail the gate in this run, so the waiver is not needed; remove it".into(),
        ),
        Verdict::Ignored => (
            WaiverStatus::NotRun,
            "the check was ignored: nothing to cover".into(),
        ),
    }
}

/// Why `result`'s failure cannot be waived, if it cannot.
fn unwaivable(result: &CheckResult) -> Option<String> {
    if UNWAIVABLE_ITEMS.contains(&result.checklist_item.as_str()) {
        return Some(format!(
            "not waivable: checks of `{}` guard the key, and a key leak is never waived",
            result.checklist_item
        ));
    }
    if UNWAIVABLE_CHECKS.contains(&result.id.as_str()) {
        return Some("not waivable: another account's data would be reachable".into());
    }
    let kind = result.failure().map(|f| f.kind)?;
    let harness = matches!(
        kind,
        FailureKind::Internal | FailureKind::Interrupted | FailureKind::LocalLimit
    );
    (kind.is_transport() || harness).then(|| {
        "not waivable: the check got no answer (an unreachable target or a harness failure is no deviation to waive)".into()
    })
}

/// Why a run with `verdict`, `records` and `results` is what it is, a
/// line per waiver that matters: those applied (READY WITH WAIVERS), and
/// those that do not apply over a failure that gates.
pub fn reasons(
    verdict: RunVerdict,
    records: &[WaiverRecord],
    results: &[CheckResult],
) -> Vec<String> {
    let gates = |id: &str| results.iter().any(|r| r.id == id && r.fails_gate());
    records
        .iter()
        .filter_map(|w| match w.status {
            WaiverStatus::Applied if verdict == RunVerdict::ReadyWithWaivers => Some(format!(
                "{} failed and is waived until {} by {}: {}",
                w.check, w.expires, w.by, w.reason
            )),
            WaiverStatus::Expired | WaiverStatus::NotWaivable if gates(&w.check) => Some(format!(
                "the waiver of {} does not apply: {}",
                w.check, w.note
            )),
            _ => None,
        })
        .collect()
}

/// Writes `records` into `result`: its waivers, and the reasons they give.
pub fn record(result: &mut RunResult, records: Vec<WaiverRecord>) {
    let lines = reasons(result.verdict, &records, &result.checks);
    result.reasons.extend(lines);
    result.waivers = records;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::sample_run;

    fn waiver(check: &str, expires: &str) -> Waiver {
        Waiver {
            check: check.into(),
            reason: "The vendor's API deviates here; ticket WZ-1 tracks it.".into(),
            by: "Ana <ana@example.com>".into(),
            expires: expires.into(),
        }
    }

    #[test]
    fn dates_parse_and_count_days() {
        let a = Today::parse("2026-12-07").unwrap();
        let b = Today::parse("2027-03-07").unwrap();
        assert_eq!(b.days_since(a), 90);
        assert_eq!(a.plus_days(25), "2027-01-01");
        for bad in ["2026-13-01", "07/12/2026", "2026-1-1", ""] {
            assert!(Today::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn each_waiver_gets_its_status() {
        let mut run = sample_run();
        let today = Today::parse("2026-12-07").unwrap();
        let failing = run
            .checks
            .iter()
            .find(|c| c.fails_gate() && c.checklist_item != "valid-key")
            .expect("the sample has a failing check")
            .id
            .clone();
        let passing = run
            .checks
            .iter()
            .find(|c| c.verdict == Verdict::Passed)
            .unwrap()
            .id
            .clone();
        let ids: Vec<String> = run.checks.iter().map(|c| c.id.clone()).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let waivers = Waivers {
            file: None,
            waivers: vec![
                waiver(&failing, "2026-12-31"),
                waiver(&passing, "2026-12-31"),
                waiver("no::such-check", "2026-12-31"),
            ],
        };
        let records = apply(&mut run.checks, &ids, &ids, &waivers, today);
        let statuses: Vec<WaiverStatus> = records.iter().map(|r| r.status).collect();
        assert_eq!(
            statuses,
            [
                WaiverStatus::Applied,
                WaiverStatus::Stale,
                WaiverStatus::UnknownCheck
            ]
        );
        let waived = run.checks.iter().find(|c| c.id == failing).unwrap();
        assert_eq!(waived.verdict, Verdict::Waived);
        let mut again = sample_run();
        let expired = Waivers {
            file: None,
            waivers: vec![waiver(&failing, "2026-12-06")],
        };
        let records = apply(&mut again.checks, &ids, &ids, &expired, today);
        assert_eq!(records[0].status, WaiverStatus::Expired);
        assert!(again
            .checks
            .iter()
            .any(|c| c.id == failing && c.fails_gate()));
    }
}
