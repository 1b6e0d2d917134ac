//! Named values of the command line (`--dialect`, `--scenario`): one table
//! each, and telling a mistyped name what was meant.

/// A value's name, as given on the command line, and what it does, as the
/// `--list-...` flags print it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameInfo {
    /// The name given on the command line.
    pub name: &'static str,
    /// What the sandbox does under it.
    pub description: &'static str,
}

/// An enum of named values from one table of `Variant => "name":
/// "description"`: its variants (documented by their descriptions), `ALL`
/// in table order, `name()`, `description()`, and the lookups by name.
macro_rules! named_values {
    ($(#[$meta:meta])* $ty:ident { $($variant:ident => $name:literal : $description:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $ty {
            $(
                #[doc = $description]
                $variant,
            )*
        }

        impl $ty {
            /// Every value, in the order its `--list-...` flag prints them.
            pub const ALL: &'static [$crate::sandbox::names::NameInfo] = &[
                $($crate::sandbox::names::NameInfo { name: $name, description: $description },)*
            ];

            /// Returns the value's name.
            pub fn name(self) -> &'static str {
                match self {
                    $($ty::$variant => $name,)*
                }
            }

            /// Returns what the sandbox does under this value.
            pub fn description(self) -> &'static str {
                match self {
                    $($ty::$variant => $description,)*
                }
            }

            fn from_name(name: &str) -> Option<$ty> {
                match name {
                    $($name => Some($ty::$variant),)*
                    _ => None,
                }
            }

            fn names() -> &'static [&'static str] {
                &[$($name,)*]
            }
        }
    };
}
pub(crate) use named_values;

/// ` (did you mean `name`?)`, or nothing.
pub(crate) fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion
        .map(|name| format!(" (did you mean `{name}`?)"))
        .unwrap_or_default()
}

/// The name of `names` nearest to `input` if it is a near miss: a few
/// edits away, or containing it (a fragment of 4 characters or more, such
/// as `huge` or `rotated`, names its fault or scenario too).
pub(crate) fn nearest(input: &str, names: &[&'static str]) -> Option<&'static str> {
    let input = input.to_ascii_lowercase();
    if input.is_empty() {
        return None;
    }
    let (best, distance) = names
        .iter()
        .map(|name| (*name, strsim::levenshtein(&input, name)))
        .min_by_key(|(_, distance)| *distance)?;
    if distance <= 2.max(best.len() / 3) {
        return Some(best);
    }
    names
        .iter()
        .find(|name| input.len() >= 4 && name.contains(input.as_str()))
        .copied()
}
