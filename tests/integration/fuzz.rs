//! Property tests: whatever the check files hold and whatever a target
//! answers, the harness never panics. Errors are fine; a panic is a bug.
//!
//! The loader is fed arbitrary bytes, arbitrary YAML trees built from the
//! format's own field names plus junk, and near-valid checks with one part
//! gone wrong. The assertion engine is driven end to end: a tiny listener
//! on 127.0.0.1 answers arbitrary statuses, headers and bodies (JSON or
//! not) to a check file that uses every matcher, a capture, a template
//! built from the capture, and a poll, and the run writes its reports. Case counts are set explicitly so
//! the module stays within about 20 s.

use std::path::{Path, PathBuf};
use std::sync::mpsc::RecvTimeoutError;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Number, Value};
use wapzi_homolog::check::load_paths;

use crate::hostile::{read_head, Listener};
use crate::support::{bin, run, temp_dir};

/// Field names of the check format, at every level.
const FIELDS: &[&str] = &[
    "id",
    "title",
    "checklist",
    "severity",
    "hint",
    "description",
    "needs",
    "requires",
    "fixtures",
    "secret",
    "steps",
    "name",
    "request",
    "expect",
    "capture",
    "poll",
    "inconclusive_when",
    "method",
    "path",
    "key",
    "headers",
    "body",
    "status",
    "until",
    "give_up_when",
    "always",
    "timeout",
    "interval",
    "min",
    "max",
    "equals",
    "one_of",
    "not_one_of",
    "type",
    "non_empty",
    "regex",
    "absent",
    "present",
    "$",
    "executionId",
];

/// Scalars that mean something somewhere in the format, and some that don't.
const WORDS: &[&str] = &[
    "key::missing",
    "a::b",
    "GET",
    "POST",
    "get",
    "valid-key",
    "execute-202",
    "required",
    "advisory",
    "account",
    "none",
    "invalid",
    "previous_api_key",
    "/v1/executions/{{ execution_id }}",
    "{{ entry_point_id }}",
    "{{ run_id }}",
    "{{",
    "}}",
    "{{ }}",
    "30s",
    "0s",
    "-1s",
    "18446744073709551615s",
    "^exec_",
    "(",
    "[a-",
    "string",
    "object",
    "integer",
    "absent",
    "present",
    "~",
    "",
    " ",
    "\t",
    "é\u{0}\u{200b}🦀",
];

fn scalar() -> impl Strategy<Value = serde_yaml::Value> {
    prop_oneof![
        Just(serde_yaml::Value::Null),
        any::<bool>().prop_map(serde_yaml::Value::Bool),
        any::<i64>().prop_map(|n| serde_yaml::Value::Number(n.into())),
        any::<f64>().prop_map(|n| serde_yaml::Value::Number(n.into())),
        prop::sample::select(WORDS).prop_map(|w| serde_yaml::Value::String(w.into())),
        ".{0,12}".prop_map(serde_yaml::Value::String),
    ]
}

fn key() -> impl Strategy<Value = serde_yaml::Value> {
    prop_oneof![
        4 => prop::sample::select(FIELDS).prop_map(|f| serde_yaml::Value::String(f.into())),
        1 => scalar(),
    ]
}

/// Nested maps, lists and scalars whose keys are mostly the format's own.
fn yaml_tree() -> impl Strategy<Value = serde_yaml::Value> {
    scalar().prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(serde_yaml::Value::Sequence),
            vec((key(), inner), 0..8)
                .prop_map(|pairs| serde_yaml::Value::Mapping(pairs.into_iter().collect())),
        ]
    })
}

/// A valid check in which some fields are replaced by junk or dropped.
fn near_valid_check() -> impl Strategy<Value = String> {
    let valid: serde_yaml::Value = serde_yaml::from_str(VALID_CHECK).unwrap();
    let paths = leaf_paths(&valid, &mut Vec::new());
    let edits = vec(
        (
            prop::sample::select(paths),
            prop_oneof![Just(None), yaml_tree().prop_map(Some)],
        ),
        1..4,
    );
    edits.prop_map(move |edits| {
        let mut doc = valid.clone();
        for (path, replacement) in edits {
            replace(&mut doc, &path, replacement);
        }
        serde_yaml::to_string(&doc).unwrap_or_default()
    })
}

