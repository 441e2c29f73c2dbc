//! Spec diff: what a change to `spec/` breaks, computed from two IRs rather than from YAML text.
//!
//! [`diff`] compares a base and a head [`Api`] and lists every change a user of the API or of the
//! generated crate can notice. Doc text and examples are not compared: they cannot break anyone.
//! Each [`Change`] is classified twice:
//!
//! - [`Wire`]: would an integration built against the base spec (an existing client, an older
//!   version of the crate, a webhook receiver) break against a server that behaves like the head
//!   spec? `breaking` when requests it sends may now be refused or mean something else, or when
//!   responses and webhook deliveries it receives may no longer decode or no longer hold what it
//!   relied on; `compatible` when the wire changes but such an integration keeps working; `none`
//!   when nothing changes on the wire (Rust names, constructors, documentation of behaviour).
//! - [`Bump`]: would code that compiled against the base crate still compile, and behave the
//!   same, against the head crate? `major`, `minor` or `patch` in Cargo's semver sense.
//!
//! The two axes differ on purpose: renaming a Rust field (`rust_name`) is major but invisible on
//! the wire; moving an endpoint to a new path is a patch for Rust (the same method) but breaks
//! every existing integration on the wire.
//!
//! # Roles
//!
//! How a type is used decides its wire class. A type reachable from a request body, a query or
//! path parameter, or the web-call options is *sent*; one reachable from a JSON response or the
//! webhook event is *received*. A type can be both (both sets of rules apply, the worse wins) or
//! neither (no wire effect: `none`). Roles are taken from base and head together. Sent data
//! tolerates widening (the server now accepts more than before); received data tolerates
//! narrowing (the server now sends less variety than before).
//!
//! # Facts about the generated crate that the Rust rules rely on
//!
//! - Object structs are `#[non_exhaustive]` with `pub` fields, so nobody outside the crate builds
//!   them with a struct literal: adding a field is minor, removing or retyping one is major.
//! - Request types (`TypeDef::input`) get `new(required..)`, whose arguments are the required and
//!   the nullable fields in spec order, plus a setter per optional field. A new argument, a
//!   removed one, or a reordered one changes `new` (major); a new setter is minor.
//! - A field's Rust type follows its presence: required `T`, optional or nullable `Option<T>`,
//!   optional and nullable `Patch<T>`. `string`, `date` and `datetime` are all `String`.
//! - Enums are open and `#[non_exhaustive]`: a new value is minor (old code matches with `_`),
//!   a removed value removes a variant (major). Untagged and tagged unions are `#[non_exhaustive]`
//!   enums too.
//! - An endpoint is a method on its resource handle whose arguments are the path parameters (in
//!   template order), the required query parameters (in spec order) and the body; optional query
//!   parameters are setters on the request. Paginated endpoints also get `.stream()`.
//! - Operation structs (`shop::orders::Stats`) are never unit structs and cannot be built outside
//!   the crate (private fields, or `#[non_exhaustive]` when there are no inputs): users get them
//!   from the resource methods only, so adding an optional input or pagination is minor.
//! - The traits each type implements are [`TypeDef::traits`]. A request type whose fields are all
//!   optional implements `Default`; a change that takes a trait away is major, and the report
//!   names the trait on the change that caused it.
//! - `ErrorKind` is part of the hand-written runtime: the spec's error table and each endpoint's
//!   `errors` only reach the docs (patch). Base URL names are accepted by
//!   `ClientBuilder::base_url_for`, the auth variable by `Client::from_env`.
//!
//! # Version rule
//!
//! The head spec's `api.version` is the generated crate's version, so the bump is part of the
//! reviewed diff. The bump a diff *requires* is the largest Rust class of its changes; the bump
//! it *makes* is read off `api.version` of base and head with Cargo's rules: for `1.0.0` and
//! later, MAJOR.MINOR.PATCH as usual; for `0.y.z` a change of `y` is a major bump and a change of
//! `z` is a minor one (Cargo treats `0.y.z` and `0.y.(z+1)` as compatible, so a patch release may
//! also add); for `0.0.z` every change is major. `cargo xtask spec-diff` fails when a major bump is
//! required but not made. The wire class does not enter the version rule: it is for the reviewer
//! and for release notes, since no crate version can fix an integration already deployed.
//!
//! # Rules
//!
//! | change | wire | Rust |
//! |---|---|---|
//! | endpoint added | compatible | minor |
//! | endpoint removed | breaking | major |
//! | endpoint renamed or moved to another resource (same route) | none | major |
//! | endpoint moved (method or path) | breaking | patch |
//! | endpoint moved to another base URL | breaking | patch |
//! | endpoint deprecated | none | minor |
//! | endpoint no longer deprecated, replacement changed | none | patch |
//! | optional query parameter added | compatible | minor |
//! | required query or path parameter added | breaking | major |
//! | parameter removed | breaking | major |
//! | parameter retyped | breaking unless widened | major unless the Rust type stays |
//! | query parameter made required | breaking | major |
//! | query parameter made optional | compatible | major |
//! | optional parameter's Rust name changed (setter) | none | major |
//! | required parameter's Rust name or path placeholder changed | none | patch |
//! | method arguments reordered | none | major |
//! | body added or removed | breaking | major |
//! | body type changed | breaking | major unless the Rust type stays |
//! | body encoding changed | breaking | patch |
//! | response body added (was empty) | compatible | major |
//! | response body removed or changed kind | breaking | major |
//! | response type changed | breaking unless narrowed | major unless the Rust type stays |
//! | pagination added | compatible | minor |
//! | pagination removed | breaking | major |
//! | page item type changed | none | major |
//! | page envelope path changed | none | patch |
//! | retry safety changed | compatible (flagged) | patch |
//! | `places_calls` changed | none (flagged) | patch |
//! | endpoint error status added or removed | compatible | patch |
//! | field added, optional | compatible | minor |
//! | field added, required or nullable, to a sent type | breaking | major with `new`, else minor |
//! | field added, required, to a received-only type | compatible | minor |
//! | field removed from a sent type | breaking | major |
//! | field removed from a received type, was required or nullable | breaking | major |
//! | field removed from a received type, was optional | compatible | major |
//! | field retyped | breaking unless widened (sent) / narrowed (received) | major unless the Rust type stays |
//! | field made required | breaking if sent | major |
//! | field made optional or nullable | breaking if received | major (unless the Rust type and `new` stay) |
//! | field's Rust name changed | none | major |
//! | `new` arguments reordered | none | major |
//! | field flattened or unflattened | breaking | patch |
//! | field secret, deprecated or server default changed | none / compatible | patch |
//! | enum value added | compatible | minor |
//! | enum value removed | breaking if sent | major |
//! | union member added | breaking if received | minor |
//! | union member removed | breaking if sent | major |
//! | union members reordered | none (flagged) | patch |
//! | tagged variant or webhook event added | breaking if received and closed | minor |
//! | tagged variant or webhook event removed | breaking if sent | major |
//! | tagged variant payload changed | breaking | major unless the Rust type stays |
//! | tag field renamed | breaking | patch |
//! | tagged union opened / closed | none | minor / major |
//! | type added / removed | none | minor / major |
//! | type's shape changed (object, enum, union) | breaking | major |
//! | type becomes a request type (gains `new`) / stops being one | none | minor / major |
//! | type becomes / stops being a multipart form | none | major / minor |
//! | resource added / removed | compatible / breaking | minor / major |
//! | base URL added / removed / changed | compatible / breaking / breaking | minor / major / patch |
//! | auth header changed | breaking | patch |
//! | auth environment variable changed | none | major |
//! | pagination parameter names changed, max page size lowered | breaking | patch |
//! | error status added, removed or changed | compatible / none | patch |
//! | webhooks added / removed / event type changed | compatible / breaking / breaking | minor / major / major |
//! | web-call widget added / removed / options type changed | none | minor / major / major |
//! | web-call loader URLs changed | breaking | patch |

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use heck::ToKebabCase;

use crate::ir::{Api, Endpoint, Field, Param, Presence, Resource, Response, Retry, TypeDef, TypeKind, TypeRef};

/// A semver level, as Cargo defines it for the generated crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Bump {
    /// Nothing that compiled stops compiling or changes meaning (docs, internals).
    Patch,
    /// Additions: code that compiled still compiles.
    Minor,
    /// Code that compiled may stop compiling, or silently behave differently.
    Major,
}

impl Bump {
    /// `patch`, `minor` or `major`.
    pub fn as_str(self) -> &'static str {
        match self {
            Bump::Patch => "patch",
            Bump::Minor => "minor",
            Bump::Major => "major",
        }
    }
}

/// What a change does to integrations built against the base spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Wire {
    /// Nothing changes on the wire.
    None,
    /// The wire changes; existing integrations keep working.
    Compatible,
    /// Existing integrations' requests or response handling may break.
    Breaking,
}

impl Wire {
    /// `none`, `compatible` or `breaking`.
    pub fn as_str(self) -> &'static str {
        match self {
            Wire::None => "none",
            Wire::Compatible => "compatible",
            Wire::Breaking => "breaking",
        }
    }
}

