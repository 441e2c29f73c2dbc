//! Raw spec structs to the IR, checking every rule on the way and collecting every problem.
//!
//! Each `check_*` and `lower_*` function states its rule in its doc comment. None of them stops
//! at the first problem: they record a diagnostic and carry on with a placeholder, so one run
//! reports everything. The caller discards the IR when any diagnostic was recorded.

use std::collections::{HashMap, HashSet};

use serde_saphyr::Spanned;

use super::conform::{Mismatches, Step, Types, conform_example};
use super::parse::{line_of, token_width};
use crate::diag::{Diagnostic, did_you_mean};
use crate::ident;
use crate::ir::*;
use crate::raw::*;

/// A place in the spec: file index, line, column.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Loc {
    file: usize,
    line: u32,
    column: u32,
}

/// What files that did not parse declare: references to these names are not reported.
#[derive(Debug, Default)]
pub(crate) struct Unloaded {
    /// Type names.
    pub(crate) types: HashSet<String>,
    /// Resource names.
    pub(crate) resources: HashSet<String>,
    /// One of them has the `api` block.
    pub(crate) api: bool,
}

/// Collects diagnostics with their source lines.
pub(crate) struct Ctx<'a> {
    files: &'a [(String, String)],
    pub(crate) diags: Vec<Diagnostic>,
    /// Declared by files that did not parse.
    pub(crate) unloaded: Unloaded,
    /// Check examples against their types (off only for a revision loaded to compare with).
    pub(crate) check_examples: bool,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(files: &'a [(String, String)]) -> Self {
        Self { files, diags: Vec::new(), unloaded: Unloaded::default(), check_examples: true }
    }

    fn loc<T>(&self, file: usize, s: &Spanned<T>) -> Loc {
        Loc { file, line: s.referenced.line() as u32, column: s.referenced.column() as u32 }
    }

    fn error(&mut self, loc: Loc, path: &str, message: impl Into<String>, hint: Option<String>) {
        let (file, text) = &self.files[loc.file];
        let source_line = line_of(text, loc.line);
        let width = source_line.as_deref().map(|l| token_width(l, loc.column)).unwrap_or(1);
        self.diags.push(Diagnostic {
            file: file.clone(),
            line: loc.line,
            column: loc.column,
            width,
            path: path.to_string(),
            message: message.into(),
            hint,
            source_line,
            note: false,
        });
    }
}

/// Parses a type expression: a primitive, `list<T>`, `map<T>` or a type name.
pub(crate) fn parse_type(s: &str) -> Result<TypeRef, String> {
    let s = s.trim();
    let inner = |prefix: &str| s.strip_prefix(prefix).and_then(|r| r.strip_suffix('>')).map(str::trim);
    if let Some(t) = inner("list<") {
        return Ok(TypeRef::List(Box::new(parse_type(t)?)));
    }
    if let Some(t) = inner("map<") {
        return Ok(TypeRef::Map(Box::new(parse_type(t)?)));
    }
    Ok(match s {
        "string" => TypeRef::String,
        "integer" => TypeRef::Integer,
        "number" => TypeRef::Number,
        "boolean" => TypeRef::Boolean,
        "date" => TypeRef::Date,
        "datetime" => TypeRef::DateTime,
        "json" => TypeRef::Json,
        "file" => TypeRef::File,
        _ if !s.is_empty()
            && s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
        {
            TypeRef::Named(s.to_string())
        }
        _ => {
            return Err(format!("`{s}` is not a type expression"));
        }
    })
}

const PRIMITIVES: &[&str] = &["string", "integer", "number", "boolean", "date", "datetime", "json", "file"];

/// Known `ErrorKind` variants of the runtime; the spec's error names must be among them.
pub const ERROR_KINDS: &[&str] = &[
    "BadRequest",
    "Unauthorized",
    "PaymentRequired",
    "Forbidden",
    "NotFound",
    "RequestTimeout",
    "Conflict",
    "PayloadTooLarge",
    "UnsupportedMediaType",
    "Unprocessable",
    "RateLimited",
    "Server",
];

/// What the endpoint checks look up: the types and the API-wide tables.
#[derive(Clone, Copy)]
struct Known<'a> {
    types: &'a [TypeDef],
    index: &'a HashMap<String, usize>,
    names: &'a Names<'a>,
    base_urls: &'a [String],
    error_statuses: &'a [String],
    /// The page-size and offset query parameters of `api.pagination`.
    page_params: &'a [String; 2],
}

/// Defined type names: in order for hints, hashed for lookups.
struct Names<'a> {
    list: Vec<&'a str>,
    set: HashSet<&'a str>,
}

struct TypeEntry<'r> {
    file: usize,
    module: String,
    key: &'r Spanned<String>,
    raw: &'r RawType,
}

/// Lowers all parsed files to the IR, in named steps: the `api` block, the type names, the
/// types, the error table, the API settings, the resources and their routes, deprecation
/// replacements, webhooks and the widget; then, once every reference resolves, the whole-graph
/// checks and roles, and `api.start_with`. Each step records its diagnostics and carries on.
pub(crate) fn lower(ctx: &mut Ctx<'_>, raws: &[(usize, RawFile)], sources: Vec<SourceInfo>) -> Option<Api> {
    let api_block = api_block(ctx, raws, &sources);
    let (entries, seen_types) = collect_types(ctx, raws, &sources);
    let list: Vec<&str> = entries.iter().map(|e| e.key.value.as_str()).collect();
    let type_names = Names { set: list.iter().copied().collect(), list };

    let mut types: Vec<TypeDef> = entries.iter().map(|e| lower_type(ctx, e, &type_names)).collect();

    let errors = lower_errors(ctx, raws);
    let base_urls = lower_api_settings(ctx, raws, api_block);
    let base_url_names: Vec<String> = base_urls.iter().map(|b| b.name.clone()).collect();
    let error_statuses: Vec<String> = errors.iter().map(|e| e.status.clone()).collect();
    // The pagination query parameters, by the names `api.pagination` gives them.
    let page_params: [String; 2] = match api_block {
        Some((_, api)) => [api.pagination.limit.clone(), api.pagination.offset.clone()],
        None => ["limit".into(), "offset".into()],
    };

    let known = Known {
        types: &types,
        index: &seen_types,
        names: &type_names,
        base_urls: &base_url_names,
        error_statuses: &error_statuses,
        page_params: &page_params,
    };
    let (mut resources, raw_endpoints) = lower_resources(ctx, raws, &sources, known);
    check_routes(ctx, &resources, &raw_endpoints, &sources);

    let all_endpoints = resolve_replacements(ctx, &mut resources, &raw_endpoints);
    let (webhooks, webcall) = lower_hooks(ctx, raws, &entries, &seen_types, &types, &type_names);

    if !ctx.diags.is_empty() {
        return None;
    }

    // Whole-graph checks, now that every reference resolves.
    check_type_graph(ctx, &entries, &types);
    mark_roles(&mut types, &resources, webhooks.as_ref(), webcall.as_ref(), &seen_types);
    check_files(ctx, &entries, &types);
    check_flatten(ctx, &entries, &types, &seen_types);
    if ctx.check_examples {
        check_examples(ctx, &entries, &types, &resources, &raw_endpoints, &seen_types);
    }
    if !ctx.diags.is_empty() {
        return None;
    }

    let (file, api) = api_block?;
    let start_with = resolve_start_with(ctx, file, api, &resources, &all_endpoints);
    if !ctx.diags.is_empty() {
        return None;
    }
    let type_index = types.iter().enumerate().map(|(i, t)| (t.name.clone(), i)).collect();
    Some(Api {
        name: api.name.value.clone(),
        title: api.title.clone(),
        version: api.version.value.clone(),
        api_version: api.api_version.clone(),
        doc: api.doc.clone(),
        base_urls,
        auth_header: api.auth.header.clone(),
        auth_env: api.auth.env.clone(),
        pagination: Pagination {
            limit: api.pagination.limit.clone(),
            offset: api.pagination.offset.clone(),
            default_limit: api.pagination.default_limit,
            max_limit: api.pagination.max_limit.value,
        },
        start_with,
        errors,
        types,
        resources,
        webhooks,
        webcall,
        sources,
        type_index,
    })
}

/// The `api` block: exactly one file has it.
fn api_block<'r>(
    ctx: &mut Ctx<'_>,
    raws: &'r [(usize, RawFile)],
    sources: &[SourceInfo],
) -> Option<(usize, &'r RawApi)> {
    let mut api_block: Option<(usize, &RawApi)> = None;
    for (file, raw) in raws {
        if let Some(api) = &raw.api {
            if let Some((first, _)) = api_block {
                let loc = ctx.loc(*file, &api.name);
                let first_path = sources[first].path.clone();
                ctx.error(loc, "api", "a second `api` block", Some(format!("keep the one in {first_path}")));
            } else {
                api_block = Some((*file, api));
            }
        }
    }
    api_block
}

/// Type names, collected before any type is lowered so references resolve in any order: each
/// name is a valid type name, defined once, and distinct from the others in Rust.
fn collect_types<'r>(
    ctx: &mut Ctx<'_>,
    raws: &'r [(usize, RawFile)],
    sources: &[SourceInfo],
) -> (Vec<TypeEntry<'r>>, HashMap<String, usize>) {
    let module_of = |file: usize| sources[file].module.clone();
    let mut entries: Vec<TypeEntry> = Vec::new();
    let mut seen_types: HashMap<String, usize> = HashMap::new();
    let mut seen_rust_types: HashMap<String, String> = HashMap::new();
    for (file, raw) in raws {
        for (key, t) in raw.types.iter().flat_map(|m| m.iter()) {
            let path = format!("types.{}", key.value);
            let loc = ctx.loc(*file, key);
            if PRIMITIVES.contains(&key.value.as_str()) || parse_type(&key.value).is_err() {
                ctx.error(
                    loc,
                    &path,
                    format!("`{}` cannot name a type", key.value),
                    Some("use an UpperCamelCase name such as `CallStatus`".into()),
                );
                continue;
            }
            if let Some(&first) = seen_types.get(&key.value) {
                let first_path = sources[entries[first].file].path.clone();
                ctx.error(
                    loc,
                    &path,
                    format!("type `{}` is defined twice", key.value),
                    Some(format!("the first definition is in {first_path}; rename or remove one")),
                );
                continue;
            }
            let rust = ident::camel(&key.value);
            if let Some(other) = seen_rust_types.get(&rust) {
                ctx.error(
                    loc,
                    &path,
                    format!("type `{}` and type `{other}` both become `{rust}` in Rust", key.value),
                    Some("rename one of them".into()),
                );
                continue;
            }
            seen_rust_types.insert(rust, key.value.clone());
            seen_types.insert(key.value.clone(), entries.len());
            entries.push(TypeEntry { file: *file, module: module_of(*file), key, raw: t });
        }
    }
    (entries, seen_types)
}

