//! Raw spec structs: exactly what a `spec/*.yaml` file says, nothing resolved.
//!
//! These mirror the YAML one to one (`deny_unknown_fields` everywhere) and are the source of the
//! JSON Schema in `spec/schema.json`. Values that a later check may complain about are wrapped in
//! [`Spanned`] so the complaint can point at the line. There are no untagged enums here on
//! purpose: with them a YAML error is reported at the enclosing mapping instead of the bad value.

use std::fmt;
use std::marker::PhantomData;

use schemars::JsonSchema;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
pub use serde_saphyr::Spanned;

/// A YAML mapping whose order is kept and whose keys carry their location.
///
/// Duplicate keys are rejected by the YAML parser before they reach this type.
#[derive(Debug)]
pub struct OrderedMap<T>(pub Vec<(Spanned<String>, T)>);

impl<T> Default for OrderedMap<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T> OrderedMap<T> {
    /// Iterates over the entries in spec order.
    pub fn iter(&self) -> impl Iterator<Item = (&Spanned<String>, &T)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OrderedMap<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for MapVisitor<T> {
            type Value = OrderedMap<T>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(OrderedMap(entries))
            }
        }

        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}

impl<T: JsonSchema> JsonSchema for OrderedMap<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("Map_of_{}", T::schema_name()).into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let value = generator.subschema_for::<T>();
        schemars::json_schema!({
            "type": "object",
            "additionalProperties": value,
        })
    }
}

/// One `spec/*.yaml` file.
#[derive(Debug, Default, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Ringg API spec file")]
pub struct RawFile {
    /// API-wide settings. Exactly one file (`api.yaml`) has this.
    pub api: Option<RawApi>,
    /// HTTP error statuses, keyed by status (`"404"`) or class (`"5xx"`).
    #[serde(default)]
    pub errors: Option<OrderedMap<RawErrorCase>>,
    /// Named types.
    #[serde(default)]
    pub types: Option<OrderedMap<RawType>>,
    /// Groups of endpoints.
    #[serde(default)]
    pub resources: Option<OrderedMap<RawResource>>,
    /// The webhook event type.
    pub webhooks: Option<RawWebhooks>,
    /// The web-call widget.
    pub webcall: Option<RawWebcall>,
}

/// API-wide settings.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawApi {
    /// Crate and package name.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// Human name of the API.
    pub title: String,
    /// Semver version of the generated crate.
    #[schemars(with = "String")]
    pub version: Spanned<String>,
    /// Version of the HTTP API.
    pub api_version: String,
    /// Crate overview, Markdown.
    pub doc: String,
    /// A note for maintainers and reviewers (where a fact comes from, how sure it is, what
    /// conflicts with it). Read by people only: no generated file carries it.
    #[serde(default)]
    pub note: Option<String>,
    /// Base URLs by name; `default` is required.
    #[schemars(with = "std::collections::BTreeMap<String, String>")]
    pub base_urls: OrderedMap<Spanned<String>>,
    /// How requests authenticate.
    pub auth: RawAuth,
    /// Offset pagination settings.
    pub pagination: RawPagination,
    /// `resource.endpoint` shown as the first call in the crate's introduction.
    #[schemars(with = "Option<String>")]
    pub start_with: Option<Spanned<String>>,
}

/// How requests authenticate.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAuth {
    /// Header that carries the API key.
    pub header: String,
    /// Environment variable read by `Client::from_env`.
    pub env: String,
}

/// Offset pagination settings.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPagination {
    /// Name of the page-size query parameter.
    pub limit: String,
    /// Name of the offset query parameter.
    pub offset: String,
    /// Page size used when the caller sets none.
    pub default_limit: u32,
    /// Largest page size the API accepts.
    #[schemars(with = "u32")]
    pub max_limit: Spanned<u32>,
}