/// What changed. Each variant documents its rule as `wire / Rust`; see the module docs for the
/// facts behind them. [`Kind::id`] is the stable kebab-case name used in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `api.name` changed. none / major: the crate has a new name; every `use` breaks.
    CrateRenamed,
    /// `api.api_version` changed. none / patch: documentation (base URLs carry the real routes).
    ApiVersionChanged,
    /// A named base URL was added. compatible / minor: `base_url_for` accepts a new name.
    BaseUrlAdded,
    /// A named base URL was removed. breaking / major: `base_url_for(name)` now fails at `build()`.
    BaseUrlRemoved,
    /// A base URL points elsewhere. breaking / patch: old integrations still call the old host.
    BaseUrlChanged,
    /// The auth header or the API key's environment variable changed. Header: breaking / patch
    /// (the crate sends the new header by itself, old integrations the old one). Variable: none /
    /// major (`Client::from_env` reads another variable, so deployments stop finding their key).
    AuthChanged,
    /// `api.pagination` changed. Parameter names: breaking / patch. Lower maximum page size:
    /// breaking / patch (old integrations may ask for more). Higher maximum: compatible / patch.
    /// Default page size: none / patch (the SDK always sends `limit`).
    PaginationSettingsChanged,
    /// An error status was added to the error table. compatible / patch: `ErrorKind` is part of
    /// the runtime; the table only reaches the docs.
    ErrorCaseAdded,
    /// An error status was removed from the table. compatible / patch (docs only).
    ErrorCaseRemoved,
    /// An error status maps to another kind, or its `retryable` flag changed. none / patch (docs).
    ErrorCaseChanged,
    /// A resource was added. compatible / minor: a new `client.<resource>()` accessor.
    ResourceAdded,
    /// A resource was removed. breaking / major: its accessor and handle are gone.
    ResourceRemoved,
    /// A resource's Rust handle type was renamed. none / major.
    ResourceRenamed,
    /// An endpoint was added. compatible / minor: a new method.
    EndpointAdded,
    /// An endpoint was removed. breaking / major.
    EndpointRemoved,
    /// An endpoint was renamed or moved to another resource, its route unchanged. none / major:
    /// the method (and its operation struct) has a new name.
    EndpointRenamed,
    /// An endpoint's method or path changed (path placeholders renamed alone do not count).
    /// breaking / patch: old integrations call the old route; the Rust method stays.
    EndpointMoved,
    /// An endpoint moved to another base URL. breaking / patch.
    EndpointBaseUrlChanged,
    /// An endpoint was deprecated. none / minor: `#[deprecated]` adds warnings, not errors.
    EndpointDeprecated,
    /// An endpoint is no longer deprecated, or its replacement changed. none / patch.
    EndpointUndeprecated,
    /// A parameter was added. Optional query parameter: compatible / minor (a new setter).
    /// Required query or path parameter: breaking / major (old requests lack it; the method gains
    /// an argument).
    ParamAdded,
    /// A parameter was removed. breaking / major: the server no longer honours what old
    /// integrations send; the setter or argument is gone.
    ParamRemoved,
    /// A parameter's type changed. Wire: compatible when the new type accepts every old value
    /// (`integer` to `number`, `date` to `string`, anything to `json`), else breaking. Rust:
    /// patch when the Rust type stays (`string`, `date`, `datetime` are all `String`), else major.
    ParamRetyped,
    /// A query parameter was made required or optional. Required: breaking / major (a setter
    /// becomes an argument). Optional: compatible / major (an argument becomes a setter).
    ParamPresenceChanged,
    /// A parameter's Rust name (or a path placeholder) changed, the wire being the same. none /
    /// major for optional query parameters (the setter is renamed), none / patch for arguments
    /// (callers pass them by position).
    ParamRenamed,
    /// A parameter's documented server default changed. compatible / patch.
    ParamDefaultChanged,
    /// Arguments that exist in both versions changed order: the endpoint method's (required query
    /// parameters) or a request type's `new` (required and nullable fields). none / major.
    ArgumentsReordered,
    /// An endpoint gained a body. breaking / major: old requests lack it; a new argument.
    BodyAdded,
    /// An endpoint lost its body. breaking / major: the `body` argument is gone.
    BodyRemoved,
    /// The body is another type. breaking / major unless both have the same Rust name. Changes
    /// inside a body type are reported on the type.
    BodyRetyped,
    /// The body switched between JSON and multipart. breaking / patch (the type's own change is
    /// reported as [`Kind::MultipartChanged`]).
    BodyEncodingChanged,
    /// The successful response changed: JSON type, empty, or binary. Empty to JSON: compatible /
    /// major (the output type changes). JSON to empty or another kind: breaking / major. JSON to
    /// another type: compatible only when every new value is an old value, major unless the Rust
    /// type stays. Binary media type: breaking / patch.
    ResponseChanged,
    /// An endpoint became paginated. compatible / minor: it gains `.stream()`.
    PaginationAdded,
    /// An endpoint is no longer paginated. breaking / major: `.stream()` is gone.
    PaginationRemoved,
    /// Pagination details changed. Item type: none / major (`stream` yields another type; the
    /// response type's own change is reported on the type). Items path or total: none / patch.
    PaginationChanged,
    /// Retry safety changed. compatible / patch, flagged: `safe` to `unsafe` means old crate
    /// versions may still re-send a request that is no longer idempotent; `unsafe` to `safe` means
    /// the crate now re-sends it after timeouts and 5xx.
    RetryChanged,
    /// `places_calls` changed. none / patch, flagged: it forbids automatic re-sending.
    PlacesCallsChanged,
    /// An endpoint documents a new error status. compatible / patch (docs).
    EndpointErrorAdded,
    /// An endpoint no longer documents an error status. compatible / patch (docs).
    EndpointErrorRemoved,
    /// A named type was added. none / minor (its uses are reported where they appear).
    TypeAdded,
    /// A named type was removed. none / major (its uses are reported where they disappear).
    TypeRemoved,
    /// A type changed shape (object, enum, union, tagged union). breaking / major.
    TypeKindChanged,
    /// A type's Rust name changed. none / major.
    TypeRenamed,
    /// A type became part of a request: it gains `new` and setters. none / minor.
    ConstructorAdded,
    /// A type is no longer part of any request: `new` and the setters are gone. none / major.
    ConstructorRemoved,
    /// A type became (or stopped being) a multipart form. Became: none / major (it loses
    /// `Serialize`, `Deserialize` and `PartialEq`). Stopped: none / minor (it gains them).
    MultipartChanged,
    /// A field was added. Wire: breaking when the type is sent and the field must be present
    /// (required or nullable), else compatible (received data may grow: decoders ignore unknown
    /// keys). Rust: major when it becomes an argument of an existing `new` (required or nullable
    /// field of a request type), else minor (structs are `#[non_exhaustive]`).
    FieldAdded,
    /// A field was removed. Rust: major. Wire: breaking when the type is sent (the server no
    /// longer honours it) or received and the field was always present; compatible when it was
    /// optional in received data (old decoders already cope with its absence).
    FieldRemoved,
    /// A field's type changed. Wire: sent data must accept every old value, received data may only
    /// hold old values (see [`Kind::ParamRetyped`]). Rust: major unless the Rust type stays.
    FieldRetyped,
    /// A field's presence changed (required, optional, nullable). Wire: breaking when sent and it
    /// may no longer be absent or null; breaking when received and it may now be absent or null.
    /// Rust: major when the field's Rust type (`T`, `Option<T>`, `Patch<T>`) or a request type's
    /// `new` changes, else patch (optional and nullable are both `Option<T>` in response types).
    FieldPresenceChanged,
    /// A field's Rust name changed, the wire name being the same. none / major.
    FieldRenamed,
    /// A field was flattened into its parent or stopped being. breaking / patch (same Rust field).
    FieldFlattenChanged,
    /// A field's `secret` flag changed. none / patch: only `Debug` changes.
    FieldSecretChanged,
    /// A field's documented server default changed. compatible / patch.
    FieldDefaultChanged,
    /// A field was deprecated or is no longer. none / patch: a doc note, not `#[deprecated]`.
    FieldDeprecated,
    /// An enum value was added. compatible / minor: enums are open (old decoders keep the value
    /// as `Unknown`) and `#[non_exhaustive]`.
    EnumValueAdded,
    /// An enum value was removed. Rust: major (the variant is gone). Wire: breaking when the enum
    /// is sent (old integrations may still send the value), compatible when only received.
    EnumValueRemoved,
    /// An enum value's Rust variant was renamed. none / major.
    EnumValueRenamed,
    /// An untagged union gained a member. Rust: minor (`#[non_exhaustive]`). Wire: breaking when
    /// received (old decoders fail on the new shape), compatible when only sent.
    UnionMemberAdded,
    /// An untagged union lost a member. Rust: major. Wire: breaking when sent.
    UnionMemberRemoved,
    /// A union member holds another type. Wire as [`Kind::FieldRetyped`]; Rust major unless the
    /// Rust type stays.
    UnionMemberRetyped,
    /// Union members were reordered. none / patch, flagged: members are tried in order, so a
    /// value that fits several may decode as another variant.
    UnionMembersReordered,
    /// A tagged union (or the webhook event) gained a variant. Rust: minor. Wire: breaking when
    /// received and the union is closed (old decoders reject the tag), else compatible.
    VariantAdded,
    /// A tagged union lost a variant. Rust: major. Wire: breaking when sent.
    VariantRemoved,
    /// A variant's payload type changed. breaking / major unless the Rust type stays.
    VariantRetyped,
    /// A variant's Rust name changed. none / major.
    VariantRenamed,
    /// The tag field of a tagged union was renamed. breaking / patch.
    TagChanged,
    /// A tagged union was opened or closed. Opened: none / minor (an `Unknown` variant is added
    /// to a `#[non_exhaustive]` enum). Closed: none / major (`Unknown` is removed and unknown tags
    /// stop decoding).
    OpennessChanged,
    /// Webhooks were added to the spec. compatible / minor.
    WebhooksAdded,
    /// Webhooks were removed from the spec. breaking / major.
    WebhooksRemoved,
    /// The webhook event is another type. breaking / major unless the Rust type stays.
    WebhookEventChanged,
    /// The web-call widget was added. none / minor.
    WebcallAdded,
    /// The web-call widget was removed. none / major.
    WebcallRemoved,
    /// The web-call widget changed. Options type: none / major unless the Rust type stays.
    /// Loader URLs: breaking / patch. Default widget version: none / patch.
    WebcallChanged,
}

impl Kind {
    /// Stable kebab-case name (`field-added`).
    pub fn id(self) -> String {
        format!("{self:?}").to_kebab_case()
    }
}

/// One change, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Report section: `api`, or the spec module (file stem) of the resource or type.
    pub group: String,
    /// What changed: `resource.endpoint`, a type name, or an API-wide part.
    pub subject: String,
    /// The rule that classified it.
    pub kind: Kind,
    /// What happened, in words (Markdown code spans for names).
    pub change: String,
    /// Something the reviewer should look at beyond the classification.
    pub note: Option<String>,
    /// Effect on existing integrations.
    pub wire: Wire,
    /// Effect on code using the generated crate.
    pub rust: Bump,
}

