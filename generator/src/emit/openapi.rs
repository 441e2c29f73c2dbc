//! The whole API as an OpenAPI 3.0.3 document: `generated/openapi.yaml`.
//!
//! The document is built as a `serde_json::Value` (insertion-ordered: paths and schemas in spec
//! order) and written as YAML by the small deterministic writer at the end of this module.
//!
//! Where the SDK's model is richer than OpenAPI 3.0 the document says so with vendor
//! extensions: enums are open (`x-open-enum`), the webhook event union is open
//! (`x-open-discriminator`), retry safety and call placing are `x-retry-safe` and
//! `x-places-calls`, pagination is `x-pagination`, and the webhook deliveries are described
//! under `x-webhooks` (OpenAPI 3.0 has no `webhooks`).

use serde_json::{Map, Value, json};

use super::GeneratedFile;
use crate::ir::{Api, Encoding, Endpoint, Field, Presence, Resource, Response, Retry, TypeDef, TypeKind, TypeRef};

/// Where the document goes, relative to the repository root. It ships with the generated crate.
pub const PATH: &str = "generated/openapi.yaml";

/// The tag of the webhook deliveries under `x-webhooks`.
pub const WEBHOOK_TAG: &str = "webhook_events";

/// The schema shared by every error response.
pub const ERROR_BODY: &str = "ErrorBody";

/// `generated/openapi.yaml`.
pub(crate) fn openapi(api: &Api) -> GeneratedFile {
    let mut contents = super::header("#", &api.sources.iter().collect::<Vec<_>>());
    contents.push('\n');
    write_yaml(&mut contents, &document(api));
    GeneratedFile { path: PATH.into(), contents }
}

/// The OpenAPI document as JSON.
pub fn document(api: &Api) -> Value {
    let mut doc = Map::new();
    doc.insert("openapi".into(), json!("3.0.3"));
    doc.insert("info".into(), info(api));
    doc.insert(
        "servers".into(),
        json!([{ "url": api.base_urls[0].url, "description": "Every path except those that name another server." }]),
    );
    doc.insert("security".into(), json!([{ "ApiKey": [] }]));
    let mut tags: Vec<Value> =
        api.resources.iter().map(|r| json!({ "name": r.name, "description": r.doc.trim() })).collect();
    if let Some(w) = &api.webhooks {
        tags.push(json!({ "name": WEBHOOK_TAG, "description": w.doc.trim() }));
    }
    doc.insert("tags".into(), Value::Array(tags));
    doc.insert("paths".into(), paths(api));
    doc.insert("components".into(), components(api));
    if let Some(w) = &api.webhooks {
        doc.insert("x-webhooks".into(), webhooks(api, &w.event));
    }
    Value::Object(doc)
}

fn info(api: &Api) -> Value {
    let servers: Vec<String> = api.base_urls.iter().map(|b| format!("`{}`: {}", b.name, b.url)).collect();
    json!({
        "title": api.title,
        "version": api.version,
        "description": format!(
            "{}\n\nThis document is generated from the spec that the `{}` Rust SDK is generated from \
             (API version `{}`, base URLs {}). Enums are open: values not listed here may appear \
             and are kept by the SDK. `date-time` values are ISO 8601; Ringg sends them with and \
             without a UTC offset (the SDK keeps the text and reports the missing offset when \
             asked), and requests must give one.",
            api.doc.trim(),
            api.name,
            api.api_version,
            servers.join(", ")
        ),
        "x-api-version": api.api_version,
    })
}

// ------------------------------------------------------------------------------------------------
// Paths
// ------------------------------------------------------------------------------------------------

fn paths(api: &Api) -> Value {
    let mut paths = Map::new();
    for r in &api.resources {
        for e in &r.endpoints {
            let item = paths.entry(e.path.clone()).or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(item) = item {
                item.insert(e.method.as_str().to_ascii_lowercase(), operation(api, r, e));
            }
        }
    }
    Value::Object(paths)
}

/// `{resource}_{endpoint}`.
pub fn operation_id(resource: &str, endpoint: &str) -> String {
    format!("{resource}_{endpoint}")
}

/// The key of an example: its name, or `example_N` (1-based) when it has none.
pub fn example_key(name: Option<&str>, index: usize) -> String {
    name.map_or_else(|| format!("example_{}", index + 1), str::to_string)
}

