//! Where recorded traffic and the spec disagree, and a proposed spec change that closes the gap.
//!
//! Input is a stream of exchanges: NDJSON recordings (one JSON object per line, the format
//! `ringg --record` writes, see [`Record`]) or HAR files saved from a browser's network panel.
//! Each exchange is matched to an endpoint (by operation id, or by method and path template with
//! the base URL's path stripped when present), and the JSON body of a 2xx response is walked
//! against the endpoint's response type in strict mode: a key no field takes, an enum value the
//! spec does not list, a required field that is absent, `null` in a non-null field and a value of
//! the wrong JSON type are all findings. Webhook deliveries are walked against the webhook event
//! union, and status callbacks against the [`CALLBACK_TYPE`] type.
//!
//! Only keys, field names, JSON types, counts, paths of unmatched requests and enum or tag strings
//! reach the [`Report`]: no other value of a body is kept, so a report can be shared. Bodies are
//! dropped as soon as they are walked, so memory does not grow with the input.
//!
//! [`patch`] turns a report into edits of the spec's YAML text: new fields are added as optional,
//! with a doc marked `(observed; meaning undocumented)` and a `note` with the counts; new enum
//! values and tags are appended with the same mark; fields seen missing or `null` get
//! `optional: true` or `nullable: true`. What it cannot place is listed, never guessed.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, Read};

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::SourceFile;
use crate::ir::{Api, Endpoint, Presence, Response, TypeDef, TypeKind, TypeRef};
use crate::raw::RawFile;

/// The spec type that status callbacks (`callback_url`) are checked against, when it exists.
pub const CALLBACK_TYPE: &str = "CallbackPayload";

/// The mark that docs written by [`patch`] carry, like `(inferred)` on guessed facts.
pub const OBSERVED_MARK: &str = "(observed; meaning undocumented)";

/// At most this many distinct keys per list of a report (new fields of one type, new values of
/// one enum, unmatched requests); more are counted in [`Report::dropped`]. Bounds memory when a
/// recording holds a map the spec models as an object.
pub const MAX_DISTINCT: usize = 500;

/// What an exchange is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    /// A response to a request of ours.
    #[default]
    Response,
    /// A webhook delivery to us.
    Webhook,
    /// A status callback (`callback_url`) to us.
    Callback,
}

/// One line of an NDJSON recording: the format `ringg --record FILE` and
/// `ringg webhooks listen --record FILE` append, one JSON object per line.
///
/// Every key is optional so that older and newer recorders can be read; unknown keys are
/// ignored.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Record {
    /// `response` (the default), `webhook` or `callback`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Operation id, `resource.endpoint` (`calling.history`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// HTTP method, upper case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Path as sent, with or without the API's base path, possibly with a query; a full URL is
    /// accepted too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Response status (for a delivery: the status we answered with).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Selected headers (`content-type`, `x-request-id`); never the API key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<BTreeMap<String, String>>,
    /// The response (or delivered) body: its JSON, or a string when it was not JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

/// One exchange to check.
#[derive(Debug, Clone, Default)]
pub struct Exchange {
    /// What it is.
    pub kind: Kind,
    /// Operation id, when the recorder knew it.
    pub operation: Option<String>,
    /// HTTP method.
    pub method: String,
    /// Path or full URL.
    pub path: String,
    /// Status.
    pub status: u16,
    /// The JSON body, if there was one.
    pub body: Option<Value>,
    /// A body was there but was not JSON.
    pub not_json: bool,
}

impl Record {
    /// The exchange this line describes.
    pub fn into_exchange(self) -> Result<Exchange, String> {
        let kind = match self.kind.as_deref() {
            None | Some("response") => Kind::Response,
            Some("webhook") => Kind::Webhook,
            Some("callback") => Kind::Callback,
            Some(other) => return Err(format!("unknown kind `{other}` (expected response, webhook or callback)")),
        };
        let status = self.status.unwrap_or(if kind == Kind::Response { 0 } else { 200 });
        Ok(Exchange {
            kind,
            operation: self.operation,
            method: self.method.unwrap_or_default(),
            path: self.path.unwrap_or_default(),
            status,
            body: self.body,
            not_json: false,
        })
    }
}

/// JSON type names used in reports.
fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A field the spec does not declare.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NewField {
    /// JSON types of its non-null values (`string`, `integer`, `object`...).
    pub types: BTreeSet<String>,
    /// `null` was seen.
    pub nullable: bool,
    /// How many objects held it.
    pub count: u64,
}

/// Values of the wrong JSON type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WrongType {
    /// What the spec says (`integer`, `list<CallStatus>`).
    pub expected: String,
    /// JSON types seen instead, with counts.
    pub found: BTreeMap<String, u64>,
}

/// Findings about one spec type (or, for a response body whose root does not fit, about the
/// body of one operation).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TypeDrift {
    /// Objects (or values) of this type walked.
    pub seen: u64,
    /// Keys no field takes.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub new_fields: BTreeMap<String, NewField>,
    /// Enum values the spec does not list, with counts.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub new_values: BTreeMap<String, u64>,
    /// Tags of a tagged union the spec does not list, with counts.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub new_tags: BTreeMap<String, u64>,
    /// Required fields that were absent, with counts.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub missing_required: BTreeMap<String, u64>,
    /// Non-null fields that were `null`, with counts.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub unexpected_null: BTreeMap<String, u64>,
    /// Fields (or `(body)`) with values of the wrong type.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub wrong_type: BTreeMap<String, WrongType>,
    /// Declared fields that never appeared in the `seen` objects: candidates to make optional.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub never_seen: Vec<String>,
}

impl TypeDrift {
    /// True when something here needs a spec change (`never_seen` alone does not: a short
    /// recording misses optional fields).
    pub fn has_drift(&self) -> bool {
        !(self.new_fields.is_empty()
            && self.new_values.is_empty()
            && self.new_tags.is_empty()
            && self.missing_required.is_empty()
            && self.unexpected_null.is_empty()
            && self.wrong_type.is_empty())
    }
}

/// Everything drift found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Exchanges read.
    pub exchanges: u64,
    /// Bodies walked against a type.
    pub checked: u64,
    /// Exchanges with nothing to check: not 2xx, no JSON body, an endpoint without a JSON
    /// response, a CORS preflight, or a full URL on a host that is not one of the API's base
    /// URLs.
    pub skipped: u64,
    /// Bodies that were not JSON where the endpoint answers JSON (HAR text that does not parse).
    pub unreadable: u64,
    /// Findings by spec type (or `response of <operation>` for a body's root).
    pub types: BTreeMap<String, TypeDrift>,
    /// Webhook event types the spec does not list, with counts.
    pub new_events: BTreeMap<String, u64>,
    /// Requests that match no endpoint, as `METHOD /path` without the query, with counts.
    pub unmatched: BTreeMap<String, u64>,
    /// Findings not kept because a list reached [`MAX_DISTINCT`] entries.
    pub dropped: u64,
}

