//! The intermediate representation: the validated API, named for what it becomes.
//!
//! Everything here is owned and resolved: type references point at types that exist, Rust
//! identifiers are computed, defaults are applied. Emitters read only this module's types.

/// The whole API.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    /// Crate name (`ringg`).
    pub name: String,
    /// Human name (`Ringg AI`).
    pub title: String,
    /// Semver version of the generated crate.
    pub version: String,
    /// HTTP API version (`v0`).
    pub api_version: String,
    /// Crate overview.
    pub doc: String,
    /// Base URLs; the first is `default`.
    pub base_urls: Vec<BaseUrl>,
    /// Header carrying the API key.
    pub auth_header: String,
    /// Environment variable with the API key.
    pub auth_env: String,
    /// Offset pagination settings.
    pub pagination: Pagination,
    /// `(resource, endpoint)` shown as the first call in the crate's introduction.
    pub start_with: Option<(String, String)>,
    /// Error statuses.
    pub errors: Vec<ErrorCase>,
    /// Named types, in spec order (files by name, then declaration order).
    pub types: Vec<TypeDef>,
    /// Resources, in spec order.
    pub resources: Vec<Resource>,
    /// The webhook event type, if the spec names one.
    pub webhooks: Option<Webhooks>,
    /// The web-call widget, if the spec describes it.
    pub webcall: Option<Webcall>,
    /// Spec files by name with their content hash, in name order.
    pub sources: Vec<SourceInfo>,
    /// Index into `types` by spec name.
    pub type_index: std::collections::HashMap<String, usize>,
}

/// A spec file that went into the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceInfo {
    /// Path relative to the repository (`spec/calling.yaml`).
    pub path: String,
    /// Module name derived from the file stem (`calling`).
    pub module: String,
    /// FNV-1a 64 hash of the file's bytes, as 16 hex digits.
    pub hash: String,
}

/// A named base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    /// Name (`default`, `stt`).
    pub name: String,
    /// The URL, without a trailing slash.
    pub url: String,
}

/// Offset pagination settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pagination {
    /// Page-size query parameter.
    pub limit: String,
    /// Offset query parameter.
    pub offset: String,
    /// Page size when the caller sets none.
    pub default_limit: u32,
    /// Largest page size.
    pub max_limit: u32,
}

/// An HTTP error status or class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorCase {
    /// `404`, or `5xx`.
    pub status: String,
    /// `ErrorKind` variant.
    pub name: String,
    /// What it means.
    pub doc: String,
    /// A retry may help.
    pub retryable: bool,
}

/// A reference to a type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TypeRef {
    /// Text.
    String,
    /// 64-bit signed integer.
    Integer,
    /// 64-bit float.
    Number,
    /// Boolean.
    Boolean,
    /// `YYYY-MM-DD` text.
    Date,
    /// ISO 8601 text.
    DateTime,
    /// Any JSON.
    Json,
    /// A multipart file part.
    File,
    /// A JSON array.
    List(Box<TypeRef>),
    /// A JSON object with arbitrary string keys.
    Map(Box<TypeRef>),
    /// A named type (its spec name).
    Named(String),
}

impl TypeRef {
    /// The spec spelling of the type (`list<CallStatus>`).
    pub fn spec(&self) -> String {
        match self {
            TypeRef::String => "string".into(),
            TypeRef::Integer => "integer".into(),
            TypeRef::Number => "number".into(),
            TypeRef::Boolean => "boolean".into(),
            TypeRef::Date => "date".into(),
            TypeRef::DateTime => "datetime".into(),
            TypeRef::Json => "json".into(),
            TypeRef::File => "file".into(),
            TypeRef::List(t) => format!("list<{}>", t.spec()),
            TypeRef::Map(t) => format!("map<{}>", t.spec()),
            TypeRef::Named(n) => n.clone(),
        }
    }

    /// Named types this reference mentions, outermost first.
    pub fn named(&self) -> Option<&str> {
        match self {
            TypeRef::List(t) | TypeRef::Map(t) => t.named(),
            TypeRef::Named(n) => Some(n),
            _ => None,
        }
    }
}