/// The classified difference between two specs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecDiff {
    /// `api.version` of the base.
    pub base_version: String,
    /// `api.version` of the head.
    pub head_version: String,
    /// Every change, grouped by [`Change::group`] (`api` first, then by name), in discovery order
    /// within a group.
    pub changes: Vec<Change>,
}

/// The version verdict of a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionCheck {
    /// The largest Rust class of the changes; `None` without changes.
    pub required: Option<Bump>,
    /// The bump from base to head `api.version`; `None` when it stays (or goes down).
    pub made: Option<Bump>,
    /// The made bump covers the required one.
    pub ok: bool,
    /// A major bump is required and not made: `spec-diff` fails unless `--allow-breaking`.
    pub blocking: bool,
    /// The smallest version that would make the required bump, when it is not made.
    pub suggested: Option<String>,
}

/// Compares two specs. Pure: the IRs in, the classified changes out.
pub fn diff(base: &Api, head: &Api) -> SpecDiff {
    let mut cx = Cx { base, head, base_roles: roles(base), head_roles: roles(head), out: Vec::new() };
    cx.api();
    cx.resources();
    cx.types();
    cx.webhooks();
    cx.webcall();
    let mut changes = cx.out;
    changes.sort_by(|a, b| group_rank(&a.group).cmp(&group_rank(&b.group)));
    SpecDiff { base_version: base.version.clone(), head_version: head.version.clone(), changes }
}

fn group_rank(group: &str) -> (u8, &str) {
    if group == "api" { (0, "") } else { (1, group) }
}

// ------------------------------------------------------------------------------------ roles

/// Where a type travels.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Role {
    /// Reachable from a request: body, parameter, web-call options.
    sent: bool,
    /// Reachable from a JSON response.
    response: bool,
    /// Reachable from the webhook event.
    event: bool,
}

impl Role {
    fn or(self, other: Role) -> Role {
        Role {
            sent: self.sent || other.sent,
            response: self.response || other.response,
            event: self.event || other.event,
        }
    }

    fn received(self) -> bool {
        self.response || self.event
    }

    /// The wire class of a change that breaks senders when `sent_breaks` and receivers when
    /// `received_breaks`; `none` for a type used nowhere.
    fn wire(self, sent_breaks: bool, received_breaks: bool) -> Wire {
        if !self.sent && !self.received() {
            Wire::None
        } else if (self.sent && sent_breaks) || (self.received() && received_breaks) {
            Wire::Breaking
        } else {
            Wire::Compatible
        }
    }

    /// `request field`, `response field`, `event field` or `field`.
    fn field_label(self) -> &'static str {
        match (self.sent, self.response, self.event) {
            (true, false, false) => "request field",
            (false, true, _) => "response field",
            (false, false, true) => "event field",
            _ => "field",
        }
    }
}

fn type_refs(t: &TypeDef) -> Vec<&str> {
    match &t.kind {
        TypeKind::Object(fields) => fields.iter().filter_map(|f| f.ty.named()).collect(),
        TypeKind::Union(members) => members.iter().filter_map(|m| m.ty.named()).collect(),
        TypeKind::Tagged(t) => t.variants.iter().filter_map(|v| v.ty.as_deref()).collect(),
        TypeKind::Enum(_) => Vec::new(),
    }
}

/// The role of every type reachable from the API's requests, responses and webhooks.
fn roles(api: &Api) -> HashMap<String, Role> {
    const SENT: Role = Role { sent: true, response: false, event: false };
    const RESPONSE: Role = Role { sent: false, response: true, event: false };
    const EVENT: Role = Role { sent: false, response: false, event: true };
    let mut stack: Vec<(&str, Role)> = Vec::new();
    for e in api.resources.iter().flat_map(|r| &r.endpoints) {
        if let Some(b) = &e.body {
            stack.push((&b.ty, SENT));
        }
        for p in e.path_params.iter().chain(&e.query) {
            if let Some(n) = p.ty.named() {
                stack.push((n, SENT));
            }
        }
        if let Response::Json(t) = &e.response
            && let Some(n) = t.named()
        {
            stack.push((n, RESPONSE));
        }
    }
    if let Some(w) = &api.webhooks {
        stack.push((&w.event, EVENT));
    }
    if let Some(w) = &api.webcall {
        stack.push((&w.options, SENT));
    }
    let mut roles: HashMap<String, Role> = HashMap::new();
    while let Some((name, role)) = stack.pop() {
        let entry = roles.entry(name.to_string()).or_default();
        let merged = entry.or(role);
        if merged == *entry {
            continue;
        }
        *entry = merged;
        if let Some(t) = api.type_def(name) {
            stack.extend(type_refs(t).into_iter().map(|n| (n, role)));
        }
    }
    roles
}

// ------------------------------------------------------------------------------------ helpers

/// The Rust spelling of a type, as the emitter writes it.
fn rust_ty(api: &Api, t: &TypeRef) -> String {
    match t {
        TypeRef::String | TypeRef::Date | TypeRef::DateTime => "String".into(),
        TypeRef::Integer => "i64".into(),
        TypeRef::Number => "f64".into(),
        TypeRef::Boolean => "bool".into(),
        TypeRef::Json => "serde_json::Value".into(),
        TypeRef::File => "Upload".into(),
        TypeRef::List(inner) => format!("Vec<{}>", rust_ty(api, inner)),
        TypeRef::Map(inner) => format!("BTreeMap<String, {}>", rust_ty(api, inner)),
        TypeRef::Named(n) => api.type_def(n).map_or_else(|| n.clone(), |d| d.rust.clone()),
    }
}

/// True when every value valid for `from` is valid for `to` on the wire.
fn widens(from: &TypeRef, to: &TypeRef) -> bool {
    match (from, to) {
        _ if from == to => true,
        (_, TypeRef::Json) => true,
        (TypeRef::Integer, TypeRef::Number) => true,
        (TypeRef::Date | TypeRef::DateTime, TypeRef::String) => true,
        (TypeRef::List(a), TypeRef::List(b)) | (TypeRef::Map(a), TypeRef::Map(b)) => widens(a, b),
        _ => false,
    }
}

fn code(s: &str) -> String {
    format!("`{s}`")
}

fn presence_str(p: Presence) -> &'static str {
    match p {
        Presence::Required => "required",
        Presence::Optional => "optional",
        Presence::Nullable => "nullable",
        Presence::OptionalNullable => "optional, nullable",
    }
}

fn nullable(p: Presence) -> bool {
    matches!(p, Presence::Nullable | Presence::OptionalNullable)
}

/// The field is an argument of its type's `new`.
fn in_new(p: Presence) -> bool {
    matches!(p, Presence::Required | Presence::Nullable)
}

/// The wrapper the presence puts around the Rust type: `T`, `Option<T>`, `Patch<T>`.
fn wrapper(p: Presence) -> u8 {
    match p {
        Presence::Required => 0,
        Presence::Optional | Presence::Nullable => 1,
        Presence::OptionalNullable => 2,
    }
}

fn describe_field(f: &Field) -> String {
    format!("{}, {}", code(&f.ty.spec()), presence_str(f.presence))
}

/// `/orders/{}/items` for `/orders/{id}/items`: placeholders are positional on the wire.
fn route(path: &str) -> String {
    path.split('/').map(|s| if s.starts_with('{') && s.ends_with('}') { "{}" } else { s }).collect::<Vec<_>>().join("/")
}

fn base_url<'a>(api: &'a Api, name: &str) -> &'a str {
    api.base_urls.iter().find(|b| b.name == name).map_or("", |b| b.url.as_str())
}

fn response_str(r: &Response) -> String {
    match r {
        Response::Empty => "empty".into(),
        Response::Json(t) => code(&t.spec()),
        Response::Binary { media_type: Some(m) } => format!("binary ({})", code(m)),
        Response::Binary { media_type: None } => "binary".into(),
    }
}

/// Relative order of the names present in both lists, when it differs.
fn reordered<'a>(base: &[&'a str], head: &[&'a str]) -> Option<(Vec<&'a str>, Vec<&'a str>)> {
    let common_base: Vec<&str> = base.iter().copied().filter(|n| head.contains(n)).collect();
    let common_head: Vec<&str> = head.iter().copied().filter(|n| base.contains(n)).collect();
    (common_base != common_head).then_some((common_base, common_head))
}

fn list(names: &[&str]) -> String {
    names.iter().map(|n| code(n)).collect::<Vec<_>>().join(", ")
}

// ------------------------------------------------------------------------------------ comparison

struct Cx<'a> {
    base: &'a Api,
    head: &'a Api,
    base_roles: HashMap<String, Role>,
    head_roles: HashMap<String, Role>,
    out: Vec<Change>,
}