const VALID_CHECK: &str = r#"
id: fuzz::near-valid
title: A check that almost holds
checklist: execute-202
severity: required
hint: Fix it.
needs: [no_attendants_entry_point_id]
steps:
  - name: execute
    request:
      method: POST
      path: /v1/entry-points/{{ entry_point_id }}/execute
      key: account
      headers: {x-note: "{{ run_id }}"}
      body: {message: "hi {{ no_attendants_entry_point_id }}"}
    expect:
      status: [202, 200]
      headers: {content-type: {regex: '^application/json'}}
      body:
        $: {type: object}
        executionId: {type: string, non_empty: true}
        status: {not_one_of: [failed], present: true}
    capture: {execution_id: executionId}
  - request: {method: GET, path: "/v1/executions/{{ execution_id }}"}
    poll:
      until: {status: [completed]}
      give_up_when: {status: failed}
      always: {executionId: {equals: "{{ execution_id }}"}}
      timeout: 2s
      interval: {min: 10ms, max: 1s}
    inconclusive_when: {response: {absent: true}}
"#;

/// Every path (map keys and list indexes) to a node of `value`.
fn leaf_paths(
    value: &serde_yaml::Value,
    at: &mut Vec<serde_yaml::Value>,
) -> Vec<Vec<serde_yaml::Value>> {
    let mut out = vec![at.clone()];
    let children: Vec<(serde_yaml::Value, &serde_yaml::Value)> = match value {
        serde_yaml::Value::Mapping(map) => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
        serde_yaml::Value::Sequence(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (serde_yaml::Value::Number(i.into()), v))
            .collect(),
        _ => Vec::new(),
    };
    for (key, child) in children {
        at.push(key);
        out.extend(leaf_paths(child, at));
        at.pop();
    }
    out
}

/// Replaces (or, with `None`, removes) the node at `path`.
fn replace(
    doc: &mut serde_yaml::Value,
    path: &[serde_yaml::Value],
    with: Option<serde_yaml::Value>,
) {
    let Some((last, parents)) = path.split_last() else {
        *doc = with.unwrap_or(serde_yaml::Value::Null);
        return;
    };
    let mut node = doc;
    for key in parents {
        node = match (node, key) {
            (serde_yaml::Value::Mapping(map), key) => match map.get_mut(key) {
                Some(child) => child,
                None => return,
            },
            (serde_yaml::Value::Sequence(items), serde_yaml::Value::Number(i)) => {
                match i.as_u64().and_then(|i| items.get_mut(i as usize)) {
                    Some(child) => child,
                    None => return,
                }
            }
            _ => return,
        };
    }
    match (node, with) {
        (serde_yaml::Value::Mapping(map), Some(value)) => {
            map.insert(last.clone(), value);
        }
        (serde_yaml::Value::Mapping(map), None) => {
            map.remove(last);
        }
        (serde_yaml::Value::Sequence(items), with) => {
            if let Some(i) = last
                .as_u64()
                .map(|i| i as usize)
                .filter(|i| *i < items.len())
            {
                match with {
                    Some(value) => items[i] = value,
                    None => {
                        items.remove(i);
                    }
                }
            }
        }
        _ => {}
    }
}

/// How long one load may take before it counts as a hang.
const LOAD_LIMIT: Duration = Duration::from_secs(10);

/// Loads `text` as a check file; any error must render without panicking,
/// and the load must end (a hang fails the test, naming the input).
fn load_text(dir: &Path, text: &[u8]) {
    let file = dir.join("fuzz.yaml");
    std::fs::write(&file, text).unwrap();
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        if let Err(errors) = load_paths(&[file]) {
            assert!(!errors.to_string().is_empty());
        }
        let _ = done.send(());
    });
    match finished.recv_timeout(LOAD_LIMIT) {
        Ok(()) => {}
        Err(RecvTimeoutError::Timeout) => {
            panic!("the loader did not finish within {LOAD_LIMIT:?} on {text:?}")
        }
        Err(RecvTimeoutError::Disconnected) => panic!("the loader panicked on {text:?}"),
    }
}

fn check_loader<S: Strategy>(cases: u32, strategy: S, bytes: fn(S::Value) -> Vec<u8>)
where
    S::Value: std::fmt::Debug,
{
    let dir = temp_dir();
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&strategy, |input| {
            load_text(dir.path(), &bytes(input));
            Ok(())
        })
        .unwrap();
}