/// One HTTP error status.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawErrorCase {
    /// Variant of `ErrorKind`.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// What it means and what to do.
    pub doc: String,
    /// A note for maintainers and reviewers (where a fact comes from, how sure it is, what
    /// conflicts with it). Read by people only: no generated file carries it.
    #[serde(default)]
    pub note: Option<String>,
    /// A retry may succeed.
    #[serde(default)]
    pub retryable: bool,
}

/// A named type: exactly one of `fields`, `enum`, `union`, `one_of`, `newtype`, or `tag` +
/// `variants`.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawType {
    /// What the type is.
    pub doc: String,
    /// A note for maintainers and reviewers (where a fact comes from, how sure it is, what
    /// conflicts with it). Read by people only: no generated file carries it.
    #[serde(default)]
    pub note: Option<String>,
    /// Object fields, keyed by wire name.
    pub fields: Option<OrderedMap<RawField>>,
    /// Enum values (wire value to doc).
    #[serde(rename = "enum")]
    #[schemars(with = "Option<std::collections::BTreeMap<String, String>>")]
    pub enum_values: Option<OrderedMap<String>>,
    /// Untagged union members, keyed by Rust variant name.
    pub union: Option<OrderedMap<RawMember>>,
    /// Tag field of a tagged union.
    #[schemars(with = "Option<String>")]
    pub tag: Option<Spanned<String>>,
    /// Tagged union variants, keyed by tag value.
    pub variants: Option<OrderedMap<RawVariant>>,
    /// Tagged unions only: keep unknown tags instead of failing to decode.
    #[serde(default)]
    pub open: bool,
    /// Exactly one of these fields is sent, keyed by wire name. Used as a `flatten` field of
    /// an object, so the fields sit beside the object's own.
    pub one_of: Option<OrderedMap<RawOneOfMember>>,
    /// A distinct type over text (`string`): typed ids and phone numbers.
    #[schemars(with = "Option<String>")]
    pub newtype: Option<Spanned<String>>,
    /// JSON examples of the type.
    #[serde(default)]
    #[schemars(with = "Vec<serde_json::Value>")]
    pub examples: Vec<Spanned<serde_json::Value>>,
}

/// An object field.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawField {
    /// A type expression.
    #[serde(rename = "type")]
    #[schemars(with = "String")]
    pub ty: Spanned<String>,
    /// What the field means.
    pub doc: String,
    /// A note for maintainers and reviewers (where a fact comes from, how sure it is, what
    /// conflicts with it). Read by people only: no generated file carries it.
    #[serde(default)]
    pub note: Option<String>,
    /// May be absent.
    #[serde(default)]
    pub optional: bool,
    /// May be null.
    #[serde(default)]
    pub nullable: bool,
    /// A credential, redacted in Debug.
    #[serde(default)]
    pub secret: bool,
    /// Merge the field's object or tagged union into this object.
    #[serde(default)]
    pub flatten: bool,
    /// Rust name, when the derived one does not fit.
    #[schemars(with = "Option<String>")]
    pub rust_name: Option<Spanned<String>>,
    /// The server's default (documentation only).
    #[schemars(with = "Option<serde_json::Value>")]
    pub default: Option<serde_json::Value>,
    /// Why the field should not be used any more.
    pub deprecated: Option<String>,
}

/// An untagged union member.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawMember {
    /// A type expression.
    #[serde(rename = "type")]
    #[schemars(with = "String")]
    pub ty: Spanned<String>,
    /// When the value has this shape.
    pub doc: String,
}

/// One field of a `one_of` type.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawOneOfMember {
    /// A type expression.
    #[serde(rename = "type")]
    #[schemars(with = "String")]
    pub ty: Spanned<String>,
    /// What choosing this field means.
    pub doc: String,
    /// A note for maintainers and reviewers (where a fact comes from, how sure it is, what
    /// conflicts with it). Read by people only: no generated file carries it.
    #[serde(default)]
    pub note: Option<String>,
    /// Rust variant name, when the derived one does not fit.
    #[schemars(with = "Option<String>")]
    pub rust_name: Option<Spanned<String>>,
}

