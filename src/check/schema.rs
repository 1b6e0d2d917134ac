//! The JSON Schema of the check format, generated from the loader's own raw
//! types, so editors validate check files exactly as `validate` reads them.
//!
//! `MatcherSpec` and `HumanDuration` deserialize by hand, so their schemas
//! are written here, next to the generator, saying what they accept.

use std::borrow::Cow;

use schemars::generate::SchemaSettings;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde_json::Value;

use super::raw::{HumanDuration, MatcherSet, MatcherSpec, RawCheck};
use super::raw_client::RawClientCheck;

/// The check format's schema (JSON Schema draft-07, which every
/// YAML-language-server editor understands): an API check (`steps:`) or
/// a client check (`rules:`), told apart by shape as the loader does.
pub fn check_schema() -> Value {
    let mut generator = SchemaSettings::draft07().into_generator();
    let api = generator.subschema_for::<RawCheck>();
    let client = generator.subschema_for::<RawClientCheck>();
    let mut root = json_schema!({
        "title": "wapzi-homolog check",
        "description": "A wapzi-homolog check file: an API check (`steps:`, run by `run`) or a client check (`rules:`, graded by `client`). Reference: docs/check-format.md.",
        "oneOf": [api, client]
    });
    root.insert(
        "$schema".into(),
        "http://json-schema.org/draft-07/schema#".into(),
    );
    let definitions: serde_json::Map<String, Value> =
        generator.take_definitions(true).into_iter().collect();
    root.insert("definitions".into(), Value::Object(definitions));
    root.to_value()
}

/// [`check_schema`] as pretty JSON with a final newline: the text of
/// `docs/check.schema.json` and of `wapzi-homolog schema`.
pub fn check_schema_json() -> String {
    let mut text = serde_json::to_string_pretty(&check_schema())
        .expect("a serde_json::Value always serializes");
    text.push('\n');
    text
}

impl JsonSchema for MatcherSpec {
    fn schema_name() -> Cow<'static, str> {
        "Matcher".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let set = generator.subschema_for::<MatcherSet>();
        json_schema!({
            "description": "A value to equal, a list of accepted values (one of), or a map of matchers that must all hold.",
            "anyOf": [
                {
                    "description": "Equals this value (strings are templates). Bare `absent`, `present`, `non_empty` and `non-empty` are refused: write `{absent: true}`, or `{equals: absent}` for the word.",
                    "type": ["string", "number", "boolean", "null"],
                    "not": {"enum": ["absent", "present", "non_empty", "non-empty"]}
                },
                {
                    "description": "Equals one of these values.",
                    "type": "array"
                },
                set
            ]
        })
    }
}

impl JsonSchema for HumanDuration {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A duration: a number and a unit, e.g. `500ms`, `30s`, `2m`, `1m 30s`.",
            "type": "string",
            "pattern": r"^\s*[0-9]+\s*[a-zA-Zµ]+(\s*[0-9]+\s*[a-zA-Zµ]+)*\s*$",
            "examples": ["500ms", "30s", "2m"]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn definition<'a>(schema: &'a Value, name: &str) -> &'a Value {
        &schema["definitions"][name]
    }

    #[test]
    fn refuses_unknown_fields_everywhere_the_loader_does() {
        let schema = check_schema();
        for name in [
            "RawCheck",
            "RawClientCheck",
            "RawRule",
            "RawSelect",
            "RawCallExpect",
            "RawRuleParams",
            "RawStep",
            "RawRequest",
            "RawExpect",
            "RawPoll",
            "RawInterval",
            "RawFixture",
            "MatcherSet",
        ] {
            assert_eq!(
                definition(&schema, name)["additionalProperties"],
                Value::Bool(false),
                "{name}"
            );
        }
    }

    #[test]
    fn required_fields_match_the_format() {
        let schema = check_schema();
        let required = |name: &str| -> Vec<String> {
            definition(&schema, name)["required"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        };
        assert_eq!(
            required("RawCheck"),
            ["id", "title", "checklist", "hint", "steps"]
        );
        assert_eq!(
            required("RawClientCheck"),
            ["id", "title", "checklist", "hint", "exercised_by", "rules"]
        );
    }

    #[test]
    fn the_id_pattern_agrees_with_the_documented_id_rules() {
        let schema = check_schema();
        let pattern = definition(&schema, "RawCheck")["properties"]["id"]["pattern"]
            .as_str()
            .unwrap();
        let re = regex::Regex::new(pattern).unwrap();
        for valid in [
            "key::missing",
            "acme::order-status-answered",
            "x1::y-2::z_3",
            "one",
        ] {
            assert!(re.is_match(valid), "{valid}");
        }
        for invalid in ["Key::Missing", "key::", "a--b", "a:b", "a b", ""] {
            assert!(!re.is_match(invalid), "{invalid}");
        }
    }

    #[test]
    fn the_duration_pattern_accepts_what_humantime_parses() {
        let re = regex::Regex::new(
            HumanDuration::json_schema(&mut SchemaGenerator::default())
                .get("pattern")
                .and_then(Value::as_str)
                .unwrap(),
        )
        .unwrap();
        for text in ["500ms", "30s", "2m", "1m 30s", "90 s"] {
            assert!(humantime::parse_duration(text).is_ok(), "{text}");
            assert!(re.is_match(text), "{text}");
        }
        for text in ["30", "", "s", "fast"] {
            assert!(humantime::parse_duration(text).is_err(), "{text}");
            assert!(!re.is_match(text), "{text}");
        }
    }
}