/// A named type.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    /// Spec name.
    pub name: String,
    /// Rust name.
    pub rust: String,
    /// Module (spec file stem) that declares it.
    pub module: String,
    /// Doc text.
    pub doc: String,
    /// What kind of type.
    pub kind: TypeKind,
    /// JSON examples.
    pub examples: Vec<serde_json::Value>,
    /// Reachable from a request (body, query) and so needs constructors: the same as
    /// `roles.sent`, kept as its own flag because constructors follow it.
    pub input: bool,
    /// Part of a multipart body (has file fields or is sent as a form).
    pub multipart: bool,
    /// Where the type travels, computed once by the loader; the emitters and spec-diff read it.
    pub roles: Roles,
}

/// Where a type travels: requests, responses, webhooks. Computed once when the spec is loaded,
/// from the endpoints, the webhook event and the web-call options, through fields, list and map
/// elements, union members and tagged-union payloads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Roles {
    /// Reachable from a request: a body (JSON or multipart), a query or path parameter, or the
    /// web-call options. Such a type is built by applications and gets constructors.
    pub sent: bool,
    /// Written by the crate's JSON writer: reachable from a JSON body, or from a part of a
    /// multipart body that is sent as JSON text. Such a type gets `ToJson`.
    pub written: bool,
    /// Reachable from a JSON response.
    pub response: bool,
    /// Reachable from the webhook event.
    pub event: bool,
}

impl Roles {
    /// Read by the crate's reader, from a response or a webhook. Such a type gets `FromJson`.
    pub fn read(self) -> bool {
        self.response || self.event
    }
}

impl TypeDef {
    /// The presence the Rust field reflects. Only request types (`input`) keep three states,
    /// where clearing a value matters; in a response, absent and `null` both read as `None`.
    pub fn rust_presence(&self, f: &Field) -> Presence {
        match f.presence {
            Presence::OptionalNullable if !self.input => Presence::Optional,
            p => p,
        }
    }

    /// The traits the generated Rust type implements that users can rely on, by the names written
    /// in its `#[derive]` (`Debug` is written by hand when a field is secret, and still there).
    /// The emitter derives exactly these on objects, and spec-diff reports the ones a change adds
    /// or removes.
    pub fn traits(&self) -> Vec<&'static str> {
        match &self.kind {
            TypeKind::Object(fields) => {
                let mut traits = vec!["Debug", "Clone"];
                // File parts are not data: no serde, no equality.
                if !self.multipart {
                    traits.extend(["PartialEq", "serde::Serialize", "serde::Deserialize"]);
                }
                if self.input && fields.iter().all(|f| f.presence.may_be_absent()) {
                    traits.push("Default");
                }
                traits
            }
            TypeKind::Enum(_) => vec!["Debug", "Clone", "PartialEq", "Eq", "Hash", "PartialOrd", "Ord"],
            TypeKind::Union(_) => vec!["Debug", "Clone", "PartialEq", "serde::Serialize", "serde::Deserialize"],
            TypeKind::Tagged(_) => vec!["Debug", "Clone", "PartialEq"],
            TypeKind::OneOf(_) => vec!["Debug", "Clone", "PartialEq", "serde::Serialize", "serde::Deserialize"],
            TypeKind::Newtype => vec![
                "Debug",
                "Clone",
                "PartialEq",
                "Eq",
                "Hash",
                "PartialOrd",
                "Ord",
                "serde::Serialize",
                "serde::Deserialize",
            ],
        }
    }
}

/// The shape of a named type.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    /// A JSON object with known fields.
    Object(Vec<Field>),
    /// An open string enum.
    Enum(Vec<EnumValue>),
    /// An untagged union.
    Union(Vec<UnionMember>),
    /// A union tagged by one string field.
    Tagged(Tagged),
    /// Exactly one of several fields: an enum whose variant names the field that is sent.
    /// Always a `flatten` field of an object.
    OneOf(Vec<OneOfMember>),
    /// A distinct type over text (typed ids, phone numbers): a JSON string on the wire.
    Newtype,
}

/// One field of a `one_of` type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneOfMember {
    /// Wire name of the field.
    pub wire: String,
    /// Rust variant.
    pub rust: String,
    /// Type of the value.
    pub ty: TypeRef,
    /// Doc text.
    pub doc: String,
}

/// Whether a field must be present and may be null.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Presence {
    /// Always present, never null.
    Required,
    /// May be absent.
    Optional,
    /// Always present, may be null.
    Nullable,
    /// May be absent or null: three states.
    OptionalNullable,
}