impl Report {
    /// True when the spec and the traffic disagree: anything but `never_seen`.
    pub fn has_drift(&self) -> bool {
        !self.new_events.is_empty()
            || !self.unmatched.is_empty()
            || self.dropped > 0
            || self.types.values().any(TypeDrift::has_drift)
    }
}

/// Adds one to `map[key]`, keeping at most [`MAX_DISTINCT`] keys.
fn bump(map: &mut BTreeMap<String, u64>, key: &str, dropped: &mut u64) {
    if let Some(n) = map.get_mut(key) {
        *n += 1;
    } else if map.len() < MAX_DISTINCT {
        map.insert(key.to_string(), 1);
    } else {
        *dropped += 1;
    }
}

/// Where a wrong value sits: a field of a type (by index), or the root of a body.
type Ctx<'a> = Option<(usize, &'a str)>;

/// One observation of a walk, before it is counted. Types are indexes into `Api::types`.
#[derive(Debug)]
enum Obs<'w> {
    Seen(usize),
    /// A declared field (its index in the object's fields) was present.
    Field(usize, usize),
    NewField(usize, &'w str, &'static str),
    NewValue(usize, &'w str),
    NewTag(usize, &'w str),
    NewEvent(&'w str),
    Missing(usize, &'w str),
    Null(usize, &'w str),
    Wrong(Ctx<'w>, &'w TypeRef, &'static str),
}

impl Obs<'_> {
    /// How badly a union member fits: (mismatches, unknown keys and values).
    fn score(list: &[Obs<'_>]) -> (usize, usize) {
        let mut bad = 0;
        let mut unknown = 0;
        for o in list {
            match o {
                Obs::Wrong(..) | Obs::Missing(..) | Obs::Null(..) | Obs::NewTag(..) | Obs::NewEvent(..) => bad += 1,
                Obs::NewField(..) | Obs::NewValue(..) => unknown += 1,
                Obs::Seen(_) | Obs::Field(..) => {}
            }
        }
        (bad, unknown)
    }
}

/// FNV-1a, for the walk's lookups by type name and operation id: short trusted keys, looked up
/// once per object, where SipHash cost a tenth of the run.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<Fnv>>;

/// What the walk looks up, computed once per [`Drift`].
struct Index<'a> {
    /// Type name to its index in `Api::types`.
    types: FastMap<&'a str, usize>,
    /// Per type: the wire names of an object's fields when it has no flattened member (and at
    /// most 128 fields), so that its keys are matched in one pass; `None` otherwise.
    plain: Vec<Option<Vec<&'a str>>>,
}

impl<'a> Index<'a> {
    fn new(api: &'a Api) -> Self {
        let types = api.types.iter().enumerate().map(|(i, t)| (t.name.as_str(), i)).collect();
        let plain = api
            .types
            .iter()
            .map(|t| match &t.kind {
                TypeKind::Object(fields) if fields.len() <= 128 && !fields.iter().any(|f| f.flatten) => {
                    Some(fields.iter().map(|f| f.wire.as_str()).collect())
                }
                _ => None,
            })
            .collect();
        Index { types, plain }
    }
}

/// The index of `key` in `names`, searching from `next` (just after the previous key found) and
/// wrapping around: objects usually keep their keys in the declared order, so the first name
/// compared is the key.
fn index_of(key: &str, names: &[&str], next: &mut usize) -> Option<usize> {
    let start = (*next).min(names.len());
    let (before, after) = names.split_at(start);
    let found = match after.iter().position(|name| *name == key) {
        Some(offset) => Some(start + offset),
        None => before.iter().position(|name| *name == key),
    };
    if let Some(i) = found {
        *next = i + 1;
    }
    found
}

/// The strict walk of one body.
struct Walk<'a, 'i> {
    api: &'a Api,
    index: &'i Index<'a>,
    /// The webhook event union's index.
    event: Option<usize>,
    out: Vec<Obs<'a>>,
}

impl<'a> Walk<'a, '_> {
    fn wrong(&mut self, ctx: Ctx<'a>, ty: &'a TypeRef, v: &'a Value) {
        self.out.push(Obs::Wrong(ctx, ty, json_type(v)));
    }

    /// The index and definition of a named type.
    fn def(&self, name: &str) -> Option<(usize, &'a TypeDef)> {
        let api: &'a Api = self.api;
        self.index.types.get(name).map(|&i| (i, &api.types[i]))
    }

    fn value(&mut self, ty: &'a TypeRef, v: &'a Value, ctx: Ctx<'a>) {
        let ok = match ty {
            TypeRef::String | TypeRef::Date | TypeRef::DateTime => v.is_string(),
            TypeRef::Integer => v.is_i64() || v.is_u64(),
            TypeRef::Number => v.is_number(),
            TypeRef::Boolean => v.is_boolean(),
            TypeRef::Json | TypeRef::File => true,
            TypeRef::List(item) => match v.as_array() {
                Some(items) => {
                    items.iter().for_each(|x| self.value(item, x, ctx));
                    true
                }
                None => false,
            },
            TypeRef::Map(item) => match v.as_object() {
                Some(entries) => {
                    entries.values().for_each(|x| self.value(item, x, ctx));
                    true
                }
                None => false,
            },
            TypeRef::Named(name) => match self.def(name) {
                Some((ti, def)) => return self.named(ti, def, ty, v, ctx),
                None => true,
            },
        };
        if !ok {
            self.wrong(ctx, ty, v);
        }
    }

    fn named(&mut self, ti: usize, def: &'a TypeDef, ty: &'a TypeRef, v: &'a Value, ctx: Ctx<'a>) {
        match &def.kind {
            TypeKind::Enum(values) => match v.as_str() {
                Some(s) => {
                    self.out.push(Obs::Seen(ti));
                    if !values.iter().any(|e| e.wire == s) {
                        self.out.push(Obs::NewValue(ti, s));
                    }
                }
                None => self.wrong(ctx, ty, v),
            },
            TypeKind::Newtype => {
                if !v.is_string() {
                    self.wrong(ctx, ty, v);
                }
            }
            TypeKind::Object(_) | TypeKind::OneOf(_) => match v.as_object() {
                Some(o) => self.object(ti, def, o, None),
                None => self.wrong(ctx, ty, v),
            },
            TypeKind::Tagged(tagged) => match v.as_object() {
                Some(o) => {
                    let mut known = Vec::new();
                    if let Ok(Some((inner_ti, inner))) = self.tagged(ti, def, o, &mut known) {
                        self.object(inner_ti, inner, o, Some(&tagged.tag));
                    }
                }
                None => self.wrong(ctx, ty, v),
            },
            TypeKind::Union(members) => {
                let saved = std::mem::take(&mut self.out);
                let mut best: Option<((usize, usize), Vec<Obs<'a>>)> = None;
                for m in members {
                    self.value(&m.ty, v, ctx);
                    let trial = std::mem::take(&mut self.out);
                    let score = Obs::score(&trial);
                    if best.as_ref().is_none_or(|(s, _)| score < *s) {
                        best = Some((score, trial));
                    }
                }
                self.out = saved;
                if let Some((_, trial)) = best {
                    self.out.extend(trial);
                }
            }
        }
    }

    /// Object (or `one_of`) `def` read from `o`, unknown keys included; `skip` is a key taken
    /// by an enclosing tagged union (its tag).
    fn object(&mut self, ti: usize, def: &'a TypeDef, o: &'a serde_json::Map<String, Value>, skip: Option<&'a str>) {
        let index = self.index;
        match (&def.kind, &index.plain[ti]) {
            (TypeKind::Object(fields), Some(wires)) => self.plain(ti, fields, wires, o, skip),
            _ => {
                let mut known: Vec<&str> = skip.into_iter().collect();
                self.fields(ti, def, o, &mut known);
                self.unknown_keys(ti, o, &known);
            }
        }
    }

    /// An object without flattened members, in one pass over its keys.
    fn plain(
        &mut self,
        ti: usize,
        fields: &'a [crate::ir::Field],
        wires: &[&str],
        o: &'a serde_json::Map<String, Value>,
        skip: Option<&str>,
    ) {
        self.out.push(Obs::Seen(ti));
        let mut present = 0u128;
        let mut next = 0;
        for (k, v) in o {
            match index_of(k, wires, &mut next) {
                Some(i) => {
                    present |= 1 << i;
                    self.field(ti, i, &fields[i], v);
                }
                None if skip == Some(k.as_str()) => {}
                None => self.out.push(Obs::NewField(ti, k, json_type(v))),
            }
        }
        for (i, f) in fields.iter().enumerate() {
            if present & (1 << i) == 0 && !f.presence.may_be_absent() {
                self.out.push(Obs::Missing(ti, &f.wire));
            }
        }
    }

    /// The value of present field `f` (index `i` of type `ti`).
    fn field(&mut self, ti: usize, i: usize, f: &'a crate::ir::Field, v: &'a Value) {
        self.out.push(Obs::Field(ti, i));
        if v.is_null() {
            if !matches!(f.presence, Presence::Nullable | Presence::OptionalNullable) {
                self.out.push(Obs::Null(ti, &f.wire));
            }
        } else {
            self.value(&f.ty, v, Some((ti, &f.wire)));
        }
    }

    /// Keys of `o` that no field of the walk took, reported on type `ti`.
    fn unknown_keys(&mut self, ti: usize, o: &'a serde_json::Map<String, Value>, known: &[&str]) {
        for (k, v) in o {
            if !known.contains(&k.as_str()) {
                self.out.push(Obs::NewField(ti, k, json_type(v)));
            }
        }
    }

    /// The fields of object (or `one_of`) `def` read from `o`; `known` collects the keys taken.
    /// The general case, for objects with flattened members.
    fn fields(&mut self, ti: usize, def: &'a TypeDef, o: &'a serde_json::Map<String, Value>, known: &mut Vec<&'a str>) {
        self.out.push(Obs::Seen(ti));
        match &def.kind {
            TypeKind::OneOf(members) => {
                for (i, m) in members.iter().enumerate() {
                    known.push(&m.wire);
                    if let Some(v) = o.get(&m.wire) {
                        self.out.push(Obs::Field(ti, i));
                        self.value(&m.ty, v, Some((ti, &m.wire)));
                    }
                }
            }
            TypeKind::Object(fields) => {
                for (i, f) in fields.iter().enumerate() {
                    if f.flatten {
                        let Some((inner_ti, inner)) = f.ty.named().and_then(|n| self.def(n)) else { continue };
                        match &inner.kind {
                            TypeKind::Object(_) | TypeKind::OneOf(_) => self.fields(inner_ti, inner, o, known),
                            TypeKind::Tagged(_) => match self.tagged(inner_ti, inner, o, known) {
                                Ok(Some((payload_ti, payload))) => self.fields(payload_ti, payload, o, known),
                                Ok(None) => {}
                                // An unknown tag keeps the whole object: nothing is unknown.
                                Err(()) => known.extend(o.keys().map(String::as_str)),
                            },
                            _ => {}
                        }
                        continue;
                    }
                    known.push(&f.wire);
                    match o.get(&f.wire) {
                        None => {
                            if !f.presence.may_be_absent() {
                                self.out.push(Obs::Missing(ti, &f.wire));
                            }
                        }
                        Some(v) => self.field(ti, i, f, v),
                    }
                }
            }
            _ => {}
        }
    }

    /// The tag of tagged union `def` read from `o`, its key added to `known`. Returns the
    /// variant's object type when the tag is known and the variant has one; `Err` when the tag
    /// is absent or unknown (both are findings).
    #[allow(clippy::type_complexity)]
    fn tagged(
        &mut self,
        ti: usize,
        def: &'a TypeDef,
        o: &'a serde_json::Map<String, Value>,
        known: &mut Vec<&'a str>,
    ) -> Result<Option<(usize, &'a TypeDef)>, ()> {
        let TypeKind::Tagged(tagged) = &def.kind else { return Err(()) };
        self.out.push(Obs::Seen(ti));
        known.push(&tagged.tag);
        let Some(tag) = o.get(&tagged.tag).and_then(Value::as_str) else {
            self.out.push(Obs::Missing(ti, &tagged.tag));
            return Err(());
        };
        let Some(variant) = tagged.variants.iter().find(|v| v.tag_value == tag) else {
            if self.event == Some(ti) {
                self.out.push(Obs::NewEvent(tag));
            } else {
                self.out.push(Obs::NewTag(ti, tag));
            }
            return Err(());
        };
        Ok(variant.ty.as_deref().and_then(|t| self.def(t)))
    }
}

/// One endpoint's path template, for matching.
struct Route<'a> {
    op: String,
    endpoint: &'a Endpoint,
    prefix: String,
    segments: Vec<Option<&'a str>>,
}

/// The path part of a base URL (`/ca/api/v0`), without a trailing slash; empty for none.
fn url_path(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    match rest.find('/') {
        Some(i) => rest[i..].trim_end_matches('/'),
        None => "",
    }
}

/// The host (and port) of a full URL; `None` for a bare path.
fn url_host(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("://")?;
    Some(rest.split(['/', '?', '#']).next().unwrap_or(rest))
}

/// Collects findings over many exchanges.
pub struct Drift<'a> {
    api: &'a Api,
    routes: Vec<Route<'a>>,
    /// Operation id to its route's index.
    ops: FastMap<String, usize>,
    hosts: Vec<&'a str>,
    event: Option<TypeRef>,
    callback: Option<TypeRef>,
    index: Index<'a>,
    /// Findings per type, by index into `Api::types`; moved into the report by name at the end.
    types: Vec<TypeDrift>,
    /// Per type, how often each declared field appeared (for `never_seen`).
    field_seen: Vec<Vec<u64>>,
    report: Report,
}

/// The route for an operation id, or for a method and path: the template with the most literal
/// segments among those that fit.
fn find_route<'r, 'a>(
    routes: &'r [Route<'a>],
    operation: Option<&str>,
    method: &str,
    path: &str,
) -> Option<&'r Route<'a>> {
    if let Some(op) = operation
        && let Some(r) = routes.iter().find(|r| r.op == op)
    {
        return Some(r);
    }
    let path = strip_url(path);
    let mut best: Option<(usize, &Route<'a>)> = None;
    for r in routes {
        if !r.endpoint.method.as_str().eq_ignore_ascii_case(method) {
            continue;
        }
        let stripped = if r.prefix.is_empty() {
            None
        } else {
            path.strip_prefix(r.prefix.as_str()).filter(|rest| rest.is_empty() || rest.starts_with('/'))
        };
        for candidate in stripped.into_iter().chain([path]) {
            let mut parts = candidate.split('/').filter(|s| !s.is_empty());
            let mut literals = 0;
            let mut fits = true;
            for seg in &r.segments {
                match (parts.next(), seg) {
                    (Some(p), Some(lit)) if p == *lit => literals += 1,
                    (Some(_), None) => {}
                    _ => {
                        fits = false;
                        break;
                    }
                }
            }
            if fits && parts.next().is_none() && best.is_none_or(|(n, _)| literals > n) {
                best = Some((literals, r));
            }
        }
    }
    best.map(|(_, r)| r)
}

impl<'a> Drift<'a> {
    /// A collector for `api`.
    pub fn new(api: &'a Api) -> Self {
        let mut routes = Vec::new();
        for r in &api.resources {
            for e in &r.endpoints {
                let prefix = api
                    .base_urls
                    .iter()
                    .find(|b| b.name == e.base_url)
                    .map(|b| url_path(&b.url).to_string())
                    .unwrap_or_default();
                let segments = e
                    .path
                    .split('/')
                    .filter(|s| !s.is_empty())
                    .map(|s| if s.starts_with('{') && s.ends_with('}') { None } else { Some(s) })
                    .collect();
                routes.push(Route { op: format!("{}.{}", r.name, e.name), endpoint: e, prefix, segments });
            }
        }
        let ops = routes.iter().enumerate().map(|(i, r)| (r.op.clone(), i)).collect();
        Drift {
            api,
            routes,
            ops,
            index: Index::new(api),
            types: vec![TypeDrift::default(); api.types.len()],
            field_seen: api
                .types
                .iter()
                .map(|t| match &t.kind {
                    TypeKind::Object(fields) => vec![0; fields.len()],
                    TypeKind::OneOf(members) => vec![0; members.len()],
                    _ => Vec::new(),
                })
                .collect(),
            hosts: api.base_urls.iter().filter_map(|b| url_host(&b.url)).collect(),
            event: api.webhooks.as_ref().map(|w| TypeRef::Named(w.event.clone())),
            callback: api.type_def(CALLBACK_TYPE).map(|t| TypeRef::Named(t.name.clone())),
            report: Report::default(),
        }
    }

    /// Checks one exchange. Nothing of its body is kept but keys, types and enum strings.
    pub fn observe(&mut self, ex: &Exchange) {
        let report = &mut self.report;
        report.exchanges += 1;
        let (ty, route): (&TypeRef, Option<&str>) = match ex.kind {
            Kind::Webhook => match &self.event {
                Some(t) => (t, None),
                None => return report.unmatched("WEBHOOK", "(the spec has no webhooks)"),
            },
            Kind::Callback => match &self.callback {
                Some(t) => (t, None),
                None => return report.unmatched("CALLBACK", "(the spec has no CallbackPayload type)"),
            },
            Kind::Response => {
                // A HAR file holds the page's other traffic too: only the API's hosts count, and
                // CORS preflights are the browser's, not the API's.
                let other_host =
                    url_host(&ex.path).is_some_and(|h| !self.hosts.iter().any(|k| k.eq_ignore_ascii_case(h)));
                if other_host || ex.method.eq_ignore_ascii_case("OPTIONS") || ex.method.eq_ignore_ascii_case("HEAD") {
                    report.skipped += 1;
                    return;
                }
                let by_id = ex.operation.as_deref().and_then(|op| self.ops.get(op)).map(|&i| &self.routes[i]);
                let Some(route) = by_id.or_else(|| find_route(&self.routes, None, &ex.method, &ex.path)) else {
                    return report.unmatched(&ex.method.to_ascii_uppercase(), strip_url(&ex.path));
                };
                let Response::Json(ty) = &route.endpoint.response else {
                    report.skipped += 1;
                    return;
                };
                (ty, Some(route.op.as_str()))
            }
        };
        let label = || match (ex.kind, route) {
            (Kind::Webhook, _) => "webhook delivery".to_string(),
            (Kind::Callback, _) => "callback delivery".to_string(),
            (Kind::Response, op) => format!("response of {}", op.unwrap_or("?")),
        };
        let Some(body) = ex.body.as_ref().filter(|_| (200..300).contains(&ex.status)) else {
            if ex.not_json && (200..300).contains(&ex.status) {
                report.unreadable += 1;
            } else {
                report.skipped += 1;
            }
            return;
        };
        report.checked += 1;
        let event = self.api.webhooks.as_ref().and_then(|w| self.index.types.get(w.event.as_str()).copied());
        let mut walk = Walk { api: self.api, index: &self.index, event, out: Vec::new() };
        walk.value(ty, body, None);
        let mut counts = Counts { types: &mut self.types, field_seen: &mut self.field_seen, report };
        counts.count(walk.out, &label);
    }

    /// Counts a body that could not be read at all (bad base64 in a HAR file).
    pub fn unreadable(&mut self) {
        self.report.exchanges += 1;
        self.report.unreadable += 1;
    }

    /// The report, with `never_seen` filled in.
    pub fn finish(mut self) -> Report {
        let found = std::mem::take(&mut self.types);
        for ((def, mut t), seen) in self.api.types.iter().zip(found).zip(&self.field_seen) {
            if t.seen == 0 && !t.has_drift() {
                continue;
            }
            if t.seen > 0
                && let TypeKind::Object(fields) = &def.kind
            {
                t.never_seen = fields
                    .iter()
                    .zip(seen)
                    .filter(|(f, n)| !f.flatten && **n == 0 && !t.missing_required.contains_key(&f.wire))
                    .map(|(f, _)| f.wire.clone())
                    .collect();
            }
            self.report.types.insert(def.name.clone(), t);
        }
        self.report
    }
}

impl Report {
    fn unmatched(&mut self, method: &str, path: &str) {
        let key = format!("{method} {path}");
        bump(&mut self.unmatched, &key, &mut self.dropped);
    }

    fn entry(&mut self, name: &str) -> &mut TypeDrift {
        if !self.types.contains_key(name) {
            self.types.insert(name.to_string(), TypeDrift::default());
        }
        self.types.get_mut(name).expect("inserted above")
    }
}

/// Where a walk's observations are counted.
struct Counts<'d> {
    types: &'d mut [TypeDrift],
    field_seen: &'d mut [Vec<u64>],
    report: &'d mut Report,
}

impl Counts<'_> {
    fn count(&mut self, out: Vec<Obs<'_>>, label: &dyn Fn() -> String) {
        let mut dropped = 0;
        for o in out {
            match o {
                Obs::Seen(t) => self.types[t].seen += 1,
                Obs::Field(t, f) => {
                    if let Some(n) = self.field_seen[t].get_mut(f) {
                        *n += 1;
                    }
                }
                Obs::NewField(t, k, jt) => {
                    let e = &mut self.types[t];
                    let full = e.new_fields.len() >= MAX_DISTINCT;
                    let nf = match e.new_fields.get_mut(k) {
                        Some(nf) => nf,
                        None if full => {
                            dropped += 1;
                            continue;
                        }
                        None => e.new_fields.entry(k.to_string()).or_default(),
                    };
                    nf.count += 1;
                    if jt == "null" {
                        nf.nullable = true;
                    } else if !nf.types.contains(jt) {
                        nf.types.insert(jt.to_string());
                    }
                }
                Obs::NewValue(t, v) => bump(&mut self.types[t].new_values, v, &mut dropped),
                Obs::NewTag(t, v) => bump(&mut self.types[t].new_tags, v, &mut dropped),
                Obs::NewEvent(v) => bump(&mut self.report.new_events, v, &mut dropped),
                Obs::Missing(t, f) => bump(&mut self.types[t].missing_required, f, &mut dropped),
                Obs::Null(t, f) => bump(&mut self.types[t].unexpected_null, f, &mut dropped),
                Obs::Wrong(ctx, ty, found) => {
                    let (e, f) = match ctx {
                        Some((t, f)) => (&mut self.types[t], f),
                        None => (self.report.entry(&label()), "(body)"),
                    };
                    if !e.wrong_type.contains_key(f) {
                        e.wrong_type.insert(f.to_string(), WrongType { expected: ty.spec(), found: BTreeMap::new() });
                    }
                    let w = e.wrong_type.get_mut(f).expect("inserted above");
                    *w.found.entry(found.to_string()).or_default() += 1;
                }
            }
        }
        self.report.dropped += dropped;
    }
}