fn operation(api: &Api, r: &Resource, e: &Endpoint) -> Value {
    let mut op = Map::new();
    op.insert("tags".into(), json!([r.name]));
    op.insert("summary".into(), json!(super::docs::summary(&e.doc)));
    let mut description = e.doc.trim().to_string();
    if let Some(d) = &e.deprecated {
        description.push_str("\n\n**Deprecated.** ");
        description.push_str(d.doc.trim());
        if let Some((res, ep)) = &d.replacement {
            let target =
                api.resources.iter().find(|x| &x.name == res).and_then(|x| x.endpoints.iter().find(|y| &y.name == ep));
            match target {
                Some(t) => description.push_str(&format!(
                    " Use `{} {}` (`{}`) instead.",
                    t.method.as_str(),
                    t.path,
                    operation_id(res, ep)
                )),
                None => description.push_str(&format!(" Use `{}` instead.", operation_id(res, ep))),
            }
        }
    }
    op.insert("description".into(), json!(description));
    op.insert("operationId".into(), json!(operation_id(&r.name, &e.name)));
    if let Some(b) = api.base_urls.iter().skip(1).find(|b| b.name == e.base_url) {
        op.insert("servers".into(), json!([{ "url": b.url, "description": format!("The `{}` server.", b.name) }]));
    }
    let params = parameters(api, e);
    if !params.is_empty() {
        op.insert("parameters".into(), Value::Array(params));
    }
    if let Some(body) = request_body(api, e) {
        op.insert("requestBody".into(), body);
    }
    op.insert("responses".into(), responses(api, e));
    if e.deprecated.is_some() {
        op.insert("deprecated".into(), json!(true));
        if let Some((res, ep)) = e.deprecated.as_ref().and_then(|d| d.replacement.as_ref()) {
            op.insert("x-replaced-by".into(), json!(operation_id(res, ep)));
        }
    }
    op.insert("x-retry-safe".into(), json!(e.retry == Retry::Safe));
    if e.places_calls {
        op.insert("x-places-calls".into(), json!(true));
    }
    if let Some(p) = pagination(api, e) {
        op.insert("x-pagination".into(), p);
    }
    Value::Object(op)
}

fn parameters(api: &Api, e: &Endpoint) -> Vec<Value> {
    let mut out = Vec::new();
    let located = e.path_params.iter().map(|p| (p, "path")).chain(e.query.iter().map(|p| (p, "query")));
    for (p, place) in located {
        let mut param = Map::new();
        param.insert("name".into(), json!(p.wire));
        param.insert("in".into(), json!(place));
        param.insert("description".into(), json!(p.doc.trim()));
        param.insert("required".into(), json!(place == "path" || !p.optional));
        let mut schema = type_schema(&p.ty);
        let mut extra = Map::new();
        if let Some(d) = &p.default {
            extra.insert("default".into(), parse_default(d));
        }
        if place == "query" && e.paging.is_some() && p.wire == api.pagination.limit {
            extra.insert("minimum".into(), json!(1));
            extra.insert("maximum".into(), json!(api.pagination.max_limit));
        }
        if place == "query" && e.paging.is_some() && p.wire == api.pagination.offset {
            extra.insert("minimum".into(), json!(0));
        }
        schema = annotate(schema, extra, false);
        if matches!(p.ty, TypeRef::List(_)) {
            param.insert("style".into(), json!("form"));
            param.insert("explode".into(), json!(true));
        }
        param.insert("schema".into(), schema);
        let mut examples = Map::new();
        for (i, x) in e.examples.iter().enumerate() {
            if let Some(v) = x.query.as_ref().and_then(|q| q.get(&p.wire)) {
                examples.insert(example_key(x.name.as_deref(), i), example_object(x.doc.as_deref(), v));
            }
        }
        if !examples.is_empty() {
            param.insert("examples".into(), Value::Object(examples));
        }
        out.push(Value::Object(param));
    }
    out
}

