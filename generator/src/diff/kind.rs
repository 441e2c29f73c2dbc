//! [`Kind`]: the name of each rule, with the rule itself in its docs.

use heck::ToKebabCase;

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
    /// patch when the Rust type stays (`string` is `String`, `date` is `Date`, `datetime` is
    /// `Timestamp`, so `date` to `string` changes it), else major.
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
    /// An endpoint became paginated. compatible / minor: it gains `.stream()`; major when an
    /// existing `limit` or `offset` parameter becomes a paging setter of another Rust type.
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
    /// field of a request type), else minor (structs are `#[non_exhaustive]`). A flattened
    /// `one_of` that gathers removed optional fields of the same wire types: wire none.
    FieldAdded,
    /// A field was removed. Rust: major. Wire: breaking when the type is sent (the server no
    /// longer honours it) or received and the field was always present; compatible when it was
    /// optional in received data (old decoders already cope with its absence); none when an
    /// optional field moved into a flattened `one_of` with the same wire name and type.
    FieldRemoved,
    /// A field's type changed. Wire: sent data must accept every old value, received data may only
    /// hold old values (see [`Kind::ParamRetyped`]); none when the JSON is the same (a string
    /// and a newtype over it). Rust: major unless the Rust type stays.
    FieldRetyped,
    /// A field's presence changed (required, optional, nullable). Wire: breaking when sent and it
    /// may no longer be absent or null; breaking when received and it may now be absent or null.
    /// Rust: major when the field's Rust type (`T`, `Option<T>`, `Patch<T>`) or a request type's
    /// `new` changes, else patch (optional and nullable are both `Option<T>` in response types).
    FieldPresenceChanged,
    /// A field's Rust name changed, the wire name being the same. none / major.
    FieldRenamed,
    /// A field's wire key changed while its Rust name stayed (the old name kept with
    /// `rust_name`). breaking / patch: the Rust field is the same and the new crate reads and
    /// writes the new key, while integrations built on the old key send what the server no
    /// longer reads and silently read the field as absent (or fail to decode it when it was
    /// always present). A type or presence change of the same field is reported beside it.
    FieldWireRenamed,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_ids_are_kebab_case() {
        assert_eq!(Kind::FieldAdded.id(), "field-added");
        assert_eq!(Kind::EnumValueRemoved.id(), "enum-value-removed");
    }
}