/// The path of a full URL, or the path itself, without query or fragment.
fn strip_url(path: &str) -> &str {
    let path = match path.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => path,
    };
    path.split(['?', '#']).next().unwrap_or(path)
}

/// Reads NDJSON recordings line by line into `drift`. Blank lines are skipped. Returns the
/// number of records; an error names the line, never its content.
pub fn read_ndjson(reader: impl BufRead, drift: &mut Drift<'_>) -> Result<u64, String> {
    let mut reader = reader;
    let mut n = 0;
    let mut line = String::new();
    for i in 0usize.. {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => return Err(format!("line {}: {e}", i + 1)),
        }
        if line.trim().is_empty() {
            continue;
        }
        let record: Record = serde_json::from_str(&line)
            .map_err(|e| format!("line {}: not a recording line ({})", i + 1, e.classify_name()))?;
        let ex = record.into_exchange().map_err(|e| format!("line {}: {e}", i + 1))?;
        drift.observe(&ex);
        n += 1;
    }
    Ok(n)
}

trait Classify {
    fn classify_name(&self) -> &'static str;
}

impl Classify for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "read error",
            serde_json::error::Category::Syntax => "invalid JSON",
            serde_json::error::Category::Data => "unexpected shape",
            serde_json::error::Category::Eof => "truncated JSON",
        }
    }
}