fn request_body(api: &Api, e: &Endpoint) -> Option<Value> {
    let body = e.body.as_ref()?;
    let mut media = Map::new();
    media.insert("schema".into(), schema_ref(&body.ty));
    let media_type = match body.encoding {
        Encoding::Json => {
            let mut examples = Map::new();
            for (i, x) in e.examples.iter().enumerate() {
                if let Some(v) = &x.request {
                    examples.insert(example_key(x.name.as_deref(), i), example_object(x.doc.as_deref(), v));
                }
            }
            if !examples.is_empty() {
                media.insert("examples".into(), Value::Object(examples));
            }
            "application/json"
        }
        Encoding::Multipart => {
            let mut encoding = Map::new();
            if let Some(TypeKind::Object(fields)) = api.type_def(&body.ty).map(|t| &t.kind) {
                for f in fields {
                    if json_part(api, &f.ty) {
                        encoding.insert(f.wire.clone(), json!({ "contentType": "application/json" }));
                    }
                }
            }
            if !encoding.is_empty() {
                media.insert("encoding".into(), Value::Object(encoding));
            }
            "multipart/form-data"
        }
    };
    let description = api.type_def(&body.ty).map(|t| super::docs::summary(&t.doc)).unwrap_or_default();
    Some(json!({
        "description": description,
        "required": true,
        "content": { media_type: Value::Object(media) },
    }))
}

/// Multipart parts sent as JSON text: everything but files, scalars and enums.
fn json_part(api: &Api, ty: &TypeRef) -> bool {
    match ty {
        TypeRef::File
        | TypeRef::String
        | TypeRef::Date
        | TypeRef::DateTime
        | TypeRef::Integer
        | TypeRef::Number
        | TypeRef::Boolean => false,
        TypeRef::List(inner) if **inner == TypeRef::File => false,
        TypeRef::Named(n) => !matches!(api.type_def(n).map(|t| &t.kind), Some(TypeKind::Enum(_))),
        _ => true,
    }
}

fn responses(api: &Api, e: &Endpoint) -> Value {
    let mut out = Map::new();
    let ok = match &e.response {
        Response::Empty => json!({ "description": "Success. Ringg documents no response body; the SDK ignores it." }),
        Response::Binary { media_type } => {
            let media = media_type.clone().unwrap_or_else(|| "application/octet-stream".into());
            json!({
                "description": "Success: the file, streamed.",
                "content": { media: { "schema": { "type": "string", "format": "binary" } } },
            })
        }
        Response::Json(ty) => {
            let mut media = Map::new();
            media.insert("schema".into(), type_schema(ty));
            let mut examples = Map::new();
            for (i, x) in e.examples.iter().enumerate() {
                if let Some(v) = &x.response {
                    examples.insert(example_key(x.name.as_deref(), i), example_object(x.doc.as_deref(), v));
                }
            }
            if !examples.is_empty() {
                media.insert("examples".into(), Value::Object(examples));
            }
            let description = match ty.named().and_then(|n| api.type_def(n)) {
                Some(t) if matches!(ty, TypeRef::Named(_)) => {
                    format!("Success: {}", lower_first(&super::docs::summary(&t.doc)))
                }
                _ => "Success.".to_string(),
            };
            json!({ "description": description, "content": { "application/json": Value::Object(media) } })
        }
    };
    out.insert("200".into(), ok);
    for (status, meaning) in &e.errors {
        let case = api.errors.iter().find(|c| &c.status == status);
        let name = case.map_or("Error", |c| c.name.as_str());
        out.insert(
            status_key(status),
            json!({
                "description": format!("{name}: {}", meaning.trim()),
                "content": { "application/json": { "schema": schema_ref(ERROR_BODY) } },
                "x-error-kind": name,
            }),
        );
    }
    Value::Object(out)
}

