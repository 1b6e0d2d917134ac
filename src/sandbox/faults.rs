//! Faults the sandbox can inject: each one makes it deviate from the
//! documented API in exactly one way, so that a check can be shown to catch it.

use std::fmt;

use super::names::{did_you_mean, nearest};

/// The one-line summary of a fault, as printed by `sandbox --list-faults`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaultInfo {
    /// The name given to `--fault`.
    pub name: &'static str,
    /// What the sandbox does differently under this fault.
    pub description: &'static str,
}

/// The payload that the `html-injection` fault puts into every message.
pub const HTML_INJECTION: &str =
    "</pre><script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">";

/// The header value that the `html-injection` fault sends as `x-note`.
pub const HTML_INJECTION_NOTE: &str = "<b onmouseover=alert(1)>";

const REDIRECT_NAME: &str = "redirect-to";
const REDIRECT_DESCRIPTION: &str =
    "both endpoints answer 307 with `Location: URL` + the original path and query";

macro_rules! define_faults {
    ($($variant:ident => $name:literal : $description:literal,)*) => {
        /// A deviation from the documented API that the sandbox can inject.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum Fault {
            $(
                #[doc = $description]
                $variant,
            )*
            /// Both endpoints answer `307` with `Location: URL` + the original
            /// path and query (`redirect-to=URL`).
            RedirectTo(String),
        }

        impl Fault {
            /// Every fault, in the order `sandbox --list-faults` prints them.
            pub const ALL: &'static [FaultInfo] = &[
                $(FaultInfo { name: $name, description: $description },)*
                FaultInfo { name: "redirect-to=URL", description: REDIRECT_DESCRIPTION },
            ];

            /// Returns the fault's name, without the URL of `redirect-to`.
            pub fn name(&self) -> &'static str {
                match self {
                    $(Fault::$variant => $name,)*
                    Fault::RedirectTo(_) => REDIRECT_NAME,
                }
            }

            /// Returns what the sandbox does differently under this fault.
            pub fn description(&self) -> &'static str {
                match self {
                    $(Fault::$variant => $description,)*
                    Fault::RedirectTo(_) => REDIRECT_DESCRIPTION,
                }
            }

            fn from_plain_name(name: &str) -> Option<Fault> {
                match name {
                    $($name => Some(Fault::$variant),)*
                    _ => None,
                }
            }

            fn plain_names() -> &'static [&'static str] {
                &[$($name,)* REDIRECT_NAME]
            }
        }
    };
}