/// A tagged union variant.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawVariant {
    /// The object type with the variant's other fields; absent when the tag is all there is.
    #[serde(rename = "type")]
    #[schemars(with = "Option<String>")]
    pub ty: Option<Spanned<String>>,
    /// What the variant means.
    pub doc: String,
    /// A note for maintainers and reviewers (where a fact comes from, how sure it is, what
    /// conflicts with it). Read by people only: no generated file carries it.
    #[serde(default)]
    pub note: Option<String>,
    /// Rust variant name, when the derived one does not fit.
    #[schemars(with = "Option<String>")]
    pub rust_name: Option<Spanned<String>>,
}

/// A group of endpoints.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawResource {
    /// What the resource is.
    pub doc: String,
    /// A note for maintainers and reviewers (where a fact comes from, how sure it is, what
    /// conflicts with it). Read by people only: no generated file carries it.
    #[serde(default)]
    pub note: Option<String>,
    /// Endpoints by Rust method name.
    pub endpoints: OrderedMap<RawEndpoint>,
}

/// One HTTP endpoint.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawEndpoint {
    /// What the endpoint does.
    pub doc: String,
    /// A note for maintainers and reviewers (where a fact comes from, how sure it is, what
    /// conflicts with it). Read by people only: no generated file carries it.
    #[serde(default)]
    pub note: Option<String>,
    /// HTTP method.
    #[schemars(with = "HttpMethodSchema")]
    pub method: Spanned<String>,
    /// Path below the base URL, with `{param}` segments.
    #[schemars(with = "String")]
    pub path: Spanned<String>,
    /// A key of `api.base_urls` other than `default`.
    #[schemars(with = "Option<String>")]
    pub base_url: Option<Spanned<String>>,
    /// Path parameters.
    #[serde(default)]
    pub path_params: OrderedMap<RawParam>,
    /// Query parameters, keyed by wire name.
    #[serde(default)]
    pub query: OrderedMap<RawParam>,
    /// Request body.
    pub body: Option<RawBody>,
    /// Response body.
    pub response: Option<RawResponse>,
    /// Offset pagination.
    pub paginated: Option<RawPaginated>,
    /// `safe` or `unsafe` to re-send.
    #[schemars(with = "Option<RetrySchema>")]
    pub retry: Option<Spanned<String>>,
    /// Rings a phone or starts a campaign.
    #[schemars(with = "Option<bool>")]
    pub places_calls: Option<Spanned<bool>>,
    /// Deprecation.
    pub deprecated: Option<RawDeprecated>,
    /// Error statuses this endpoint documents.
    #[serde(default)]
    #[schemars(with = "std::collections::BTreeMap<String, String>")]
    pub errors: OrderedMap<String>,
    /// Examples.
    #[serde(default)]
    pub examples: Vec<RawExample>,
}

/// HTTP methods (schema only).
#[derive(JsonSchema)]
#[allow(dead_code, clippy::upper_case_acronyms)]
enum HttpMethodSchema {
    GET,
    POST,
    PUT,
    PATCH,
    DELETE,
}

/// Retry classes (schema only).
#[derive(JsonSchema)]
#[allow(dead_code)]
#[schemars(rename_all = "lowercase")]
enum RetrySchema {
    Safe,
    Unsafe,
}

/// A path or query parameter.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawParam {
    /// A type expression.
    #[serde(rename = "type")]
    #[schemars(with = "String")]
    pub ty: Spanned<String>,
    /// What the parameter means.
    pub doc: String,
    /// A note for maintainers and reviewers (where a fact comes from, how sure it is, what
    /// conflicts with it). Read by people only: no generated file carries it.
    #[serde(default)]
    pub note: Option<String>,
    /// May be left out (query parameters only).
    #[schemars(with = "Option<bool>")]
    pub optional: Option<Spanned<bool>>,
    /// The server's default (documentation only).
    #[schemars(with = "Option<serde_json::Value>")]
    pub default: Option<serde_json::Value>,
    /// Rust name, when the derived one does not fit.
    #[schemars(with = "Option<String>")]
    pub rust_name: Option<Spanned<String>>,
}

