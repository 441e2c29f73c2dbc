//! Checking a JSON body against the spec before it is sent: unknown keys (with a did-you-mean),
//! values of the wrong type, unknown enum values and every missing required field, all at
//! once, each named by its path. The spec's shapes are emitted into `spec::TYPES`.

use serde_json::Value;

/// A field's or value's type.
#[derive(Debug)]
pub(crate) enum Ty {
    /// A string.
    Str,
    /// An integer.
    Int,
    /// Any number.
    Num,
    /// `true` or `false`.
    Bool,
    /// A date, `YYYY-MM-DD`.
    #[allow(dead_code, reason = "the specs whose bodies hold dates")]
    Date,
    /// A date and time with an offset.
    DateTime,
    /// Any JSON.
    Any,
    /// A file of a multipart body (given as a path flag, never in JSON).
    File,
    /// A list.
    List(&'static Ty),
    /// An object of values of one type.
    Map(&'static Ty),
    /// A named type of `TYPES`.
    Named(&'static str),
}

/// A field of an object type.
#[derive(Debug)]
pub(crate) struct Field {
    /// Wire name.
    pub wire: &'static str,
    /// Type.
    pub ty: Ty,
    /// Must be present.
    pub required: bool,
    /// May be null.
    pub nullable: bool,
    /// Its fields sit in the parent object (a tagged union or a one-of).
    pub flatten: bool,
}

/// A named type.
#[derive(Debug)]
pub(crate) enum Shape {
    /// An object with known fields.
    Object(&'static [Field]),
    /// A string enum (unknown values are refused before sending).
    Enum(&'static [&'static str]),
    /// One of several types.
    Union(&'static [Ty]),
    /// An object tagged by one field; each tag value's payload type, if any.
    Tagged { tag: &'static str, variants: &'static [(&'static str, Option<&'static str>)] },
    /// Exactly one of several fields.
    OneOf(&'static [(&'static str, Ty)]),
    /// Text (typed ids, phone numbers).
    Text,
}

/// The named types.
pub(crate) type Types = &'static [(&'static str, Shape)];

/// One thing wrong with a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    /// Where: `call_config.retry_count`, `tags[2]`; empty for the body itself.
    pub path: String,
    /// What, naming no value of the body but enum values, keys and types.
    pub message: String,
    /// A missing required field (reported last, together).
    pub missing: bool,
}

struct Checker<'a> {
    types: Types,
    problems: Vec<Problem>,
    /// Keys of the body given by flags, which count as present.
    given: &'a [&'a str],
}