/// `5xx` is the `5XX` range in OpenAPI; exact statuses stay as they are.
pub fn status_key(status: &str) -> String {
    status.to_ascii_uppercase()
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// `x-pagination`: the query parameters and where the items and total are, as wire paths.
fn pagination(api: &Api, e: &Endpoint) -> Option<Value> {
    let paging = e.paging.as_ref()?;
    let Response::Json(TypeRef::Named(root)) = &e.response else { return None };
    let mut wire = Vec::new();
    let mut current = root.clone();
    for step in &paging.items {
        let Some(TypeKind::Object(fields)) = api.type_def(&current).map(|t| &t.kind) else { return None };
        let f = fields.iter().find(|f| f.rust == step.rust)?;
        wire.push(f.wire.clone());
        if let TypeRef::Named(n) = &f.ty {
            current = n.clone();
        }
    }
    let mut out = Map::new();
    out.insert("limit".into(), json!(api.pagination.limit));
    out.insert("offset".into(), json!(api.pagination.offset));
    out.insert("default_limit".into(), json!(api.pagination.default_limit));
    out.insert("max_limit".into(), json!(api.pagination.max_limit));
    out.insert("items".into(), json!(wire.join(".")));
    let root_fields = match api.type_def(root).map(|t| &t.kind) {
        Some(TypeKind::Object(fields)) => fields.as_slice(),
        _ => &[],
    };
    if let Some(f) = paging.total.as_ref().and_then(|(step, _)| root_fields.iter().find(|f| f.rust == step.rust)) {
        out.insert("total".into(), json!(f.wire));
    }
    Some(Value::Object(out))
}

fn example_object(doc: Option<&str>, value: &Value) -> Value {
    let mut ex = Map::new();
    if let Some(d) = doc {
        let summary = super::docs::summary(d);
        if summary != d.trim() {
            ex.insert("description".into(), json!(d.trim()));
        }
        ex.insert("summary".into(), json!(summary));
    }
    ex.insert("value".into(), value.clone());
    Value::Object(ex)
}

/// `x-webhooks` (the Redoc extension; OpenAPI 3.0 has no webhooks): one entry per event type,
/// whose body is that variant of the event union.
fn webhooks(api: &Api, event: &str) -> Value {
    let mut out = Map::new();
    let Some(t) = api.type_def(event) else { return Value::Object(out) };
    let tag = match &t.kind {
        TypeKind::Tagged(tagged) => tagged.tag.as_str(),
        _ => "type",
    };
    let variants: Vec<(String, String, String)> = match &t.kind {
        TypeKind::Tagged(tagged) => tagged
            .variants
            .iter()
            .map(|v| (v.tag_value.clone(), v.doc.trim().to_string(), variant_schema_name(&t.name, &v.tag_value)))
            .collect(),
        _ => vec![(event.to_string(), super::docs::summary(&t.doc), t.name.clone())],
    };
    for (name, summary, schema) in variants {
        out.insert(
            name.clone(),
            json!({
                "post": {
                    "tags": [WEBHOOK_TAG],
                    "summary": summary,
                    "description": format!("Delivered as a `{event}` whose `{tag}` is `{name}`. See the `{WEBHOOK_TAG}` tag for delivery and retries."),
                    "operationId": format!("webhook_{name}"),
                    "requestBody": {
                        "required": true,
                        "content": { "application/json": { "schema": schema_ref(&schema) } },
                    },
                    "responses": {
                        "2XX": { "description": "Received. Answer within 30 seconds, or Ringg delivers the event again." },
                    },
                }
            }),
        );
    }
    Value::Object(out)
}

// ------------------------------------------------------------------------------------------------
// Components
// ------------------------------------------------------------------------------------------------

fn components(api: &Api) -> Value {
    let mut schemas = Map::new();
    for t in &api.types {
        schemas.insert(t.name.clone(), type_def_schema(api, t));
        if let TypeKind::Tagged(tagged) = &t.kind {
            for v in &tagged.variants {
                let mut tag_object = Map::new();
                tag_object.insert("type".into(), json!("object"));
                tag_object.insert("required".into(), json!([tagged.tag]));
                tag_object.insert(
                    "properties".into(),
                    json!({ tagged.tag.clone(): { "type": "string", "enum": [v.tag_value] } }),
                );
                let mut s = Map::new();
                s.insert("description".into(), json!(format!("`{}: {}`: {}", tagged.tag, v.tag_value, v.doc.trim())));
                match &v.ty {
                    Some(ty) => {
                        s.insert("allOf".into(), json!([schema_ref(ty), Value::Object(tag_object)]));
                    }
                    None => s.extend(tag_object),
                }
                schemas.insert(variant_schema_name(&t.name, &v.tag_value), Value::Object(s));
            }
        }
    }
    schemas.insert(ERROR_BODY.into(), error_body());
    let mut responses = Map::new();
    for c in &api.errors {
        responses.insert(
            c.name.clone(),
            json!({
                "description": format!(
                    "{} (HTTP {}{})",
                    c.doc.trim(),
                    status_key(&c.status),
                    if c.retryable { ", retryable" } else { "" }
                ),
                "content": { "application/json": { "schema": schema_ref(ERROR_BODY) } },
                "x-status": status_key(&c.status),
                "x-retryable": c.retryable,
            }),
        );
    }
    json!({
        "schemas": Value::Object(schemas),
        "responses": Value::Object(responses),
        "securitySchemes": {
            "ApiKey": {
                "type": "apiKey",
                "in": "header",
                "name": api.auth_header,
                "description": format!(
                    "The workspace API key, sent on every request. The SDK reads it from `{}`.",
                    api.auth_env
                ),
            }
        },
    })
}

/// The component holding one variant of a tagged union, tag included.
pub fn variant_schema_name(union: &str, tag_value: &str) -> String {
    format!("{union}_{tag_value}")
}

fn error_body() -> Value {
    let code_message = json!({
        "type": "object",
        "properties": {
            "code": { "type": "string", "description": "An error code (undocumented)." },
            "message": { "type": "string", "description": "What went wrong." },
        },
    });
    json!({
        "type": "object",
        "description": "An error body. Ringg sends one of three shapes: `{\"detail\": \"...\"}` (a message, or a list \
            of validation problems), `{\"error\": {\"code\": \"...\", \"message\": \"...\"}}`, or \
            `{\"detail\": {\"code\": \"...\", \"message\": \"...\"}}` (the speech-to-text service).",
        "properties": {
            "detail": {
                "description": "A message, a coded message, or a list of validation problems.",
                "oneOf": [
                    { "type": "string" },
                    code_message,
                    { "type": "array", "items": {} },
                ],
            },
            "error": code_message,
            "message": { "type": "string", "description": "A message, on some endpoints." },
        },
    })
}

fn type_def_schema(api: &Api, t: &TypeDef) -> Value {
    let mut s = Map::new();
    let doc = t.doc.trim().to_string();
    match &t.kind {
        TypeKind::Object(fields) => {
            let own = object_schema(api, fields.iter().filter(|f| !f.flatten));
            let flattened: Vec<&Field> = fields.iter().filter(|f| f.flatten).collect();
            if flattened.is_empty() {
                s.insert("description".into(), json!(doc));
                s.extend(own);
            } else {
                s.insert("description".into(), json!(doc));
                let mut all = vec![Value::Object(own)];
                for f in flattened {
                    let mut extra = Map::new();
                    extra.insert(
                        "description".into(),
                        json!(format!("`{}` (flattened into this object): {}", f.wire, f.doc.trim())),
                    );
                    all.push(annotate(type_schema(&f.ty), extra, false));
                }
                s.insert("allOf".into(), Value::Array(all));
            }
        }
        TypeKind::Enum(values) => {
            s.insert("type".into(), json!("string"));
            s.insert(
                "description".into(),
                json!(format!("{doc}\n\nOpen enum: values not listed here may appear and are kept.")),
            );
            s.insert("enum".into(), Value::Array(values.iter().map(|v| json!(v.wire)).collect()));
            s.insert("x-open-enum".into(), json!(true));
            let descriptions: Map<String, Value> =
                values.iter().map(|v| (v.wire.clone(), json!(v.doc.trim()))).collect();
            s.insert("x-enumDescriptions".into(), Value::Object(descriptions));
        }
        TypeKind::Newtype => {
            s.insert("type".into(), json!("string"));
            s.insert("description".into(), json!(doc));
        }
        TypeKind::OneOf(members) => {
            s.insert("description".into(), json!(format!("{doc}\n\nExactly one of these fields is present.")));
            let one_of = members
                .iter()
                .map(|m| {
                    let mut extra = Map::new();
                    extra.insert("description".into(), json!(m.doc.trim()));
                    json!({
                        "type": "object",
                        "required": [m.wire],
                        "properties": { (m.wire.clone()): annotate(type_schema(&m.ty), extra, false) },
                    })
                })
                .collect();
            s.insert("oneOf".into(), Value::Array(one_of));
        }
        TypeKind::Union(members) => {
            s.insert(
                "description".into(),
                json!(format!("{doc}\n\nOne of the members below; the SDK tries them in this order.")),
            );
            let one_of = members
                .iter()
                .map(|m| {
                    let mut extra = Map::new();
                    extra.insert("title".into(), json!(m.rust));
                    extra.insert("description".into(), json!(m.doc.trim()));
                    annotate(type_schema(&m.ty), extra, false)
                })
                .collect();
            s.insert("oneOf".into(), Value::Array(one_of));
        }
        TypeKind::Tagged(tagged) => {
            let mut description = doc;
            if tagged.open {
                description.push_str(&format!(
                    "\n\nOpen: an `{}` not listed here may appear; the SDK keeps it as unknown.",
                    tagged.tag
                ));
            }
            s.insert("description".into(), json!(description));
            let refs: Vec<Value> =
                tagged.variants.iter().map(|v| schema_ref(&variant_schema_name(&t.name, &v.tag_value))).collect();
            s.insert("oneOf".into(), Value::Array(refs));
            let mapping: Map<String, Value> = tagged
                .variants
                .iter()
                .map(|v| (v.tag_value.clone(), json!(ref_path(&variant_schema_name(&t.name, &v.tag_value)))))
                .collect();
            s.insert("discriminator".into(), json!({ "propertyName": tagged.tag, "mapping": Value::Object(mapping) }));
            if tagged.open {
                s.insert("x-open-discriminator".into(), json!(true));
            }
        }
    }
    if let Some(first) = t.examples.first() {
        s.insert("example".into(), first.clone());
    }
    if t.examples.len() > 1 {
        s.insert("x-examples".into(), Value::Array(t.examples[1..].to_vec()));
    }
    Value::Object(s)
}

/// `type: object` with `required` and `properties`.
fn object_schema<'a>(api: &Api, fields: impl Iterator<Item = &'a Field>) -> Map<String, Value> {
    let mut required = Vec::new();
    let mut properties = Map::new();
    for f in fields {
        if !f.presence.may_be_absent() {
            required.push(json!(f.wire));
        }
        properties.insert(f.wire.clone(), field_schema(api, f));
    }
    let mut s = Map::new();
    s.insert("type".into(), json!("object"));
    if !required.is_empty() {
        s.insert("required".into(), Value::Array(required));
    }
    s.insert("properties".into(), Value::Object(properties));
    s
}