impl Presence {
    /// From the spec's two flags.
    pub fn from_flags(optional: bool, nullable: bool) -> Self {
        match (optional, nullable) {
            (false, false) => Presence::Required,
            (true, false) => Presence::Optional,
            (false, true) => Presence::Nullable,
            (true, true) => Presence::OptionalNullable,
        }
    }

    /// True when a value need not be given.
    pub fn may_be_absent(self) -> bool {
        matches!(self, Presence::Optional | Presence::OptionalNullable)
    }
}

/// An object field.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Wire name.
    pub wire: String,
    /// Rust name.
    pub rust: String,
    /// Doc text.
    pub doc: String,
    /// Type.
    pub ty: TypeRef,
    /// Presence.
    pub presence: Presence,
    /// A credential.
    pub secret: bool,
    /// Merged into the parent object.
    pub flatten: bool,
    /// Server default, as JSON text.
    pub default: Option<String>,
    /// Deprecation note.
    pub deprecated: Option<String>,
}

/// An enum value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumValue {
    /// Wire value.
    pub wire: String,
    /// Rust variant.
    pub rust: String,
    /// Doc text.
    pub doc: String,
}

/// An untagged union member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnionMember {
    /// Rust variant.
    pub rust: String,
    /// Type of the value.
    pub ty: TypeRef,
    /// Doc text.
    pub doc: String,
}

/// A tagged union.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tagged {
    /// Tag field wire name.
    pub tag: String,
    /// Keep unknown tags.
    pub open: bool,
    /// Variants.
    pub variants: Vec<TaggedVariant>,
}

/// A tagged union variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaggedVariant {
    /// Tag value.
    pub tag_value: String,
    /// Rust variant.
    pub rust: String,
    /// Object type with the other fields, if any.
    pub ty: Option<String>,
    /// Doc text.
    pub doc: String,
}

/// A group of endpoints.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// Spec name and Rust module/method name (`calling`).
    pub name: String,
    /// Rust handle type (`Calling`).
    pub rust: String,
    /// Spec file module that declares it.
    pub module: String,
    /// Doc text.
    pub doc: String,
    /// Endpoints.
    pub endpoints: Vec<Endpoint>,
}

/// Retry safety of an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Retry {
    /// May be re-sent after any transient failure.
    Safe,
    /// Re-sent only when it certainly never reached the server.
    Unsafe,
}

/// HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// PATCH.
    Patch,
    /// DELETE.
    Delete,
}

impl Method {
    /// Upper-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// Request body encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// `application/json`.
    Json,
    /// `multipart/form-data`.
    Multipart,
}

/// A request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    /// Object type name.
    pub ty: String,
    /// Encoding.
    pub encoding: Encoding,
}

/// What a successful response holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    /// Nothing documented: the body is ignored.
    Empty,
    /// JSON of this type.
    Json(TypeRef),
    /// A file, streamed.
    Binary {
        /// Media type, when known.
        media_type: Option<String>,
    },
}

/// Offset pagination of an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paging {
    /// Path of fields from the response to the item list (Rust names).
    pub items: Vec<PathStep>,
    /// Item type.
    pub item: TypeRef,
    /// Total-count field of the response (Rust name) and its type.
    pub total: Option<(PathStep, TypeRef)>,
}

/// One field on the way to a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathStep {
    /// Rust field name.
    pub rust: String,
    /// The field may be absent or null.
    pub optional: bool,
}

/// A path or query parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Wire name.
    pub wire: String,
    /// Rust name.
    pub rust: String,
    /// Doc text.
    pub doc: String,
    /// Type.
    pub ty: TypeRef,
    /// May be left out.
    pub optional: bool,
    /// Server default, as JSON text.
    pub default: Option<String>,
}

/// Deprecation of an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deprecation {
    /// `(resource, endpoint)` to use instead.
    pub replacement: Option<(String, String)>,
    /// Why.
    pub doc: String,
}

/// An endpoint example.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// Short name.
    pub name: Option<String>,
    /// What it shows.
    pub doc: Option<String>,
    /// Query parameters.
    pub query: Option<serde_json::Value>,
    /// Request body.
    pub request: Option<serde_json::Value>,
    /// Response body.
    pub response: Option<serde_json::Value>,
}