/// The error table: statuses are error statuses, and names are `ErrorKind` variants.
fn lower_errors(ctx: &mut Ctx<'_>, raws: &[(usize, RawFile)]) -> Vec<ErrorCase> {
    let mut errors = Vec::new();
    for (file, raw) in raws {
        for (status, case) in raw.errors.iter().flat_map(|m| m.iter()) {
            let path = format!("errors.{}", status.value);
            let valid_status =
                status.value == "5xx" || status.value.parse::<u16>().is_ok_and(|s| (400..600).contains(&s));
            if !valid_status {
                let loc = ctx.loc(*file, status);
                ctx.error(
                    loc,
                    &path,
                    format!("`{}` is not an error status", status.value),
                    Some("use a status from 400 to 599 such as \"404\", or \"5xx\"".into()),
                );
            }
            if !ERROR_KINDS.contains(&case.name.value.as_str()) {
                let loc = ctx.loc(*file, &case.name);
                let hint = did_you_mean(&case.name.value, ERROR_KINDS.iter().copied())
                    .unwrap_or_else(|| format!("use one of: {}", ERROR_KINDS.join(", ")));
                ctx.error(
                    loc,
                    &format!("{path}.name"),
                    format!("`{}` is not an error kind of the runtime", case.name.value),
                    Some(hint),
                );
            }
            errors.push(ErrorCase {
                status: status.value.clone(),
                name: case.name.value.clone(),
                doc: case.doc.clone(),
                retryable: case.retryable,
            });
        }
    }
    errors
}

/// The `api` block's settings: base URLs (a `default` among them, each an http(s) URL under a
/// snake_case name, `default` first), the crate name, the version and the page sizes.
fn lower_api_settings(
    ctx: &mut Ctx<'_>,
    raws: &[(usize, RawFile)],
    api_block: Option<(usize, &RawApi)>,
) -> Vec<BaseUrl> {
    let mut base_urls = Vec::new();
    if let Some((file, api)) = api_block {
        for (name, url) in api.base_urls.iter() {
            let u = url.value.trim_end_matches('/').to_string();
            if !(u.starts_with("https://") || u.starts_with("http://")) {
                let loc = ctx.loc(file, url);
                ctx.error(
                    loc,
                    &format!("api.base_urls.{}", name.value),
                    format!("`{}` is not an http(s) URL", url.value),
                    Some("write the full URL, e.g. `https://prod-api.ringg.ai/ca/api/v0`".into()),
                );
            }
            // The name becomes a constant (`ringg::base_url::STT`) and part of an environment
            // variable (`RINGG_BASE_URL_STT`).
            let n = &name.value;
            if !n.starts_with(|c: char| c.is_ascii_lowercase())
                || !n.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                || ident::is_keyword(&n.to_ascii_uppercase())
            {
                let loc = ctx.loc(file, name);
                ctx.error(
                    loc,
                    &format!("api.base_urls.{n}"),
                    format!("base URL name `{n}` is not a snake_case name"),
                    Some(format!(
                        "write it as `{}`: it becomes a constant and an environment variable suffix",
                        ident::plain(&ident::snake(n))
                    )),
                );
            }
            base_urls.push(BaseUrl { name: name.value.clone(), url: u });
        }
        if !base_urls.iter().any(|b| b.name == "default") {
            let loc = ctx.loc(file, &api.name);
            ctx.error(
                loc,
                "api.base_urls",
                "no `default` base URL",
                Some("add `default: https://...` under `base_urls`".into()),
            );
        }
        base_urls.sort_by_key(|b| b.name != "default");
        let name = &api.name.value;
        let crate_name_ok = name.starts_with(|c: char| c.is_ascii_lowercase())
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
            && !ident::is_keyword(&name.replace('-', "_"));
        if !crate_name_ok {
            let loc = ctx.loc(file, &api.name);
            ctx.error(
                loc,
                "api.name",
                format!("`{name}` is not a crate name"),
                Some("use lowercase letters, digits, `_` and `-`, starting with a letter, e.g. `ringg`".into()),
            );
        }
        if !is_semver(&api.version.value) {
            let loc = ctx.loc(file, &api.version);
            ctx.error(
                loc,
                "api.version",
                format!("`{}` is not a semver version", api.version.value),
                Some("write it as MAJOR.MINOR.PATCH, e.g. `0.1.0`".into()),
            );
        }
        if api.pagination.max_limit.value == 0 || api.pagination.default_limit > api.pagination.max_limit.value {
            let loc = ctx.loc(file, &api.pagination.max_limit);
            ctx.error(
                loc,
                "api.pagination",
                "`default_limit` must be between 1 and `max_limit`",
                Some("lower `default_limit` or raise `max_limit`".into()),
            );
        }
    } else if !raws.is_empty() && !ctx.unloaded.api {
        ctx.diags.push(Diagnostic {
            file: "spec/".into(),
            line: 0,
            column: 0,
            width: 1,
            path: "api".into(),
            message: "no file has an `api` block".into(),
            hint: Some("add `api:` with name, version, base_urls, auth and pagination to spec/api.yaml".into()),
            source_line: None,
            note: false,
        });
    }
    base_urls
}

