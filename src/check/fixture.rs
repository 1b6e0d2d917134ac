//! Fixtures: things about the target that only the integrator can supply
//! (a rotated key, an entry point without attendants...).
//!
//! A fixture named `foo_bar` is read from the environment variable
//! `WAPZI_FOO_BAR`. Secret fixtures (keys) can only be sent as a request's
//! credential, never rendered into a template, so they cannot reach output.

use std::collections::BTreeMap;

/// A fixture a check can list in `needs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixture {
    pub name: String,
    pub description: String,
    pub secret: bool,
}

impl Fixture {
    /// The environment variable that supplies this fixture.
    pub fn env_var(&self) -> String {
        env_var_for(&self.name)
    }

    /// How a user supplies this fixture, for "ignored" messages.
    pub fn how_to_supply(&self) -> String {
        if self.secret {
            format!(
                "set {} (or --secret-file {}=PATH)",
                self.env_var(),
                self.name
            )
        } else {
            format!(
                "set {} or pass --fixture {}=VALUE",
                self.env_var(),
                self.name
            )
        }
    }
}

/// The environment variable for a fixture name.
pub fn env_var_for(name: &str) -> String {
    format!("WAPZI_{}", name.to_ascii_uppercase())
}

/// Built-in fixtures: (name, secret, description).
pub const BUILTIN_FIXTURES: &[(&str, bool, &str)] = &[
    (
        "previous_api_key",
        true,
        "a key that was rotated away (it must now be rejected)",
    ),
    (
        "inactive_api_key",
        true,
        "the key of an inactive account (it must be answered 403)",
    ),
    (
        "other_api_key",
        true,
        "the key of a second, active account (for isolation between accounts)",
    ),
    (
        "other_entry_point_id",
        false,
        "an active entry point of the second account (other_api_key's): this account's key must get 400 \"Invalid entryPointId\" for it",
    ),
    (
        "no_attendants_entry_point_id",
        false,
        "an entry point with no attendants configured",
    ),
    (
        "unavailable_entry_point_id",
        false,
        "an entry point whose agent attendants are all unavailable",
    ),
    (
        "inactive_entry_point_id",
        false,
        "an entry point of this account that is not active (the checklist asks for a \"correct and active\" entryPointId): it must get 400 \"Invalid entryPointId\"",
    ),
];

/// The built-in fixtures that are keys of accounts other than the one under
/// test: what is created with them is not the account's.
pub const OTHER_ACCOUNT_KEYS: &[&str] = &["inactive_api_key", "other_api_key"];

/// Every fixture checks may need: the built-ins plus those declared in
/// check files.
#[derive(Debug, Clone, Default)]
pub struct FixtureCatalog {
    fixtures: BTreeMap<String, Fixture>,
}

impl FixtureCatalog {
    /// A catalog holding the built-in fixtures.
    pub fn builtin() -> Self {
        let mut catalog = FixtureCatalog::default();
        for (name, secret, description) in BUILTIN_FIXTURES {
            catalog.insert(Fixture {
                name: (*name).to_string(),
                description: (*description).to_string(),
                secret: *secret,
            });
        }
        catalog
    }

    pub(crate) fn insert(&mut self, fixture: Fixture) {
        self.fixtures.insert(fixture.name.clone(), fixture);
    }

    pub fn get(&self, name: &str) -> Option<&Fixture> {
        self.fixtures.get(name)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Fixture> {
        self.fixtures.values()
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.fixtures.keys().map(String::as_str)
    }
}
