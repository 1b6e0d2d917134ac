//! docs/client.md's generated tables: the scenarios and the built-in
//! client checks, kept current by this test.

use std::fmt::Write as _;
use std::path::PathBuf;

use wapzi_homolog::check::Severity;
use wapzi_homolog::recording::{NameMatch, Place, CREDENTIAL_NAMES, NOT_CREDENTIAL_NAMES};
use wapzi_homolog::sandbox::Scenario;

fn scenarios_table() -> String {
    let mut table =
        String::from("| scenario | what the client meets | with `--upstream` |\n|---|---|---|\n");
    for s in Scenario::ALL {
        let scenario: Scenario = s.name.parse().unwrap();
        let upstream = match scenario.upstream_refusal() {
            None => "presented by the recorder, not forwarded".to_string(),
            Some(reason) => format!("refused: {reason}"),
        };
        let _ = writeln!(
            table,
            "| `{}` | {} | {upstream} |",
            s.name,
            s.description.replace('|', "\\|")
        );
    }
    table
}

fn checks_table() -> String {
    let set = super::builtin();
    let mut table = String::from(
        "| check | practice | severity | exercised by | hint |\n|---|---|---|---|---|\n",
    );
    for c in &set.client_checks {
        let severity = match c.severity {
            Severity::Required => "required",
            Severity::Advisory => "advisory",
        };
        let _ = writeln!(
            table,
            "| `{}`: {} | {} | {severity} | {} | {} |",
            c.id,
            c.title,
            c.item.id(),
            c.exercised_by,
            c.hint.replace('\n', " ")
        );
    }
    table
}

/// The places a call is searched for credentials, as the code lists them.
fn credential_places() -> String {
    Place::ALL
        .iter()
        .map(|place| format!("  - {}\n", place.describe()))
        .collect()
}

/// The names credentials travel under, as the code's table has them.
fn credential_names() -> String {
    let mut table = String::from("  | name | matches | value |\n  |---|---|---|\n");
    for name in CREDENTIAL_NAMES {
        let matches = match name.matched {
            NameMatch::Exact => "the whole name",
            NameMatch::Suffix => "the end of a name",
        };
        let value = if name.is_key { "a key" } else { "generic" };
        let _ = writeln!(table, "  | `{}` | {matches} | {value} |", name.name);
    }
    let none: Vec<String> = NOT_CREDENTIAL_NAMES
        .iter()
        .map(|n| format!("`{n}`"))
        .collect();
    let _ = writeln!(table, "\n  No name ending in {} is one.", none.join(" or "));
    table
}

/// Replaces what lies between `<!-- NAME:begin ... -->` and `<!-- NAME:end -->`.
fn fill(doc: &str, name: &str, content: &str) -> String {
    let begin = doc
        .find(&format!("<!-- {name}:begin"))
        .unwrap_or_else(|| panic!("docs/client.md has no {name}:begin marker"));
    let after_begin = begin + doc[begin..].find("-->").unwrap() + 3;
    let end = doc
        .find(&format!("<!-- {name}:end -->"))
        .unwrap_or_else(|| panic!("docs/client.md has no {name}:end marker"));
    format!("{}\n{content}{}", &doc[..after_begin], &doc[end..])
}

#[test]
fn docs_client_is_current() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/client.md");
    let actual = std::fs::read_to_string(&path).unwrap();
    let expected = fill(&actual, "scenarios", &scenarios_table());
    let expected = fill(&expected, "client-checks", &checks_table());
    let expected = fill(&expected, "credential-places", &credential_places());
    let expected = fill(&expected, "credential-names", &credential_names());
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &expected).unwrap();
        return;
    }
    assert!(
        actual == expected,
        "docs/client.md is stale: run `UPDATE_DOCS=1 cargo test --test integration docs_client`"
    );
}
