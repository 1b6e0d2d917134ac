//! The sandbox's fixed test data: API keys and entry point ids that are
//! public, sandbox-only values, and the text that tells a person how to use
//! them.

use std::fmt::Write as _;

/// The keys, entry point ids and fail marker every sandbox knows.
///
/// Keys have the documented shape, `ak_` and 32 alphanumerics; they are
/// sandbox-only test keys and safe to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fixtures {
    /// The current key of the primary (active) account.
    pub api_key: &'static str,
    /// The primary account's previous key, invalidated by a rotation.
    pub previous_api_key: &'static str,
    /// The key of an account that is inactive.
    pub inactive_api_key: &'static str,
    /// The key of a second active account.
    pub other_api_key: &'static str,
    /// The primary account's entry point, with an available agent.
    pub entry_point_id: &'static str,
    /// The other account's entry point.
    pub other_entry_point_id: &'static str,
    /// A primary account entry point with no attendants configured.
    pub no_attendants_entry_point_id: &'static str,
    /// A primary account entry point whose agent attendant is unavailable.
    pub unavailable_entry_point_id: &'static str,
    /// A primary account entry point that is not active.
    pub inactive_entry_point_id: &'static str,
    /// Text that, anywhere in a message, makes its execution end `failed`.
    pub fail_marker: &'static str,
}

/// The fixtures of every sandbox.
pub const FIXTURES: Fixtures = Fixtures {
    api_key: "ak_sandbox0primary0current000000001",
    previous_api_key: "ak_sandbox0primary0rotated000000002",
    inactive_api_key: "ak_sandbox0inactive0000000000000003",
    other_api_key: "ak_sandbox0other0000000000000000004",
    entry_point_id: "entry_point_123",
    other_entry_point_id: "entry_point_other",
    no_attendants_entry_point_id: "entry_point_no_attendants",
    unavailable_entry_point_id: "entry_point_unavailable",
    inactive_entry_point_id: "entry_point_inactive",
    fail_marker: "[sandbox:fail]",
};

impl Fixtures {
    /// Describes the fixtures for a person, with the sandbox at `base_url`.
    ///
    /// ```text
    /// Wapzi sandbox at http://127.0.0.1:8080
    ///
    /// API keys (sandbox-only test keys, safe to share):
    ///   ak_sandbox0primary0current000000001  primary account, current key
    ///   ...
    /// ```
    pub fn describe(&self, base_url: &str) -> String {
        let mut text = String::new();
        let line = |text: &mut String, value: &str, what: &str| {
            // Writing to a String cannot fail.
            let _ = writeln!(text, "  {value:<36} {what}");
        };
        let _ = writeln!(text, "Wapzi sandbox at {base_url}\n");
        text.push_str("API keys (sandbox-only test keys, safe to share):\n");
        line(&mut text, self.api_key, "primary account, current key");
        line(
            &mut text,
            self.previous_api_key,
            "primary account, previous key (rotated: 401 Invalid API key)",
        );
        line(
            &mut text,
            self.inactive_api_key,
            "inactive account (403 Account is inactive)",
        );
        line(&mut text, self.other_api_key, "other account, active");
        text.push_str("\nEntry points:\n");
        line(
            &mut text,
            self.entry_point_id,
            "primary account, agent available: executions complete",
        );
        line(
            &mut text,
            self.no_attendants_entry_point_id,
            "primary account, 400 Entry point has no attendants configured",
        );
        line(
            &mut text,
            self.unavailable_entry_point_id,
            "primary account, 400 Entry point has no available agent attendant",
        );
        line(
            &mut text,
            self.inactive_entry_point_id,
            "primary account, inactive (400 Invalid entryPointId)",
        );
        line(
            &mut text,
            self.other_entry_point_id,
            "other account (400 Invalid entryPointId with the primary key)",
        );
        let _ = writeln!(
            text,
            "\nAn execution whose message contains {} ends `failed`.",
            self.fail_marker
        );
        let _ = writeln!(
            text,
            "\nRun the harness against it:\n  WAPZI_BASE_URL={base_url} WAPZI_API_KEY={} \
             WAPZI_ENTRY_POINT_ID={} wapzi-homolog run",
            self.api_key, self.entry_point_id
        );
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_have_the_documented_shape() {
        let keys = [
            FIXTURES.api_key,
            FIXTURES.previous_api_key,
            FIXTURES.inactive_api_key,
            FIXTURES.other_api_key,
        ];
        for key in keys {
            let rest = key.strip_prefix("ak_").expect("ak_ prefix");
            assert_eq!(rest.len(), 32, "{key}");
            assert!(rest.chars().all(|c| c.is_ascii_alphanumeric()), "{key}");
            assert!(rest.contains("sandbox"), "{key}");
        }
    }

    #[test]
    fn describe_names_every_fixture_and_the_run_command() {
        let text = FIXTURES.describe("http://127.0.0.1:4010");
        let values = [
            FIXTURES.api_key,
            FIXTURES.previous_api_key,
            FIXTURES.inactive_api_key,
            FIXTURES.other_api_key,
            FIXTURES.entry_point_id,
            FIXTURES.other_entry_point_id,
            FIXTURES.no_attendants_entry_point_id,
            FIXTURES.unavailable_entry_point_id,
            FIXTURES.inactive_entry_point_id,
            FIXTURES.fail_marker,
        ];
        for value in values {
            assert!(text.contains(value), "{value} missing from:\n{text}");
        }
        assert!(text.contains(
            "WAPZI_BASE_URL=http://127.0.0.1:4010 WAPZI_API_KEY=ak_sandbox0primary0current000000001 \
             WAPZI_ENTRY_POINT_ID=entry_point_123 wapzi-homolog run"
        ));
    }
}