fn field_schema(_api: &Api, f: &Field) -> Value {
    let mut extra = Map::new();
    let mut description = f.doc.trim().to_string();
    if let Some(why) = &f.deprecated {
        description.push_str(&format!("\n\n**Deprecated.** {}", why.trim()));
    }
    extra.insert("description".into(), json!(description));
    if let Some(d) = &f.default {
        extra.insert("default".into(), parse_default(d));
    }
    if f.secret && matches!(f.ty, TypeRef::String) {
        extra.insert("format".into(), json!("password"));
    }
    if f.deprecated.is_some() {
        extra.insert("deprecated".into(), json!(true));
    }
    let nullable = matches!(f.presence, Presence::Nullable | Presence::OptionalNullable);
    annotate(type_schema(&f.ty), extra, nullable)
}

/// Adds keywords to a schema. A `$ref` cannot have siblings in OpenAPI 3.0, so a reference is
/// wrapped: in `allOf` to carry annotations, in `anyOf` with a null-only schema to be nullable
/// (`nullable` only applies beside a `type` in the same schema object).
fn annotate(schema: Value, extra: Map<String, Value>, nullable: bool) -> Value {
    let Value::Object(mut s) = schema else { return schema };
    if s.contains_key("$ref") {
        if extra.is_empty() && !nullable {
            return Value::Object(s);
        }
        let mut out = Map::new();
        if nullable {
            out.insert(
                "anyOf".into(),
                json!([Value::Object(s), { "type": "object", "nullable": true, "enum": [null] }]),
            );
        } else {
            out.insert("allOf".into(), json!([Value::Object(s)]));
        }
        out.extend(extra);
        return Value::Object(out);
    }
    if nullable {
        s.insert("nullable".into(), json!(true));
    }
    for (k, v) in extra {
        if k == "format" && s.contains_key("format") {
            continue;
        }
        s.insert(k, v);
    }
    Value::Object(s)
}