/// Resources and their endpoints: names are snake_case and unique, and each endpoint passes
/// [`lower_endpoint`]. Returns the resources and, beside each endpoint, its file and raw form.
#[allow(clippy::type_complexity, reason = "the resources and the raw endpoints beside them")]
fn lower_resources<'r>(
    ctx: &mut Ctx<'_>,
    raws: &'r [(usize, RawFile)],
    sources: &[SourceInfo],
    known: Known<'_>,
) -> (Vec<Resource>, Vec<Vec<(usize, &'r RawEndpoint)>>) {
    let module_of = |file: usize| sources[file].module.clone();
    let mut resources: Vec<Resource> = Vec::new();
    let mut resource_files: Vec<usize> = Vec::new();
    let mut raw_endpoints: Vec<Vec<(usize, &RawEndpoint)>> = Vec::new();
    let mut seen_resources: HashMap<String, usize> = HashMap::new();
    for (file, raw) in raws {
        for (key, r) in raw.resources.iter().flat_map(|m| m.iter()) {
            let path = format!("resources.{}", key.value);
            let loc = ctx.loc(*file, key);
            let method = ident::snake(&key.value);
            if method != key.value {
                ctx.error(
                    loc,
                    &path,
                    format!("resource name `{}` is not snake_case", key.value),
                    Some(format!("write it as `{}`", ident::plain(&method))),
                );
            }
            if let Some(&first) = seen_resources.get(&key.value) {
                let first_path = sources[resource_files[first]].path.clone();
                ctx.error(
                    loc,
                    &path,
                    format!("resource `{}` is defined twice", key.value),
                    Some(format!("the first definition is in {first_path}")),
                );
                continue;
            }
            seen_resources.insert(key.value.clone(), resources.len());
            let mut endpoints = Vec::new();
            let mut raws_here = Vec::new();
            let mut seen_ops: HashMap<String, String> = HashMap::new();
            for (ekey, e) in r.endpoints.iter() {
                let epath = format!("{path}.endpoints.{}", ekey.value);
                let eloc = ctx.loc(*file, ekey);
                let rust_method = ident::snake(&ekey.value);
                if ident::plain(&rust_method) != ekey.value {
                    ctx.error(
                        eloc,
                        &epath,
                        format!("endpoint name `{}` is not snake_case", ekey.value),
                        Some(format!("write it as `{}`", ident::plain(&rust_method))),
                    );
                }
                let rust_op = ident::camel(&ekey.value);
                if let Some(other) = seen_ops.insert(rust_op.clone(), ekey.value.clone()) {
                    ctx.error(
                        eloc,
                        &epath,
                        format!("endpoints `{other}` and `{}` both become `{rust_op}` in Rust", ekey.value),
                        Some("rename one of them".into()),
                    );
                }
                if let Some(ep) = lower_endpoint(ctx, known, *file, &epath, ekey, e) {
                    endpoints.push(ep);
                    raws_here.push((*file, e));
                }
            }
            resources.push(Resource {
                name: key.value.clone(),
                rust: ident::camel(&key.value),
                module: module_of(*file),
                doc: r.doc.clone(),
                endpoints,
            });
            resource_files.push(*file);
            raw_endpoints.push(raws_here);
        }
    }
    (resources, raw_endpoints)
}

/// Deprecation replacements name endpoints that exist; they are resolved in place. Returns every
/// endpoint as `resource.endpoint`, for hints.
fn resolve_replacements(
    ctx: &mut Ctx<'_>,
    resources: &mut [Resource],
    raw_endpoints: &[Vec<(usize, &RawEndpoint)>],
) -> Vec<String> {
    let all_endpoints: Vec<String> =
        resources.iter().flat_map(|r| r.endpoints.iter().map(move |e| format!("{}.{}", r.name, e.name))).collect();
    for (ri, r) in resources.iter_mut().enumerate() {
        for (ei, e) in r.endpoints.iter_mut().enumerate() {
            let (file, raw) = raw_endpoints[ri][ei];
            let Some(dep) = &raw.deprecated else { continue };
            let Some(rep) = &dep.replacement else { continue };
            let path = format!("resources.{}.endpoints.{}.deprecated.replacement", r.name, e.name);
            let ok = all_endpoints.contains(&rep.value);
            let unloaded = rep.value.split('.').next().is_some_and(|res| ctx.unloaded.resources.contains(res));
            if !ok && !unloaded {
                let loc = ctx.loc(file, rep);
                let hint = did_you_mean(&rep.value, all_endpoints.iter().map(String::as_str))
                    .unwrap_or_else(|| "write it as `resource.endpoint`".into());
                ctx.error(loc, &path, format!("replacement `{}` is not an endpoint", rep.value), Some(hint));
            } else if let (Some(d), Some((res, ep))) = (&mut e.deprecated, rep.value.split_once('.')) {
                d.replacement = Some((res.to_string(), ep.to_string()));
            }
        }
    }
    all_endpoints
}

/// The `webhooks` and `webcall` blocks: at most one of each, naming an open tagged union and an
/// object type; the subscription enum lists exactly the events.
fn lower_hooks(
    ctx: &mut Ctx<'_>,
    raws: &[(usize, RawFile)],
    entries: &[TypeEntry<'_>],
    seen_types: &HashMap<String, usize>,
    types: &[TypeDef],
    type_names: &Names<'_>,
) -> (Option<Webhooks>, Option<Webcall>) {
    let mut webhooks = None;
    let mut webcall = None;
    for (file, raw) in raws {
        if let Some(w) = &raw.webhooks {
            let loc = ctx.loc(*file, &w.event);
            match seen_types.get(&w.event.value).map(|&i| &types[i].kind) {
                Some(TypeKind::Tagged(t)) if t.open => {}
                Some(_) => ctx.error(
                    loc,
                    "webhooks.event",
                    format!("`{}` must be a tagged union with `open: true`", w.event.value),
                    Some("webhook payloads come from Ringg: unknown event types must be kept, not rejected".into()),
                ),
                None => unknown_type(ctx, loc, "webhooks.event", &w.event.value, type_names),
            }
            if webhooks.is_some() {
                ctx.error(
                    loc,
                    "webhooks",
                    "a second `webhooks` block",
                    Some("keep one `webhooks` block, in webhooks.yaml".into()),
                );
            }
            if let Some(subs) = &w.subscriptions {
                check_subscriptions(ctx, *file, subs, &w.event.value, entries, seen_types, types, type_names);
            }
            let callback = w.callback.as_ref().and_then(|c| {
                let loc = ctx.loc(*file, c);
                match seen_types.get(&c.value).map(|&i| &types[i].kind) {
                    Some(TypeKind::Object(_)) => Some(c.value.clone()),
                    Some(_) => {
                        ctx.error(loc, "webhooks.callback", format!("`{}` must be an object type", c.value), None);
                        None
                    }
                    None => {
                        unknown_type(ctx, loc, "webhooks.callback", &c.value, type_names);
                        None
                    }
                }
            });
            webhooks = Some(Webhooks { doc: w.doc.clone(), event: w.event.value.clone(), callback });
        }
        if let Some(w) = &raw.webcall {
            let loc = ctx.loc(*file, &w.options);
            match seen_types.get(&w.options.value).map(|&i| &types[i].kind) {
                Some(TypeKind::Object(_)) => {}
                Some(_) => {
                    ctx.error(loc, "webcall.options", format!("`{}` must be an object type", w.options.value), None)
                }
                None => unknown_type(ctx, loc, "webcall.options", &w.options.value, type_names),
            }
            if webcall.is_some() {
                ctx.error(
                    loc,
                    "webcall",
                    "a second `webcall` block",
                    Some("keep one `webcall` block, in webcall.yaml".into()),
                );
            }
            webcall = Some(Webcall {
                doc: w.doc.clone(),
                options: w.options.value.clone(),
                script_url: w.script_url.clone(),
                style_url: w.style_url.clone(),
                default_version: w.default_version.clone(),
            });
        }
    }
    (webhooks, webcall)
}

/// `api.start_with` names an endpoint that needs no input.
fn resolve_start_with(
    ctx: &mut Ctx<'_>,
    file: usize,
    api: &RawApi,
    resources: &[Resource],
    all_endpoints: &[String],
) -> Option<(String, String)> {
    api.start_with.as_ref().and_then(|s| {
        let found = s.value.split_once('.').and_then(|(res, ep)| {
            let r = resources.iter().find(|r| r.name == res)?;
            r.endpoints.iter().find(|e| e.name == ep)
        });
        match found {
            Some(e) if e.path_params.is_empty() && e.body.is_none() && e.query.iter().all(|q| q.optional) => {
                s.value.split_once('.').map(|(r, e)| (r.to_string(), e.to_string()))
            }
            Some(_) => {
                let loc = ctx.loc(file, s);
                ctx.error(
                    loc,
                    "api.start_with",
                    format!("`{}` needs inputs, so it cannot be the first example", s.value),
                    Some("name an endpoint without required inputs, such as `workspace.get`".into()),
                );
                None
            }
            None if s.value.split('.').next().is_some_and(|res| ctx.unloaded.resources.contains(res)) => None,
            None => {
                let loc = ctx.loc(file, s);
                let hint = did_you_mean(&s.value, all_endpoints.iter().map(String::as_str))
                    .unwrap_or_else(|| "write it as `resource.endpoint`".into());
                ctx.error(loc, "api.start_with", format!("`{}` is not an endpoint", s.value), Some(hint));
                None
            }
        }
    })
}

/// The enum agents subscribe with (`webhooks.subscriptions`) and the webhook event union list
/// the same events: an event missing from the enum cannot be subscribed to, and a value missing
/// from the union is delivered as `Unknown`.
#[allow(clippy::too_many_arguments, reason = "the lookups of one cross-check")]
fn check_subscriptions(
    ctx: &mut Ctx<'_>,
    file: usize,
    subs: &Spanned<String>,
    event: &str,
    entries: &[TypeEntry<'_>],
    index: &HashMap<String, usize>,
    types: &[TypeDef],
    type_names: &Names<'_>,
) {
    let loc = ctx.loc(file, subs);
    let Some(&si) = index.get(&subs.value) else {
        unknown_type(ctx, loc, "webhooks.subscriptions", &subs.value, type_names);
        return;
    };
    let TypeKind::Enum(values) = &types[si].kind else {
        let hint = "name the enum of event types that agents subscribe with".to_string();
        ctx.error(loc, "webhooks.subscriptions", format!("`{}` must be an enum", subs.value), Some(hint));
        return;
    };
    let Some(&ei) = index.get(event) else { return };
    let TypeKind::Tagged(tagged) = &types[ei].kind else { return };
    let (event_entry, enum_entry) = (&entries[ei], &entries[si]);
    for (key, _) in event_entry.raw.variants.iter().flat_map(|m| m.iter()) {
        if !values.iter().any(|v| v.wire == key.value) {
            let loc = ctx.loc(event_entry.file, key);
            ctx.error(
                loc,
                &format!("types.{event}.variants.{}", key.value),
                format!(
                    "event `{}` is not a value of `{}` (webhooks.subscriptions): nobody can subscribe to it",
                    key.value, subs.value
                ),
                Some(format!("add `{}` to the enum `{}`", key.value, subs.value)),
            );
        }
    }
    for (key, _) in enum_entry.raw.enum_values.iter().flat_map(|m| m.iter()) {
        if !tagged.variants.iter().any(|v| v.tag_value == key.value) {
            let loc = ctx.loc(enum_entry.file, key);
            ctx.error(
                loc,
                &format!("types.{}.enum.{}", subs.value, key.value),
                format!(
                    "`{}` can be subscribed to but is no event of `{event}`: its deliveries would decode as `Unknown`",
                    key.value
                ),
                Some(format!("add a `{}` variant to `{event}`, or remove the value", key.value)),
            );
        }
    }
}

/// No two endpoints share a method, base URL and path (placeholder names aside): the OpenAPI
/// export would keep one of them and the emulator's route table would answer for the first.
fn check_routes(
    ctx: &mut Ctx<'_>,
    resources: &[Resource],
    raw_endpoints: &[Vec<(usize, &RawEndpoint)>],
    sources: &[SourceInfo],
) {
    /// Method, base URL and path template of a route.
    type Route<'a> = (&'a str, &'a str, String);
    /// The first endpoint on a route: its name, file, line and path as written.
    type First<'a> = (String, usize, u32, &'a str);
    let mut seen: HashMap<Route<'_>, First<'_>> = HashMap::new();
    for (r, raws) in resources.iter().zip(raw_endpoints) {
        for (e, (file, raw)) in r.endpoints.iter().zip(raws) {
            let template: String = e
                .path
                .split('/')
                .map(|seg| if seg.starts_with('{') && seg.ends_with('}') { "{}" } else { seg })
                .collect::<Vec<_>>()
                .join("/");
            let name = format!("{}.{}", r.name, e.name);
            let loc = ctx.loc(*file, &raw.path);
            match seen.get(&(e.method.as_str(), e.base_url.as_str(), template.clone())) {
                Some((first, first_file, first_line, first_path)) => {
                    let hint = format!(
                        "`{first}` (in {}:{first_line}) already is `{} {first_path}`; an operation is one method \
                         and path, so remove one of the two or give it its own path",
                        sources[*first_file].path,
                        e.method.as_str(),
                    );
                    ctx.error(
                        loc,
                        &format!("resources.{}.endpoints.{}.path", r.name, e.name),
                        format!("endpoint `{name}` has the same route as `{first}`: {} {}", e.method.as_str(), e.path),
                        Some(hint),
                    );
                }
                None => {
                    seen.insert(
                        (e.method.as_str(), e.base_url.as_str(), template),
                        (name, *file, loc.line, raw.path.value.as_str()),
                    );
                }
            }
        }
    }
}

fn is_semver(v: &str) -> bool {
    let core = v.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3 && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

fn unknown_type(ctx: &mut Ctx<'_>, loc: Loc, path: &str, name: &str, type_names: &Names<'_>) {
    // Declared in a file that did not parse: that file's problem is already reported.
    if ctx.unloaded.types.contains(name) {
        return;
    }
    let candidates = type_names.list.iter().copied().chain(PRIMITIVES.iter().copied());
    let hint = did_you_mean(name, candidates)
        .unwrap_or_else(|| "define it under `types:` or use a primitive (string, integer, number, boolean, date, datetime, json, list<T>, map<T>)".into());
    ctx.error(loc, path, format!("unknown type `{name}`"), Some(hint));
}

/// The Rust name of a field, parameter or variant: `rust_name` when given (it must be a valid
/// identifier), else the name derived from the wire name.
fn rust_name(
    ctx: &mut Ctx<'_>,
    file: usize,
    path: &str,
    given: Option<&Spanned<String>>,
    derive: impl FnOnce() -> String,
) -> String {
    match given {
        Some(r) => {
            if !ident::is_valid(&r.value) {
                let loc = ctx.loc(file, r);
                ctx.error(
                    loc,
                    &format!("{path}.rust_name"),
                    format!("`{}` is not a Rust identifier", r.value),
                    Some(
                        "use letters, digits and underscores, not starting with a digit; prefix keywords with `r#`"
                            .into(),
                    ),
                );
            }
            r.value.clone()
        }
        None => derive(),
    }
}

/// Resolves a type expression: it parses, and every name in it is a defined type.
fn resolve(ctx: &mut Ctx<'_>, file: usize, path: &str, s: &Spanned<String>, type_names: &Names<'_>) -> Option<TypeRef> {
    let loc = ctx.loc(file, s);
    match parse_type(&s.value) {
        Ok(t) => {
            if let Some(n) = t.named()
                && !type_names.set.contains(n)
            {
                unknown_type(ctx, loc, path, n, type_names);
                return None;
            }
            Some(t)
        }
        Err(_) => {
            ctx.error(
                loc,
                path,
                format!("`{}` is not a type expression", s.value),
                Some("write a primitive, `list<T>`, `map<T>` or a type name".into()),
            );
            None
        }
    }
}

/// A type has exactly one shape; names inside it are unique after conversion to Rust case.
fn lower_type(ctx: &mut Ctx<'_>, e: &TypeEntry<'_>, type_names: &Names<'_>) -> TypeDef {
    let raw = e.raw;
    let name = &e.key.value;
    let path = format!("types.{name}");
    let loc = ctx.loc(e.file, e.key);
    let shapes = [
        raw.fields.is_some(),
        raw.enum_values.is_some(),
        raw.union.is_some(),
        raw.tag.is_some() || raw.variants.is_some(),
        raw.one_of.is_some(),
        raw.newtype.is_some(),
    ];
    let count = shapes.iter().filter(|s| **s).count();
    if count != 1 {
        let msg = if count == 0 {
            format!("type `{name}` has no shape")
        } else {
            format!("type `{name}` has more than one shape")
        };
        ctx.error(
            loc,
            &path,
            msg,
            Some("give exactly one of `fields`, `enum`, `union`, `one_of`, `newtype`, or `tag` with `variants`".into()),
        );
    }
    if raw.open && raw.tag.is_none() {
        ctx.error(
            loc,
            &format!("{path}.open"),
            "`open` applies to tagged unions only",
            Some("remove it; enums are always open".into()),
        );
    }

    let kind = if let Some(fields) = &raw.fields {
        TypeKind::Object(lower_fields(ctx, e.file, &path, fields, type_names))
    } else if let Some(values) = &raw.enum_values {
        let mut seen: HashMap<String, String> = HashMap::new();
        let mut out = Vec::new();
        for (wire, doc) in values.iter() {
            let vpath = format!("{path}.enum.{}", wire.value);
            let rust = ident::camel(&wire.value);
            let vloc = ctx.loc(e.file, wire);
            if rust.is_empty() {
                ctx.error(
                    vloc,
                    &vpath,
                    format!("enum value `{}` gives no Rust name", wire.value),
                    Some("enum values need at least one letter or digit".into()),
                );
                continue;
            }
            if rust == "Unknown" {
                ctx.error(
                    vloc,
                    &vpath,
                    format!(
                        "enum value `{}` collides with the `Unknown` variant that keeps unlisted values",
                        wire.value
                    ),
                    Some("this value needs no entry: it is kept as `Unknown(\"...\")`, or ask for a rename".into()),
                );
                continue;
            }
            if let Some(other) = seen.insert(rust.clone(), wire.value.clone()) {
                ctx.error(
                    vloc,
                    &vpath,
                    format!("enum values `{other}` and `{}` both become `{rust}` in Rust", wire.value),
                    Some("remove the duplicate, or keep only one spelling".into()),
                );
                continue;
            }
            out.push(EnumValue { wire: wire.value.clone(), rust, doc: doc.clone() });
        }
        if out.is_empty() && ctx.diags.is_empty() {
            ctx.error(
                loc,
                &path,
                format!("enum `{name}` has no values"),
                Some("list its values under `enum:` as `value: what it means`".into()),
            );
        }
        TypeKind::Enum(out)
    } else if let Some(members) = &raw.union {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for (key, m) in members.iter() {
            let mpath = format!("{path}.union.{}", key.value);
            let mloc = ctx.loc(e.file, key);
            if !ident::is_valid(&key.value) || ident::camel(&key.value) != key.value {
                ctx.error(
                    mloc,
                    &mpath,
                    format!("union member `{}` is not an UpperCamelCase Rust name", key.value),
                    Some(format!("write it as `{}`", ident::camel(&key.value))),
                );
            }
            if !seen.insert(key.value.clone()) {
                ctx.error(
                    mloc,
                    &mpath,
                    format!("union member `{}` is defined twice", key.value),
                    Some("give each member its own name".into()),
                );
            }
            if let Some(ty) = resolve(ctx, e.file, &format!("{mpath}.type"), &m.ty, type_names) {
                if ty == TypeRef::File {
                    let tloc = ctx.loc(e.file, &m.ty);
                    ctx.error(
                        tloc,
                        &format!("{mpath}.type"),
                        "a union member cannot be a file",
                        Some("files are fields of multipart bodies only".into()),
                    );
                }
                out.push(UnionMember { rust: key.value.clone(), ty, doc: m.doc.clone() });
            }
        }
        if out.len() < 2 && ctx.diags.is_empty() {
            ctx.error(
                loc,
                &path,
                format!("union `{name}` needs at least two members"),
                Some("with one member, use its type directly".into()),
            );
        }
        TypeKind::Union(out)
    } else if let Some(base) = &raw.newtype {
        if base.value != "string" {
            let bloc = ctx.loc(e.file, base);
            ctx.error(
                bloc,
                &format!("{path}.newtype"),
                format!("a newtype over `{}` is not supported", base.value),
                Some("write `newtype: string`: typed ids and phone numbers are text".into()),
            );
        }
        TypeKind::Newtype
    } else if let Some(members) = &raw.one_of {
        let mut out = Vec::new();
        let mut seen: HashMap<String, String> = HashMap::new();
        for (wire, m) in members.iter() {
            let mpath = format!("{path}.one_of.{}", wire.value);
            let mloc = ctx.loc(e.file, wire);
            let rust = rust_name(ctx, e.file, &mpath, m.rust_name.as_ref(), || ident::camel(&wire.value));
            if rust.is_empty() {
                ctx.error(
                    mloc,
                    &mpath,
                    format!("field `{}` gives no Rust name", wire.value),
                    Some("set `rust_name`".into()),
                );
                continue;
            }
            if let Some(other) = seen.insert(rust.clone(), wire.value.clone()) {
                ctx.error(
                    mloc,
                    &mpath,
                    format!("fields `{other}` and `{}` both become `{rust}` in Rust", wire.value),
                    Some("set `rust_name` on one of them".into()),
                );
                continue;
            }
            if let Some(ty) = resolve(ctx, e.file, &format!("{mpath}.type"), &m.ty, type_names) {
                if contains_file(&ty) {
                    let tloc = ctx.loc(e.file, &m.ty);
                    ctx.error(
                        tloc,
                        &format!("{mpath}.type"),
                        "a `one_of` field cannot be a file",
                        Some("files are fields of multipart bodies only".into()),
                    );
                }
                out.push(OneOfMember { wire: wire.value.clone(), rust, ty, doc: m.doc.clone() });
            }
        }
        if members.iter().count() < 2 {
            ctx.error(
                loc,
                &format!("{path}.one_of"),
                format!("`one_of` type `{name}` needs at least two fields"),
                Some("with one field, make it a required field of the object".into()),
            );
        }
        TypeKind::OneOf(out)
    } else if raw.tag.is_none() && raw.variants.is_none() {
        TypeKind::Object(Vec::new())
    } else {
        let tag = raw.tag.as_ref().map(|t| t.value.clone()).unwrap_or_default();
        if raw.tag.is_none() {
            ctx.error(
                loc,
                &path,
                format!("tagged union `{name}` has no `tag`"),
                Some("name the field that selects the variant, e.g. `tag: event_type`".into()),
            );
        }
        let mut variants = Vec::new();
        let mut seen: HashMap<String, String> = HashMap::new();
        for (key, v) in raw.variants.iter().flat_map(|m| m.iter()) {
            let vpath = format!("{path}.variants.{}", key.value);
            let vloc = ctx.loc(e.file, key);
            let rust = rust_name(ctx, e.file, &vpath, v.rust_name.as_ref(), || ident::camel(&key.value));
            if raw.open && rust == "Unknown" {
                ctx.error(
                    vloc,
                    &vpath,
                    format!("variant `{}` collides with the `Unknown` variant of an open union", key.value),
                    Some("set `rust_name`".into()),
                );
            }
            if let Some(other) = seen.insert(rust.clone(), key.value.clone()) {
                ctx.error(
                    vloc,
                    &vpath,
                    format!("variants `{other}` and `{}` both become `{rust}` in Rust", key.value),
                    Some("set `rust_name` on one of them".into()),
                );
            }
            let ty = v.ty.as_ref().and_then(|t| {
                let tpath = format!("{vpath}.type");
                let r = resolve(ctx, e.file, &tpath, t, type_names)?;
                match r {
                    TypeRef::Named(n) => Some(n),
                    other => {
                        let tloc = ctx.loc(e.file, t);
                        ctx.error(
                            tloc,
                            &tpath,
                            format!("variant payload `{}` must be a named object type", other.spec()),
                            Some("declare an object type with the variant's fields and name it here".into()),
                        );
                        None
                    }
                }
            });
            variants.push(TaggedVariant { tag_value: key.value.clone(), rust, ty, doc: v.doc.clone() });
        }
        if variants.is_empty() {
            ctx.error(
                loc,
                &path,
                format!("tagged union `{name}` has no variants"),
                Some("list them under `variants:` as `tag_value: { type: Payload, doc: ... }`".into()),
            );
        }
        TypeKind::Tagged(Tagged { tag, open: raw.open, variants })
    };

    TypeDef {
        name: name.clone(),
        rust: ident::camel(name),
        module: e.module.clone(),
        doc: raw.doc.clone(),
        kind,
        examples: raw.examples.iter().map(|x| x.value.clone()).collect(),
        input: false,
        multipart: false,
        roles: Roles::default(),
    }
}

/// Field names are unique after conversion to snake_case, and their types resolve.
fn lower_fields(
    ctx: &mut Ctx<'_>,
    file: usize,
    path: &str,
    fields: &OrderedMap<RawField>,
    type_names: &Names<'_>,
) -> Vec<Field> {
    let mut out = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    for (wire, f) in fields.iter() {
        let fpath = format!("{path}.fields.{}", wire.value);
        let floc = ctx.loc(file, wire);
        let rust = rust_name(ctx, file, &fpath, f.rust_name.as_ref(), || ident::snake(&wire.value));
        if rust.is_empty() {
            ctx.error(
                floc,
                &fpath,
                format!("field `{}` gives no Rust name", wire.value),
                Some("set `rust_name`".into()),
            );
            continue;
        }
        if let Some(other) = seen.insert(rust.clone(), wire.value.clone()) {
            ctx.error(
                floc,
                &fpath,
                format!("fields `{other}` and `{}` both become `{}` in Rust", wire.value, ident::plain(&rust)),
                Some("set `rust_name` on one of them".into()),
            );
            continue;
        }
        let Some(ty) = resolve(ctx, file, &format!("{fpath}.type"), &f.ty, type_names) else {
            continue;
        };
        if f.flatten && (f.optional || f.nullable || !matches!(ty, TypeRef::Named(_))) {
            ctx.error(
                floc,
                &format!("{fpath}.flatten"),
                "only a required field of a named object, tagged union or `one_of` type can be flattened",
                Some("remove `flatten`, or make the field required and give it a named type".into()),
            );
        }
        if f.secret && ty != TypeRef::String {
            ctx.error(
                floc,
                &format!("{fpath}.secret"),
                "only string fields can be secret",
                Some("remove `secret`, and say in `doc` that the value is sensitive".into()),
            );
        }
        out.push(Field {
            wire: wire.value.clone(),
            rust,
            doc: f.doc.clone(),
            ty,
            presence: Presence::from_flags(f.optional, f.nullable),
            secret: f.secret,
            flatten: f.flatten,
            default: f.default.as_ref().map(|d| d.to_string()),
            deprecated: f.deprecated.clone(),
        });
    }
    out
}

/// An endpoint's method, path, parameters, body, response, pagination and retry class agree.
fn lower_endpoint(
    ctx: &mut Ctx<'_>,
    known: Known<'_>,
    file: usize,
    path: &str,
    key: &Spanned<String>,
    e: &RawEndpoint,
) -> Option<Endpoint> {
    let Known { types, index, names: type_names, base_urls, error_statuses, .. } = known;
    let rust_method = ident::snake(&key.value);
    let rust_op = ident::camel(&key.value);
    let mloc = ctx.loc(file, &e.method);
    let method = match e.method.value.as_str() {
        "GET" => Method::Get,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "PATCH" => Method::Patch,
        "DELETE" => Method::Delete,
        other => {
            let hint = did_you_mean(&other.to_ascii_uppercase(), ["GET", "POST", "PUT", "PATCH", "DELETE"]);
            ctx.error(
                mloc,
                &format!("{path}.method"),
                format!("`{other}` is not an HTTP method"),
                hint.or(Some("use GET, POST, PUT, PATCH or DELETE".into())),
            );
            Method::Get
        }
    };

    // Path template against path_params.
    let ploc = ctx.loc(file, &e.path);
    let template = &e.path.value;
    if !template.starts_with('/') {
        ctx.error(
            ploc,
            &format!("{path}.path"),
            format!("path `{template}` does not start with `/`"),
            Some(format!("write it as `/{}`", template.trim_start_matches('/'))),
        );
    }
    let mut in_template = Vec::new();
    for seg in template.split('/') {
        if let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            in_template.push(name.to_string());
        } else if seg.contains(['{', '}']) {
            ctx.error(
                ploc,
                &format!("{path}.path"),
                format!("segment `{seg}` mixes text and a parameter"),
                Some("a parameter must be a whole segment: `/agent/{agent_id}`".into()),
            );
        }
    }
    let declared: Vec<&str> = e.path_params.iter().map(|(k, _)| k.value.as_str()).collect();
    for name in &in_template {
        if !declared.contains(&name.as_str()) {
            let hint = did_you_mean(name, declared.iter().copied())
                .map(|h| format!("{h} (rename it in the path or in `path_params`)"))
                .unwrap_or_else(|| format!("declare it: `path_params: {{ {name}: {{ type: string, doc: ... }} }}`"));
            ctx.error(
                ploc,
                &format!("{path}.path"),
                format!("path parameter `{{{name}}}` is not declared in `path_params`"),
                Some(hint),
            );
        }
    }
    let mut path_params = Vec::new();
    for (k, p) in e.path_params.iter() {
        let ppath = format!("{path}.path_params.{}", k.value);
        let kloc = ctx.loc(file, k);
        if !in_template.contains(&k.value) {
            ctx.error(
                kloc,
                &ppath,
                format!("path parameter `{}` does not appear in the path `{template}`", k.value),
                Some(format!("add `{{{}}}` to the path or remove the parameter", k.value)),
            );
        }
        if p.optional.as_ref().is_some_and(|o| o.value) {
            ctx.error(
                kloc,
                &format!("{ppath}.optional"),
                "a path parameter cannot be optional",
                Some("remove `optional`; make it a query parameter if it may be left out".into()),
            );
        }
        if let Some(param) = lower_param(ctx, known, file, &ppath, k, p) {
            if matches!(param.ty, TypeRef::List(_)) {
                let tloc = ctx.loc(file, &p.ty);
                ctx.error(
                    tloc,
                    &format!("{ppath}.type"),
                    format!("a path parameter cannot be `{}`", param.ty.spec()),
                    Some("a path segment holds one value: use a scalar, an enum or a newtype".into()),
                );
            }
            path_params.push(param);
        }
    }
    // Path params in template order.
    path_params.sort_by_key(|p: &Param| in_template.iter().position(|n| *n == p.wire));

    let mut query = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    for p in &path_params {
        seen.insert(p.rust.clone(), p.wire.clone());
    }
    for (k, p) in e.query.iter() {
        let qpath = format!("{path}.query.{}", k.value);
        let Some(param) = lower_param(ctx, known, file, &qpath, k, p) else {
            continue;
        };
        if let Some(other) = seen.insert(param.rust.clone(), k.value.clone()) {
            let kloc = ctx.loc(file, k);
            ctx.error(
                kloc,
                &qpath,
                format!("parameters `{other}` and `{}` both become `{}` in Rust", k.value, ident::plain(&param.rust)),
                Some("set `rust_name` on one of them".into()),
            );
            continue;
        }
        query.push(param);
    }

    let base_url = match &e.base_url {
        Some(b) => {
            if !base_urls.contains(&b.value) && !ctx.unloaded.api {
                let bloc = ctx.loc(file, b);
                let hint = did_you_mean(&b.value, base_urls.iter().map(String::as_str))
                    .unwrap_or_else(|| format!("add it under `api.base_urls`; known: {}", base_urls.join(", ")));
                ctx.error(bloc, &format!("{path}.base_url"), format!("unknown base URL `{}`", b.value), Some(hint));
            }
            b.value.clone()
        }
        None => "default".into(),
    };

    let body = e.body.as_ref().and_then(|b| {
        let bpath = format!("{path}.body");
        let encoding = match b.encoding.as_ref().map(|s| s.value.as_str()) {
            None | Some("json") => Encoding::Json,
            Some("multipart") => Encoding::Multipart,
            Some(other) => {
                let eloc = ctx.loc(file, b.encoding.as_ref().unwrap_or(&b.ty));
                ctx.error(
                    eloc,
                    &format!("{bpath}.encoding"),
                    format!("unknown body encoding `{other}`"),
                    Some("use `json` or `multipart`".into()),
                );
                Encoding::Json
            }
        };
        let ty = resolve(ctx, file, &format!("{bpath}.type"), &b.ty, type_names)?;
        let tloc = ctx.loc(file, &b.ty);
        match &ty {
            TypeRef::Named(n) if matches!(index.get(n).map(|&i| &types[i].kind), Some(TypeKind::Object(_))) => {}
            TypeRef::Named(n)
                if encoding == Encoding::Json
                    && matches!(
                        index.get(n).map(|&i| &types[i].kind),
                        Some(TypeKind::Tagged(_) | TypeKind::Union(_))
                    ) => {}
            _ => {
                ctx.error(
                    tloc,
                    &format!("{bpath}.type"),
                    format!("a request body must be a named object type, not `{}`", ty.spec()),
                    Some("declare an object type with the body's fields".into()),
                );
                return None;
            }
        }
        let TypeRef::Named(name) = ty else { return None };
        Some(Body { ty: name, encoding })
    });
    if body.is_some() && method == Method::Get {
        ctx.error(
            mloc,
            &format!("{path}.body"),
            "a GET endpoint cannot have a body",
            Some("send the values as `query` parameters".into()),
        );
    }

    let response = match &e.response {
        None => Response::Empty,
        Some(r) => {
            let rpath = format!("{path}.response");
            let binary = r.binary.as_ref().is_some_and(|b| b.value);
            match (&r.ty, binary) {
                (Some(t), false) => match resolve(ctx, file, &format!("{rpath}.type"), t, type_names) {
                    Some(TypeRef::File) => {
                        let tloc = ctx.loc(file, t);
                        ctx.error(
                            tloc,
                            &format!("{rpath}.type"),
                            "a response cannot be `file`",
                            Some("use `binary: true` for a file download".into()),
                        );
                        Response::Empty
                    }
                    Some(t) => Response::Json(t),
                    None => Response::Empty,
                },
                (None, true) => Response::Binary { media_type: r.media_type.clone() },
                _ => {
                    ctx.error(
                        ploc,
                        &rpath,
                        "a response needs exactly one of `type` and `binary: true`",
                        Some("use `{ type: Name }` for JSON or `{ binary: true }` for a file".into()),
                    );
                    Response::Empty
                }
            }
        }
    };

    let retry_default =
        if matches!(method, Method::Get | Method::Put | Method::Delete) { Retry::Safe } else { Retry::Unsafe };
    let retry = match &e.retry {
        None => retry_default,
        Some(r) => match r.value.as_str() {
            "safe" => Retry::Safe,
            "unsafe" => Retry::Unsafe,
            other => {
                let rloc = ctx.loc(file, r);
                ctx.error(
                    rloc,
                    &format!("{path}.retry"),
                    format!("unknown retry class `{other}`"),
                    Some("use `safe` or `unsafe`".into()),
                );
                retry_default
            }
        },
    };
    let places_calls = e.places_calls.as_ref().is_some_and(|p| p.value);
    if places_calls && retry == Retry::Safe {
        let (loc, why) = match &e.retry {
            Some(r) => (ctx.loc(file, r), "is marked `retry: safe`"),
            None => (
                ctx.loc(file, e.places_calls.as_ref().expect("places_calls is set")),
                "defaults to `retry: safe` for its method",
            ),
        };
        ctx.error(
            loc,
            &format!("{path}.retry"),
            format!("endpoint `{}` places calls but {why}", key.value),
            Some("a retry must never ring a person twice: set `retry: unsafe`".into()),
        );
    }

    let deprecated = e.deprecated.as_ref().map(|d| Deprecation { replacement: None, doc: d.doc.clone() });

    let mut errors = Vec::new();
    for (status, doc) in e.errors.iter() {
        if !error_statuses.contains(&status.value) && !ctx.unloaded.api {
            let sloc = ctx.loc(file, status);
            let hint = did_you_mean(&status.value, error_statuses.iter().map(String::as_str)).unwrap_or_else(|| {
                format!("add it to the top-level `errors` table; known: {}", error_statuses.join(", "))
            });
            ctx.error(
                sloc,
                &format!("{path}.errors.{}", status.value),
                format!("status `{}` is not in the top-level `errors` table", status.value),
                Some(hint),
            );
        }
        errors.push((status.value.clone(), doc.clone()));
    }

    let paging = e
        .paginated
        .as_ref()
        .and_then(|p| lower_paging(ctx, known, file, &format!("{path}.paginated"), p, &response, &query));

    Some(Endpoint {
        name: key.value.clone(),
        rust_method,
        rust_op,
        doc: e.doc.clone(),
        method,
        path: template.clone(),
        base_url,
        path_params,
        query,
        body,
        response,
        paging,
        retry,
        places_calls,
        deprecated,
        errors,
        examples: e
            .examples
            .iter()
            .map(|x| Example {
                name: x.name.clone(),
                doc: x.doc.clone(),
                query: x.query.as_ref().map(|v| v.value.clone()),
                request: x.request.as_ref().map(|v| v.value.clone()),
                response: x.response.as_ref().map(|v| v.value.clone()),
            })
            .collect(),
    })
}

/// A parameter's type is a scalar, an enum, a newtype, or a list of those (lists repeat the key).
fn lower_param(
    ctx: &mut Ctx<'_>,
    known: Known<'_>,
    file: usize,
    path: &str,
    key: &Spanned<String>,
    p: &RawParam,
) -> Option<Param> {
    let Known { types, index, names: type_names, .. } = known;
    let ty = resolve(ctx, file, &format!("{path}.type"), &p.ty, type_names)?;
    let scalar = |t: &TypeRef| match t {
        TypeRef::String | TypeRef::Integer | TypeRef::Number | TypeRef::Boolean | TypeRef::Date | TypeRef::DateTime => {
            true
        }
        TypeRef::Named(n) => {
            matches!(index.get(n).map(|&i| &types[i].kind), Some(TypeKind::Enum(_) | TypeKind::Newtype))
        }
        _ => false,
    };
    let ok = match &ty {
        TypeRef::List(inner) => scalar(inner),
        t => scalar(t),
    };
    if !ok {
        let tloc = ctx.loc(file, &p.ty);
        ctx.error(
            tloc,
            &format!("{path}.type"),
            format!("a parameter cannot be `{}`", ty.spec()),
            Some("use a scalar, an enum, a newtype, or a list of those".into()),
        );
        return None;
    }
    let rust = rust_name(ctx, file, path, p.rust_name.as_ref(), || ident::snake(&key.value));
    if rust.is_empty() {
        let kloc = ctx.loc(file, key);
        ctx.error(kloc, path, format!("parameter `{}` gives no Rust name", key.value), Some("set `rust_name`".into()));
        return None;
    }
    Some(Param {
        wire: key.value.clone(),
        rust,
        doc: p.doc.clone(),
        ty,
        optional: p.optional.as_ref().is_some_and(|o| o.value),
        default: p.default.as_ref().map(|d| d.to_string()),
    })
}

/// A paginated endpoint has the pagination query parameters and its `items` path leads to a list.
fn lower_paging(
    ctx: &mut Ctx<'_>,
    known: Known<'_>,
    file: usize,
    path: &str,
    p: &RawPaginated,
    response: &Response,
    query: &[Param],
) -> Option<Paging> {
    let Known { types, index, page_params, .. } = known;
    let iloc = ctx.loc(file, &p.items);
    for name in page_params.iter().map(String::as_str) {
        let found = query.iter().any(|q| q.wire == name && q.optional && q.ty == TypeRef::Integer);
        if !found {
            ctx.error(
                iloc,
                path,
                format!("a paginated endpoint needs an optional integer `{name}` query parameter"),
                Some(format!("add `{name}: {{ type: integer, optional: true, doc: ... }}` under `query`")),
            );
        }
    }
    let Response::Json(TypeRef::Named(root)) = response else {
        ctx.error(
            iloc,
            path,
            "a paginated endpoint must answer with a named object type",
            Some("set `response: { type: PageType }` with the item list as a field".into()),
        );
        return None;
    };
    // Walk the items path.
    let mut current = root.clone();
    let mut steps = Vec::new();
    let mut item = None;
    let parts: Vec<&str> = p.items.value.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        let Some(TypeKind::Object(fields)) = index.get(&current).map(|&i| &types[i].kind) else {
            ctx.error(
                iloc,
                &format!("{path}.items"),
                format!("`{current}` is not an object, so it has no field `{part}`"),
                Some("`items` is a dotted path of object fields ending at a list".into()),
            );
            return None;
        };
        let Some(field) = fields.iter().find(|f| f.wire == *part) else {
            let hint = did_you_mean(part, fields.iter().map(|f| f.wire.as_str()));
            ctx.error(iloc, &format!("{path}.items"), format!("`{current}` has no field `{part}`"), hint);
            return None;
        };
        steps.push(PathStep { rust: field.rust.clone(), optional: field.presence != Presence::Required });
        let last = i + 1 == parts.len();
        match (&field.ty, last) {
            (TypeRef::List(t), true) => item = Some((**t).clone()),
            (TypeRef::Named(n), false) => current = n.clone(),
            (t, true) => {
                ctx.error(
                    iloc,
                    &format!("{path}.items"),
                    format!("`{}` is `{}`, not a list", p.items.value, t.spec()),
                    Some("point `items` at the field that holds the list".into()),
                );
                return None;
            }
            (t, false) => {
                ctx.error(
                    iloc,
                    &format!("{path}.items"),
                    format!("`{part}` is `{}`, not an object", t.spec()),
                    Some("`items` is a dotted path of object fields ending at a list".into()),
                );
                return None;
            }
        }
    }
    let total = match &p.total {
        None => None,
        Some(t) => {
            let tloc = ctx.loc(file, t);
            let Some(TypeKind::Object(fields)) = index.get(root).map(|&i| &types[i].kind) else {
                return None;
            };
            let Some(field) = fields.iter().find(|f| f.wire == t.value) else {
                let hint = did_you_mean(&t.value, fields.iter().map(|f| f.wire.as_str()));
                ctx.error(tloc, &format!("{path}.total"), format!("`{root}` has no field `{}`", t.value), hint);
                return None;
            };
            let counts = match &field.ty {
                TypeRef::Integer => true,
                TypeRef::Named(n) => match index.get(n).map(|&i| &types[i].kind) {
                    Some(TypeKind::Union(members)) => members.iter().any(|m| m.ty == TypeRef::Integer),
                    _ => false,
                },
                _ => false,
            };
            if !counts {
                ctx.error(
                    tloc,
                    &format!("{path}.total"),
                    format!("`{}` must be an integer or a union with an integer member", t.value),
                    Some("leave `total` out if the response has no count".into()),
                );
                return None;
            }
            Some((
                PathStep { rust: field.rust.clone(), optional: field.presence != Presence::Required },
                field.ty.clone(),
            ))
        }
    };
    Some(Paging { items: steps, item: item?, total })
}

/// No type contains itself without a list or map in between (Rust could not size it).
fn check_type_graph(ctx: &mut Ctx<'_>, entries: &[TypeEntry<'_>], types: &[TypeDef]) {
    let index: HashMap<&str, usize> = types.iter().enumerate().map(|(i, t)| (t.name.as_str(), i)).collect();
    let direct = |t: &TypeDef| -> Vec<usize> {
        let mut out = Vec::new();
        let mut push = |r: &TypeRef| {
            if let TypeRef::Named(n) = r {
                out.push(index[n.as_str()]);
            }
        };
        match &t.kind {
            TypeKind::Object(fields) => fields.iter().for_each(|f| push(&f.ty)),
            TypeKind::Union(members) => members.iter().for_each(|m| push(&m.ty)),
            TypeKind::Tagged(tg) => {
                tg.variants.iter().filter_map(|v| v.ty.as_ref()).for_each(|n| out.push(index[n.as_str()]))
            }
            TypeKind::OneOf(members) => members.iter().for_each(|m| push(&m.ty)),
            TypeKind::Enum(_) | TypeKind::Newtype => {}
        }
        out
    };
    let edges: Vec<Vec<usize>> = types.iter().map(direct).collect();
    // Iterative DFS with colours.
    let mut colour = vec![0u8; types.len()];
    for start in 0..types.len() {
        if colour[start] != 0 {
            continue;
        }
        let mut stack = vec![(start, 0usize)];
        colour[start] = 1;
        while let Some((node, next)) = stack.pop() {
            if next < edges[node].len() {
                stack.push((node, next + 1));
                let to = edges[node][next];
                match colour[to] {
                    0 => {
                        colour[to] = 1;
                        stack.push((to, 0));
                    }
                    1 => {
                        let e = &entries[to];
                        let loc = ctx.loc(e.file, e.key);
                        ctx.error(
                            loc,
                            &format!("types.{}", e.key.value),
                            format!("type `{}` contains itself", e.key.value),
                            Some("put a `list<...>` or `map<...>` on the way back to it".into()),
                        );
                    }
                    _ => {}
                }
            } else {
                colour[node] = 2;
            }
        }
    }
}