#[derive(Deserialize)]
struct HarRequest {
    method: String,
    url: String,
}

#[derive(Deserialize, Default)]
struct HarContent {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    encoding: Option<String>,
}

#[derive(Deserialize)]
struct HarResponse {
    status: i64,
    #[serde(default)]
    content: HarContent,
}

#[derive(Deserialize)]
struct HarEntry {
    request: HarRequest,
    response: HarResponse,
}

/// Reads a HAR file (`log.entries[]`) into `drift`, one entry at a time. Returns the number of
/// entries.
pub fn read_har(reader: impl Read, drift: &mut Drift<'_>) -> Result<u64, String> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    let mut n = 0;
    Root { drift, n: &mut n }.deserialize(&mut de).map_err(|e| format!("not a HAR file: {e}"))?;
    de.end().map_err(|e| format!("not a HAR file: {e}"))?;
    Ok(n)
}

struct Root<'d, 'a> {
    drift: &'d mut Drift<'a>,
    n: &'d mut u64,
}

impl<'de> DeserializeSeed<'de> for Root<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Root<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a HAR object with `log`")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "log" {
                map.next_value_seed(Log { drift: &mut *self.drift, n: &mut *self.n })?;
                found = true;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        if found { Ok(()) } else { Err(serde::de::Error::missing_field("log")) }
    }
}