#[test]
fn the_loader_never_panics_on_arbitrary_bytes() {
    check_loader(1024, vec(any::<u8>(), 0..2048), |b| b);
}

#[test]
fn the_loader_never_panics_on_arbitrary_yaml_trees() {
    let documents = vec(yaml_tree(), 1..3);
    check_loader(1024, documents, |docs| {
        docs.iter()
            .map(|d| serde_yaml::to_string(d).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("---\n")
            .into_bytes()
    });
}

#[test]
fn the_loader_never_panics_on_near_valid_checks() {
    check_loader(1024, near_valid_check(), String::into_bytes);
}

/// Near-valid checks made hostile the ways issue 12 found: a byte order
/// mark, bytes that are not UTF-8, nesting far past the limit, many
/// documents in one file.
#[test]
fn the_loader_never_panics_on_hostile_files() {
    let hostile = (near_valid_check(), 0usize..4, 0usize..300).prop_map(|(check, how, n)| {
        let mut bytes = check.into_bytes();
        match how {
            0 => bytes.splice(0..0, "\u{feff}".bytes()).for_each(drop),
            1 => bytes.splice(0..0, [0xffu8, 0xfe, b'a']).for_each(drop),
            2 => {
                let deep = format!("x: {}1{}\n", "[".repeat(n * 4), "]".repeat(n * 4));
                bytes.extend_from_slice(deep.as_bytes());
            }
            _ => {
                let copy = bytes.clone();
                for _ in 0..n.min(50) {
                    bytes.extend_from_slice(b"\n---\n");
                    bytes.extend_from_slice(&copy);
                }
            }
        }
        bytes
    });
    check_loader(256, hostile, |b| b);
}

/// Checks that aim every matcher, a capture, a capture-built request and a
/// poll at whatever the listener answers.
const ENGINE_CHECKS: &str = r#"
id: fuzz::matchers
title: Every matcher against an arbitrary answer
checklist: documented-behaviour
hint: none
steps:
  - request: {method: GET, path: /v1/executions/fuzz}
    expect:
      status: {not_one_of: [500], present: true}
      headers:
        content-type: {regex: '^application/json'}
        retry-after: {absent: true}
        location: [a, b]
      body:
        $: {type: object}
        status: [queued, completed, failed, superseded]
        executionId: {type: string, non_empty: true, regex: '^exec_[a-z0-9]+$'}
        a.b.0.c: {equals: {x: [1, "2", null, 1.5]}}
        items.0: {present: true}
        items.99: {absent: true}
        n: {type: integer}
        f: {type: number}
        s: {one_of: ["", "{{ run_id }}"]}
        e: {non_empty: true}
---
id: fuzz::capture
title: A captured value sent back in a path and a body
checklist: documented-behaviour
hint: none
steps:
  - request: {method: POST, path: /v1/entry-points/x/execute, body: {m: hi}}
    capture: {got: executionId, other: a.b}
  - request:
      method: POST
      path: "/v1/executions/{{ got }}/{{ other }}"
      body: {echo: "{{ got }}", nested: ["{{ other }}"]}
    expect:
      body: {echo: "{{ got }}"}
---
id: fuzz::poll
title: A poll of an arbitrary answer
checklist: documented-behaviour
hint: none
steps:
  - request: {method: GET, path: /v1/executions/poll}
    poll:
      until: {status: completed}
      give_up_when: {status: failed}
      always: {executionId: {type: string}}
      timeout: 100ms
      interval: {min: 20ms, max: 40ms}
    inconclusive_when: {status: superseded}
"#;

/// Names the bodies' keys are drawn from, so that paths hit something.
const BODY_KEYS: &[&str] = &[
    "status",
    "executionId",
    "a",
    "b",
    "c",
    "x",
    "0",
    "items",
    "n",
    "f",
    "s",
    "e",
    "echo",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop::sample::select(
            &[
                "queued",
                "completed",
                "failed",
                "superseded",
                "exec_1",
                "[redacted]",
                ""
            ][..]
        )
        .prop_map(Value::from),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 96, 8, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            btree_map(
                prop::sample::select(BODY_KEYS).prop_map(String::from),
                inner,
                0..8
            )
            .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// What the listener answers: status, extra headers, body bytes.
#[derive(Debug, Clone)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn answer() -> impl Strategy<Value = Answer> {
    let status = prop_oneof![
        4 => prop::sample::select(&[200u16, 202, 204, 301, 307, 400, 401, 404, 429, 503][..]),
        1 => 100u16..1000,
    ];
    let header = prop_oneof![
        (
            "content-type",
            prop_oneof![Just("application/json".to_string()), "[ -~]{0,40}"]
        ),
        (
            "retry-after",
            prop_oneof![
                Just("18446744073709551615".to_string()),
                Just("Wed, 21 Oct 2026 07:28:00 GMT".to_string()),
                "[0-9]{1,3}",
                "[ -~]{0,20}"
            ]
        ),
        ("location", "[ -~]{0,60}"),
        ("x-junk", "[ -~]{0,80}"),
    ]
    .prop_map(|(n, v)| (n.to_string(), v));
    let body = prop_oneof![
        3 => json_value().prop_map(|v| v.to_string().into_bytes()),
        1 => json_value().prop_map(|v| {
            let text = v.to_string().into_bytes();
            text[..text.len() / 2].to_vec()
        }),
        1 => vec(any::<u8>(), 0..512),
        1 => ".{0,200}".prop_map(String::into_bytes),
        // What issue 12 found: a byte order mark, bytes after the JSON,
        // bidirectional controls, an id too long to capture.
        1 => json_value().prop_map(|v| format!("\u{feff}{v}").into_bytes()),
        1 => json_value().prop_map(|v| format!("{v}\n\u{0}junk").into_bytes()),
        1 => ".{0,40}".prop_map(|s| format!("{{\"message\":\"\u{202e}{s}\u{2066}\"}}").into_bytes()),
        1 => Just(format!("{{\"executionId\":\"{}\",\"status\":\"queued\"}}", "e".repeat(3000)).into_bytes()),
    ];
    (status, vec(header, 0..4), body).prop_map(|(status, headers, body)| Answer {
        status,
        headers,
        body,
    })
}

/// Serves `answer` to every request until dropped.
fn serve(answer: Answer) -> Listener {
    Listener::start(move |stream| {
        use std::io::Write;
        let _ = read_head(stream);
        let mut head = format!(
            "HTTP/1.1 {} Fuzz\r\ncontent-length: {}\r\nconnection: close\r\n",
            answer.status,
            answer.body.len()
        );
        for (name, value) in &answer.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(&answer.body);
        None
    })
}

#[test]
fn the_engine_never_panics_on_arbitrary_answers() {
    let dir = temp_dir();
    let checks: PathBuf = dir.path().join("engine.yaml");
    // Every case writes the whole report set: its renderers see the answers too.
    let reports = dir.path().join("reports");
    std::fs::write(&checks, ENGINE_CHECKS).unwrap();
    let problems = Arc::new(Mutex::new(Vec::new()));
    let mut runner = TestRunner::new(Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    });
    let found = problems.clone();
    let result = runner.run(&answer(), move |answer| {
        let listener = serve(answer.clone());
        let ran = run(bin()
            .env("WAPZI_API_KEY", "ak_fuzz00000000000000000000000000000")
            .env("WAPZI_ENTRY_POINT_ID", "entry_point_fuzz")
            .env("WAPZI_BASE_URL", listener.base_url())
            .args(["run", "--timeout", "2s", "--deadline", "20s"])
            .arg("--checks")
            .arg(&checks)
            .arg("--reports")
            .arg(&reports));
        drop(listener);
        // A verdict, whichever: the checks ran (READY, NOT READY,
        // INCOMPLETE), or the preflight stopped the run (UNREACHABLE).
        let finished = ran.stdout.contains("test result:") && matches!(ran.code, 0 | 1 | 6)
            || ran.stdout.starts_with("UNREACHABLE: ") && ran.code == 5;
        if !finished || ran.stderr.contains("panicked") {
            found.lock().unwrap().push(format!(
                "{answer:?}: exit {}\n{}\n{}",
                ran.code, ran.stdout, ran.stderr
            ));
            return Err(TestCaseError::fail("the run did not end cleanly"));
        }
        Ok(())
    });
    assert!(
        result.is_ok(),
        "{result:?}\n{}",
        problems.lock().unwrap().join("\n\n")
    );
}