fn parse_default(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| json!(text))
}

fn ref_path(name: &str) -> String {
    format!("#/components/schemas/{name}")
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": ref_path(name) })
}

/// The schema of a type expression.
fn type_schema(ty: &TypeRef) -> Value {
    match ty {
        TypeRef::String => json!({ "type": "string" }),
        TypeRef::Integer => json!({ "type": "integer", "format": "int64" }),
        TypeRef::Number => json!({ "type": "number", "format": "double" }),
        TypeRef::Boolean => json!({ "type": "boolean" }),
        TypeRef::Date => json!({ "type": "string", "format": "date" }),
        TypeRef::DateTime => json!({ "type": "string", "format": "date-time" }),
        TypeRef::Json => json!({}),
        TypeRef::File => json!({ "type": "string", "format": "binary" }),
        TypeRef::List(t) => json!({ "type": "array", "items": type_schema(t) }),
        TypeRef::Map(t) => json!({ "type": "object", "additionalProperties": type_schema(t) }),
        TypeRef::Named(n) => schema_ref(n),
    }
}

// ------------------------------------------------------------------------------------------------
// YAML
// ------------------------------------------------------------------------------------------------

/// Writes a JSON value as block-style YAML that YAML 1.1 and 1.2 parsers read back as the same
/// JSON. Strings are plain only when they cannot be misread; otherwise double-quoted with
/// JSON-compatible escapes, or a literal block when they span lines.
pub fn write_yaml(out: &mut String, value: &Value) {
    match value {
        Value::Object(m) if !m.is_empty() => write_map(out, m, 0, false),
        Value::Array(a) if !a.is_empty() => write_seq(out, a, 0),
        scalar => {
            write_scalar(out, scalar, 2);
            out.push('\n');
        }
    }
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// Entries of a mapping at `indent`; the first one continues the current line when `inline`.
fn write_map(out: &mut String, m: &Map<String, Value>, indent: usize, inline: bool) {
    for (i, (k, v)) in m.iter().enumerate() {
        if !(inline && i == 0) {
            pad(out, indent);
        }
        write_string(out, k, indent, true);
        out.push(':');
        write_child(out, v, indent);
    }
}

fn write_seq(out: &mut String, a: &[Value], indent: usize) {
    for v in a {
        pad(out, indent);
        out.push('-');
        match v {
            Value::Object(m) if !m.is_empty() => {
                out.push(' ');
                write_map(out, m, indent + 2, true);
            }
            Value::Array(inner) if !inner.is_empty() => {
                out.push('\n');
                write_seq(out, inner, indent + 2);
            }
            scalar => {
                out.push(' ');
                write_scalar(out, scalar, indent + 2);
                out.push('\n');
            }
        }
    }
}

/// The value of a mapping entry whose key is at `indent`.
fn write_child(out: &mut String, v: &Value, indent: usize) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            write_map(out, m, indent + 2, false);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            write_seq(out, a, indent + 2);
        }
        scalar => {
            out.push(' ');
            write_scalar(out, scalar, indent + 2);
            out.push('\n');
        }
    }
}