/// Computes every type's [`Roles`] (and with them `input`), and marks multipart body types.
/// This is the one place that decides which types are sent, written, read from responses or
/// read from webhooks.
fn mark_roles(
    types: &mut [TypeDef],
    resources: &[Resource],
    webhooks: Option<&Webhooks>,
    webcall: Option<&Webcall>,
    index: &HashMap<String, usize>,
) {
    let named = |t: &TypeRef| t.named().map(|n| index[n]);
    let mut sent: Vec<usize> = Vec::new();
    let mut written: Vec<usize> = Vec::new();
    let mut response: Vec<usize> = Vec::new();
    // The widget options are built by the application, like a request body.
    sent.extend(webcall.map(|w| index[&w.options]));
    for e in resources.iter().flat_map(|r| &r.endpoints) {
        if let Some(b) = &e.body {
            let i = index[&b.ty];
            sent.push(i);
            match b.encoding {
                Encoding::Json => written.push(i),
                Encoding::Multipart => {
                    types[i].multipart = true;
                    // The parts sent as JSON text: everything but files, strings, scalars,
                    // enums and typed ids (which are text parts).
                    if let TypeKind::Object(fields) = &types[i].kind {
                        written.extend(
                            fields.iter().filter(|f| json_part(types, index, &f.ty)).filter_map(|f| named(&f.ty)),
                        );
                    }
                }
            }
        }
        sent.extend(e.query.iter().chain(&e.path_params).filter_map(|p| named(&p.ty)));
        if let Response::Json(t) = &e.response {
            response.extend(named(t));
        }
    }
    // Deliveries: the webhook event and the per-call callback are both read like responses.
    let event: Vec<usize> = webhooks
        .into_iter()
        .flat_map(|w| std::iter::once(&w.event).chain(&w.callback))
        .map(|name| index[name])
        .collect();
    spread(types, index, sent, |r| &mut r.sent);
    spread(types, index, written, |r| &mut r.written);
    spread(types, index, response, |r| &mut r.response);
    spread(types, index, event, |r| &mut r.event);
    for t in types.iter_mut() {
        t.input = t.roles.sent;
    }
}