/// One HTTP endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    /// Spec name and Rust method (`history`).
    pub name: String,
    /// Rust method name (raw-safe).
    pub rust_method: String,
    /// Operation struct name (`History`).
    pub rust_op: String,
    /// Doc text.
    pub doc: String,
    /// Method.
    pub method: Method,
    /// Path template.
    pub path: String,
    /// Base URL name.
    pub base_url: String,
    /// Path parameters, in template order.
    pub path_params: Vec<Param>,
    /// Query parameters.
    pub query: Vec<Param>,
    /// Request body.
    pub body: Option<Body>,
    /// Response.
    pub response: Response,
    /// Pagination.
    pub paging: Option<Paging>,
    /// Retry safety.
    pub retry: Retry,
    /// Rings a phone or starts a campaign.
    pub places_calls: bool,
    /// Deprecation.
    pub deprecated: Option<Deprecation>,
    /// Documented error statuses and what they mean here.
    pub errors: Vec<(String, String)>,
    /// Examples.
    pub examples: Vec<Example>,
}

/// The webhook event type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhooks {
    /// Module doc.
    pub doc: String,
    /// Spec name of the open tagged union.
    pub event: String,
    /// Spec name of the object type POSTed to per-call callback URLs, if the API has one.
    pub callback: Option<String>,
}

/// The web-call widget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webcall {
    /// Module doc.
    pub doc: String,
    /// Spec name of the options object.
    pub options: String,
    /// Loader script URL template.
    pub script_url: String,
    /// Stylesheet URL template.
    pub style_url: String,
    /// Default widget version.
    pub default_version: String,
}

impl Api {
    /// The named type, if it exists.
    pub fn type_def(&self, name: &str) -> Option<&TypeDef> {
        self.type_index.get(name).map(|&i| &self.types[i])
    }

    /// Spec names of the named types `roots` can hold, through fields, list and map elements,
    /// union members and tagged-union payloads.
    pub fn reachable_types(&self, roots: Vec<TypeRef>) -> std::collections::BTreeSet<String> {
        let mut found = std::collections::BTreeSet::new();
        let mut todo = roots;
        while let Some(t) = todo.pop() {
            match t {
                TypeRef::List(inner) | TypeRef::Map(inner) => todo.push(*inner),
                TypeRef::Named(name) => {
                    let Some(def) = self.type_def(&name) else { continue };
                    if !found.insert(name) {
                        continue;
                    }
                    match &def.kind {
                        TypeKind::Object(fields) => todo.extend(fields.iter().map(|f| f.ty.clone())),
                        TypeKind::Union(members) => todo.extend(members.iter().map(|m| m.ty.clone())),
                        TypeKind::OneOf(members) => todo.extend(members.iter().map(|m| m.ty.clone())),
                        TypeKind::Tagged(tagged) => {
                            todo.extend(tagged.variants.iter().filter_map(|v| v.ty.clone()).map(TypeRef::Named));
                        }
                        TypeKind::Enum(_) | TypeKind::Newtype => {}
                    }
                }
                _ => {}
            }
        }
        found
    }

    /// The endpoint for the crate's introductory examples: `api.start_with`, or else the first
    /// endpoint that needs no input and answers JSON.
    pub fn first_simple_endpoint(&self) -> Option<(&Resource, &Endpoint)> {
        if let Some((res, ep)) = &self.start_with {
            let r = self.resources.iter().find(|r| &r.name == res)?;
            return r.endpoints.iter().find(|e| &e.name == ep).map(|e| (r, e));
        }
        self.resources.iter().flat_map(|r| r.endpoints.iter().map(move |e| (r, e))).find(|(_, e)| {
            e.path_params.is_empty()
                && e.body.is_none()
                && e.query.iter().all(|q| q.optional)
                && e.deprecated.is_none()
                && matches!(e.response, Response::Json(_))
        })
    }

    /// The spec file of a module.
    pub fn source(&self, module: &str) -> &SourceInfo {
        // Sources are sorted by path, and modules are file stems, so this is a binary search.
        let i = self
            .sources
            .binary_search_by(|s| s.module.as_str().cmp(module))
            .unwrap_or_else(|_| panic!("module `{module}` has a spec file"));
        &self.sources[i]
    }

    /// Number of endpoints across all resources.
    pub fn endpoint_count(&self) -> usize {
        self.resources.iter().map(|r| r.endpoints.len()).sum()
    }
}