/// A scalar (or empty collection); block content, if any, is indented by `indent`.
fn write_scalar(out: &mut String, v: &Value, indent: usize) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number(n)),
        Value::String(s) => write_string(out, s, indent, false),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

/// Integers as they are; floats always with a `.` and a signed exponent, which YAML 1.1 needs.
fn number(n: &serde_json::Number) -> String {
    let text = n.to_string();
    if n.is_f64() {
        let (mantissa, exponent) = match text.split_once(['e', 'E']) {
            Some((m, e)) => (m.to_string(), Some(e.to_string())),
            None => (text.clone(), None),
        };
        let mantissa = if mantissa.contains('.') { mantissa } else { format!("{mantissa}.0") };
        match exponent {
            Some(e) if e.starts_with(['-', '+']) => format!("{mantissa}e{e}"),
            Some(e) => format!("{mantissa}e+{e}"),
            None => mantissa,
        }
    } else {
        text
    }
}

fn write_string(out: &mut String, s: &str, indent: usize, key: bool) {
    if is_plain(s) {
        out.push_str(s);
    } else if !key && literal_ok(s) {
        let body = s.trim_end_matches('\n');
        let trailing = s.len() - body.len();
        out.push_str(match trailing {
            0 => "|-",
            1 => "|",
            _ => "|+",
        });
        for line in body.split('\n') {
            out.push('\n');
            if !line.is_empty() {
                pad(out, indent);
                out.push_str(line);
            }
        }
        // The caller ends the last line; `|+` keeps the blank lines after it.
        for _ in 1..trailing {
            out.push('\n');
        }
    } else {
        quote(out, s);
    }
}