/// Whether a multipart body sends a field of type `t` as a part of JSON text.
fn json_part(types: &[TypeDef], index: &HashMap<String, usize>, t: &TypeRef) -> bool {
    match t {
        TypeRef::File
        | TypeRef::String
        | TypeRef::Date
        | TypeRef::DateTime
        | TypeRef::Integer
        | TypeRef::Number
        | TypeRef::Boolean => false,
        TypeRef::List(inner) => **inner != TypeRef::File,
        TypeRef::Named(n) => !matches!(types[index[n]].kind, TypeKind::Enum(_) | TypeKind::Newtype),
        TypeRef::Json | TypeRef::Map(_) => true,
    }
}

/// Sets one role on `roots` and on every type they can hold.
fn spread(
    types: &mut [TypeDef],
    index: &HashMap<String, usize>,
    mut stack: Vec<usize>,
    role: impl Fn(&mut Roles) -> &mut bool,
) {
    while let Some(i) = stack.pop() {
        let flag = role(&mut types[i].roles);
        if *flag {
            continue;
        }
        *flag = true;
        let refs: Vec<&str> = match &types[i].kind {
            TypeKind::Object(fields) => fields.iter().filter_map(|f| f.ty.named()).collect(),
            TypeKind::Union(members) => members.iter().filter_map(|m| m.ty.named()).collect(),
            TypeKind::Tagged(t) => t.variants.iter().filter_map(|v| v.ty.as_deref()).collect(),
            TypeKind::OneOf(members) => members.iter().filter_map(|m| m.ty.named()).collect(),
            TypeKind::Enum(_) | TypeKind::Newtype => Vec::new(),
        };
        stack.extend(refs.iter().map(|n| index[*n]));
    }
}