impl Cx<'_> {
    fn push(&mut self, group: &str, subject: &str, kind: Kind, change: String, wire: Wire, rust: Bump) -> &mut Change {
        self.out.push(Change {
            group: group.to_string(),
            subject: subject.to_string(),
            kind,
            change,
            note: None,
            wire,
            rust,
        });
        self.out.last_mut().expect("just pushed")
    }

    fn role(&self, name: &str) -> Role {
        let b = self.base_roles.get(name).copied().unwrap_or_default();
        let h = self.head_roles.get(name).copied().unwrap_or_default();
        b.or(h)
    }

    /// Rust types of the same type reference in base and head are equal.
    fn same_rust(&self, base: &TypeRef, head: &TypeRef) -> bool {
        rust_ty(self.base, base) == rust_ty(self.head, head)
    }

    fn type_group(&self, name: &str, fallback: &str) -> String {
        self.head
            .type_def(name)
            .or_else(|| self.base.type_def(name))
            .map_or_else(|| fallback.to_string(), |t| t.module.clone())
    }

    // ---------------------------------------------------------------- API-wide

    fn api(&mut self) {
        let (b, h) = (self.base, self.head);
        if b.name != h.name {
            self.push(
                "api",
                "api",
                Kind::CrateRenamed,
                format!("crate renamed: {} → {}", code(&b.name), code(&h.name)),
                Wire::None,
                Bump::Major,
            );
        }
        if b.api_version != h.api_version {
            self.push(
                "api",
                "api",
                Kind::ApiVersionChanged,
                format!("API version {} → {}", code(&b.api_version), code(&h.api_version)),
                Wire::None,
                Bump::Patch,
            );
        }
        for bu in &b.base_urls {
            match h.base_urls.iter().find(|x| x.name == bu.name) {
                None => {
                    self.push(
                        "api",
                        "base_urls",
                        Kind::BaseUrlRemoved,
                        format!("base URL {} removed ({})", code(&bu.name), bu.url),
                        Wire::Breaking,
                        Bump::Major,
                    )
                    .note = Some(format!("`ClientBuilder::base_url_for(\"{}\", ..)` now fails", bu.name));
                }
                Some(hu) if hu.url != bu.url => {
                    self.push(
                        "api",
                        "base_urls",
                        Kind::BaseUrlChanged,
                        format!("base URL {}: {} → {}", code(&bu.name), bu.url, hu.url),
                        Wire::Breaking,
                        Bump::Patch,
                    );
                }
                Some(_) => {}
            }
        }
        for hu in &h.base_urls {
            if !b.base_urls.iter().any(|x| x.name == hu.name) {
                self.push(
                    "api",
                    "base_urls",
                    Kind::BaseUrlAdded,
                    format!("base URL {} added ({})", code(&hu.name), hu.url),
                    Wire::Compatible,
                    Bump::Minor,
                );
            }
        }
        if b.auth_header != h.auth_header {
            self.push(
                "api",
                "auth",
                Kind::AuthChanged,
                format!("API key header {} → {}", code(&b.auth_header), code(&h.auth_header)),
                Wire::Breaking,
                Bump::Patch,
            );
        }
        if b.auth_env != h.auth_env {
            self.push(
                "api",
                "auth",
                Kind::AuthChanged,
                format!("API key variable {} → {}", code(&b.auth_env), code(&h.auth_env)),
                Wire::None,
                Bump::Major,
            )
            .note = Some("`Client::from_env()` reads the new variable; deployments must set it".into());
        }
        let (bp, hp) = (&b.pagination, &h.pagination);
        if bp.limit != hp.limit || bp.offset != hp.offset {
            self.push(
                "api",
                "pagination",
                Kind::PaginationSettingsChanged,
                format!(
                    "page parameters {}/{} → {}/{}",
                    code(&bp.limit),
                    code(&bp.offset),
                    code(&hp.limit),
                    code(&hp.offset)
                ),
                Wire::Breaking,
                Bump::Patch,
            );
        }
        if bp.max_limit != hp.max_limit {
            let wire = if hp.max_limit < bp.max_limit { Wire::Breaking } else { Wire::Compatible };
            self.push(
                "api",
                "pagination",
                Kind::PaginationSettingsChanged,
                format!("maximum page size {} → {}", bp.max_limit, hp.max_limit),
                wire,
                Bump::Patch,
            );
        }
        if bp.default_limit != hp.default_limit {
            self.push(
                "api",
                "pagination",
                Kind::PaginationSettingsChanged,
                format!("default page size {} → {}", bp.default_limit, hp.default_limit),
                Wire::None,
                Bump::Patch,
            );
        }
        for be in &b.errors {
            match h.errors.iter().find(|x| x.status == be.status) {
                None => {
                    self.push(
                        "api",
                        "errors",
                        Kind::ErrorCaseRemoved,
                        format!("status {} ({}) removed", code(&be.status), be.name),
                        Wire::Compatible,
                        Bump::Patch,
                    );
                }
                Some(he) => {
                    if he.name != be.name {
                        self.push(
                            "api",
                            "errors",
                            Kind::ErrorCaseChanged,
                            format!("status {}: kind {} → {}", code(&be.status), code(&be.name), code(&he.name)),
                            Wire::None,
                            Bump::Patch,
                        );
                    }
                    if he.retryable != be.retryable {
                        let what = if he.retryable { "now marked retryable" } else { "no longer marked retryable" };
                        self.push(
                            "api",
                            "errors",
                            Kind::ErrorCaseChanged,
                            format!("status {} {what}", code(&be.status)),
                            Wire::None,
                            Bump::Patch,
                        );
                    }
                }
            }
        }
        for he in &h.errors {
            if !b.errors.iter().any(|x| x.status == he.status) {
                self.push(
                    "api",
                    "errors",
                    Kind::ErrorCaseAdded,
                    format!("status {} ({}) added", code(&he.status), he.name),
                    Wire::Compatible,
                    Bump::Patch,
                );
            }
        }
    }

    // ---------------------------------------------------------------- resources and endpoints

    fn resources(&mut self) {
        let (base, head) = (self.base, self.head);
        for br in &base.resources {
            match head.resources.iter().find(|r| r.name == br.name) {
                None => {
                    self.push(
                        &br.module,
                        &br.name,
                        Kind::ResourceRemoved,
                        format!("resource removed: `client.{}()`", br.name),
                        Wire::Breaking,
                        Bump::Major,
                    );
                }
                Some(hr) if hr.rust != br.rust => {
                    self.push(
                        &hr.module,
                        &hr.name,
                        Kind::ResourceRenamed,
                        format!("handle type {} → {}", code(&br.rust), code(&hr.rust)),
                        Wire::None,
                        Bump::Major,
                    );
                }
                Some(_) => {}
            }
        }
        for hr in &head.resources {
            if !base.resources.iter().any(|r| r.name == hr.name) {
                self.push(
                    &hr.module,
                    &hr.name,
                    Kind::ResourceAdded,
                    format!("resource added: `client.{}()`", hr.name),
                    Wire::Compatible,
                    Bump::Minor,
                );
            }
        }

        type Ep<'x> = (&'x Resource, &'x Endpoint);
        fn all(api: &Api) -> Vec<Ep<'_>> {
            api.resources.iter().flat_map(|r| r.endpoints.iter().map(move |e| (r, e))).collect()
        }
        let base_eps: Vec<Ep> = all(base);
        let head_eps: Vec<Ep> = all(head);
        let key = |(r, e): &Ep| (r.name.clone(), e.name.clone());
        let head_keys: HashSet<(String, String)> = head_eps.iter().map(key).collect();
        let base_keys: HashSet<(String, String)> = base_eps.iter().map(key).collect();
        let mut removed: Vec<Ep> = base_eps.iter().copied().filter(|x| !head_keys.contains(&key(x))).collect();
        let mut added: Vec<Ep> = head_eps.iter().copied().filter(|x| !base_keys.contains(&key(x))).collect();

        // Same route under another name: a rename, not a removal plus an addition.
        let route_of = |api: &Api, e: &Endpoint| (e.method, route(&e.path), base_url(api, &e.base_url).to_string());
        let mut renamed: Vec<(Ep, Ep)> = Vec::new();
        removed.retain(|b| {
            let r = route_of(base, b.1);
            match added.iter().position(|h| route_of(head, h.1) == r) {
                Some(i) => {
                    renamed.push((*b, added.remove(i)));
                    false
                }
                None => true,
            }
        });

        for (hr, he) in &head_eps {
            let subject = format!("{}.{}", hr.name, he.name);
            if let Some((_, be)) = base_eps.iter().find(|(r, e)| r.name == hr.name && e.name == he.name) {
                self.endpoint(&hr.module, &subject, be, he);
            } else if let Some(((br, be), _)) =
                renamed.iter().find(|(_, (r, e))| r.name == hr.name && e.name == he.name)
            {
                let old = format!("{}.{}", br.name, be.name);
                self.push(
                    &hr.module,
                    &subject,
                    Kind::EndpointRenamed,
                    format!("renamed from {} (same route)", code(&old)),
                    Wire::None,
                    Bump::Major,
                );
                self.endpoint(&hr.module, &subject, be, he);
            } else if added.iter().any(|(r, e)| r.name == hr.name && e.name == he.name) {
                self.push(
                    &hr.module,
                    &subject,
                    Kind::EndpointAdded,
                    format!("endpoint added: {} {}", he.method.as_str(), code(&he.path)),
                    Wire::Compatible,
                    Bump::Minor,
                );
            }
        }
        for (br, be) in removed {
            let subject = format!("{}.{}", br.name, be.name);
            let group = head.resources.iter().find(|r| r.name == br.name).map_or(&br.module, |r| &r.module);
            self.push(
                group,
                &subject,
                Kind::EndpointRemoved,
                format!("endpoint removed: {} {}", be.method.as_str(), code(&be.path)),
                Wire::Breaking,
                Bump::Major,
            );
        }
    }

    fn endpoint(&mut self, group: &str, subject: &str, b: &Endpoint, h: &Endpoint) {
        if b.method != h.method || route(&b.path) != route(&h.path) {
            self.push(
                group,
                subject,
                Kind::EndpointMoved,
                format!("moved: {} {} → {} {}", b.method.as_str(), code(&b.path), h.method.as_str(), code(&h.path)),
                Wire::Breaking,
                Bump::Patch,
            );
        }
        // A changed URL under the same name is reported once, as an API-wide change.
        if b.base_url != h.base_url && base_url(self.base, &b.base_url) != base_url(self.head, &h.base_url) {
            self.push(
                group,
                subject,
                Kind::EndpointBaseUrlChanged,
                format!("base URL {} → {}", code(&b.base_url), code(&h.base_url)),
                Wire::Breaking,
                Bump::Patch,
            );
        }
        match (&b.deprecated, &h.deprecated) {
            (None, Some(d)) => {
                let with = d.replacement.as_ref().map(|(r, e)| format!(" (use `{r}.{e}`)")).unwrap_or_default();
                self.push(
                    group,
                    subject,
                    Kind::EndpointDeprecated,
                    format!("deprecated{with}"),
                    Wire::None,
                    Bump::Minor,
                );
            }
            (Some(_), None) => {
                self.push(
                    group,
                    subject,
                    Kind::EndpointUndeprecated,
                    "no longer deprecated".into(),
                    Wire::None,
                    Bump::Patch,
                );
            }
            (Some(x), Some(y)) if x.replacement != y.replacement => {
                let show = |d: &crate::ir::Deprecation| {
                    d.replacement.as_ref().map_or("none".to_string(), |(r, e)| format!("`{r}.{e}`"))
                };
                self.push(
                    group,
                    subject,
                    Kind::EndpointUndeprecated,
                    format!("deprecation replacement {} → {}", show(x), show(y)),
                    Wire::None,
                    Bump::Patch,
                );
            }
            _ => {}
        }
        self.path_params(group, subject, b, h);
        self.query(group, subject, b, h);
        self.body(group, subject, b, h);
        self.response(group, subject, b, h);
        self.paging(group, subject, b, h);
        if b.retry != h.retry {
            let (text, note) = match h.retry {
                Retry::Safe => (
                    "retry safety `unsafe` → `safe`",
                    "the SDK now re-sends this request after timeouts and 5xx: Ringg must apply it idempotently",
                ),
                Retry::Unsafe => (
                    "retry safety `safe` → `unsafe`",
                    "older crate versions still re-send this request after timeouts and 5xx and may apply it twice",
                ),
            };
            self.push(group, subject, Kind::RetryChanged, text.into(), Wire::Compatible, Bump::Patch).note =
                Some(note.into());
        }
        if b.places_calls != h.places_calls {
            let (text, note) = if h.places_calls {
                ("now places calls", "never re-sent once it may have reached Ringg")
            } else {
                ("no longer places calls", "check that automatic retries cannot ring anyone twice")
            };
            self.push(group, subject, Kind::PlacesCallsChanged, text.into(), Wire::None, Bump::Patch).note =
                Some(note.into());
        }
        for (status, _) in &b.errors {
            if !h.errors.iter().any(|(s, _)| s == status) {
                self.push(
                    group,
                    subject,
                    Kind::EndpointErrorRemoved,
                    format!("error status {} no longer documented", code(status)),
                    Wire::Compatible,
                    Bump::Patch,
                );
            }
        }
        for (status, _) in &h.errors {
            if !b.errors.iter().any(|(s, _)| s == status) {
                self.push(
                    group,
                    subject,
                    Kind::EndpointErrorAdded,
                    format!("error status {} documented", code(status)),
                    Wire::Compatible,
                    Bump::Patch,
                );
            }
        }
    }

    fn param_retyped(&mut self, group: &str, subject: &str, what: &str, b: &Param, h: &Param) {
        if b.ty != h.ty {
            let wire = if widens(&b.ty, &h.ty) { Wire::Compatible } else { Wire::Breaking };
            let rust = if self.same_rust(&b.ty, &h.ty) { Bump::Patch } else { Bump::Major };
            self.push(
                group,
                subject,
                Kind::ParamRetyped,
                format!("{what} {}: type {} → {}", code(&h.wire), code(&b.ty.spec()), code(&h.ty.spec())),
                wire,
                rust,
            );
        }
        if b.default != h.default {
            let show = |d: &Option<String>| d.as_deref().map_or("none".to_string(), code);
            self.push(
                group,
                subject,
                Kind::ParamDefaultChanged,
                format!("{what} {}: server default {} → {}", code(&h.wire), show(&b.default), show(&h.default)),
                Wire::Compatible,
                Bump::Patch,
            );
        }
    }

    /// Path parameters are positional: in the URL and as the method's first arguments.
    fn path_params(&mut self, group: &str, subject: &str, b: &Endpoint, h: &Endpoint) {
        let n = b.path_params.len().max(h.path_params.len());
        for i in 0..n {
            match (b.path_params.get(i), h.path_params.get(i)) {
                (Some(bp), Some(hp)) => {
                    if bp.wire != hp.wire || bp.rust != hp.rust {
                        self.push(
                            group,
                            subject,
                            Kind::ParamRenamed,
                            format!("path parameter {} renamed to {}", code(&bp.wire), code(&hp.wire)),
                            Wire::None,
                            Bump::Patch,
                        );
                    }
                    self.param_retyped(group, subject, "path parameter", bp, hp);
                }
                (Some(bp), None) => {
                    self.push(
                        group,
                        subject,
                        Kind::ParamRemoved,
                        format!("path parameter {} removed", code(&bp.wire)),
                        Wire::Breaking,
                        Bump::Major,
                    );
                }
                (None, Some(hp)) => {
                    self.push(
                        group,
                        subject,
                        Kind::ParamAdded,
                        format!("path parameter {} added ({})", code(&hp.wire), code(&hp.ty.spec())),
                        Wire::Breaking,
                        Bump::Major,
                    );
                }
                (None, None) => {}
            }
        }
    }

    fn query(&mut self, group: &str, subject: &str, b: &Endpoint, h: &Endpoint) {
        for bq in &b.query {
            if !h.query.iter().any(|q| q.wire == bq.wire) {
                self.push(
                    group,
                    subject,
                    Kind::ParamRemoved,
                    format!("query parameter {} removed", code(&bq.wire)),
                    Wire::Breaking,
                    Bump::Major,
                );
            }
        }
        for hq in &h.query {
            let Some(bq) = b.query.iter().find(|q| q.wire == hq.wire) else {
                let (wire, rust, how) = if hq.optional {
                    (Wire::Compatible, Bump::Minor, "optional")
                } else {
                    (Wire::Breaking, Bump::Major, "required")
                };
                self.push(
                    group,
                    subject,
                    Kind::ParamAdded,
                    format!("query parameter {} added ({}, {how})", code(&hq.wire), code(&hq.ty.spec())),
                    wire,
                    rust,
                );
                continue;
            };
            self.param_retyped(group, subject, "query parameter", bq, hq);
            if bq.optional != hq.optional {
                let (text, wire) =
                    if hq.optional { ("made optional", Wire::Compatible) } else { ("made required", Wire::Breaking) };
                self.push(
                    group,
                    subject,
                    Kind::ParamPresenceChanged,
                    format!("query parameter {} {text}", code(&hq.wire)),
                    wire,
                    Bump::Major,
                );
            } else if bq.rust != hq.rust {
                let rust = if hq.optional { Bump::Major } else { Bump::Patch };
                let what = if hq.optional { "setter" } else { "argument" };
                self.push(
                    group,
                    subject,
                    Kind::ParamRenamed,
                    format!("query parameter {}: {what} {} → {}", code(&hq.wire), code(&bq.rust), code(&hq.rust)),
                    Wire::None,
                    rust,
                );
            }
        }
        let required = |e: &'_ Endpoint| -> Vec<String> {
            e.query.iter().filter(|q| !q.optional).map(|q| q.wire.clone()).collect()
        };
        let (bn, hn) = (required(b), required(h));
        let bn: Vec<&str> = bn.iter().map(String::as_str).collect();
        let hn: Vec<&str> = hn.iter().map(String::as_str).collect();
        if let Some((x, y)) = reordered(&bn, &hn) {
            self.push(
                group,
                subject,
                Kind::ArgumentsReordered,
                format!("method arguments reordered: {} → {}", list(&x), list(&y)),
                Wire::None,
                Bump::Major,
            );
        }
    }

    fn body(&mut self, group: &str, subject: &str, b: &Endpoint, h: &Endpoint) {
        match (&b.body, &h.body) {
            (None, Some(hb)) => {
                self.push(
                    group,
                    subject,
                    Kind::BodyAdded,
                    format!("body added ({})", code(&hb.ty)),
                    Wire::Breaking,
                    Bump::Major,
                );
            }
            (Some(bb), None) => {
                self.push(
                    group,
                    subject,
                    Kind::BodyRemoved,
                    format!("body removed (was {})", code(&bb.ty)),
                    Wire::Breaking,
                    Bump::Major,
                );
            }
            (Some(bb), Some(hb)) => {
                if bb.ty != hb.ty {
                    let same = self.same_rust(&TypeRef::Named(bb.ty.clone()), &TypeRef::Named(hb.ty.clone()));
                    let rust = if same { Bump::Patch } else { Bump::Major };
                    self.push(
                        group,
                        subject,
                        Kind::BodyRetyped,
                        format!("body type {} → {}", code(&bb.ty), code(&hb.ty)),
                        Wire::Breaking,
                        rust,
                    );
                }
                if bb.encoding != hb.encoding {
                    let name = |e: crate::ir::Encoding| match e {
                        crate::ir::Encoding::Json => "JSON",
                        crate::ir::Encoding::Multipart => "multipart",
                    };
                    self.push(
                        group,
                        subject,
                        Kind::BodyEncodingChanged,
                        format!("body encoding {} → {}", name(bb.encoding), name(hb.encoding)),
                        Wire::Breaking,
                        Bump::Patch,
                    );
                }
            }
            (None, None) => {}
        }
    }

    fn response(&mut self, group: &str, subject: &str, b: &Endpoint, h: &Endpoint) {
        let (wire, rust) = match (&b.response, &h.response) {
            (x, y) if x == y => return,
            (Response::Json(x), Response::Json(y)) => {
                let wire = if widens(y, x) { Wire::Compatible } else { Wire::Breaking };
                let rust = if self.same_rust(x, y) { Bump::Patch } else { Bump::Major };
                (wire, rust)
            }
            (Response::Binary { media_type: x }, Response::Binary { media_type: y }) => {
                let wire = if x.is_some() && y.is_some() { Wire::Breaking } else { Wire::Compatible };
                (wire, Bump::Patch)
            }
            (Response::Empty, _) => (Wire::Compatible, Bump::Major),
            _ => (Wire::Breaking, Bump::Major),
        };
        self.push(
            group,
            subject,
            Kind::ResponseChanged,
            format!("response {} → {}", response_str(&b.response), response_str(&h.response)),
            wire,
            rust,
        );
    }

    fn paging(&mut self, group: &str, subject: &str, b: &Endpoint, h: &Endpoint) {
        match (&b.paging, &h.paging) {
            (None, Some(_)) => {
                self.push(
                    group,
                    subject,
                    Kind::PaginationAdded,
                    "now paginated: gains `.stream()`".into(),
                    Wire::Compatible,
                    Bump::Minor,
                );
            }
            (Some(_), None) => {
                self.push(
                    group,
                    subject,
                    Kind::PaginationRemoved,
                    "no longer paginated: `.stream()` removed".into(),
                    Wire::Breaking,
                    Bump::Major,
                );
            }
            (Some(bp), Some(hp)) => {
                if !self.same_rust(&bp.item, &hp.item) {
                    self.push(
                        group,
                        subject,
                        Kind::PaginationChanged,
                        format!("page items {} → {}", code(&bp.item.spec()), code(&hp.item.spec())),
                        Wire::None,
                        Bump::Major,
                    );
                }
                let path =
                    |steps: &[crate::ir::PathStep]| steps.iter().map(|s| s.rust.as_str()).collect::<Vec<_>>().join(".");
                if path(&bp.items) != path(&hp.items) {
                    self.push(
                        group,
                        subject,
                        Kind::PaginationChanged,
                        format!("page items path {} → {}", code(&path(&bp.items)), code(&path(&hp.items))),
                        Wire::None,
                        Bump::Patch,
                    );
                }
                let total = |t: &Option<(crate::ir::PathStep, TypeRef)>| {
                    t.as_ref().map_or("none".to_string(), |(s, _)| code(&s.rust))
                };
                if total(&bp.total) != total(&hp.total) {
                    self.push(
                        group,
                        subject,
                        Kind::PaginationChanged,
                        format!("page total {} → {}", total(&bp.total), total(&hp.total)),
                        Wire::None,
                        Bump::Patch,
                    );
                }
            }
            (None, None) => {}
        }
    }

    // ---------------------------------------------------------------- types

    fn types(&mut self) {
        let (base, head) = (self.base, self.head);
        for ht in &head.types {
            match base.type_def(&ht.name) {
                Some(bt) => self.type_def(bt, ht),
                None => {
                    self.push(
                        &ht.module,
                        &ht.name,
                        Kind::TypeAdded,
                        format!("{} added", kind_name(&ht.kind)),
                        Wire::None,
                        Bump::Minor,
                    );
                }
            }
        }
        for bt in &base.types {
            if head.type_def(&bt.name).is_none() {
                self.push(
                    &bt.module,
                    &bt.name,
                    Kind::TypeRemoved,
                    format!("{} removed", kind_name(&bt.kind)),
                    Wire::None,
                    Bump::Major,
                );
            }
        }
    }

    fn type_def(&mut self, b: &TypeDef, h: &TypeDef) {
        let start = self.out.len();
        self.type_shape(b, h);
        self.traits(start, b, h);
    }

    /// Names the traits a type gains or loses (`Default` when a request type gets a required
    /// field, serde and `PartialEq` with multipart) on the change that causes it, unless that
    /// change already says so. A lost trait makes the change major.
    fn traits(&mut self, start: usize, b: &TypeDef, h: &TypeDef) {
        if std::mem::discriminant(&b.kind) != std::mem::discriminant(&h.kind) {
            return; // a new kind of type: reported as such
        }
        let (bt, ht) = (b.traits(), h.traits());
        let lost: Vec<&str> = bt.iter().copied().filter(|t| !ht.contains(t)).collect();
        let gained: Vec<&str> = ht.iter().copied().filter(|t| !bt.contains(t)).collect();
        let rows = &mut self.out[start..];
        let said = |c: &Change| lost.iter().chain(&gained).all(|t| c.change.contains(&code(t)));
        if (lost.is_empty() && gained.is_empty()) || rows.iter().any(said) {
            return;
        }
        let Some(row) = rows.iter_mut().filter(|c| c.subject == h.name).reduce(|a, c| if c.rust > a.rust { c } else { a })
        else {
            return;
        };
        let mut words = Vec::new();
        if !lost.is_empty() {
            words.push(format!("`{}` no longer implements {}: code that uses it stops compiling", h.rust, list(&lost)));
            row.rust = Bump::Major;
        }
        if !gained.is_empty() {
            words.push(format!("`{}` now implements {}", h.rust, list(&gained)));
        }
        let words = words.join("; ");
        row.note = Some(match row.note.take() {
            Some(note) => format!("{note}; {words}"),
            None => words,
        });
    }

    fn type_shape(&mut self, b: &TypeDef, h: &TypeDef) {
        let group = h.module.as_str();
        let subject = h.name.as_str();
        let role = self.role(&h.name);
        if b.rust != h.rust {
            self.push(
                group,
                subject,
                Kind::TypeRenamed,
                format!("Rust name {} → {}", code(&b.rust), code(&h.rust)),
                Wire::None,
                Bump::Major,
            );
        }
        match (&b.kind, &h.kind) {
            (TypeKind::Object(bf), TypeKind::Object(hf)) => {
                if b.input != h.input {
                    if h.input {
                        self.push(
                            group,
                            subject,
                            Kind::ConstructorAdded,
                            "now sent in requests: gains `new` and setters".into(),
                            Wire::None,
                            Bump::Minor,
                        );
                    } else {
                        self.push(
                            group,
                            subject,
                            Kind::ConstructorRemoved,
                            "no longer sent in requests: `new` and setters removed".into(),
                            Wire::None,
                            Bump::Major,
                        );
                    }
                }
                if b.multipart != h.multipart {
                    if h.multipart {
                        self.push(
                            group,
                            subject,
                            Kind::MultipartChanged,
                            "now a multipart form: loses `Serialize`, `Deserialize` and `PartialEq`".into(),
                            Wire::None,
                            Bump::Major,
                        );
                    } else {
                        self.push(
                            group,
                            subject,
                            Kind::MultipartChanged,
                            "no longer a multipart form: gains `Serialize`, `Deserialize` and `PartialEq`".into(),
                            Wire::None,
                            Bump::Minor,
                        );
                    }
                }
                self.fields(group, subject, role, b.input && h.input, bf, hf);
            }
            (TypeKind::Enum(bv), TypeKind::Enum(hv)) => {
                for v in bv {
                    match hv.iter().find(|x| x.wire == v.wire) {
                        None => {
                            self.push(
                                group,
                                subject,
                                Kind::EnumValueRemoved,
                                format!("enum value {} removed", code(&v.wire)),
                                role.wire(true, false),
                                Bump::Major,
                            );
                        }
                        Some(x) if x.rust != v.rust => {
                            self.push(
                                group,
                                subject,
                                Kind::EnumValueRenamed,
                                format!(
                                    "enum value {}: Rust variant {} → {}",
                                    code(&v.wire),
                                    code(&v.rust),
                                    code(&x.rust)
                                ),
                                Wire::None,
                                Bump::Major,
                            );
                        }
                        Some(_) => {}
                    }
                }
                for v in hv {
                    if !bv.iter().any(|x| x.wire == v.wire) {
                        self.push(
                            group,
                            subject,
                            Kind::EnumValueAdded,
                            format!("enum value {} added", code(&v.wire)),
                            role.wire(false, false),
                            Bump::Minor,
                        );
                    }
                }
            }
            (TypeKind::Union(bm), TypeKind::Union(hm)) => {
                for m in bm {
                    match hm.iter().find(|x| x.rust == m.rust) {
                        None => {
                            self.push(
                                group,
                                subject,
                                Kind::UnionMemberRemoved,
                                format!("union member {} removed ({})", code(&m.rust), code(&m.ty.spec())),
                                role.wire(true, false),
                                Bump::Major,
                            );
                        }
                        Some(x) if x.ty != m.ty => {
                            let rust = if self.same_rust(&m.ty, &x.ty) { Bump::Patch } else { Bump::Major };
                            let wire = role.wire(!widens(&m.ty, &x.ty), !widens(&x.ty, &m.ty));
                            self.push(
                                group,
                                subject,
                                Kind::UnionMemberRetyped,
                                format!(
                                    "union member {}: type {} → {}",
                                    code(&m.rust),
                                    code(&m.ty.spec()),
                                    code(&x.ty.spec())
                                ),
                                wire,
                                rust,
                            );
                        }
                        Some(_) => {}
                    }
                }
                for m in hm {
                    if !bm.iter().any(|x| x.rust == m.rust) {
                        self.push(
                            group,
                            subject,
                            Kind::UnionMemberAdded,
                            format!("union member {} added ({})", code(&m.rust), code(&m.ty.spec())),
                            role.wire(false, true),
                            Bump::Minor,
                        );
                    }
                }
                let bn: Vec<&str> = bm.iter().map(|m| m.rust.as_str()).collect();
                let hn: Vec<&str> = hm.iter().map(|m| m.rust.as_str()).collect();
                if let Some((x, y)) = reordered(&bn, &hn) {
                    self.push(
                        group,
                        subject,
                        Kind::UnionMembersReordered,
                        format!("union members reordered: {} → {}", list(&x), list(&y)),
                        Wire::None,
                        Bump::Patch,
                    )
                    .note = Some(
                        "members are tried in order: a value that fits several may decode as another variant".into(),
                    );
                }
            }
            (TypeKind::Tagged(bt), TypeKind::Tagged(ht)) => {
                let is_event = |api: &Api| api.webhooks.as_ref().is_some_and(|w| w.event == h.name);
                let word = if is_event(self.base) || is_event(self.head) { "event" } else { "variant" };
                if bt.tag != ht.tag {
                    self.push(
                        group,
                        subject,
                        Kind::TagChanged,
                        format!("tag field {} → {}", code(&bt.tag), code(&ht.tag)),
                        role.wire(true, true),
                        Bump::Patch,
                    );
                }
                if bt.open != ht.open {
                    if ht.open {
                        self.push(
                            group,
                            subject,
                            Kind::OpennessChanged,
                            "now open: unknown tags decode as `Unknown`".into(),
                            Wire::None,
                            Bump::Minor,
                        );
                    } else {
                        self.push(
                            group,
                            subject,
                            Kind::OpennessChanged,
                            "now closed: `Unknown` removed, unknown tags fail to decode".into(),
                            Wire::None,
                            Bump::Major,
                        );
                    }
                }
                let payload = |t: &Option<String>| t.as_deref().map_or("no payload".to_string(), code);
                for v in &bt.variants {
                    match ht.variants.iter().find(|x| x.tag_value == v.tag_value) {
                        None => {
                            self.push(
                                group,
                                subject,
                                Kind::VariantRemoved,
                                format!("{word} {} removed", code(&v.tag_value)),
                                role.wire(true, false),
                                Bump::Major,
                            );
                        }
                        Some(x) => {
                            if x.ty != v.ty {
                                let rust_of = |api: &Api, t: &Option<String>| {
                                    t.as_ref().map(|n| rust_ty(api, &TypeRef::Named(n.clone())))
                                };
                                let rust = if rust_of(self.base, &v.ty) == rust_of(self.head, &x.ty) {
                                    Bump::Patch
                                } else {
                                    Bump::Major
                                };
                                self.push(
                                    group,
                                    subject,
                                    Kind::VariantRetyped,
                                    format!(
                                        "{word} {}: payload {} → {}",
                                        code(&v.tag_value),
                                        payload(&v.ty),
                                        payload(&x.ty)
                                    ),
                                    role.wire(true, true),
                                    rust,
                                );
                            }
                            if x.rust != v.rust {
                                self.push(
                                    group,
                                    subject,
                                    Kind::VariantRenamed,
                                    format!(
                                        "{word} {}: Rust variant {} → {}",
                                        code(&v.tag_value),
                                        code(&v.rust),
                                        code(&x.rust)
                                    ),
                                    Wire::None,
                                    Bump::Major,
                                );
                            }
                        }
                    }
                }
                for v in &ht.variants {
                    if !bt.variants.iter().any(|x| x.tag_value == v.tag_value) {
                        self.push(
                            group,
                            subject,
                            Kind::VariantAdded,
                            format!("{word} {} added ({})", code(&v.tag_value), payload(&v.ty)),
                            role.wire(false, !bt.open),
                            Bump::Minor,
                        );
                    }
                }
            }
            (bk, hk) => {
                self.push(
                    group,
                    subject,
                    Kind::TypeKindChanged,
                    format!("changed from {} to {}", kind_name(bk), kind_name(hk)),
                    role.wire(true, true),
                    Bump::Major,
                );
            }
        }
    }

    /// Fields of an object that exists in both. `ctor`: the type has `new` in both versions.
    fn fields(&mut self, group: &str, subject: &str, role: Role, ctor: bool, bf: &[Field], hf: &[Field]) {
        let label = role.field_label();
        let removed: Vec<&Field> = bf.iter().filter(|f| !hf.iter().any(|x| x.wire == f.wire)).collect();
        for f in &removed {
            let wire = role.wire(true, !f.presence.may_be_absent());
            self.push(
                group,
                subject,
                Kind::FieldRemoved,
                format!("{label} {} removed ({})", code(&f.wire), describe_field(f)),
                wire,
                Bump::Major,
            );
        }
        let mut rename_sources: Vec<&Field> = removed.clone();
        for f in hf {
            let Some(old) = bf.iter().find(|x| x.wire == f.wire) else {
                let must = !f.presence.may_be_absent();
                let rust = if ctor && in_new(f.presence) { Bump::Major } else { Bump::Minor };
                let change = self.push(
                    group,
                    subject,
                    Kind::FieldAdded,
                    format!("{label} {} added ({})", code(&f.wire), describe_field(f)),
                    role.wire(must, false),
                    rust,
                );
                if let Some(i) = rename_sources.iter().position(|x| x.ty == f.ty && x.presence == f.presence) {
                    change.note = Some(format!(
                        "looks like a rename of `{}`: on the wire that is a removal plus an addition",
                        rename_sources[i].wire
                    ));
                    rename_sources.remove(i);
                }
                continue;
            };
            self.field(group, subject, label, role, ctor, old, f);
        }
        if ctor {
            let args = |fs: &'_ [Field]| -> Vec<String> {
                fs.iter().filter(|f| in_new(f.presence)).map(|f| f.wire.clone()).collect()
            };
            let (ba, ha) = (args(bf), args(hf));
            let ba: Vec<&str> = ba.iter().map(String::as_str).collect();
            let ha: Vec<&str> = ha.iter().map(String::as_str).collect();
            if let Some((x, y)) = reordered(&ba, &ha) {
                self.push(
                    group,
                    subject,
                    Kind::ArgumentsReordered,
                    format!("`new` arguments reordered: {} → {}", list(&x), list(&y)),
                    Wire::None,
                    Bump::Major,
                );
            }
        }
    }

    #[allow(clippy::too_many_arguments, reason = "the context of one field comparison")]
    fn field(&mut self, group: &str, subject: &str, label: &str, role: Role, ctor: bool, b: &Field, h: &Field) {
        let name = code(&h.wire);
        if b.ty != h.ty {
            let rust = if self.same_rust(&b.ty, &h.ty) { Bump::Patch } else { Bump::Major };
            let wire = role.wire(!widens(&b.ty, &h.ty), !widens(&h.ty, &b.ty));
            self.push(
                group,
                subject,
                Kind::FieldRetyped,
                format!("{label} {name}: type {} → {}", code(&b.ty.spec()), code(&h.ty.spec())),
                wire,
                rust,
            );
        }
        if b.presence != h.presence {
            let (p0, p1) = (b.presence, h.presence);
            // Sent: the head must accept whatever the base accepted.
            let sent_breaks = (p0.may_be_absent() && !p1.may_be_absent()) || (nullable(p0) && !nullable(p1));
            // Received: the head may only send what the base sent.
            let received_breaks = (p1.may_be_absent() && !p0.may_be_absent()) || (nullable(p1) && !nullable(p0));
            let rust_changes = wrapper(p0) != wrapper(p1) || (ctor && in_new(p0) != in_new(p1));
            let rust = if rust_changes { Bump::Major } else { Bump::Patch };
            self.push(
                group,
                subject,
                Kind::FieldPresenceChanged,
                format!("{label} {name}: {} → {}", presence_str(p0), presence_str(p1)),
                role.wire(sent_breaks, received_breaks),
                rust,
            );
        }
        if b.rust != h.rust {
            self.push(
                group,
                subject,
                Kind::FieldRenamed,
                format!("{label} {name}: Rust name {} → {}", code(&b.rust), code(&h.rust)),
                Wire::None,
                Bump::Major,
            );
        }
        if b.flatten != h.flatten {
            let what = if h.flatten { "now flattened into its parent" } else { "no longer flattened" };
            self.push(
                group,
                subject,
                Kind::FieldFlattenChanged,
                format!("{label} {name} {what}"),
                role.wire(true, true),
                Bump::Patch,
            );
        }
        if b.secret != h.secret {
            let what = if h.secret { "now secret (redacted in `Debug`)" } else { "no longer secret" };
            self.push(
                group,
                subject,
                Kind::FieldSecretChanged,
                format!("{label} {name} {what}"),
                Wire::None,
                Bump::Patch,
            );
        }
        if b.default != h.default {
            let show = |d: &Option<String>| d.as_deref().map_or("none".to_string(), code);
            self.push(
                group,
                subject,
                Kind::FieldDefaultChanged,
                format!("{label} {name}: server default {} → {}", show(&b.default), show(&h.default)),
                role.wire(false, false),
                Bump::Patch,
            );
        }
        if b.deprecated.is_some() != h.deprecated.is_some() {
            let what = if h.deprecated.is_some() { "deprecated" } else { "no longer deprecated" };
            self.push(group, subject, Kind::FieldDeprecated, format!("{label} {name} {what}"), Wire::None, Bump::Patch);
        }
    }

    // ---------------------------------------------------------------- webhooks and web calls

    fn webhooks(&mut self) {
        match (&self.base.webhooks, &self.head.webhooks) {
            (None, Some(h)) => {
                let group = self.type_group(&h.event, "webhooks");
                self.push(
                    &group,
                    "webhooks",
                    Kind::WebhooksAdded,
                    format!("webhooks added (event type {})", code(&h.event)),
                    Wire::Compatible,
                    Bump::Minor,
                );
            }
            (Some(b), None) => {
                let group = self.type_group(&b.event, "webhooks");
                self.push(
                    &group,
                    "webhooks",
                    Kind::WebhooksRemoved,
                    "webhooks removed".into(),
                    Wire::Breaking,
                    Bump::Major,
                );
            }
            (Some(b), Some(h)) if b.event != h.event => {
                let group = self.type_group(&h.event, "webhooks");
                let rust = if self.same_rust(&TypeRef::Named(b.event.clone()), &TypeRef::Named(h.event.clone())) {
                    Bump::Patch
                } else {
                    Bump::Major
                };
                self.push(
                    &group,
                    "webhooks",
                    Kind::WebhookEventChanged,
                    format!("event type {} → {}", code(&b.event), code(&h.event)),
                    Wire::Breaking,
                    rust,
                );
            }
            _ => {}
        }
    }

    fn webcall(&mut self) {
        match (&self.base.webcall, &self.head.webcall) {
            (None, Some(h)) => {
                let group = self.type_group(&h.options, "webcall");
                self.push(
                    &group,
                    "webcall",
                    Kind::WebcallAdded,
                    "web-call widget added".into(),
                    Wire::None,
                    Bump::Minor,
                );
            }
            (Some(b), None) => {
                let group = self.type_group(&b.options, "webcall");
                self.push(
                    &group,
                    "webcall",
                    Kind::WebcallRemoved,
                    "web-call widget removed".into(),
                    Wire::None,
                    Bump::Major,
                );
            }
            (Some(b), Some(h)) => {
                let group = self.type_group(&h.options, "webcall");
                if b.options != h.options {
                    let rust = if self.same_rust(&TypeRef::Named(b.options.clone()), &TypeRef::Named(h.options.clone()))
                    {
                        Bump::Patch
                    } else {
                        Bump::Major
                    };
                    self.push(
                        &group,
                        "webcall",
                        Kind::WebcallChanged,
                        format!("options type {} → {}", code(&b.options), code(&h.options)),
                        Wire::None,
                        rust,
                    );
                }
                if b.script_url != h.script_url {
                    self.push(
                        &group,
                        "webcall",
                        Kind::WebcallChanged,
                        format!("loader script URL {} → {}", b.script_url, h.script_url),
                        Wire::Breaking,
                        Bump::Patch,
                    );
                }
                if b.style_url != h.style_url {
                    self.push(
                        &group,
                        "webcall",
                        Kind::WebcallChanged,
                        format!("stylesheet URL {} → {}", b.style_url, h.style_url),
                        Wire::Breaking,
                        Bump::Patch,
                    );
                }
                if b.default_version != h.default_version {
                    self.push(
                        &group,
                        "webcall",
                        Kind::WebcallChanged,
                        format!("default widget version {} → {}", code(&b.default_version), code(&h.default_version)),
                        Wire::None,
                        Bump::Patch,
                    );
                }
            }
            (None, None) => {}
        }
    }
}