struct Log<'d, 'a> {
    drift: &'d mut Drift<'a>,
    n: &'d mut u64,
}

impl<'de> DeserializeSeed<'de> for Log<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Log<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a `log` object with `entries`")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "entries" {
                map.next_value_seed(Entries { drift: &mut *self.drift, n: &mut *self.n })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct Entries<'d, 'a> {
    drift: &'d mut Drift<'a>,
    n: &'d mut u64,
}

impl<'de> DeserializeSeed<'de> for Entries<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Entries<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of HAR entries")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(entry) = seq.next_element::<HarEntry>()? {
            *self.n += 1;
            let status = u16::try_from(entry.response.status).unwrap_or(0);
            let text = entry.response.content.text.unwrap_or_default();
            let bytes = if entry.response.content.encoding.as_deref() == Some("base64") {
                match base64_decode(&text) {
                    Some(b) => b,
                    None => {
                        self.drift.unreadable();
                        continue;
                    }
                }
            } else {
                text.into_bytes()
            };
            let (body, not_json) = if bytes.iter().all(u8::is_ascii_whitespace) {
                (None, false)
            } else {
                match serde_json::from_slice::<Value>(&bytes) {
                    Ok(v) => (Some(v), false),
                    Err(_) => (None, true),
                }
            };
            let ex = Exchange {
                kind: Kind::Response,
                operation: None,
                method: entry.request.method,
                path: entry.request.url,
                status,
                body,
                not_json,
            };
            self.drift.observe(&ex);
        }
        Ok(())
    }
}