fn contains_file(t: &TypeRef) -> bool {
    match t {
        TypeRef::File => true,
        TypeRef::List(inner) | TypeRef::Map(inner) => contains_file(inner),
        _ => false,
    }
}

/// A file part or a list of file parts, the two shapes a multipart body allows.
fn has_file(t: &TypeRef) -> bool {
    match t {
        TypeRef::File => true,
        TypeRef::List(inner) => **inner == TypeRef::File,
        _ => false,
    }
}

/// `file` appears only as a field (or list of files) of a multipart body type.
fn check_files(ctx: &mut Ctx<'_>, entries: &[TypeEntry<'_>], types: &[TypeDef]) {
    for (e, t) in entries.iter().zip(types) {
        let TypeKind::Object(fields) = &t.kind else { continue };
        for (f, (wire, raw)) in fields.iter().zip(e.raw.fields.iter().flat_map(|m| m.iter())) {
            if contains_file(&f.ty) && !(t.multipart && has_file(&f.ty)) {
                let loc = ctx.loc(e.file, &raw.ty);
                ctx.error(
                    loc,
                    &format!("types.{}.fields.{}.type", t.name, wire.value),
                    format!("`{}` is a file, but `{}` is not sent as a multipart body", f.ty.spec(), t.name),
                    Some("files can only be fields of a type used as `body: { encoding: multipart }`".into()),
                );
            }
        }
    }
}