fn kind_name(k: &TypeKind) -> &'static str {
    match k {
        TypeKind::Object(_) => "object",
        TypeKind::Enum(_) => "enum",
        TypeKind::Union(_) => "union",
        TypeKind::Tagged(_) => "tagged union",
    }
}

// ------------------------------------------------------------------------------------ versions

/// MAJOR.MINOR.PATCH of a semver string, ignoring pre-release and build metadata.
fn parse_version(v: &str) -> Option<[u64; 3]> {
    let core = v.split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
    let out = [parts.next()??, parts.next()??, parts.next()??];
    parts.next().is_none().then_some(out)
}

/// The bump that going from `base` to `head` makes, by Cargo's compatibility rules.
fn bump_made(base: [u64; 3], head: [u64; 3]) -> Option<Bump> {
    if head <= base {
        return None;
    }
    Some(if base[0] > 0 || head[0] > 0 {
        if head[0] != base[0] {
            Bump::Major
        } else if head[1] != base[1] {
            Bump::Minor
        } else {
            Bump::Patch
        }
    } else if base[1] > 0 || head[1] > 0 {
        // 0.y.z: y is the breaking number; 0.y.z and 0.y.(z+1) are compatible, so a change of z
        // may carry additions.
        if head[1] != base[1] { Bump::Major } else { Bump::Minor }
    } else {
        // 0.0.z: every release is incompatible with the previous one.
        Bump::Major
    })
}

