//! A check's id as a type: `<area>::<name>` (`key::missing`), checked once
//! when the file is validated, written as is wherever it is shown.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

/// The id of a check (`key::missing`, `client::reads-until-terminal`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CheckId(String);

impl CheckId {
    /// An id read from a check file (validation says whether it is well
    /// formed).
    pub fn new(id: impl Into<String>) -> CheckId {
        CheckId(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Deref for CheckId {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for CheckId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for CheckId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for CheckId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for CheckId {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::CheckId;

    #[test]
    fn a_check_id_shows_as_written_and_looks_up_by_its_text() {
        let id = CheckId::new("key::missing");
        assert_eq!(id.to_string(), "key::missing");
        assert!(id == "key::missing");
        let by_id = HashMap::from([(id.clone(), 1)]);
        assert_eq!(by_id.get("key::missing"), Some(&1));
    }
}