/// A request body.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBody {
    /// The body's object type.
    #[serde(rename = "type")]
    #[schemars(with = "String")]
    pub ty: Spanned<String>,
    /// `json` (default) or `multipart`.
    #[schemars(with = "Option<EncodingSchema>")]
    pub encoding: Option<Spanned<String>>,
}

/// Body encodings (schema only).
#[derive(JsonSchema)]
#[allow(dead_code)]
#[schemars(rename_all = "lowercase")]
enum EncodingSchema {
    Json,
    Multipart,
}

/// A response body: `type` for JSON, or `binary: true`.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawResponse {
    /// A type expression for a JSON body.
    #[serde(rename = "type")]
    #[schemars(with = "Option<String>")]
    pub ty: Option<Spanned<String>>,
    /// The body is a file.
    #[schemars(with = "Option<bool>")]
    pub binary: Option<Spanned<bool>>,
    /// Media type of a binary body.
    pub media_type: Option<String>,
    /// What the response holds, when the type's doc does not say it.
    pub doc: Option<String>,
}

/// Offset pagination of a list endpoint.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPaginated {
    /// Dotted path of the list field in the response.
    #[schemars(with = "String")]
    pub items: Spanned<String>,
    /// Field of the response with the total count, if any.
    #[schemars(with = "Option<String>")]
    pub total: Option<Spanned<String>>,
}

/// Deprecation of an endpoint.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDeprecated {
    /// `resource.endpoint` to use instead.
    #[schemars(with = "Option<String>")]
    pub replacement: Option<Spanned<String>>,
    /// Why.
    pub doc: String,
}

/// An endpoint example.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawExample {
    /// Short name.
    pub name: Option<String>,
    /// What it shows.
    pub doc: Option<String>,
    /// Query parameters.
    #[schemars(with = "Option<serde_json::Value>")]
    pub query: Option<Spanned<serde_json::Value>>,
    /// JSON request body.
    #[schemars(with = "Option<serde_json::Value>")]
    pub request: Option<Spanned<serde_json::Value>>,
    /// JSON response body.
    #[schemars(with = "Option<serde_json::Value>")]
    pub response: Option<Spanned<serde_json::Value>>,
}

/// Which type is the webhook event.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawWebhooks {
    /// Module documentation.
    pub doc: String,
    /// A note for maintainers and reviewers (where a fact comes from, how sure it is, what
    /// conflicts with it). Read by people only: no generated file carries it.
    #[serde(default)]
    pub note: Option<String>,
    /// An open tagged union.
    #[schemars(with = "String")]
    pub event: Spanned<String>,
    /// The enum of event types agents subscribe with; it must list exactly the events of `event`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub subscriptions: Option<Spanned<String>>,
    /// An object type POSTed to a per-call callback URL, decoded like an event.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub callback: Option<Spanned<String>>,
}

/// The web-call widget.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawWebcall {
    /// Module documentation.
    pub doc: String,
    /// A note for maintainers and reviewers (where a fact comes from, how sure it is, what
    /// conflicts with it). Read by people only: no generated file carries it.
    #[serde(default)]
    pub note: Option<String>,
    /// The widget options object type.
    #[schemars(with = "String")]
    pub options: Spanned<String>,
    /// Loader script URL; `{version}` is replaced.
    pub script_url: String,
    /// Stylesheet URL; `{version}` is replaced.
    pub style_url: String,
    /// Widget version used when the caller sets none.
    pub default_version: String,
}