/// The smallest version after `base` that makes `bump`.
fn next_version(base: [u64; 3], bump: Bump) -> [u64; 3] {
    let [major, minor, patch] = base;
    match (major, minor, bump) {
        (0, 0, _) => [0, 0, patch + 1],
        (0, _, Bump::Major) => [0, minor + 1, 0],
        (0, _, _) => [0, minor, patch + 1],
        (_, _, Bump::Major) => [major + 1, 0, 0],
        (_, _, Bump::Minor) => [major, minor + 1, 0],
        (_, _, Bump::Patch) => [major, minor, patch + 1],
    }
}

// ------------------------------------------------------------------------------------ reports

impl SpecDiff {
    /// No changes.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Changes of each Rust class: `(major, minor, patch)`.
    pub fn counts(&self) -> (usize, usize, usize) {
        let n = |b: Bump| self.changes.iter().filter(|c| c.rust == b).count();
        (n(Bump::Major), n(Bump::Minor), n(Bump::Patch))
    }

    /// Changes that break existing integrations on the wire.
    pub fn wire_breaking(&self) -> usize {
        self.changes.iter().filter(|c| c.wire == Wire::Breaking).count()
    }

    /// The version verdict: required against made bump.
    pub fn version_check(&self) -> VersionCheck {
        let required = self.changes.iter().map(|c| c.rust).max();
        let versions = parse_version(&self.base_version).zip(parse_version(&self.head_version));
        let made = versions.and_then(|(b, h)| bump_made(b, h));
        let ok = required.is_none() || made >= required;
        let suggested = match (ok, required, parse_version(&self.base_version)) {
            (false, Some(r), Some(b)) => {
                let [x, y, z] = next_version(b, r);
                Some(format!("{x}.{y}.{z}"))
            }
            _ => None,
        };
        VersionCheck { required, made, ok, blocking: required == Some(Bump::Major) && !ok, suggested }
    }

