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
//!   optional and nullable `Patch<T>`. `string` is `String`, `date` is `Date` and `datetime`
//!   is `Timestamp` (both keep their text).
//! - Enums are open and `#[non_exhaustive]`: a new value is minor (old code matches with `_`),
//!   a removed value removes a variant (major). Untagged and tagged unions are `#[non_exhaustive]`
//!   enums too.
//! - An endpoint is a method on its resource handle whose arguments are the path parameters (in
//!   template order), the required query parameters (in spec order) and the body; optional query
//!   parameters are setters on the request. Paginated endpoints also get `.stream()`.
//! - Operation structs (`shop::orders::Stats`) are never unit structs and cannot be built outside
//!   the crate (private fields, or `#[non_exhaustive]` when there are no inputs): users get them
//!   from the resource methods only, so adding an optional input or pagination is minor.
//! - The traits each type implements are [`TypeDef::traits`](crate::ir::TypeDef::traits). A request type whose fields are all
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
//! also add); for `0.0.z` every change is major. Reports before 1.0 say which number must move
//! ("a new patch number is required" for additions) rather than the semver level's name.
//! `cargo xtask spec-diff` fails when a required bump of any size is not made. The wire class does not enter the version rule: it is for the reviewer
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
//! | field's wire key changed, Rust name kept (`rust_name`) | breaking | patch |
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
//!
//! Each rule is also checked by the compiler: `cargo xtask semver-probes` builds a probe of the
//! old crate's public API against the new crate for one spec change per rule (or more), and
//! fails when a probe compiles although the rule says major, or fails although it says minor.
//!
//! # Where each rule lives
//!
//! By what it compares: `api.rs` (crate name, base URLs, auth, pagination settings, error table),
//! `endpoints.rs` (resources, endpoints, parameters, bodies, responses, pagination, retries),
//! `types.rs` (objects and fields, enums, unions, tagged unions, traits), `webhooks.rs` (webhooks
//! and the web-call widget). Beside them: `roles.rs` (sent or received), `words.rs` (Rust
//! spellings and widening), `kind.rs` (the rule names), `version.rs` (the version rule) and
//! `report.rs` (the summary line and the text, Markdown and JSON reports).

mod api;
mod endpoints;
mod kind;
mod report;
mod roles;
mod types;
mod version;
mod webhooks;
mod words;

use crate::ir::{Api, TypeRef};

pub use kind::Kind;
use roles::{Role, role_in};
use words::{rust_ty, widens, wire_ty};

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
    /// The wire name of the part of `subject` the change is about (a field, parameter, enum
    /// value or variant), when it is about one: for release notes that name the Rust item.
    pub item: Option<String>,
    /// The wire name `item` replaces, when the change is (or looks like) a rename of it.
    pub was: Option<String>,
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
    /// A bump of any size is required and not made: `spec-diff` exits with status 2 unless
    /// `--allow-breaking`, so a check that enforces versions never passes a missing bump.
    pub blocking: bool,
    /// The smallest version that would make the required bump, when it is not made.
    pub suggested: Option<String>,
}

/// Compares two specs. Pure: the IRs in, the classified changes out.
pub fn diff(base: &Api, head: &Api) -> SpecDiff {
    let mut cx = Cx { base, head, out: Vec::new() };
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

// ------------------------------------------------------------------------------------ comparison

struct Cx<'a> {
    base: &'a Api,
    head: &'a Api,
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
            item: None,
            was: None,
        });
        self.out.last_mut().expect("just pushed")
    }

    fn role(&self, name: &str) -> Role {
        role_in(self.base, name).or(role_in(self.head, name))
    }

    /// Rust types of the same type reference in base and head are equal.
    fn same_rust(&self, base: &TypeRef, head: &TypeRef) -> bool {
        rust_ty(self.base, base) == rust_ty(self.head, head)
    }

    /// The wire classification of a retyping: `None` when both are the same JSON (a string
    /// and a newtype over it), else compatible only in the directions that widen.
    fn retyped_wire(&self, role: Role, b: &TypeRef, h: &TypeRef) -> Wire {
        let (bw, hw) = (wire_ty(self.base, b), wire_ty(self.head, h));
        if bw == hw { Wire::None } else { role.wire(!widens(&bw, &hw), !widens(&hw, &bw)) }
    }

    /// The Rust name of a type, as the head spells it.
    fn rust_name(&self, name: &str) -> String {
        self.head
            .type_def(name)
            .or_else(|| self.base.type_def(name))
            .map_or_else(|| name.to_string(), |t| t.rust.clone())
    }

    fn type_group(&self, name: &str, fallback: &str) -> String {
        self.head
            .type_def(name)
            .or_else(|| self.base.type_def(name))
            .map_or_else(|| fallback.to_string(), |t| t.module.clone())
    }
}