/// A flattened field names an object, a tagged union or a `one_of` type, and a multipart body
/// has no `one_of` field (its form has no way to send "one of these parts").
fn check_flatten(ctx: &mut Ctx<'_>, entries: &[TypeEntry<'_>], types: &[TypeDef], index: &HashMap<String, usize>) {
    for (e, t) in entries.iter().zip(types) {
        let TypeKind::Object(fields) = &t.kind else { continue };
        for (f, (wire, raw)) in fields.iter().zip(e.raw.fields.iter().flat_map(|m| m.iter())) {
            let TypeRef::Named(n) = &f.ty else { continue };
            let fpath = format!("types.{}.fields.{}", t.name, wire.value);
            let loc = ctx.loc(e.file, &raw.ty);
            let kind = &types[index[n]].kind;
            if f.flatten && !matches!(kind, TypeKind::Object(_) | TypeKind::Tagged(_) | TypeKind::OneOf(_)) {
                ctx.error(
                    loc,
                    &format!("{fpath}.flatten"),
                    format!("`{n}` cannot be flattened: it is not an object, a tagged union or a `one_of` type"),
                    Some("remove `flatten`".into()),
                );
            }
            if t.multipart && (f.flatten || matches!(kind, TypeKind::OneOf(_))) {
                ctx.error(
                    loc,
                    &format!("{fpath}.type"),
                    format!("multipart body `{}` cannot hold a flattened or `one_of` field", t.name),
                    Some("list the fields one by one, optional, and say in `doc` which one to send".into()),
                );
            }
        }
    }
}

/// One diagnostic per mismatch of an example, placed at the key at fault.
fn report_mismatches(ctx: &mut Ctx<'_>, at: Loc, path: &str, what: &str, fallback_hint: &str, found: &Mismatches) {
    for m in &found.list {
        let (line, column) = locate_in_example(&ctx.files[at.file].1, at.line, at.column, &m.steps);
        let loc = Loc { file: at.file, line, column };
        let inner = m.path();
        let full_path = if inner.is_empty() { path.to_string() } else { format!("{path}.{inner}") };
        let place = if inner.is_empty() { String::new() } else { format!(" at `{inner}`") };
        let hint = m.hint.clone().unwrap_or_else(|| fallback_hint.to_string());
        ctx.error(loc, &full_path, format!("{what}{place}: {}", m.message), Some(hint));
    }
}