/// Checks `value` against `ty`; `given` lists top-level keys supplied another way (files).
pub(crate) fn check(value: &Value, ty: &Ty, types: Types, given: &[&str]) -> Vec<Problem> {
    let mut c = Checker { types, problems: Vec::new(), given };
    c.value(value, ty, "", 0);
    c.problems.sort_by_key(|p| p.missing);
    c.problems
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The nearest of `options` to `word`, when near enough to be a typo.
pub(crate) fn did_you_mean<'a>(word: &str, options: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let best = options.into_iter().map(|o| (distance(word, o), o)).min_by_key(|(d, _)| *d)?;
    (best.0 <= 2.max(word.chars().count() / 3)).then_some(best.1)
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

impl Checker<'_> {
    fn problem(&mut self, path: &str, message: String) {
        self.problems.push(Problem { path: path.to_string(), message, missing: false });
    }

    fn shape(&self, name: &str) -> Option<&'static Shape> {
        self.types.iter().find(|(n, _)| *n == name).map(|(_, s)| s)
    }

    fn value(&mut self, v: &Value, ty: &Ty, path: &str, depth: usize) {
        if depth > 64 {
            return;
        }
        match (ty, v) {
            (Ty::Any, _) => {}
            (Ty::Str | Ty::Date | Ty::DateTime, Value::String(_)) => {}
            (Ty::Int, Value::Number(n)) if n.is_i64() || n.is_u64() => {}
            (Ty::Num, Value::Number(_)) | (Ty::Bool, Value::Bool(_)) => {}
            (Ty::List(inner), Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    self.value(item, inner, &format!("{path}[{i}]"), depth + 1);
                }
            }
            (Ty::Map(inner), Value::Object(members)) => {
                for (k, item) in members {
                    self.value(item, inner, &join(path, k), depth + 1);
                }
            }
            (Ty::Named(name), _) => self.named(v, name, path, depth),
            (expected, got) => {
                let want = match expected {
                    Ty::Str => "a string",
                    Ty::Date => "a date (YYYY-MM-DD)",
                    Ty::DateTime => "a date-time with offset (2025-09-24T10:00:00+05:30)",
                    Ty::Int => "an integer",
                    Ty::Num => "a number",
                    Ty::Bool => "true or false",
                    Ty::List(_) => "a list",
                    Ty::Map(_) => "an object",
                    Ty::File => "a file (pass its path with the file's flag)",
                    Ty::Any | Ty::Named(_) => "another value",
                };
                self.problem(path, format!("expected {want}, got {}", kind(got)));
            }
        }
    }

    fn named(&mut self, v: &Value, name: &str, path: &str, depth: usize) {
        let Some(shape) = self.shape(name) else { return };
        match (shape, v) {
            (Shape::Text, Value::String(_)) => {}
            (Shape::Enum(values), Value::String(s)) => {
                if !values.contains(&s.as_str()) {
                    let hint = did_you_mean(s, values.iter().copied())
                        .map(|m| format!(" (did you mean `{m}`?)"))
                        .unwrap_or_default();
                    self.problem(path, format!("not a {name} value{hint}; expected one of: {}", values.join(", ")));
                }
            }
            (Shape::Object(_) | Shape::Tagged { .. }, Value::Object(members)) => {
                let mut allowed = Vec::new();
                let mut required = Vec::new();
                self.object(members, shape, name, path, depth, &mut allowed, &mut required);
                self.unknown_and_missing(members, &allowed, &required, path, depth);
            }
            (Shape::Union(members), _) => {
                let mut best: Option<Vec<Problem>> = None;
                for ty in *members {
                    let mut c = Checker { types: self.types, problems: Vec::new(), given: &[] };
                    c.value(v, ty, path, depth + 1);
                    if c.problems.is_empty() {
                        return;
                    }
                    if best.as_ref().is_none_or(|b| c.problems.len() < b.len()) {
                        best = Some(c.problems);
                    }
                }
                self.problems.extend(best.unwrap_or_default());
            }
            (Shape::OneOf(_), _) => {}
            (_, got) => {
                let want = match shape {
                    Shape::Object(_) | Shape::Tagged { .. } => "an object",
                    Shape::Enum(_) | Shape::Text => "a string",
                    Shape::Union(_) | Shape::OneOf(_) => "another value",
                };
                self.problem(path, format!("expected {want} ({name}), got {}", kind(got)));
            }
        }
    }

    /// Gathers the keys an object (with its flattened members) allows and requires, checking
    /// the values of those present.
    #[allow(clippy::too_many_arguments)]
    fn object(
        &mut self,
        members: &serde_json::Map<String, Value>,
        shape: &'static Shape,
        name: &str,
        path: &str,
        depth: usize,
        allowed: &mut Vec<&'static str>,
        required: &mut Vec<&'static str>,
    ) {
        match shape {
            Shape::Object(fields) => {
                for f in *fields {
                    if f.flatten {
                        if let Ty::Named(inner) = &f.ty {
                            if let Some(inner_shape) = self.shape(inner) {
                                self.object(members, inner_shape, inner, path, depth, allowed, required);
                            }
                        }
                        continue;
                    }
                    allowed.push(f.wire);
                    match members.get(f.wire) {
                        None if f.required && !matches!(f.ty, Ty::File) => required.push(f.wire),
                        None => {}
                        Some(Value::Null) if f.nullable || !f.required => {}
                        Some(v) => self.value(v, &f.ty, &join(path, f.wire), depth + 1),
                    }
                }
            }
            Shape::Tagged { tag, variants } => {
                allowed.push(tag);
                match members.get(*tag) {
                    None => required.push(tag),
                    Some(Value::String(t)) => match variants.iter().find(|(v, _)| v == t) {
                        Some((_, Some(payload))) => {
                            if let Some(p) = self.shape(payload) {
                                self.object(members, p, payload, path, depth, allowed, required);
                            }
                        }
                        Some((_, None)) => {}
                        None => {
                            let names = variants.iter().map(|(v, _)| *v);
                            let hint = did_you_mean(t, names.clone())
                                .map(|m| format!(" (did you mean `{m}`?)"))
                                .unwrap_or_default();
                            self.problem(
                                &join(path, tag),
                                format!(
                                    "not a {name} `{tag}`{hint}; expected one of: {}",
                                    names.collect::<Vec<_>>().join(", ")
                                ),
                            );
                            // The payload is unknown: do not blame its fields.
                            allowed.extend(members.keys().filter_map(|k| self.static_key(k)));
                        }
                    },
                    Some(other) => self.problem(&join(path, tag), format!("expected a string, got {}", kind(other))),
                }
            }
            Shape::OneOf(options) => {
                let present: Vec<&str> = options.iter().map(|(w, _)| *w).filter(|w| members.contains_key(*w)).collect();
                allowed.extend(options.iter().map(|(w, _)| *w));
                let all: Vec<String> = options.iter().map(|(w, _)| format!("`{w}`")).collect();
                match present.len() {
                    1 => {
                        if let Some((w, ty)) = options.iter().find(|(w, _)| *w == present[0]) {
                            if let Some(v) = members.get(*w) {
                                self.value(v, ty, &join(path, w), depth + 1);
                            }
                        }
                    }
                    0 if self.given.iter().any(|g| options.iter().any(|(w, _)| w == g)) => {}
                    0 => self.problem(path, format!("needs exactly one of {} ({name})", all.join(", "))),
                    _ => self.problem(
                        path,
                        format!("takes only one of {} ({name}); {} given", all.join(", "), present.len()),
                    ),
                }
            }
            Shape::Enum(_) | Shape::Union(_) | Shape::Text => {}
        }
    }

    /// A key of the body as a `'static` name, when some known type has a field so named;
    /// unknown keys are never needed as `'static`.
    fn static_key(&self, key: &str) -> Option<&'static str> {
        self.types.iter().find_map(|(_, s)| match s {
            Shape::Object(fields) => fields.iter().find(|f| f.wire == key).map(|f| f.wire),
            _ => None,
        })
    }

    fn unknown_and_missing(
        &mut self,
        members: &serde_json::Map<String, Value>,
        allowed: &[&'static str],
        required: &[&'static str],
        path: &str,
        depth: usize,
    ) {
        for key in members.keys().filter(|k| !allowed.contains(&k.as_str())) {
            let hint = did_you_mean(key, allowed.iter().copied())
                .map(|m| format!(" (did you mean `{m}`?)"))
                .unwrap_or_default();
            self.problem(&join(path, key), format!("unknown field{hint}"));
        }
        for key in required {
            if depth == 0 && self.given.contains(key) {
                continue;
            }
            self.problems.push(Problem { path: join(path, key), message: "missing".into(), missing: true });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    static TYPES: Types = &[
        (
            "Body",
            Shape::Object(&[
                Field { wire: "agent_id", ty: Ty::Str, required: true, nullable: false, flatten: false },
                Field { wire: "agent_name", ty: Ty::Str, required: false, nullable: false, flatten: false },
                Field { wire: "language", ty: Ty::Named("Lang"), required: false, nullable: false, flatten: false },
                Field { wire: "tags", ty: Ty::List(&Ty::Int), required: false, nullable: false, flatten: false },
                Field { wire: "op", ty: Ty::Named("Op"), required: true, nullable: false, flatten: true },
            ]),
        ),
        ("Lang", Shape::Enum(&["en-US", "hi-IN"])),
        ("Op", Shape::Tagged { tag: "operation", variants: &[("edit_name", Some("Name")), ("clear", None)] }),
        (
            "Name",
            Shape::Object(&[Field { wire: "name", ty: Ty::Str, required: true, nullable: false, flatten: false }]),
        ),
    ];

    fn problems(v: Value) -> Vec<(String, String)> {
        check(&v, &Ty::Named("Body"), TYPES, &[]).into_iter().map(|p| (p.path, p.message)).collect()
    }

    #[test]
    fn a_good_body_passes() {
        assert_eq!(problems(json!({"agent_id": "a", "operation": "edit_name", "name": "x", "tags": [1]})), vec![]);
        assert_eq!(problems(json!({"agent_id": "a", "operation": "clear"})), vec![]);
    }

    #[test]
    fn typos_unknown_values_and_every_missing_field_are_named() {
        let p = problems(json!({"agent_nmae": "a", "language": "xx-XX", "operation": "edit_name", "tags": [1, "x"]}));
        assert!(p.contains(&("agent_nmae".into(), "unknown field (did you mean `agent_name`?)".into())), "{p:?}");
        assert!(p.iter().any(|(k, m)| k == "language" && m.contains("en-US, hi-IN")), "{p:?}");
        assert!(p.contains(&("tags[1]".into(), "expected an integer, got a string".into())), "{p:?}");
        let missing: Vec<&str> = p.iter().filter(|(_, m)| m == "missing").map(|(k, _)| k.as_str()).collect();
        assert_eq!(missing, ["agent_id", "name"]);
    }

    #[test]
    fn a_bad_tag_is_blamed_not_the_fields_after_it() {
        let p = problems(json!({"agent_id": "a", "operation": "rename", "name": "x"}));
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].0, "operation");
        assert!(p[0].1.contains("edit_name"), "{p:?}");
    }

    #[test]
    fn near_words_are_suggested_and_far_ones_not() {
        assert_eq!(did_you_mean("agent_nmae", ["agent_name", "voice_id"]), Some("agent_name"));
        assert_eq!(did_you_mean("zzz", ["agent_name"]), None);
    }
}