define_faults! {
    AcceptMissingKey => "accept-missing-key":
        "a request without x-api-key is served as the primary account",
    AcceptInvalidKey => "accept-invalid-key":
        "an unknown x-api-key is served as the primary account",
    MissingKeyWrongMessage => "missing-key-wrong-message":
        "a missing key answers 401 with message \"Unauthorized\" instead of \"Missing API key\"",
    InvalidKeyWrongMessage => "invalid-key-wrong-message":
        "an invalid key answers 401 with message \"Unauthorized\" instead of \"Invalid API key\"",
    RotatedKeyValid => "rotated-key-valid":
        "the previous (rotated) key of the primary account is still accepted",
    InactiveAccountAllowed => "inactive-account-allowed":
        "the inactive account's key is served as the primary account instead of 403",
    InactiveAccount401 => "inactive-account-401":
        "the inactive account's key answers 401 \"Invalid API key\" instead of 403",
    KeyCaseInsensitive => "key-case-insensitive":
        "keys are compared without regard to case",
    KeyPrefixAccepted => "key-prefix-accepted":
        "a key of 12 characters or more that a known key starts with is accepted as that key",
    KeyLastCharIgnored => "key-last-char-ignored":
        "keys of the same length are compared without their last character",
    BearerAccepted => "bearer-accepted":
        "without x-api-key, a key sent as Authorization: Bearer is accepted",
    KeyInQueryAccepted => "key-in-query-accepted":
        "without x-api-key, a key in the query string (x-api-key or api_key) is accepted",
    CrossConversationSupersede => "cross-conversation-supersede":
        "a new execute supersedes the account's running executions of every conversation, not only its own (those bound to fail excepted)",
    CrossAccountSupersede => "cross-account-supersede":
        "an execute with another account's conversationId joins that conversation (superseding its running executions, and readable by that account) instead of starting one of its own",
    SupersededRevives => "superseded-revives":
        "a superseded execution reads completed, with a response, from its third read on",
    CrossAccountEntryPoints => "cross-account-entry-points":
        "an entry point executes for any account's key, not only its own account's",
    BlankMessageAccepted => "blank-message-accepted":
        "an execute whose message is blank is accepted and executed",
    CorsOpen => "cors-open":
        "every answer carries Access-Control-Allow-Origin: * (browsers may call the API with the key)",
    ErrorBodiesLeakFields => "error-bodies-leak-fields":
        "error answers carry fields beside message: the account's id and a stack trace",
    PollIdsWrongOnce => "poll-ids-wrong-once":
        "the first two reads of an execution that started its conversation, while still queued, answer another executionId and conversationId",
    FinishedExecutionsCached => "finished-executions-cached":
        "a finished execution is served to any read, with or without a valid key (a cache in front of the API)",
    EmptyEntryPoint404 => "empty-entry-point-404":
        "an empty entryPointId answers 404 \"Not found\" instead of 400 \"entryPointId is required\"",
    UnknownEntryPointAccepted => "unknown-entry-point-accepted":
        "an entryPointId that exists nowhere answers 202 as if it were the primary entry point",
    UnknownEntryPointWrongMessage => "unknown-entry-point-wrong-message":
        "an entryPointId that exists nowhere answers 400 \"Entry point not found\"",
    NoAttendantsAccepted => "no-attendants-accepted":
        "the entry point without attendants answers 202",
    UnavailableAccepted => "unavailable-accepted":
        "the entry point without an available agent answers 202",
    InactiveEntryPointAccepted => "inactive-entry-point-accepted":
        "the primary account's inactive entry point answers 202 instead of 400 \"Invalid entryPointId\"",
    Execute200 => "execute-200":
        "execute answers 200 instead of 202",
    ExecutionIdMissing => "execution-id-missing":
        "execute answers 202 without executionId",
    ExecutionIdNumber => "execution-id-number":
        "execute answers executionId as a JSON number",
    ExecuteStatusWrong => "execute-status-wrong":
        "execute answers status \"pending\" instead of \"queued\"",
    UndocumentedStatus => "undocumented-status":
        "executions in progress read as \"processing\" instead of \"queued\"",
    SlowCompletion => "slow-completion":
        "executions take a second longer than the latency to reach their terminal status",
    NeverFinishes => "never-finishes":
        "executions stay queued forever",
    AlwaysFails => "always-fails":
        "every execution ends failed",
    CompletedWithoutResponse => "completed-without-response":
        "completed executions carry no response",
    ConversationIdChanges => "conversation-id-changes":
        "reading an execution returns another conversationId than execute did",
    NoLatestWins => "no-latest-wins":
        "older executions of a conversation are not superseded; they complete too",
    NewestSuperseded => "newest-superseded":
        "a newer execute is superseded itself while the older one completes",
    SupersededWithResponse => "superseded-with-response":
        "superseded executions carry a response",
    TerminalFlaps => "terminal-flaps":
        "a completed execution reads queued once, then completed with another response",
    CrossAccountVisible => "cross-account-visible":
        "executions of another account are readable",
    UnknownExecution404 => "unknown-execution-404":
        "an executionId that exists nowhere answers 404 \"Not found\" instead of 400",
    NonJsonErrors => "non-json-errors":
        "error answers are text/plain bodies",
    ErrorWithoutMessage => "error-without-message":
        "error answers are JSON {\"error\": ...} without a message",
    JsonWithoutContentType => "json-without-content-type":
        "successful JSON answers are sent with Content-Type text/plain",
    EchoKey => "echo-key":
        "every answer echoes the received x-api-key: headers x-echo-key(-base64), JSON fields echo, echo_base64, echo_base64url, echo_base64_json, echo_base64_basic, echo_base64url_inside, echo_percent, echo_percent_all, echo_percent_lower",
    HtmlInjection => "html-injection":
        "every message and response text carries HTML/script markup, plus an x-note header",
    Hang => "hang":
        "execute never answers (until the sandbox shuts down)",
    SlowBody => "slow-body":
        "execute sends its headers, then a body that stalls forever",
    NonJsonBody => "non-json-body":
        "200/202 bodies are <html>oops</html> with Content-Type application/json",
    TruncatedJson => "truncated-json":
        "successful JSON bodies are cut in half",
    HugeBody => "huge-body":
        "reading an execution answers a 300 MB JSON-ish body",
    RateLimited => "rate-limited":
        "the first two reads of each execution answer 429 with Retry-After: 1",
}

/// Why a `--fault` value was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnknownFault {
    /// The name is none of [`Fault::ALL`].
    #[error("unknown fault `{input}`{}; valid faults: {}", did_you_mean(*.suggestion), valid_names())]
    Name {
        /// The value as given.
        input: String,
        /// The nearest valid name, if one is close enough.
        suggestion: Option<&'static str>,
    },
    /// `redirect-to` without an `http://` or `https://` URL.
    #[error(
        "fault `redirect-to` needs an http(s) URL, as in `redirect-to=http://127.0.0.1:8081` (got `{input}`)"
    )]
    RedirectUrl {
        /// The value as given.
        input: String,
    },
}

fn valid_names() -> String {
    let names: Vec<&str> = Fault::ALL.iter().map(|info| info.name).collect();
    names.join(", ")
}