/// The line and column of the key that `steps` lead to, inside an example that starts at
/// `line`:`column` of `text`. Keys are found in order from the example's start (the `i`-th
/// item of a list is found by skipping `i` earlier uses of the next key), so both block and
/// flow style work; where a key cannot be found, the last place found is kept.
fn locate_in_example(text: &str, line: u32, column: u32, steps: &[Step]) -> (u32, u32) {
    let mut offset = offset_of(text, line, column).unwrap_or(0);
    let mut found = (line, column);
    let mut skip = 0usize;
    for step in steps {
        match step {
            Step::Index(i) => skip = *i,
            Step::Key(key) => {
                let mut from = offset;
                let mut hit = None;
                for _ in 0..=skip {
                    hit = find_key(text, from, key);
                    match hit {
                        Some(at) => from = at + key.len(),
                        None => break,
                    }
                }
                skip = 0;
                let Some(at) = hit else { break };
                offset = at;
                found = position_of(text, at);
            }
        }
    }
    found
}

/// The byte offset of the next `key:` (bare or quoted) at or after `from`.
fn find_key(text: &str, from: usize, key: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut start = from;
    while let Some(rel) = text.get(start..)?.find(key) {
        let at = start + rel;
        let before = if at == 0 { b' ' } else { bytes[at - 1] };
        let mut after = at + key.len();
        if matches!(bytes.get(after), Some(b'"' | b'\'')) {
            after += 1;
        }
        while matches!(bytes.get(after), Some(b' ')) {
            after += 1;
        }
        let boundary = matches!(before, b' ' | b'\n' | b'{' | b',' | b'"' | b'\'' | b'-');
        if boundary && bytes.get(after) == Some(&b':') {
            return Some(if matches!(before, b'"' | b'\'') { at - 1 } else { at });
        }
        start = at + key.len();
    }
    None
}

/// Byte offset of a 1-based line and column.
fn offset_of(text: &str, line: u32, column: u32) -> Option<usize> {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line as usize {
            return Some(offset + l.char_indices().nth(column.saturating_sub(1) as usize).map_or(0, |(b, _)| b));
        }
        offset += l.len();
    }
    None
}

/// 1-based line and column of a byte offset.
fn position_of(text: &str, offset: usize) -> (u32, u32) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line as u32, column as u32)
}

/// Every example fits its type: type examples, endpoint request and response examples.
fn check_examples(
    ctx: &mut Ctx<'_>,
    entries: &[TypeEntry<'_>],
    types: &[TypeDef],
    resources: &[Resource],
    raw_endpoints: &[Vec<(usize, &RawEndpoint)>],
    _index: &HashMap<String, usize>,
) {
    let by_name: Types<'_> = types.iter().map(|t| (t.name.as_str(), t)).collect();
    for (e, t) in entries.iter().zip(types) {
        for (i, ex) in e.raw.examples.iter().enumerate() {
            let path = format!("types.{}.examples[{i}]", t.name);
            if t.multipart {
                let loc = ctx.loc(e.file, ex);
                ctx.error(
                    loc,
                    &path,
                    "a multipart body type cannot have a JSON example",
                    Some("remove the example; describe the parts in `doc`".into()),
                );
                continue;
            }
            if let Err(found) = conform_example(&by_name, &TypeRef::Named(t.name.clone()), &ex.value, "example") {
                let loc = ctx.loc(e.file, ex);
                report_mismatches(
                    ctx,
                    loc,
                    &path,
                    &format!("example does not fit `{}`", t.name),
                    "fix the example or the type",
                    &found,
                );
            }
        }
    }
    for (r, raws) in resources.iter().zip(raw_endpoints) {
        for (ep, (file, raw)) in r.endpoints.iter().zip(raws) {
            for (i, ex) in raw.examples.iter().enumerate() {
                let base = format!("resources.{}.endpoints.{}.examples[{i}]", r.name, ep.name);
                if let Some(req) = &ex.request {
                    let loc = ctx.loc(*file, req);
                    match &ep.body {
                        Some(b) if b.encoding == Encoding::Json => {
                            if let Err(found) =
                                conform_example(&by_name, &TypeRef::Named(b.ty.clone()), &req.value, "request")
                            {
                                report_mismatches(
                                    ctx,
                                    loc,
                                    &format!("{base}.request"),
                                    &format!("request example does not fit `{}`", b.ty),
                                    "fix the example or the body type",
                                    &found,
                                );
                            }
                        }
                        Some(_) => ctx.error(
                            loc,
                            &format!("{base}.request"),
                            "a multipart body cannot have a JSON request example",
                            None,
                        ),
                        None => ctx.error(
                            loc,
                            &format!("{base}.request"),
                            "a request example for an endpoint without a body",
                            Some("remove it or declare `body`".into()),
                        ),
                    }
                }
                if let Some(resp) = &ex.response {
                    let loc = ctx.loc(*file, resp);
                    match &ep.response {
                        Response::Json(ty) => {
                            if let Err(found) = conform_example(&by_name, ty, &resp.value, "response") {
                                report_mismatches(
                                    ctx,
                                    loc,
                                    &format!("{base}.response"),
                                    &format!("response example does not fit `{}`", ty.spec()),
                                    "fix the example or the response type",
                                    &found,
                                );
                            }
                        }
                        _ => ctx.error(
                            loc,
                            &format!("{base}.response"),
                            "a JSON response example for an endpoint without a JSON response",
                            None,
                        ),
                    }
                }
                if let Some(q) = &ex.query {
                    let loc = ctx.loc(*file, q);
                    match q.value.as_object() {
                        Some(m) => {
                            for k in m.keys() {
                                if !ep.query.iter().any(|p| &p.wire == k) {
                                    let names: Vec<&str> = ep.query.iter().map(|p| p.wire.as_str()).collect();
                                    let hint = did_you_mean(k, names.iter().copied()).unwrap_or_else(|| {
                                        if names.is_empty() {
                                            format!("`{}` takes no query parameters: remove it", ep.name)
                                        } else {
                                            format!("its query parameters: `{}`", names.join("`, `"))
                                        }
                                    });
                                    let text = &ctx.files[loc.file].1;
                                    let (line, column) =
                                        locate_in_example(text, loc.line, loc.column, &[Step::Key(k.clone())]);
                                    ctx.error(
                                        Loc { file: loc.file, line, column },
                                        &format!("{base}.query.{k}"),
                                        format!("`{k}` is not a query parameter of `{}`", ep.name),
                                        Some(hint),
                                    );
                                }
                            }
                        }
                        None => ctx.error(loc, &format!("{base}.query"), "`query` must be a mapping", None),
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::SourceFile;

    const API: &str = "api:
  name: demo
  title: Demo
  version: 0.1.0
  api_version: v0
  doc: A demo API.
  base_urls: { default: https://api.example.com }
  auth: { header: X-API-KEY, env: DEMO_API_KEY }
  pagination: { limit: limit, offset: offset, default_limit: 20, max_limit: 100 }
";

    const SPEC: &str = "types:
  Kind:
    doc: An enum sent as text.
    enum: { a: A., b: B. }
  Meta:
    doc: Sent as a JSON part of a form.
    fields:
      tag: { type: string, doc: Tag. }
  Form:
    doc: A multipart body.
    fields:
      file: { type: file, doc: The file. }
      kind: { type: Kind, doc: Its kind. }
      meta: { type: Meta, doc: Its metadata. }
  Item:
    doc: In a request and in a response.
    fields:
      id: { type: string, doc: Id. }
  NewThing:
    doc: A JSON body.
    fields:
      items: { type: list<Item>, doc: Items. }
  Page:
    doc: A response.
    fields:
      items: { type: list<Item>, doc: Items. }
  Ping:
    doc: An event payload.
    fields:
      at: { type: datetime, doc: When. }
  Event:
    doc: A delivery.
    tag: type
    open: true
    variants:
      ping: { type: Ping, doc: A ping. }
resources:
  things:
    doc: Things.
    endpoints:
      create:
        doc: Create.
        method: POST
        path: /things
        body: { type: NewThing }
        response: { type: Page }
      upload:
        doc: Upload.
        method: POST
        path: /upload
        body: { type: Form, encoding: multipart }
webhooks:
  doc: Deliveries.
  event: Event
";

    /// Roles are computed once, here; the reader, the writer and spec-diff read them.
    #[test]
    fn roles_follow_requests_responses_and_webhooks() {
        let files = [
            SourceFile { path: "spec/api.yaml".into(), text: API.into() },
            SourceFile { path: "spec/things.yaml".into(), text: SPEC.into() },
        ];
        let api = crate::load(&files).unwrap_or_else(|d| panic!("{d}"));
        let roles = |name: &str| {
            let r = api.type_def(name).unwrap().roles;
            (r.sent, r.written, r.response, r.event)
        };
        // (sent, written, response, event)
        assert_eq!(roles("NewThing"), (true, true, false, false));
        assert_eq!(roles("Item"), (true, true, true, false), "both a request and a response");
        assert_eq!(roles("Page"), (false, false, true, false));
        assert_eq!(roles("Form"), (true, false, false, false), "a form is not written as JSON");
        assert_eq!(roles("Meta"), (true, true, false, false), "a JSON part of a form");
        assert_eq!(roles("Kind"), (true, false, false, false), "a text part of a form");
        assert_eq!(roles("Event"), (false, false, false, true));
        assert_eq!(roles("Ping"), (false, false, false, true));
        assert!(api.type_def("Item").unwrap().roles.read() && !api.type_def("NewThing").unwrap().roles.read());
        for t in &api.types {
            assert_eq!(t.input, t.roles.sent, "{}", t.name);
        }
        assert!(api.type_def("Form").unwrap().multipart);
    }
}