/// Plain scalars: simple words, paths and names that no YAML version reads as anything else.
fn is_plain(s: &str) -> bool {
    const RESERVED: &[&str] = &["y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf"];
    let Some(first) = s.chars().next() else { return false };
    (first.is_ascii_alphabetic() || first == '_' || first == '/' || first == '$')
        && !s.ends_with(' ')
        && !s.contains("  ")
        && s.chars().all(|c| c.is_ascii_alphanumeric() || "_-./${} ".contains(c))
        && !RESERVED.contains(&s.to_ascii_lowercase().as_str())
}

/// A multi-line string that a literal block holds exactly: printable text, no line that
/// starts with a space (the indentation would be ambiguous) and no line that is only spaces.
fn literal_ok(s: &str) -> bool {
    s.contains('\n')
        && !s.starts_with('\n')
        && s.chars().all(|c| c == '\n' || !needs_escape(c))
        && !s.contains('\r')
        && !s.contains('\t')
        && s.split('\n').all(|l| !l.starts_with(' ') && !l.ends_with(' '))
}

fn needs_escape(c: char) -> bool {
    matches!(c, '\0'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}')
}

/// A double-quoted scalar with JSON-compatible escapes (valid in YAML 1.1 and 1.2).
fn quote(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(v: &Value) -> String {
        let mut s = String::new();
        write_yaml(&mut s, v);
        s
    }

    #[test]
    fn writes_block_yaml() {
        let v = json!({
            "openapi": "3.0.3",
            "paths": { "/agent/{agent_id}": { "get": { "tags": ["assistants"] } } },
            "200": { "e": [], "m": {} },
            "list": [{ "a": 1, "b": [1.5, 1e20] }, "yes", null, true, [1]],
            "ref": "#/components/schemas/X",
        });
        assert_eq!(
            yaml(&v),
            "openapi: \"3.0.3\"\npaths:\n  /agent/{agent_id}:\n    get:\n      tags:\n        - assistants\n\
             \"200\":\n  e: []\n  m: {}\nlist:\n  - a: 1\n    b:\n      - 1.5\n      - 1.0e+20\n  - \"yes\"\n  - null\n  - true\n  -\n    - 1\n\
             ref: \"#/components/schemas/X\"\n"
        );
    }

    #[test]
    fn references_are_wrapped_to_carry_keywords() {
        let r = schema_ref("X");
        assert_eq!(annotate(r.clone(), Map::new(), false), r);
        let mut doc = Map::new();
        doc.insert("description".into(), json!("d"));
        assert_eq!(annotate(r.clone(), doc.clone(), false), json!({ "allOf": [r], "description": "d" }));
        assert_eq!(
            annotate(r.clone(), doc.clone(), true),
            json!({ "anyOf": [r, { "type": "object", "nullable": true, "enum": [null] }], "description": "d" })
        );
        assert_eq!(
            annotate(type_schema(&TypeRef::String), doc, true),
            json!({ "type": "string", "nullable": true, "description": "d" })
        );
    }

    #[test]
    fn strings_survive() {
        let mut s = String::new();
        quote(&mut s, "a \"b\" \\ \u{7f} \u{2028} é 💼");
        assert_eq!(s, "\"a \\\"b\\\" \\\\ \\u007f \\u2028 é 💼\"");
        assert_eq!(yaml(&json!({ "d": "one\n\ntwo\n" })), "d: |\n  one\n\n  two\n");
        assert_eq!(yaml(&json!({ "d": "one\ntwo" })), "d: |-\n  one\n  two\n");
        assert_eq!(yaml(&json!({ "d": "one\n\n" })), "d: |+\n  one\n\n");
        assert_eq!(yaml(&json!({ "d": " one\ntwo" })), "d: \" one\\ntwo\"\n");
        assert!(!is_plain("No") && !is_plain("true") && !is_plain("5XX") && !is_plain("a: b"));
        assert!(is_plain("application/json") && is_plain("$ref") && is_plain("Sales Agent"));
    }
}