impl Fault {
    /// Parses a `--fault` value: a name of [`Fault::ALL`], or
    /// `redirect-to=URL` with an `http://` or `https://` URL.
    ///
    /// # Errors
    ///
    /// [`UnknownFault::Name`] for a name none of [`Fault::ALL`], with the
    /// nearest valid name when it is a near miss; [`UnknownFault::RedirectUrl`]
    /// for `redirect-to` without a usable URL.
    pub fn parse(s: &str) -> Result<Fault, UnknownFault> {
        let input = s.trim();
        if let Some(fault) = Fault::from_plain_name(input) {
            return Ok(fault);
        }
        if input == REDIRECT_NAME || input.starts_with("redirect-to=") {
            return parse_redirect(input);
        }
        Err(UnknownFault::Name {
            input: input.to_string(),
            suggestion: suggest(input),
        })
    }
}

fn parse_redirect(input: &str) -> Result<Fault, UnknownFault> {
    let url = input
        .strip_prefix("redirect-to=")
        .unwrap_or_default()
        .trim_end_matches('/');
    let host = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    match host {
        Some(host) if !host.is_empty() && !host.contains(char::is_whitespace) => {
            Ok(Fault::RedirectTo(url.to_string()))
        }
        _ => Err(UnknownFault::RedirectUrl {
            input: input.to_string(),
        }),
    }
}

/// Returns the valid name nearest to `input` (its name part, before any
/// `=`), if it is a near miss.
fn suggest(input: &str) -> Option<&'static str> {
    nearest(
        input.split('=').next().unwrap_or_default(),
        Fault::plain_names(),
    )
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::RedirectTo(url) => write!(f, "{REDIRECT_NAME}={url}"),
            other => f.write_str(other.name()),
        }
    }
}

impl std::str::FromStr for Fault {
    type Err = UnknownFault;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Fault::parse(s)
    }
}

/// The faults a sandbox runs with, as queried by its handlers.
#[derive(Debug, Clone, Default)]
pub(crate) struct ActiveFaults {
    faults: Vec<Fault>,
}

impl ActiveFaults {
    /// Wraps the configured `faults`.
    pub(crate) fn new(faults: Vec<Fault>) -> Self {
        Self { faults }
    }

    /// Tells whether `fault` is active.
    pub(crate) fn has(&self, fault: &Fault) -> bool {
        self.faults.contains(fault)
    }

    /// Returns the URL of an active `redirect-to` fault.
    pub(crate) fn redirect_target(&self) -> Option<&str> {
        self.faults.iter().find_map(|fault| match fault {
            Fault::RedirectTo(url) => Some(url.as_str()),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_name_parses_back_to_its_fault() {
        for info in Fault::ALL {
            let input = info.name.replace("URL", "http://127.0.0.1:9");
            let fault = Fault::parse(&input).expect("listed names parse");
            assert_eq!(fault.to_string(), input);
            assert_eq!(fault.description(), info.description);
        }
    }

    #[test]
    fn list_has_every_fault_of_the_brief_once() {
        assert_eq!(Fault::ALL.len(), 55);
        let mut names: Vec<&str> = Fault::ALL.iter().map(|info| info.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Fault::ALL.len());
        assert!(Fault::ALL
            .iter()
            .all(|info| !info.description.contains('\n')));
    }

    #[test]
    fn redirect_to_keeps_its_url() {
        let fault = Fault::parse("redirect-to=http://127.0.0.1:8081/").expect("valid");
        assert_eq!(fault, Fault::RedirectTo("http://127.0.0.1:8081".into()));
        assert_eq!(fault.name(), "redirect-to");
    }

    #[test]
    fn near_miss_suggests_the_valid_name() {
        let cases = [
            ("acept-missing-key", Some("accept-missing-key")),
            ("rate-limit", Some("rate-limited")),
            ("huge", Some("huge-body")),
            ("HANG", Some("hang")),
            ("redirect-too=http://x", Some("redirect-to")),
            ("zzzzzzzzzzzzzzzzzzzzzzzzzzzz", None),
        ];
        for (input, expected) in cases {
            match Fault::parse(input) {
                Err(UnknownFault::Name { suggestion, .. }) => {
                    assert_eq!(suggestion, expected, "{input}")
                }
                other => panic!("{input}: unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn unknown_fault_message_lists_valid_names() {
        let error = Fault::parse("hnag").expect_err("unknown");
        let text = error.to_string();
        assert!(text.starts_with("unknown fault `hnag` (did you mean `hang`?); valid faults: "));
        assert!(text.contains("accept-missing-key, accept-invalid-key"));
        assert!(text.ends_with("redirect-to=URL"));
    }

    #[test]
    fn redirect_to_without_url_is_rejected() {
        for input in [
            "redirect-to",
            "redirect-to=",
            "redirect-to=ftp://x",
            "redirect-to=http://",
        ] {
            assert!(
                matches!(Fault::parse(input), Err(UnknownFault::RedirectUrl { .. })),
                "{input}"
            );
        }
    }
}