/// Standard base64 (with or without padding, whitespace ignored); `None` when it is not.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            c if c.is_ascii_whitespace() => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// A proposed spec change.
#[derive(Debug, Clone, Default)]
pub struct Patch {
    /// The spec files that change, with their whole new text.
    pub files: Vec<SourceFile>,
    /// What was changed, one line each.
    pub applied: Vec<String>,
    /// Findings that could not be turned into a change, and why.
    pub skipped: Vec<String>,
}

/// A YAML key: plain when that is unambiguous, else double-quoted.
fn yaml_key(s: &str) -> String {
    let plain = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
        );
    if plain { s.to_string() } else { serde_json::to_string(s).unwrap_or_default() }
}

/// A double-quoted YAML scalar (JSON strings are valid YAML).
fn yaml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// The spec type expression for a new field's observed JSON types.
fn observed_type(types: &BTreeSet<String>) -> &'static str {
    let t: Vec<&str> = types.iter().map(String::as_str).collect();
    match t.as_slice() {
        ["string"] => "string",
        ["integer"] => "integer",
        ["integer", "number"] | ["number"] => "number",
        ["boolean"] => "boolean",
        ["array"] => "list<json>",
        _ => "json",
    }
}

fn times(n: u64) -> String {
    if n == 1 { "once".into() } else { format!("{n} times") }
}