    /// The one-line verdict that heads every report.
    pub fn summary(&self, markdown: bool) -> String {
        let strong = |s: &str| if markdown { format!("**{s}**") } else { s.to_string() };
        let versions = format!("{} → {}", self.base_version, self.head_version);
        let check = self.version_check();
        let Some(required) = check.required else {
            return format!("{} Version {versions}.", strong("Spec diff: no API changes."));
        };
        let lead = strong(&format!("Spec diff: {} bump required.", required.as_str()));
        let verdict = match &check.suggested {
            None => format!("Version {versions} makes it."),
            Some(next) => {
                let zero = self.base_version.starts_with("0.") && required == Bump::Major;
                let why = if zero { " (before 1.0 the minor number is the breaking one)" } else { "" };
                format!("Version {versions} does not make it: use {next}{why}.")
            }
        };
        let (major, minor, patch) = self.counts();
        let parts: Vec<String> = [(major, "major"), (minor, "minor"), (patch, "patch")]
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, s)| format!("{n} {s}"))
            .collect();
        let total = self.changes.len();
        let plural = if total == 1 { "change" } else { "changes" };
        let wire = match self.wire_breaking() {
            0 => "none breaks the wire".to_string(),
            1 => "1 breaks the wire".to_string(),
            n => format!("{n} break the wire"),
        };
        format!("{lead} {verdict} {total} {plural}: {}; {wire}.", parts.join(", "))
    }

    fn groups(&self) -> Vec<(&str, Vec<&Change>)> {
        let mut groups: Vec<(&str, Vec<&Change>)> = Vec::new();
        for c in &self.changes {
            match groups.iter_mut().find(|(g, _)| *g == c.group) {
                Some((_, items)) => items.push(c),
                None => groups.push((&c.group, vec![c])),
            }
        }
        groups
    }

    /// A Markdown report for a pull request: the summary line, then a table per resource.
    pub fn to_markdown(&self) -> String {
        let mut out = self.summary(true);
        out.push('\n');
        for (group, items) in self.groups() {
            let _ = write!(out, "\n### `{group}`\n\n| Item | Change | Wire | Rust |\n|---|---|---|---|\n");
            for c in items {
                let mut change = c.change.clone();
                if let Some(note) = &c.note {
                    change.push_str(" — ");
                    change.push_str(note);
                }
                let wire =
                    if c.wire == Wire::Breaking { "**breaking**".to_string() } else { c.wire.as_str().to_string() };
                let rust = if c.rust == Bump::Major { "**major**".to_string() } else { c.rust.as_str().to_string() };
                let _ = writeln!(out, "| `{}` | {} | {wire} | {rust} |", c.subject, change.replace('|', "\\|"));
            }
        }
        out
    }

    /// A plain-text report for a terminal.
    pub fn to_text(&self) -> String {
        let mut out = self.summary(false);
        out.push('\n');
        for (group, items) in self.groups() {
            let _ = write!(out, "\n{group}\n");
            for c in items {
                let _ = writeln!(out, "  {:<5}  {:<10}  {}: {}", c.rust.as_str(), c.wire.as_str(), c.subject, c.change);
                if let Some(note) = &c.note {
                    let _ = writeln!(out, "{:21}note: {note}", "");
                }
            }
        }
        out
    }

    /// JSON for tools: versions, verdict, counts and every change.
    pub fn to_json(&self) -> String {
        let check = self.version_check();
        let (major, minor, patch) = self.counts();
        let changes: Vec<serde_json::Value> = self
            .changes
            .iter()
            .map(|c| {
                serde_json::json!({
                    "group": c.group,
                    "subject": c.subject,
                    "kind": c.kind.id(),
                    "change": c.change,
                    "note": c.note,
                    "wire": c.wire.as_str(),
                    "rust": c.rust.as_str(),
                })
            })
            .collect();
        let value = serde_json::json!({
            "summary": self.summary(false),
            "base_version": self.base_version,
            "head_version": self.head_version,
            "required_bump": check.required.map(Bump::as_str),
            "version_bump": check.made.map(Bump::as_str),
            "version_ok": check.ok,
            "blocking": check.blocking,
            "suggested_version": check.suggested,
            "counts": { "major": major, "minor": minor, "patch": patch, "wire_breaking": self.wire_breaking() },
            "changes": changes,
        });
        let mut text = serde_json::to_string_pretty(&value).expect("JSON values always serialize");
        text.push('\n');
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_follow_cargo_rules() {
        let v = |s: &str| parse_version(s).unwrap();
        assert_eq!(bump_made(v("0.1.0"), v("0.2.0")), Some(Bump::Major));
        assert_eq!(bump_made(v("0.1.0"), v("0.1.1")), Some(Bump::Minor));
        assert_eq!(bump_made(v("0.0.1"), v("0.0.2")), Some(Bump::Major));
        assert_eq!(bump_made(v("0.9.3"), v("1.0.0")), Some(Bump::Major));
        assert_eq!(bump_made(v("1.2.3"), v("1.3.0")), Some(Bump::Minor));
        assert_eq!(bump_made(v("1.2.3"), v("1.2.4")), Some(Bump::Patch));
        assert_eq!(bump_made(v("1.2.3"), v("1.2.3")), None);
        assert_eq!(bump_made(v("1.2.3"), v("1.2.2")), None);
        assert_eq!(parse_version("1.2.3-beta.1+x"), Some([1, 2, 3]));
        assert_eq!(next_version(v("0.1.4"), Bump::Major), [0, 2, 0]);
        assert_eq!(next_version(v("0.1.4"), Bump::Minor), [0, 1, 5]);
        assert_eq!(next_version(v("1.1.4"), Bump::Minor), [1, 2, 0]);
        assert_eq!(next_version(v("1.1.4"), Bump::Major), [2, 0, 0]);
    }

    #[test]
    fn routes_ignore_placeholder_names() {
        assert_eq!(route("/a/{id}/b"), route("/a/{call_id}/b"));
        assert_ne!(route("/a/{id}/b"), route("/a/{id}/c"));
    }

    #[test]
    fn widening() {
        assert!(widens(&TypeRef::Integer, &TypeRef::Number));
        assert!(!widens(&TypeRef::Number, &TypeRef::Integer));
        assert!(widens(&TypeRef::List(Box::new(TypeRef::Date)), &TypeRef::List(Box::new(TypeRef::String))));
        assert!(widens(&TypeRef::Named("X".into()), &TypeRef::Json));
    }

    #[test]
    fn kind_ids_are_kebab_case() {
        assert_eq!(Kind::FieldAdded.id(), "field-added");
        assert_eq!(Kind::EnumValueRemoved.id(), "enum-value-removed");
    }
}
