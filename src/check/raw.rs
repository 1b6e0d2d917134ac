//! The check file as written: serde types that reject unknown fields.
//!
//! Nothing here is cross-checked yet; `validate` turns these into the model.

use indexmap::IndexMap;
use std::fmt;
use std::time::Duration;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use super::checklist::ChecklistItem;
use super::model::{JsonType, Method, Severity};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCheck {
    pub id: String,
    pub title: String,
    pub checklist: ChecklistItem,
    #[serde(default)]
    pub severity: Severity,
    pub hint: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub needs: Vec<String>,
    #[serde(default)]
    pub requires: Vec<String>,
    #[serde(default)]
    pub fixtures: IndexMap<String, RawFixture>,
    pub steps: Vec<RawStep>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFixture {
    pub description: String,
    #[serde(default)]
    pub secret: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    #[serde(default)]
    pub name: Option<String>,
    pub request: RawRequest,
    #[serde(default)]
    pub expect: RawExpect,
    #[serde(default)]
    pub capture: IndexMap<String, String>,
    #[serde(default)]
    pub poll: Option<RawPoll>,
    #[serde(default)]
    pub inconclusive_when: IndexMap<String, MatcherSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRequest {
    pub method: Method,
    pub path: String,
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub headers: IndexMap<String, String>,
    #[serde(default)]
    pub body: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExpect {
    #[serde(default)]
    pub status: Option<MatcherSpec>,
    #[serde(default)]
    pub headers: IndexMap<String, MatcherSpec>,
    #[serde(default)]
    pub body: IndexMap<String, MatcherSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPoll {
    pub until: IndexMap<String, MatcherSpec>,
    #[serde(default)]
    pub give_up_when: IndexMap<String, MatcherSpec>,
    #[serde(default)]
    pub always: IndexMap<String, MatcherSpec>,
    #[serde(default)]
    pub timeout: Option<HumanDuration>,
    #[serde(default)]
    pub interval: Option<RawInterval>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInterval {
    pub min: HumanDuration,
    pub max: HumanDuration,
}

/// A matcher as written: a bare value (equals), a list (one of), or a map
/// of named matchers that must all hold.
#[derive(Debug, Clone)]
pub enum MatcherSpec {
    Equals(Value),
    OneOf(Vec<Value>),
    Set(MatcherSet),
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatcherSet {
    #[serde(default, deserialize_with = "some_value")]
    pub equals: Option<Value>,
    #[serde(default)]
    pub one_of: Option<Vec<Value>>,
    #[serde(default)]
    pub not_one_of: Option<Vec<Value>>,
    #[serde(default, rename = "type")]
    pub type_of: Option<JsonType>,
    #[serde(default)]
    pub non_empty: Option<bool>,
    #[serde(default)]
    pub regex: Option<String>,
    #[serde(default)]
    pub absent: Option<bool>,
    #[serde(default)]
    pub present: Option<bool>,
}

/// Keeps an explicit `null` as `Some(Value::Null)`, so `equals: null` works.
fn some_value<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

impl<'de> Deserialize<'de> for MatcherSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(MatcherSpecVisitor)
    }
}

struct MatcherSpecVisitor;

impl<'de> Visitor<'de> for MatcherSpecVisitor {
    type Value = MatcherSpec;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a value to equal, a list of accepted values, or a map of matchers (equals, one_of, not_one_of, type, non_empty, regex, absent, present)")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<MatcherSpec, E> {
        Ok(MatcherSpec::Equals(Value::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<MatcherSpec, E> {
        Ok(MatcherSpec::Equals(Value::from(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<MatcherSpec, E> {
        Ok(MatcherSpec::Equals(Value::from(v)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<MatcherSpec, E> {
        Ok(MatcherSpec::Equals(Value::from(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<MatcherSpec, E> {
        Ok(MatcherSpec::Equals(Value::String(v.to_string())))
    }
    fn visit_unit<E: de::Error>(self) -> Result<MatcherSpec, E> {
        Ok(MatcherSpec::Equals(Value::Null))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<MatcherSpec, A::Error> {
        Vec::<Value>::deserialize(de::value::SeqAccessDeserializer::new(seq))
            .map(MatcherSpec::OneOf)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<MatcherSpec, A::Error> {
        MatcherSet::deserialize(de::value::MapAccessDeserializer::new(map)).map(MatcherSpec::Set)
    }
}

/// A duration written the humantime way (`30s`, `500ms`, `2m`).
#[derive(Debug, Clone, Copy)]
pub struct HumanDuration(pub Duration);

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        humantime::parse_duration(&text)
            .map(HumanDuration)
            .map_err(|e| {
                de::Error::custom(format!(
                    "invalid duration `{text}`: {e} (write e.g. `30s` or `500ms`)"
                ))
            })
    }
}
