//! `{{ name }}` templates in paths, headers, bodies and expected values.
//!
//! Parsing happens at load time so a typo is reported against the check
//! file; rendering (in `run`) only substitutes already-validated names.

use std::fmt;

/// One piece of a template: literal text or a variable reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Text(String),
    /// A variable and its byte offset in the source string.
    Var {
        name: String,
        offset: usize,
    },
}

/// A parsed template string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    segments: Vec<Segment>,
}

/// Why a template string could not be parsed, with the byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateSyntaxError {
    pub offset: usize,
    pub message: String,
}

impl Template {
    /// Parses `source`, where `{{ name }}` references a variable.
    pub fn parse(source: &str) -> Result<Template, TemplateSyntaxError> {
        let mut segments = Vec::new();
        let mut rest = source;
        let mut consumed = 0;
        while let Some(open) = rest.find("{{") {
            if open > 0 {
                segments.push(Segment::Text(rest[..open].to_string()));
            }
            let after_open = &rest[open + 2..];
            let Some(close) = after_open.find("}}") else {
                return Err(TemplateSyntaxError {
                    offset: consumed + open,
                    message: "`{{` is never closed with `}}`".into(),
                });
            };
            let name = after_open[..close].trim();
            if !is_variable_name(name) {
                return Err(TemplateSyntaxError {
                    offset: consumed + open,
                    message: format!(
                        "`{{{{ {name} }}}}` is not a variable name (letters, digits and `_`, not starting with a digit)"
                    ),
                });
            }
            segments.push(Segment::Var {
                name: name.to_string(),
                offset: consumed + open,
            });
            let advance = open + 2 + close + 2;
            consumed += advance;
            rest = &rest[advance..];
        }
        if !rest.is_empty() {
            segments.push(Segment::Text(rest.to_string()));
        }
        Ok(Template { segments })
    }

    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The variables this template references, with their byte offsets.
    pub fn variables(&self) -> impl Iterator<Item = (&str, usize)> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Var { name, offset } => Some((name.as_str(), *offset)),
            Segment::Text(_) => None,
        })
    }

    /// Renders the template, looking each variable up with `lookup`.
    /// Returns the name of the first variable `lookup` does not know.
    pub fn render<'a>(
        &'a self,
        mut lookup: impl FnMut(&str) -> Option<&'a str>,
    ) -> Result<String, &'a str> {
        let mut out = String::new();
        for segment in &self.segments {
            match segment {
                Segment::Text(text) => out.push_str(text),
                Segment::Var { name, .. } => out.push_str(lookup(name).ok_or(name.as_str())?),
            }
        }
        Ok(out)
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for segment in &self.segments {
            match segment {
                Segment::Text(text) => f.write_str(text)?,
                Segment::Var { name, .. } => write!(f, "{{{{ {name} }}}}")?,
            }
        }
        Ok(())
    }
}

/// Whether `name` can be a template variable.
pub fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_text_and_variables_with_offsets() {
        let t = Template::parse("/v1/{{ a }}/x/{{b}}").unwrap();
        let vars: Vec<_> = t.variables().collect();
        assert_eq!(vars, vec![("a", 4), ("b", 14)]);
        assert_eq!(
            t.render(|n| Some(if n == "a" { "1" } else { "2" }))
                .unwrap(),
            "/v1/1/x/2"
        );
    }

    #[test]
    fn reports_unclosed_and_bad_names() {
        assert_eq!(Template::parse("ab{{ x").unwrap_err().offset, 2);
        assert!(Template::parse("{{ 1x }}")
            .unwrap_err()
            .message
            .contains("not a variable"));
        assert!(Template::parse("{{ }}").is_err());
    }

    #[test]
    fn render_names_the_unknown_variable() {
        let t = Template::parse("{{ nope }}").unwrap();
        assert_eq!(t.render(|_| None).unwrap_err(), "nope");
    }
}
