//! Dialects the sandbox can speak: each one is a *faithful* reading of a
//! point the vendor page leaves open, one a real backend may have. Unlike
//! faults they deviate from nothing the page says, so a check that fails
//! under a dialect is stricter than the page; they combine freely (every
//! dialect at once is a coherent API).
//!
//! Where two dialects read the same point, the stricter one wins:
//! `invalid-conversation-id` refuses the foreign and unknown
//! conversationIds that `echo-conversation-id` would accept.

use std::fmt;

use super::names::{did_you_mean, named_values, nearest, NameInfo};

/// The one-line summary of a dialect, as `sandbox --list-dialects` prints it.
pub type DialectInfo = NameInfo;

named_values! {
    /// A faithful reading of a point the vendor page leaves open.
    Dialect {
        ErrorExtraFields => "error-extra-fields":
            "error bodies carry statusCode and error (the reason phrase) beside the documented message, NestJS-style: {\"statusCode\":401,\"message\":\"Missing API key\",\"error\":\"Unauthorized\"}",
        NullResponse => "null-response":
            "executions without a response (queued, processing, failed, superseded) carry \"response\": null instead of omitting the key",
        ProcessingStatus => "processing-status":
            "an execution in progress reads queued on its first read, then processing until its terminal status (execute still answers queued)",
        TrimsUnicodeWhitespace => "trims-unicode-whitespace":
            "x-api-key is read as Latin-1 and trimmed of Unicode whitespace as JavaScript's .trim() does (byte 0xA0, NO-BREAK SPACE, included) before it is compared",
        EchoConversationId => "echo-conversation-id":
            "a conversationId of another account starts a conversation of the sender's own under that same id (the other account's executions are untouched)",
        InvalidConversationId => "invalid-conversation-id":
            "a conversationId of another account, or one that exists nowhere, is answered 400 \"Invalid conversationId\" (wins over echo-conversation-id)",
        Json404 => "json-404":
            "unknown routes and wrong methods answer a framework-style JSON 404: {\"statusCode\":404,\"message\":\"Cannot GET /v1/nope\",\"error\":\"Not Found\"}",
        ValidateBeforeAuth => "validate-before-auth":
            "an execute's body is validated before its key: a malformed body (not JSON, no message, message not a string, blank message) gets 400 even without a valid key",
    }
}

/// Why a `--dialect` value was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown dialect `{input}`{}; valid dialects: {}", did_you_mean(*.suggestion), valid_names())]
pub struct UnknownDialect {
    /// The value as given.
    pub input: String,
    /// The nearest valid name, if one is close enough.
    pub suggestion: Option<&'static str>,
}

fn valid_names() -> String {
    Dialect::names().join(", ")
}

impl Dialect {
    /// Parses a `--dialect` value: a name of [`Dialect::ALL`].
    ///
    /// # Errors
    ///
    /// [`UnknownDialect`] for any other value, with the nearest valid name
    /// when it is a near miss.
    pub fn parse(s: &str) -> Result<Dialect, UnknownDialect> {
        let input = s.trim();
        Dialect::from_name(input).ok_or_else(|| UnknownDialect {
            input: input.to_string(),
            suggestion: nearest(input, Dialect::names()),
        })
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Dialect {
    type Err = UnknownDialect;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Dialect::parse(s)
    }
}

/// The dialects a sandbox speaks, as queried by its handlers.
#[derive(Debug, Clone, Default)]
pub(crate) struct ActiveDialects {
    dialects: Vec<Dialect>,
}

impl ActiveDialects {
    /// Wraps the configured `dialects`.
    pub(crate) fn new(dialects: Vec<Dialect>) -> Self {
        Self { dialects }
    }

    /// Tells whether `dialect` is spoken.
    pub(crate) fn has(&self, dialect: Dialect) -> bool {
        self.dialects.contains(&dialect)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_name_parses_back_to_its_dialect() {
        assert_eq!(Dialect::ALL.len(), 8);
        for info in Dialect::ALL {
            let dialect: Dialect = info.name.parse().expect("listed names parse");
            assert_eq!(dialect.to_string(), info.name);
            assert_eq!(dialect.description(), info.description);
            assert!(!info.description.contains('\n'));
        }
        let mut names = Dialect::names().to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Dialect::ALL.len());
    }

    #[test]
    fn unknown_dialect_suggests_and_lists_valid_names() {
        let cases = [
            ("json404", Some("json-404")),
            ("null-responses", Some("null-response")),
            ("trims", Some("trims-unicode-whitespace")),
            ("zzzzzzzzzzzzzzzzzzzz", None),
        ];
        for (input, expected) in cases {
            let error = Dialect::parse(input).expect_err("unknown");
            assert_eq!(error.suggestion, expected, "{input}");
        }
        let text = Dialect::parse("json404").expect_err("unknown").to_string();
        assert!(
            text.starts_with(
                "unknown dialect `json404` (did you mean `json-404`?); valid dialects: error-extra-fields, null-response"
            ),
            "{text}"
        );
        assert!(text.ends_with("validate-before-auth"), "{text}");
    }
}
