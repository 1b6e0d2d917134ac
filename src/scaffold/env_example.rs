//! `.env.example`: every variable `run` reads and every fixture the checks
//! can use, secrets marked as such, with no value filled in.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Deserialize;

use crate::check::{Fixture, BUILTIN_FIXTURES};

/// What `.env.example` needs of a check document; the loader has already
/// validated the shipped checks, so the rest of the document is skipped.
#[derive(Deserialize)]
struct Needs {
    id: String,
    #[serde(default)]
    needs: Vec<String>,
    #[serde(default)]
    fixtures: BTreeMap<String, Declared>,
}

#[derive(Deserialize)]
struct Declared {
    description: String,
    #[serde(default)]
    secret: bool,
}

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

/// The `.env.example` for the checks in `files` (path, contents): the
/// built-in fixtures and those the files declare, each with the checks
/// that use it.
pub fn env_example(files: &[(&str, &str)]) -> String {
    let mut fixtures: BTreeMap<String, (Fixture, Vec<String>)> = BUILTIN_FIXTURES
        .iter()
        .map(|(name, secret, description)| {
            let fixture = Fixture {
                name: (*name).to_string(),
                description: (*description).to_string(),
                secret: *secret,
            };
            ((*name).to_string(), (fixture, Vec::new()))
        })
        .collect();
    for (_, text) in files {
        for document in serde_yaml::Deserializer::from_str(text) {
            let Ok(check) = Needs::deserialize(document) else {
                continue;
            };
            for (name, declared) in check.fixtures {
                fixtures.entry(name.clone()).or_insert_with(|| {
                    let fixture = Fixture {
                        name,
                        description: declared.description,
                        secret: declared.secret,
                    };
                    (fixture, Vec::new())
                });
            }
            for name in check.needs {
                if let Some((_, users)) = fixtures.get_mut(&name) {
                    users.push(check.id.clone());
                }
            }
        }
    }
    let mut text = String::from(HEADER);
    for (fixture, users) in fixtures.values() {
        let _ = write!(text, "\n# ");
        if fixture.secret {
            text.push_str("SECRET. ");
        }
        let _ = writeln!(text, "{}: {}.", fixture.name, fixture.description);
        if !users.is_empty() {
            let _ = writeln!(text, "# Used by: {}.", users.join(", "));
        }
        let _ = writeln!(text, "# {}=", fixture.env_var());
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHECK: &str = "\
id: acme::orders
needs: [order_question, previous_api_key]
fixtures:
  order_question:
    description: a question the agent answers
---
id: acme::keys
needs: [vault_key]
fixtures:
  vault_key:
    description: a key from the vault
    secret: true
";

    #[test]
    fn lists_every_fixture_with_its_variable_and_users() {
        let text = env_example(&[("acme/orders.yaml", CHECK)]);
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
    fn holds_no_value() {
        let text = env_example(&[("acme/orders.yaml", CHECK)]);
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            assert!(line.ends_with('='), "{line}");
        }
    }
}
