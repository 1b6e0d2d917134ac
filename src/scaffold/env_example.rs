//! `.env.example`: every variable `run` reads and every fixture the checks
//! can use, secrets marked as such, with no value filled in.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::check::{Check, CheckSet};

const HEADER: &str = "\
# wapzi-homolog settings and fixtures, for `wapzi-homolog run --env-file .env`.
#
# Copy this file to .env and fill it in. Keep .env out of version control: it
# holds secrets. A variable already set in the environment wins over the file.
# In CI, set the same names as the pipeline's secrets and variables instead.
# SECRET marks a key: the harness never prints it and redacts it from every
# report. Never put a real value in this example file.

# The Wapzi API to check (default: https://api.wapzi.com.br).
# WAPZI_BASE_URL=https://api.wapzi.com.br

# SECRET. The API key under test, copied from /dashboard/settings (required).
WAPZI_API_KEY=

# The entry point under test (required).
WAPZI_ENTRY_POINT_ID=

# Fixtures: things about your setup only you can supply. A check that needs
# one that is not set is reported as ignored, naming the variable. Uncomment
# those you can supply (an empty secret is an error).
";

/// The `.env.example` for the checks of `set`: every fixture of its
/// catalog (the built-in ones and those its files declare), each with the
/// checks that use it in file order.
pub fn env_example(set: &CheckSet) -> String {
    let users = users_by_fixture(&set.checks);
    let mut text = String::from(HEADER);
    for fixture in set.catalog.iter() {
        let _ = write!(text, "\n# ");
        if fixture.secret {
            text.push_str("SECRET. ");
        }
        let _ = writeln!(text, "{}: {}.", fixture.name, fixture.description);
        if let Some(users) = users.get(fixture.name.as_str()) {
            let _ = writeln!(text, "# Used by: {}.", users.join(", "));
        }
        let _ = writeln!(text, "# {}=", fixture.env_var());
    }
    text
}

/// The ids of the checks that need each fixture, by fixture name, in the
/// order of the checks' files and lines.
fn users_by_fixture(checks: &[Check]) -> BTreeMap<&str, Vec<&str>> {
    let mut in_file_order: Vec<&Check> = checks.iter().collect();
    in_file_order.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    let mut users: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for check in in_file_order {
        for name in &check.needs {
            users.entry(name).or_default().push(&check.id);
        }
    }
    users
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::load_paths;

    /// A check needing `needs` and declaring `fixtures` (YAML lines).
    fn check(id: &str, needs: &str, fixtures: &str) -> String {
        format!(
            "id: {id}\ntitle: t\nchecklist: valid-key\nhint: h\nneeds: [{needs}]\n\
             fixtures:\n{fixtures}steps:\n  - request: {{method: GET, path: /v1/x}}\n    \
             expect: {{status: 200}}\n"
        )
    }

    /// The `.env.example` of two checks in one file of a folder of its own.
    fn example() -> String {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let orders = check(
            "acme::orders",
            "order_question, previous_api_key",
            "  order_question:\n    description: a question the agent answers\n",
        );
        let keys = check(
            "acme::keys",
            "vault_key",
            "  vault_key:\n    description: a key from the vault\n    secret: true\n",
        );
        let file = dir.path().join("orders.yaml");
        std::fs::write(&file, format!("{orders}---\n{keys}")).expect("a file can be written");
        env_example(&load_paths(&[file]).expect("the checks load"))
    }

    #[test]
    fn lists_every_fixture_with_its_variable_and_users() {
        let text = example();
        assert!(text.contains(
            "\n# order_question: a question the agent answers.\n# Used by: acme::orders.\n# WAPZI_ORDER_QUESTION=\n"
        ), "{text}");
        assert!(text.contains("\n# SECRET. vault_key: a key from the vault.\n# Used by: acme::keys.\n# WAPZI_VAULT_KEY=\n"), "{text}");
        assert!(text.contains("# SECRET. previous_api_key: "), "{text}");
        assert!(
            text.contains("\n# WAPZI_UNAVAILABLE_ENTRY_POINT_ID=\n"),
            "{text}"
        );
        assert!(text.contains("\nWAPZI_API_KEY=\n") && text.contains("\nWAPZI_ENTRY_POINT_ID=\n"));
    }

    #[test]
    fn names_users_in_file_order() {
        let set = crate::check::load_sources(&[crate::check::CheckSource::Builtin])
            .expect("the built-in checks load");
        let text = env_example(&set);
        assert!(
            text.contains("# Used by: key::rotated-refused-on-a-finished-execution, key::rotated."),
            "{text}"
        );
    }

    #[test]
    fn holds_no_value() {
        let text = example();
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            assert!(line.ends_with('='), "{line}");
        }
    }
}
