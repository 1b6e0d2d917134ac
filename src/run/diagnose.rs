//! The hint of a failure: advice that fits its kind (a wrong status, a
//! body that is not JSON, a timeout, a transport error), with the check's
//! own hint only where the check's subject is what went wrong.

use crate::result::{FailureKind, NotSent};

/// What to do about a failure of `kind` whose response had `status`, given
/// the check's own hint.
pub fn hint(kind: FailureKind, status: Option<u16>, check_hint: &str) -> String {
    let (advice, with_check) = advice(kind, status);
    match (advice.is_empty(), with_check) {
        (true, _) => check_hint.to_string(),
        (false, true) => format!("{advice} {check_hint}"),
        (false, false) => advice.to_string(),
    }
}

/// What to do about a request that was never sent, by why it was not.
fn not_sent_advice(why: NotSent) -> &'static str {
    match why {
        NotSent::OffOrigin => {
            "The step's path would take the request, and the key, away from the base URL's \
             origin, so it was not sent: fix the path in the check file."
        }
        NotSent::NoCredential => {
            "The credential the step names was not supplied (or the key has no variant of that \
             shape): set its variable, or drop the step's `key:` choice."
        }
        NotSent::Unwritable => {
            "A value could not be written into the step's request (a variable unset, or one \
             the URL cannot hold): fix the fixture or variable it names, or the check file."
        }
        NotSent::NothingToReuse => {
            "The check this `from` step judges again recorded no answer at that step: see that \
             check's failure first."
        }
        NotSent::BadFixture => {
            "A fixture the step names does not hold what the step needs (a duration: 30s, \
             500ms): fix its value."
        }
        NotSent::MissingValue => {
            "Set the variable when running `client`, or write the value in the check."
        }
        NotSent::Unrecorded => {
            "The request could not be sent as written: fix the check file or the fixture it names."
        }
    }
}

/// Advice for the kind, and whether the check's own hint applies too.
fn advice(kind: FailureKind, status: Option<u16>) -> (&'static str, bool) {
    use FailureKind as K;
    match kind {
        K::Status => status_advice(status),
        K::Header
        | K::Body
        | K::Capture
        | K::PollTimedOut
        | K::ClientRule
        | K::ClientCommand
        | K::OverBudget => ("", true),
        K::NotJson => (
            "The answer is not a JSON body, as the documentation shows. An HTML page or plain \
             text usually means a proxy, gateway or wrong base URL answered instead of the API; \
             escaped bytes such as \\u{feff} (a byte order mark) or bytes after the JSON mean the \
             target adds them to its bodies.",
            false,
        ),
        K::Dns => (
            "The host name in the base URL does not resolve: check WAPZI_BASE_URL (or \
             --base-url) for a typo, and the runner's DNS and network.",
            false,
        ),
        K::Refused => (
            "Nothing accepts connections at the base URL's host and port: check the port in \
             WAPZI_BASE_URL, that the target is running, and that no firewall or proxy is in the way.",
            false,
        ),
        K::Tls => (
            "The TLS connection failed: check the base URL's scheme (https:// to a plain-http \
             port fails), the certificate, and any TLS-intercepting proxy.",
            false,
        ),
        K::Timeout => (
            "The target did not answer in time: check that it is up and not overloaded, that \
             the network or a proxy is not holding the request, or raise --timeout.",
            false,
        ),
        K::ConnectionLost => (
            "The connection was cut before a whole answer: a proxy, load balancer or the \
             target closed it. Retry; if it persists, check what sits in front of the target.",
            false,
        ),
        K::Transport => (
            "The target's answer was not usable HTTP (not HTTP at all, or headers over the \
             client's limits): check the base URL's scheme and port, and what sits in front of \
             the target.",
            false,
        ),
        K::Proxy => (
            "The proxy named by HTTPS_PROXY (or ALL_PROXY) did not open a tunnel to the target: \
             check the proxy and its credentials, or exempt the target's host with NO_PROXY.",
            false,
        ),
        K::NotSent(why) => (not_sent_advice(why), false),
        K::CheckTimeout => (
            "The check ran out of its time budget: find why the target is slow, or raise \
             --check-timeout above the check's poll timeout.",
            false,
        ),
        K::Deadline => (
            "The run's deadline ran out before this check ended: raise --deadline, or find why \
             the target is slow.",
            false,
        ),
        K::Prerequisite => ("Fix the advisory prerequisite first: see its failure.", false),
        K::LocalLimit => (
            "The machine running the checks ran out of file descriptors; the target was not \
             at fault. Raise the limit (`ulimit -n 1024`) or lower --concurrency, and run again.",
            false,
        ),
        K::Interrupted => (
            "The run was stopped (Ctrl-C, or SIGTERM from a CI job's timeout) before this check \
             ended: run it again, within the job's time limit.",
            false,
        ),
        K::Internal => (
            "This is an internal error of wapzi-homolog, not a fault of the target: please \
             report it with report.json.",
            false,
        ),
    }
}

/// A wrong status: statuses that say more than "not the documented one"
/// get advice of their own.
fn status_advice(status: Option<u16>) -> (&'static str, bool) {
    match status {
        Some(404) => (
            "404 Not Found: this path does not exist on the target. If every check answers \
             404, the base URL is wrong: it must be the API's root (https://api.wapzi.com.br), \
             without /v1 or another path.",
            true,
        ),
        Some(300..=399) => (
            "The target redirected, and redirects are never followed (the key must not travel \
             elsewhere): use the final URL as the base URL, with https://.",
            false,
        ),
        Some(500..=599) => (
            "The target, or a proxy in front of it, failed with a server error: retry, and if \
             it persists, report it with the request below.",
            false,
        ),
        _ => ("", true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_hint_comes_only_where_the_check_subject_failed() {
        let own = "Send the same conversationId.";
        assert_eq!(hint(FailureKind::Body, Some(200), own), own);
        assert_eq!(hint(FailureKind::PollTimedOut, Some(200), own), own);
        assert!(!hint(FailureKind::NotJson, Some(200), own).contains(own));
        assert!(!hint(FailureKind::Dns, None, own).contains(own));
        assert!(!hint(FailureKind::Status, Some(502), own).contains(own));
        let not_found = hint(FailureKind::Status, Some(404), own);
        assert!(
            not_found.contains("/v1") && not_found.ends_with(own),
            "{not_found}"
        );
        assert_eq!(hint(FailureKind::Status, Some(401), own), own);
    }

    #[test]
    fn a_request_not_sent_is_advised_by_why_it_was_not() {
        let reasons = [
            NotSent::OffOrigin,
            NotSent::NoCredential,
            NotSent::Unwritable,
            NotSent::NothingToReuse,
            NotSent::BadFixture,
            NotSent::MissingValue,
            NotSent::Unrecorded,
        ];
        let hints: std::collections::BTreeSet<String> = reasons
            .iter()
            .map(|why| hint(FailureKind::NotSent(*why), None, "own"))
            .collect();
        assert_eq!(hints.len(), reasons.len(), "{hints:?}");
        let off = hint(FailureKind::NotSent(NotSent::OffOrigin), None, "own");
        assert!(off.contains("origin") && !off.contains("own"), "{off}");
    }
}
