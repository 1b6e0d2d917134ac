//! docs/check.schema.json against an independent validator: the schema
//! is a valid draft-07 schema, every shipped check and the documented
//! example are valid, and what the loader refuses the schema refuses.
//! Behind the `schema-tests` feature: `jsonschema` costs a build about 50 s.

use serde::Deserialize;
use serde_json::{json, Value};

use super::{root, shipped_checks, SCHEMA_FILE};

fn schema() -> Value {
    let text = std::fs::read_to_string(root().join(SCHEMA_FILE)).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&schema()).unwrap()
}

/// Each YAML document of `text`, as the JSON a YAML-language-server sees.
fn documents(text: &str) -> Vec<Value> {
    serde_yaml::Deserializer::from_str(text)
        .map(|doc| Value::deserialize(doc).unwrap())
        .collect()
}

/// The schema errors of `instance`, one line each.
fn errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn the_schema_is_a_valid_draft_07_schema() {
    let schema = schema();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    jsonschema::meta::validate(&schema).unwrap();
}

#[test]
fn every_shipped_check_is_valid_against_the_schema() {
    let validator = validator();
    let files = shipped_checks();
    assert!(files.len() >= 20, "{files:?}");
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for document in documents(&text) {
            let found = errors(&validator, &document);
            assert!(found.is_empty(), "{}: {found:#?}", file.display());
        }
    }
}

#[test]
fn the_documented_example_check_is_valid_against_the_schema() {
    let doc = std::fs::read_to_string(root().join("docs/check-format.md")).unwrap();
    let (_, rest) = doc.split_once("## A complete example").unwrap();
    let (_, rest) = rest.split_once("```yaml\n").unwrap();
    let (example, _) = rest.split_once("```").unwrap();
    let validator = validator();
    for document in documents(example) {
        assert_eq!(errors(&validator, &document), Vec::<String>::new());
    }
}

/// A way to break a valid check, named.
type Breakage = (&'static str, Box<dyn Fn(&mut Value)>);

/// A minimal valid check, to break one field at a time.
fn minimal() -> Value {
    json!({
        "id": "acme::probe",
        "title": "t",
        "checklist": "valid-key",
        "hint": "h",
        "steps": [{
            "request": {"method": "GET", "path": "/v1/executions/x"},
            "expect": {"status": 401, "body": {"message": {"type": "string", "non_empty": true}}},
            "poll": {"until": {"status": ["completed", "failed"]}, "timeout": "30s",
                     "interval": {"min": "200ms", "max": "5s"}}
        }]
    })
}

#[test]
fn the_schema_refuses_what_the_loader_refuses() {
    let validator = validator();
    assert_eq!(errors(&validator, &minimal()), Vec::<String>::new());
    let cases: Vec<Breakage> = vec![
        (
            "unknown top-level field",
            Box::new(|c| c["stauts"] = json!(200)),
        ),
        (
            "unknown step field",
            Box::new(|c| c["steps"][0]["expext"] = json!({})),
        ),
        (
            "unknown poll field",
            Box::new(|c| c["steps"][0]["poll"]["give_up_wehn"] = json!({})),
        ),
        (
            "unknown matcher",
            Box::new(|c| c["steps"][0]["expect"]["body"]["message"] = json!({"non_empy": true})),
        ),
        (
            "bare absent",
            Box::new(|c| c["steps"][0]["expect"]["body"]["message"] = json!("absent")),
        ),
        (
            "empty matcher map",
            Box::new(|c| c["steps"][0]["expect"]["body"]["message"] = json!({})),
        ),
        (
            "lower-case method",
            Box::new(|c| c["steps"][0]["request"]["method"] = json!("get")),
        ),
        (
            "unknown checklist item",
            Box::new(|c| c["checklist"] = json!("valid-keys")),
        ),
        (
            "bad severity",
            Box::new(|c| c["severity"] = json!("optional")),
        ),
        ("bad id", Box::new(|c| c["id"] = json!("Acme::Probe"))),
        (
            "duration without unit",
            Box::new(|c| c["steps"][0]["poll"]["timeout"] = json!("30")),
        ),
        ("no steps", Box::new(|c| c["steps"] = json!([]))),
        (
            "missing hint",
            Box::new(|c| {
                c.as_object_mut().unwrap().remove("hint");
            }),
        ),
    ];
    for (case, breaks) in cases {
        let mut check = minimal();
        breaks(&mut check);
        assert!(
            !validator.is_valid(&check),
            "{case} was accepted by the schema"
        );
    }
}