/// One edit of a file's lines (0-based).
enum Edit {
    /// Insert lines after this one.
    After(usize, Vec<String>),
    /// Replace this line.
    Replace(usize, String),
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// The last line (0-based) of the block that starts with the key on line `start` at column
/// `col` (0-based): the lines after it indented deeper, or blank.
fn block_end(lines: &[&str], start: usize, col: usize) -> usize {
    let mut end = start;
    for (i, l) in lines.iter().enumerate().skip(start + 1) {
        let t = l.trim();
        if t.is_empty() {
            continue;
        }
        if indent(l) <= col {
            break;
        }
        end = i;
    }
    end
}

/// A key's place: its line (0-based) and column (0-based), when the key starts its line.
fn key_place<T>(key: &crate::raw::Spanned<T>, lines: &[&str]) -> Option<(usize, usize)> {
    let line = usize::try_from(key.referenced.line()).ok()?.checked_sub(1)?;
    let col = usize::try_from(key.referenced.column()).ok()?.checked_sub(1)?;
    let text = lines.get(line)?;
    // Columns count characters; the prefix must be spaces (a key in block style).
    let prefix: String = text.chars().take(col).collect();
    (prefix.chars().all(|c| c == ' ') && prefix.len() == col).then_some((line, col))
}

/// Where new entries of a mapping go: after the last entry's block, at its indentation.
fn append_place<T>(map: &crate::raw::OrderedMap<T>, lines: &[&str]) -> Option<(usize, usize)> {
    let (last, _) = map.0.last()?;
    let (line, col) = key_place(last, lines)?;
    Some((block_end(lines, line, col), col))
}

/// The enum named by `webhooks.subscriptions`, read from whichever spec file holds the block.
fn subscription_enum(files: &[SourceFile]) -> Option<String> {
    files.iter().find_map(|f| {
        let raw = serde_saphyr::from_str::<RawFile>(&f.text).ok()?;
        Some(raw.webhooks?.subscriptions?.value)
    })
}

/// Turns a report into edits of the spec files. Files that do not parse, types that are not in
/// the spec text and mappings written in flow style are reported in [`Patch::skipped`].
pub fn patch(api: &Api, files: &[SourceFile], report: &Report) -> Patch {
    let mut out = Patch::default();
    let mut edits: BTreeMap<String, Vec<Edit>> = BTreeMap::new();
    let mut parsed: HashMap<String, Option<RawFile>> = HashMap::new();
    // Findings by the type that holds them, including new webhook events on the event union.
    let mut items: Vec<(&str, TypeDrift)> = report.types.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    if !report.new_events.is_empty()
        && let Some(w) = &api.webhooks
    {
        match items.iter_mut().find(|(n, _)| *n == w.event) {
            Some((_, t)) => t.new_tags.extend(report.new_events.clone()),
            None => items.push((&w.event, TypeDrift { new_tags: report.new_events.clone(), ..TypeDrift::default() })),
        }
        // A new event must also be a value of the enum agents subscribe with, or the spec does
        // not load (nobody could subscribe to it).
        if let Some(subscriptions) = subscription_enum(files) {
            let name = api.type_def(&subscriptions).map(|d| d.name.as_str()).unwrap_or_default();
            if !name.is_empty() {
                match items.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, t)) => t.new_values.extend(report.new_events.clone()),
                    None => {
                        items.push((name, TypeDrift { new_values: report.new_events.clone(), ..TypeDrift::default() }))
                    }
                }
            }
        }
    }
    for (name, t) in items {
        if !t.has_drift() {
            continue;
        }
        for (field, w) in &t.wrong_type {
            let found: Vec<&str> = w.found.keys().map(String::as_str).collect();
            out.skipped.push(format!(
                "{name}.{field}: expected {}, found {}: decide the type by hand",
                w.expected,
                found.join(", ")
            ));
        }
        let Some(def) = api.type_def(name) else {
            if !t.wrong_type.is_empty() {
                continue;
            }
            out.skipped.push(format!("{name}: not a spec type"));
            continue;
        };
        let path = api.source(&def.module).path.clone();
        let Some(file) = files.iter().find(|f| f.path == path) else {
            out.skipped.push(format!("{name}: its file {path} was not given"));
            continue;
        };
        let raw = parsed.entry(path.clone()).or_insert_with(|| serde_saphyr::from_str::<RawFile>(&file.text).ok());
        let Some(raw) = raw.as_ref() else {
            out.skipped.push(format!("{name}: {path} does not parse"));
            continue;
        };
        let Some(raw_type) = raw.types.as_ref().and_then(|ts| ts.iter().find(|(k, _)| k.value == name).map(|(_, v)| v))
        else {
            out.skipped.push(format!("{name}: not found in {path}"));
            continue;
        };
        let lines: Vec<&str> = file.text.lines().collect();
        let list = edits.entry(path.clone()).or_default();

        if !t.new_fields.is_empty() {
            match raw_type.fields.as_ref().and_then(|f| append_place(f, &lines)) {
                Some((end, col)) => {
                    let pad = " ".repeat(col);
                    let mut new = Vec::new();
                    for (key, nf) in &t.new_fields {
                        let mut types: Vec<&str> = nf.types.iter().map(String::as_str).collect();
                        if nf.nullable {
                            types.push("null");
                        }
                        new.push(format!("{pad}{}:", yaml_key(key)));
                        new.push(format!("{pad}  type: {}", observed_type(&nf.types)));
                        new.push(format!("{pad}  optional: true"));
                        if nf.nullable {
                            new.push(format!("{pad}  nullable: true"));
                        }
                        new.push(format!(
                            "{pad}  doc: {}",
                            yaml_str(&format!("Seen in recorded traffic {OBSERVED_MARK}."))
                        ));
                        new.push(format!(
                            "{pad}  note: {}",
                            yaml_str(&format!(
                                "Added by `cargo xtask drift --patch`: seen {} in {} `{name}` objects, as {}.",
                                times(nf.count),
                                t.seen,
                                types.join(", ")
                            ))
                        ));
                        out.applied.push(format!("{name}: new optional field `{key}`"));
                    }
                    list.push(Edit::After(end, new));
                }
                None => {
                    for key in t.new_fields.keys() {
                        out.skipped.push(format!(
                            "{name}: new field `{key}`: the type has no block-style `fields:` mapping to add it to"
                        ));
                    }
                }
            }
        }
        for (label, values, map) in [
            ("value", &t.new_values, raw_type.enum_values.as_ref().and_then(|m| append_place(m, &lines))),
            ("tag", &t.new_tags, raw_type.variants.as_ref().and_then(|m| append_place(m, &lines))),
        ] {
            if values.is_empty() {
                continue;
            }
            let Some((end, col)) = map else {
                for v in values.keys() {
                    out.skipped.push(format!("{name}: new {label} `{v}`: no block-style list to add it to"));
                }
                continue;
            };
            let pad = " ".repeat(col);
            let mut new = Vec::new();
            for (v, n) in values {
                let doc = yaml_str(&format!("Seen in recorded traffic {OBSERVED_MARK}."));
                new.push(format!("{pad}# Added by `cargo xtask drift --patch`: seen {}.", times(*n)));
                if label == "value" {
                    new.push(format!("{pad}{}: {doc}", yaml_key(v)));
                } else {
                    new.push(format!("{pad}{}: {{ doc: {doc} }}", yaml_key(v)));
                }
                out.applied.push(format!("{name}: new {label} `{v}`"));
            }
            list.push(Edit::After(end, new));
        }
        // Flags on declared fields: `optional` for missing ones, `nullable` for nulls.
        let mut flags: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for f in t.missing_required.keys() {
            flags.entry(f).or_default().push("optional");
        }
        for f in t.unexpected_null.keys() {
            flags.entry(f).or_default().push("nullable");
        }
        for (field, wanted) in flags {
            let entry = raw_type.fields.as_ref().and_then(|fs| fs.iter().find(|(k, _)| k.value == field));
            let place = entry.and_then(|(k, _)| key_place(k, &lines));
            let Some((line, col)) = place else {
                out.skipped.push(format!(
                    "{name}.{field}: not a block-style field of the type; set {} by hand",
                    wanted.join(" and ")
                ));
                continue;
            };
            let end = block_end(&lines, line, col);
            let block = lines[line..=end].join("\n");
            if wanted.iter().any(|w| block.contains(&format!("{w}:"))) {
                out.skipped.push(format!("{name}.{field}: already sets {}; change it by hand", wanted.join(" or ")));
                continue;
            }
            let text = lines[line];
            if let Some(brace) = text.find(": {") {
                // Flow style on one line: `key: { type: x, doc: y }`.
                let mut new = text.to_string();
                let ins = wanted.iter().map(|w| format!(" {w}: true,")).collect::<String>();
                new.insert_str(brace + 3, &ins);
                list.push(Edit::Replace(line, new));
            } else if end > line {
                let pad =
                    " ".repeat(indent(lines[line + 1..=end].iter().find(|l| !l.trim().is_empty()).unwrap_or(&"")));
                list.push(Edit::After(line, wanted.iter().map(|w| format!("{pad}{w}: true")).collect()));
            } else {
                out.skipped.push(format!("{name}.{field}: unusual layout; set {} by hand", wanted.join(" and ")));
                continue;
            }
            for w in wanted {
                out.applied.push(format!("{name}.{field}: {w}: true"));
            }
        }
    }
    for (path, mut list) in edits {
        if list.is_empty() {
            continue;
        }
        let Some(file) = files.iter().find(|f| f.path == path) else { continue };
        let mut lines: Vec<String> = file.text.lines().map(str::to_string).collect();
        let at = |e: &Edit| match e {
            Edit::After(l, _) | Edit::Replace(l, _) => *l,
        };
        // From the bottom up, so earlier line numbers stay true; a replacement before an
        // insertion after the same line.
        list.sort_by_key(|e| std::cmp::Reverse(at(e)));
        for e in list {
            match e {
                Edit::Replace(l, s) => lines[l] = s,
                Edit::After(l, new) => {
                    let tail = lines.split_off(l + 1);
                    lines.extend(new);
                    lines.extend(tail);
                }
            }
        }
        let mut text = lines.join("\n");
        if file.text.ends_with('\n') {
            text.push('\n');
        }
        out.files.push(SourceFile { path, text });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The real spec, read from this checkout when the test runs.
    fn api() -> Api {
        let dir = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR");
        let files = crate::files::read_spec_dir(&std::path::Path::new(&dir).join("../spec")).unwrap();
        crate::load(&files).unwrap_or_else(|d| panic!("{d}"))
    }

    fn run(api: &Api, lines: &[&str]) -> Report {
        let mut d = Drift::new(api);
        read_ndjson(lines.join("\n").as_bytes(), &mut d).unwrap();
        d.finish()
    }

    #[test]
    fn paths_match_the_most_literal_template_with_or_without_base_path() {
        let api = api();
        let d = Drift::new(&api);
        let op = |m: &str, p: &str| find_route(&d.routes, None, m, p).map(|r| r.op.clone());
        assert_eq!(op("GET", "/ca/api/v0/calling/history?limit=5").as_deref(), Some("calling.history"));
        assert_eq!(
            op("get", "https://prod-api.ringg.ai/ca/api/v0/calling/history").as_deref(),
            Some("calling.history")
        );
        assert_eq!(op("GET", "/calling/history/").as_deref(), Some("calling.history"));
        assert_eq!(op("POST", "/calling/history/download").as_deref(), Some("calling.download_history"));
        assert_eq!(op("DELETE", "/calling/history"), None);
        assert_eq!(op("GET", "/ca/api/v0/nothing"), None);
        // An operation id wins over the path.
        assert_eq!(
            find_route(&d.routes, Some("workspace.get"), "GET", "/elsewhere").map(|r| r.op.as_str()),
            Some("workspace.get")
        );
    }

    #[test]
    fn an_untagged_union_is_walked_as_the_member_that_fits_best() {
        let api = api();
        // `transcript` is `Transcript`: text, or a list of turns. A list with an unknown key in a
        // turn is the list member with one new field, not a wrong string.
        let turns = r#"{"kind":"webhook","body":{"event_type":"call_completed","call_id":"c1","transcript":[{"bot":"hi","tone":"warm"}]}}"#;
        let text = r#"{"kind":"webhook","body":{"event_type":"call_completed","call_id":"c1","transcript":"[]"}}"#;
        let r = run(&api, &[turns, text]);
        assert_eq!(r.types["TranscriptTurn"].new_fields["tone"].count, 1);
        assert!(r.types.values().all(|t| t.wrong_type.is_empty()), "{r:#?}");
        assert_eq!(r.types["CallCompleted"].seen, 2);
        assert!(!r.types["CallCompleted"].has_drift());
    }

    #[test]
    fn wrong_types_at_the_root_are_named_after_the_operation() {
        let api = api();
        let r = run(&api, &[r#"{"operation":"workspace.get","status":200,"body":[1,2]}"#]);
        let w = &r.types["response of workspace.get"].wrong_type["(body)"];
        assert_eq!(w.expected, "WorkspaceInfoResponse");
        assert_eq!(w.found["array"], 1);
        assert!(r.has_drift());
        // Not patchable: it is not a spec type.
        let files = crate::files::read_spec_dir(
            &std::path::Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").unwrap()).join("../spec"),
        )
        .unwrap();
        let p = patch(&api, &files, &r);
        assert!(p.files.is_empty());
        assert_eq!(p.skipped.len(), 1, "{:?}", p.skipped);
    }

    #[test]
    fn unknown_kinds_and_bad_lines_are_errors_that_name_the_line() {
        let api = api();
        let mut d = Drift::new(&api);
        let e = read_ndjson("\n{\"kind\":\"email\"}\n".as_bytes(), &mut d).unwrap_err();
        assert_eq!(e, "line 2: unknown kind `email` (expected response, webhook or callback)");
        let e = read_ndjson("{\"body\": \"secret".as_bytes(), &mut d).unwrap_err();
        assert!(e.starts_with("line 1: not a recording line") && !e.contains("secret"), "{e}");
    }

    /// What `ringg --record` and `ringg webhooks listen --record` wrote against the emulator
    /// (`generated/cli/tests/record.rs` makes the same recording): a workspace, two pages of
    /// call history, a key rotation, a 401, a webhook and a callback.
    fn cli_recording() -> Vec<String> {
        let dir = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR");
        let path = std::path::Path::new(&dir).join("tests/fixtures/drift/cli-recording.ndjson");
        std::fs::read_to_string(path).unwrap().lines().map(str::to_string).collect()
    }

    #[test]
    fn the_command_lines_recordings_are_read_and_match_the_spec() {
        let api = api();
        let lines = cli_recording();
        let r = run(&api, &lines.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!((r.exchanges, r.checked, r.skipped, r.unreadable), (7, 6, 1, 0), "{r:#?}");
        assert!(!r.has_drift() && r.unmatched.is_empty(), "{r:#?}");
        for (name, seen) in [
            ("WorkspaceInfoResponse", 1),
            ("CallHistoryPage", 2),
            ("ApiKeyRotation", 1),
            ("CallCompleted", 1),
            ("CallbackPayload", 1),
        ] {
            assert_eq!(r.types.get(name).map(|t| t.seen), Some(seen), "{name}: {r:#?}");
        }
        // The same lines with a field added, a required field dropped and an enum value the
        // spec does not list.
        assert!(lines[0].contains(r#""locked_credits":1.0,"#), "{}", lines[0]);
        let drifted: Vec<String> = lines
            .iter()
            .map(|l| l.replacen(r#""credits":"#, r#""region":"ap-south-1","credits":"#, 1))
            .map(|l| l.replacen(r#""locked_credits":1.0,"#, "", 1))
            .map(|l| l.replacen(r#""status":"registered""#, r#""status":"on_hold""#, 1))
            .collect();
        let r = run(&api, &drifted.iter().map(String::as_str).collect::<Vec<_>>());
        let workspace = &r.types["WorkspaceInfo"];
        assert_eq!(workspace.new_fields["region"].types, BTreeSet::from(["string".to_string()]));
        assert_eq!(workspace.missing_required["locked_credits"], 1, "{r:#?}");
        assert_eq!(r.types["CallStatus"].new_values["on_hold"], 1, "{r:#?}");
    }

    #[test]
    fn base64_decodes_standard_and_url_safe_text() {
        assert_eq!(base64_decode("eyJhIjoxfQ==").unwrap(), br#"{"a":1}"#);
        assert_eq!(base64_decode("eyJh\nIjoxfQ").unwrap(), br#"{"a":1}"#);
        assert_eq!(base64_decode("-_8=").unwrap(), vec![0xfb, 0xff]);
        assert!(base64_decode("not base64!").is_none());
    }

    #[test]
    fn keys_are_quoted_only_when_plain_yaml_would_change_them() {
        assert_eq!(yaml_key("hangup_cause"), "hangup_cause");
        assert_eq!(yaml_key("NO"), "\"NO\"");
        assert_eq!(yaml_key("3d"), "\"3d\"");
        assert_eq!(yaml_key("a: b"), "\"a: b\"");
    }
}
