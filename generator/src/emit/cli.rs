//! The command line crate `ringg-cli` (`generated/cli/`, binary `ringg`): what the spec knows,
//! as a clap command tree and one function per endpoint, plus the hand-written core
//! (`generated/cli/`, beside the generated files).
//!
//! Generated here: `src/spec.rs` (one command per endpoint in its resource's group, required
//! inputs as positional arguments, optional ones as flags, enum values listed, help from the
//! spec docs, deprecation notes; the function that reads the arguments into the client's
//! types and calls the endpoint; table columns; the webhook example payloads), the crate's
//! `Cargo.toml`, and `tests/endpoints.rs`, one test per endpoint that runs the binary against
//! a running emulator.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::{Map, Value};

use super::emulator::sample_json;
use super::rust::{Imports, format_file, lit, raw_lit, ty};
use super::{GeneratedFile, docs, header};
use crate::ident::ident;
use crate::ir::{Api, Encoding, Endpoint, Field, Param, Presence, Resource, Response, TypeKind, TypeRef};
use proc_macro2::TokenTree;

/// Where the CLI crate lives, relative to the repository root.
const DIR: &str = "generated/cli";

/// `[dependencies]` of the CLI crate. None of these enters the client's tree: `ringg` never
/// depends on the CLI. clap parses and clap_complete writes completions; indicatif draws the
/// `--all` progress bar; hyper (which reqwest already builds) serves `webhooks listen` and
/// posts `webhooks trigger`; tracing-subscriber prints `--verbose`.
const DEPENDENCIES: &[&str] = &[
    r#"bytes = "1""#,
    r#"clap = { version = "4", default-features = false, features = ["std", "help", "usage", "error-context", "suggestions"] }"#,
    r#"clap_complete = "4""#,
    r#"http-body-util = "0.1""#,
    r#"hyper = { version = "1", features = ["server", "client", "http1"] }"#,
    r#"hyper-util = { version = "0.1", features = ["tokio"] }"#,
    r#"indicatif = { version = "0.18", default-features = false }"#,
    r#"serde = "1""#,
    r#"serde_json = { version = "1", features = ["preserve_order"] }"#,
    r#"tokio = { version = "1", features = ["rt-multi-thread", "macros", "net", "time", "io-std", "io-util", "fs", "signal"] }"#,
    r#"tracing-subscriber = { version = "0.3", default-features = false, features = ["fmt", "std"] }"#,
];

/// Flags every endpoint command has or inherits; spec inputs with these names get a prefix.
const RESERVED: &[&str] =
    &["all", "api-key", "base-url", "body", "help", "output", "retries", "timeout", "verbose", "version"];

/// The spec-shaped files of the CLI crate; the rest of it is the hand-written core beside them in `generated/cli/`.
pub(crate) fn cli(api: &Api) -> Vec<GeneratedFile> {
    vec![cargo_toml(api), spec_rs(api), endpoint_tests(api)]
}

fn cargo_toml(api: &Api) -> GeneratedFile {
    let api_source: Vec<_> = api.sources.iter().filter(|s| s.module == "api").collect();
    let contents = format!(
        "# {header}\n[package]\nname = \"{name}-cli\"\nversion = \"{version}\"\nedition = \"2024\"\n\
         rust-version = \"1.85\"\ndescription = \"The {name} command line: every {title} API endpoint, webhook tools and the local emulator\"\n\
         license = \"MIT OR Apache-2.0\"\nkeywords = [\"{name}\", \"cli\", \"voice\", \"telephony\", \"api\"]\n\
         categories = [\"command-line-utilities\"]\n\n[[bin]]\nname = \"{name}\"\npath = \"src/main.rs\"\n\
         # Its docs would land where the library `{name}`'s do (the same name); the library's win.\n\
         doc = false\n\n\
         [dependencies]\n{name} = {{ path = \"..\", version = \"={version}\" }}\n\
         {name}-emulator = {{ path = \"../emulator\", version = \"={version}\" }}\n{deps}\n",
        header = super::header_text(&api_source),
        name = api.name,
        version = api.version,
        title = api.title,
        deps = DEPENDENCIES.join("\n"),
    );
    GeneratedFile { path: format!("{DIR}/Cargo.toml"), contents }
}

/// A command or flag name: `snake_case` becomes `kebab-case`, and characters a shell user
/// would have to quote (`agent_id[]`) are dropped.
fn kebab(name: &str) -> String {
    let kebab: String = name
        .chars()
        .filter_map(|c| match c {
            '_' | '-' => Some('-'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect();
    kebab.trim_matches('-').to_string()
}

/// Help text on one line, as clap wraps it itself.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An input of an endpoint as the command line sees it.
struct Input<'a> {
    param: &'a Param,
    /// Argument id and flag name (without `--`); unique within the command.
    name: String,
    positional: bool,
}

/// A top-level body field with a flag.
struct BodyFlag<'a> {
    /// The body field; for a `one_of` choice flattened into the body, one of its fields.
    field: std::borrow::Cow<'a, Field>,
    name: String,
    /// The flag's text is the value (strings, dates, enums); otherwise it is JSON.
    text: bool,
}

/// Picks a flag name that clashes with nothing taken yet, with `prefix` when needed.
fn unique(wire: &str, prefix: &str, taken: &mut BTreeSet<String>) -> String {
    let mut name = kebab(wire);
    if taken.contains(&name) || RESERVED.contains(&name.as_str()) || name.starts_with("base-url") {
        name = format!("{prefix}-{name}");
    }
    let base = name.clone();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base}-{n}");
        n += 1;
    }
    taken.insert(name.clone());
    name
}

fn inputs(e: &Endpoint) -> Vec<Input<'_>> {
    let mut taken = BTreeSet::new();
    let mut out = Vec::new();
    for p in &e.path_params {
        out.push(Input { param: p, name: unique(&p.wire, "path", &mut taken), positional: true });
    }
    for p in &e.query {
        out.push(Input { param: p, name: unique(&p.wire, "query", &mut taken), positional: !p.optional });
    }
    out
}

fn body_flags<'a>(api: &'a Api, e: &Endpoint, inputs: &[Input<'_>]) -> Vec<BodyFlag<'a>> {
    let mut taken: BTreeSet<String> = inputs.iter().map(|i| i.name.clone()).collect();
    let Some(b) = &e.body else { return Vec::new() };
    let Some(TypeKind::Object(fields)) = api.type_def(&b.ty).map(|d| &d.kind) else { return Vec::new() };
    let mut flags = Vec::new();
    for f in fields.iter().filter(|f| !is_file(&f.ty)) {
        if !f.flatten {
            flags.push(BodyFlag {
                field: std::borrow::Cow::Borrowed(f),
                name: unique(&f.wire, "body", &mut taken),
                text: is_text(api, &f.ty),
            });
            continue;
        }
        // Each field of a flattened `one_of` is a flag of its own; the body's check rejects
        // none or several of them.
        let Some(TypeKind::OneOf(members)) = f.ty.named().and_then(|n| api.type_def(n)).map(|d| &d.kind) else {
            continue;
        };
        let all: Vec<String> = members.iter().map(|m| format!("`{}`", m.wire)).collect();
        for m in members {
            let field = Field {
                wire: m.wire.clone(),
                rust: m.rust.clone(),
                doc: format!("{} Exactly one of {}.", m.doc.trim_end(), all.join(", ")),
                ty: m.ty.clone(),
                presence: Presence::Optional,
                secret: false,
                flatten: false,
                default: None,
                deprecated: None,
            };
            let (name, text) = (unique(&m.wire, "body", &mut taken), is_text(api, &m.ty));
            flags.push(BodyFlag { field: std::borrow::Cow::Owned(field), name, text });
        }
    }
    flags
}

/// The file fields of a multipart body and their flags.
fn file_flags<'a>(api: &'a Api, e: &Endpoint, inputs: &[Input<'_>]) -> Vec<(&'a Field, String)> {
    let Some(b) = e.body.as_ref().filter(|b| b.encoding == Encoding::Multipart) else { return Vec::new() };
    let Some(TypeKind::Object(fields)) = api.type_def(&b.ty).map(|d| &d.kind) else { return Vec::new() };
    let mut taken: BTreeSet<String> = inputs.iter().map(|i| i.name.clone()).collect();
    taken.extend(body_flags(api, e, inputs).into_iter().map(|f| f.name));
    fields.iter().filter(|f| is_file(&f.ty)).map(|f| (f, unique(&f.wire, "body", &mut taken))).collect()
}

fn is_file(t: &TypeRef) -> bool {
    match t {
        TypeRef::File => true,
        TypeRef::List(inner) => **inner == TypeRef::File,
        _ => false,
    }
}

/// Whether a value of this type is written as plain text on the command line: strings, dates,
/// and named types that are a JSON string on the wire (enums); objects and unions are JSON.
fn is_text(api: &Api, t: &TypeRef) -> bool {
    match t {
        TypeRef::String | TypeRef::Date | TypeRef::DateTime => true,
        TypeRef::Named(n) => !matches!(
            api.type_def(n).map(|d| &d.kind),
            Some(TypeKind::Object(_) | TypeKind::Union(_) | TypeKind::Tagged(_))
        ),
        _ => false,
    }
}

/// The wire values of an enum type (or of a list of one), for listing and completion.
fn enum_values(api: &Api, t: &TypeRef) -> Vec<String> {
    let t = match t {
        TypeRef::List(inner) => inner,
        t => t,
    };
    match t.named().and_then(|n| api.type_def(n)).map(|d| &d.kind) {
        Some(TypeKind::Enum(values)) => values.iter().map(|v| v.wire.clone()).collect(),
        _ => Vec::new(),
    }
}

/// A client type as this crate writes it: the type emitters write the client's own paths as
/// `crate::...` (`crate::Upload`), which here is `ringg::...`.
fn client_ty(api: &Api, t: &TypeRef, imports: &mut Imports) -> TokenStream {
    rebase(ty(api, t, imports), &super::rust::krate(api))
}

fn rebase(tokens: TokenStream, krate: &proc_macro2::Ident) -> TokenStream {
    tokens
        .into_iter()
        .map(|tt| match tt {
            TokenTree::Ident(i) if i == "crate" => TokenTree::Ident(krate.clone()),
            TokenTree::Group(g) => {
                let mut group = proc_macro2::Group::new(g.delimiter(), rebase(g.stream(), krate));
                group.set_span(g.span());
                TokenTree::Group(group)
            }
            other => other,
        })
        .collect()
}

/// What `--help` shows as a flag's value.
fn value_name(api: &Api, t: &TypeRef) -> &'static str {
    match t {
        TypeRef::String => "TEXT",
        TypeRef::Integer => "INTEGER",
        TypeRef::Number => "NUMBER",
        TypeRef::Boolean => "true|false",
        TypeRef::Date => "YYYY-MM-DD",
        TypeRef::DateTime => "DATETIME",
        TypeRef::File => "PATH",
        TypeRef::List(inner) => value_name(api, inner),
        TypeRef::Named(_) if is_text(api, t) => "VALUE",
        TypeRef::Json | TypeRef::Map(_) | TypeRef::Named(_) => "JSON",
    }
}

fn str_slice(values: &[String]) -> TokenStream {
    let values = values.iter().map(|v| lit(v));
    quote! { &[#(#values),*] }
}

fn command_path(r: &Resource, e: &Endpoint) -> String {
    format!("{} {}", kebab(&r.name), kebab(&e.name))
}

fn fn_name(r: &Resource, e: &Endpoint) -> proc_macro2::Ident {
    ident(&format!("{}_{}", r.name, e.name))
}

/// The command of one endpoint.
fn endpoint_command(api: &Api, e: &Endpoint) -> TokenStream {
    let mut about = docs::summary(&e.doc);
    let mut long = one_line(&e.doc);
    long.push_str(&format!("\n\n{} {}", e.method.as_str(), e.path));
    if let Some(d) = &e.deprecated {
        let instead = d
            .replacement
            .as_ref()
            .map(|(res, ep)| format!(" Use `{} {} {}` instead.", api.name, kebab(res), kebab(ep)));
        about = format!("[deprecated] {about}");
        long.push_str(&format!("\n\nDeprecated: {}{}", one_line(&d.doc), instead.unwrap_or_default()));
    }
    if e.places_calls {
        long.push_str(
            "\n\nPlaces calls: never re-sent once it may have reached Ringg, so a retry never rings anyone twice.",
        );
    }
    let name = lit(&kebab(&e.name));
    let (about, long) = (lit(&about), lit(&long));
    let inputs = inputs(e);
    let mut args = Vec::new();
    for i in &inputs {
        let (id, help) = (lit(&i.name), lit(&one_line(&i.param.doc)));
        if i.positional {
            let value_name = lit(&i.name.to_ascii_uppercase().replace('-', "_"));
            args.push(quote! { app::positional(#id, #value_name, #help) });
        } else {
            let values = str_slice(&enum_values(api, &i.param.ty));
            let shown = value_name(api, &i.param.ty);
            let build = if matches!(i.param.ty, TypeRef::List(_)) {
                quote! { app::list_flag }
            } else {
                quote! { app::flag }
            };
            args.push(quote! { #build(#id, #shown, #help, #values) });
        }
    }
    if let Some(b) = &e.body {
        args.push({
            let t = lit(&b.ty);
            quote! { app::body_arg(#t) }
        });
        for f in body_flags(api, e, &inputs) {
            let (id, help) =
                (lit(&f.name), lit(&format!("`{}` ({}): {}", f.field.wire, f.field.ty.spec(), one_line(&f.field.doc))));
            let values = str_slice(&enum_values(api, &f.field.ty));
            let shown = value_name(api, &f.field.ty);
            args.push(quote! { app::body_flag(#id, #shown, #help, #values) });
        }
        for (f, name) in file_flags(api, e, &inputs) {
            let id = lit(&name);
            let help = lit(&format!("`{}` (a file): {}", f.wire, one_line(&f.doc)));
            let required = f.presence == Presence::Required;
            let repeat = matches!(f.ty, TypeRef::List(_));
            args.push(quote! { app::file_flag(#id, #help, #required, #repeat) });
        }
    }
    match &e.response {
        Response::Binary { .. } => args.push(quote! { app::output_file_arg() }),
        _ => args.push(quote! { app::format_arg() }),
    }
    if e.paging.is_some() {
        args.push(quote! { app::all_arg() });
    }
    quote! {
        Command::new(#name).about(#about).long_about(#long).args([#(#args),*])
    }
}

/// The rows of a list response and their columns, for `--output table`.
fn table(api: &Api, e: &Endpoint) -> (Vec<String>, Vec<String>) {
    let Response::Json(response) = &e.response else { return (Vec::new(), Vec::new()) };
    let (rows, item) = match &e.paging {
        Some(paging) => {
            // The paging path is in Rust names; the table walks the JSON, so find wire names.
            let mut wires = Vec::new();
            let mut current = response.clone();
            for step in &paging.items {
                let field = current.named().and_then(|n| api.type_def(n)).and_then(|d| match &d.kind {
                    TypeKind::Object(fields) => fields.iter().find(|f| f.rust == step.rust),
                    _ => None,
                });
                let Some(field) = field else { return (Vec::new(), Vec::new()) };
                wires.push(field.wire.clone());
                current = field.ty.clone();
            }
            (wires, paging.item.clone())
        }
        None => match response {
            TypeRef::List(inner) => (Vec::new(), (**inner).clone()),
            _ => return (Vec::new(), Vec::new()),
        },
    };
    let columns = match item.named().and_then(|n| api.type_def(n)).map(|d| &d.kind) {
        Some(TypeKind::Object(fields)) => fields
            .iter()
            .filter(|f| {
                !f.flatten
                    && (is_text(api, &f.ty) || matches!(f.ty, TypeRef::Integer | TypeRef::Number | TypeRef::Boolean))
            })
            .map(|f| f.wire.clone())
            .collect(),
        _ => Vec::new(),
    };
    (rows, columns)
}

/// The function that runs one endpoint command.
fn endpoint_fn(api: &Api, r: &Resource, e: &Endpoint, imports: &mut Imports) -> TokenStream {
    let krate = super::rust::krate(api);
    let name = fn_name(r, e);
    let res = ident(&r.name);
    let method = ident(&e.rust_method);
    let inputs = inputs(e);
    let mut call_args = Vec::new();
    let mut setters = Vec::new();
    for i in &inputs {
        let id = lit(&i.name);
        let shown = if i.positional {
            format!("<{}>", i.name.to_ascii_uppercase().replace('-', "_"))
        } else {
            format!("--{}", i.name)
        };
        let (shown, expected) = (lit(&shown), lit(&i.param.ty.spec()));
        let setter = ident(&i.param.rust);
        match (&i.param.ty, i.positional) {
            (TypeRef::List(inner), positional) => {
                let t = client_ty(api, inner, imports);
                let read = quote! { app::list::<#t>(m, #id, #shown, #expected)? };
                if positional {
                    call_args.push(read)
                } else {
                    setters.push(quote! { request = request.#setter(#read); })
                }
            }
            (t, true) => {
                let t = client_ty(api, t, imports);
                call_args.push(quote! { app::req::<#t>(m, #id, #shown, #expected)? });
            }
            (t, false) => {
                let t = super::resources::page_param_ty(api, e, i.param).unwrap_or_else(|| client_ty(api, t, imports));
                setters.push(quote! {
                    if let Some(value) = app::opt::<#t>(m, #id, #shown, #expected)? {
                        request = request.#setter(value);
                    }
                });
            }
        }
    }
    let mut prelude = TokenStream::new();
    if let Some(b) = &e.body {
        let def = api.type_def(&b.ty).expect("validated");
        let body_ty = client_ty(api, &TypeRef::Named(b.ty.clone()), imports);
        let type_name = lit(&b.ty);
        let fields = body_flags(api, e, &inputs).into_iter().map(|f| {
            let (id, wire, flag, spec, text) =
                (lit(&f.name), lit(&f.field.wire), lit(&format!("--{}", f.name)), lit(&f.field.ty.spec()), f.text);
            quote! { BodyField { id: #id, wire: #wire, flag: #flag, ty: #spec, text: #text } }
        });
        prelude.extend(quote! { const FIELDS: &[BodyField] = &[#(#fields),*]; });
        match (b.encoding, &def.kind) {
            (Encoding::Multipart, TypeKind::Object(fields)) => {
                prelude.extend(quote! { let fields = app::body_json(m, FIELDS)?; });
                let flag_names: Vec<(String, String)> =
                    body_flags(api, e, &inputs).iter().map(|f| (f.field.wire.clone(), f.name.clone())).collect();
                let files = file_flags(api, e, &inputs);
                let mut new_args = Vec::new();
                let mut assigns = Vec::new();
                for f in fields {
                    let fname = ident(&f.rust);
                    let wire = lit(&f.wire);
                    if let Some((_, id_name)) = files.iter().find(|(file, _)| file.wire == f.wire) {
                        let (id, flag) = (lit(id_name), lit(&format!("--{id_name}")));
                        match (&f.ty, f.presence) {
                            (TypeRef::File, Presence::Required) => {
                                new_args.push((fname, quote! { app::upload(m, #id, #flag)? }))
                            }
                            (_, Presence::Required) => new_args.push((fname, quote! { app::uploads(m, #id, #flag)? })),
                            (TypeRef::File, _) => {
                                assigns.push(quote! { body.#fname = app::uploads(m, #id, #flag)?.into_iter().next(); })
                            }
                            _ => assigns.push(quote! {
                                let files = app::uploads(m, #id, #flag)?;
                                if !files.is_empty() {
                                    body.#fname = Some(files);
                                }
                            }),
                        }
                        continue;
                    }
                    let t = client_ty(api, &f.ty, imports);
                    let flag = flag_names
                        .iter()
                        .find(|(w, _)| *w == f.wire)
                        .map_or_else(|| "--body".to_string(), |(_, n)| format!("--{n}"));
                    let flag = lit(&flag);
                    match f.presence {
                        Presence::Required => {
                            new_args.push((fname, quote! { app::form_field::<#t>(&fields, #wire, #flag, #type_name)? }))
                        }
                        Presence::Nullable => {
                            new_args.push((fname, quote! { app::form_opt::<#t>(&fields, #wire, #type_name)? }))
                        }
                        Presence::Optional => {
                            assigns.push(quote! { body.#fname = app::form_opt::<#t>(&fields, #wire, #type_name)?; })
                        }
                        Presence::OptionalNullable => assigns.push(quote! {
                            if let Some(value) = app::form_opt::<#t>(&fields, #wire, #type_name)? {
                                body.#fname = #krate::Patch::Value(value);
                            }
                        }),
                    }
                }
                let mutable = if assigns.is_empty() {
                    quote! {}
                } else {
                    quote! { mut }
                };
                // Past four arguments (or with two of one type) `new` takes a struct of them.
                let new = match super::rust::required_struct(api, def) {
                    Some(required) => {
                        let required = ident(&required);
                        let inits = new_args.iter().map(|(f, v)| quote! { #f: #v });
                        quote! { #body_ty::new(#krate::types::#required { #(#inits),* }) }
                    }
                    None => {
                        let values = new_args.iter().map(|(_, v)| v);
                        quote! { #body_ty::new(#(#values),*) }
                    }
                };
                prelude.extend(quote! {
                    let #mutable body = #new;
                    #(#assigns)*
                });
            }
            _ => prelude.extend(quote! { let body: #body_ty = app::json_body(m, FIELDS, #type_name)?; }),
        }
        call_args.push(quote! { body });
    }
    let warn = match &e.deprecated {
        Some(d) => {
            let command = lit(&format!("{} {}", api.name, command_path(r, e)));
            let note = match &d.replacement {
                Some((res, ep)) => format!("use `{} {} {}` instead", api.name, kebab(res), kebab(ep)),
                None => one_line(&d.doc),
            };
            let note = lit(&note);
            quote! { app::warn_deprecated(#command, #note); }
        }
        None => quote! {},
    };
    let allow = if e.deprecated.is_some() {
        quote! { #[allow(deprecated)] }
    } else {
        quote! {}
    };
    let mutable = if setters.is_empty() {
        quote! {}
    } else {
        quote! { mut }
    };
    let all = if e.paging.is_some() {
        quote! {
            if app::all(m) {
                return cli.stream(request.stream()).await;
            }
        }
    } else {
        quote! {}
    };
    let finish = match &e.response {
        Response::Binary { .. } => quote! { cli.download(m, request.await?).await },
        Response::Empty => quote! {
            request.await?;
            Ok(())
        },
        Response::Json(_) => {
            let (rows, columns) = table(api, e);
            let (rows, columns) = (str_slice(&rows), str_slice(&columns));
            quote! { cli.print(&request.await?, &Table { rows: #rows, columns: #columns }) }
        }
    };
    let doc = lit(&format!(" `{} {}`: `{} {}`.", api.name, command_path(r, e), e.method.as_str(), e.path));
    let reads_args =
        !inputs.is_empty() || e.body.is_some() || e.paging.is_some() || matches!(e.response, Response::Binary { .. });
    let m = if reads_args {
        quote! { m }
    } else {
        quote! { _m }
    };
    quote! {
        #[doc = #doc]
        #allow
        async fn #name(cli: &Cli, #m: &ArgMatches) -> Result<(), Failure> {
            #warn
            #prelude
            let #mutable request = cli.client().#res().#method(#(#call_args),*);
            #(#setters)*
            #all
            #finish
        }
    }
}

/// The payload `webhooks trigger` sends for each event: the spec's example of that event when
/// it has one; otherwise the event's fields filled from the other events' examples (the same
/// call, agent and workspace) and from the examples of their types, plus samples of required
/// fields that none of those give.
fn webhook_events(api: &Api) -> (String, Vec<(String, Value)>) {
    let Some(def) = api.webhooks.as_ref().and_then(|w| api.type_def(&w.event)) else {
        return ("event_type".into(), Vec::new());
    };
    let TypeKind::Tagged(tagged) = &def.kind else { return ("event_type".into(), Vec::new()) };
    let tag = tagged.tag.clone();
    let events = tagged
        .variants
        .iter()
        .map(|v| {
            if let Some(x) = def.examples.iter().find(|x| x[&tag] == v.tag_value.as_str()) {
                return (v.tag_value.clone(), x.clone());
            }
            let mut out = Map::new();
            out.insert(tag.clone(), Value::String(v.tag_value.clone()));
            let fields = v.ty.as_ref().and_then(|t| api.type_def(t)).and_then(|d| match &d.kind {
                TypeKind::Object(fields) => Some(fields),
                _ => None,
            });
            for f in fields.into_iter().flatten() {
                let known =
                    def.examples.iter().find_map(|x| x.get(&f.wire)).cloned().or_else(|| {
                        f.ty.named().and_then(|n| api.type_def(n)).and_then(|d| d.examples.first().cloned())
                    });
                match known {
                    Some(value) => {
                        out.insert(f.wire.clone(), value);
                    }
                    None if !f.presence.may_be_absent() => {
                        out.insert(f.wire.clone(), sample_json(api, &f.ty, &f.wire));
                    }
                    None => {}
                }
            }
            (v.tag_value.clone(), Value::Object(out))
        })
        .collect();
    (tag, events)
}

fn spec_rs(api: &Api) -> GeneratedFile {
    let krate = super::rust::krate(api);
    let mut imports = Imports::with_prefix(quote! { #krate::types });
    let mut resources = Vec::new();
    let mut arms = Vec::new();
    let mut fns = Vec::new();
    for r in &api.resources {
        let commands: Vec<TokenStream> = r.endpoints.iter().map(|e| endpoint_command(api, e)).collect();
        let (name, about, long) = (lit(&kebab(&r.name)), lit(&docs::summary(&r.doc)), lit(&one_line(&r.doc)));
        resources.push(quote! {
            Command::new(#name).about(#about).long_about(#long).subcommand_required(true).subcommands([#(#commands),*])
        });
        for e in &r.endpoints {
            let (rl, el, f) = (lit(&kebab(&r.name)), lit(&kebab(&e.name)), fn_name(r, e));
            arms.push(quote! { (#rl, #el) => #f(cli, m).await, });
            fns.push(endpoint_fn(api, r, e, &mut imports));
        }
    }
    let btree = if imports.btree_map {
        quote! { use std::collections::BTreeMap; }
    } else {
        quote! {}
    };
    let version = lit(&format!("{} ({} API {})", api.version, api.title, api.api_version));
    let about =
        lit(&format!("The {} API from a shell: every endpoint, webhook tools and a local emulator.", api.title));
    let key_env = lit(&api.auth_env);
    let bases = api.base_urls.iter().map(|b| {
        let flag = if b.name == "default" { String::new() } else { format!("base-url-{}", kebab(&b.name)) };
        let (n, u, f) = (lit(&b.name), lit(&b.url), lit(&flag));
        quote! { (#n, #u, #f) }
    });
    let default_base =
        lit(&api.base_urls.iter().find(|b| b.name == "default").map(|b| b.url.clone()).unwrap_or_default());
    let (tag, events) = webhook_events(api);
    let tag = lit(&tag);
    let events = events.iter().map(|(t, v)| {
        let (t, v) = (lit(t), raw_lit(&serde_json::to_string_pretty(v).expect("JSON values serialize")));
        quote! { (#t, #v) }
    });
    let tokens = quote! {
        //! What the spec knows: one command per endpoint, grouped by resource, and the function
        //! that reads its arguments into the client's types and calls it; the webhook examples.

        #btree
        use clap::{ArgMatches, Command};

        use crate::app::{self, BodyField, Cli, Failure};
        use crate::output::Table;

        /// `ringg --version`: the crate version and the API version.
        pub(crate) const VERSION: &str = #version;

        /// One line about the binary.
        pub(crate) const ABOUT: &str = #about;

        /// The environment variable holding the API key.
        pub(crate) const KEY_ENV: &str = #key_env;

        /// The API's base URLs: name, URL, and the flag that overrides it (`--base-url` for the
        /// default one).
        pub(crate) const BASE_URLS: &[(&str, &str, &str)] = &[#(#bases),*];

        /// The default base URL.
        pub(crate) fn default_base() -> &'static str {
            #default_base
        }

        /// The field of a webhook payload that names its event.
        pub(crate) const WEBHOOK_TAG: &str = #tag;

        /// Each webhook event and the payload `webhooks trigger` sends for it.
        pub(crate) const WEBHOOK_EVENTS: &[(&str, &str)] = &[#(#events),*];

        /// One command per resource, with one subcommand per endpoint.
        pub(crate) fn resources() -> Vec<Command> {
            Vec::from([#(#resources),*])
        }

        /// Runs `ringg <resource> <endpoint>`.
        pub(crate) async fn run(cli: &Cli, resource: &str, endpoint: &str, m: &ArgMatches) -> Result<(), Failure> {
            match (resource, endpoint) {
                #(#arms)*
                _ => Err(Failure::usage(format!("unknown command `ringg {resource} {endpoint}`"))),
            }
        }

        #(#fns)*
    };
    GeneratedFile {
        path: format!("{DIR}/src/spec.rs"),
        contents: format_file(&header("//", &api.sources.iter().collect::<Vec<_>>()), tokens),
    }
}

/// `generated/cli/tests/endpoints.rs`: every endpoint command run as a process.
fn endpoint_tests(api: &Api) -> GeneratedFile {
    let mut tests = Vec::new();
    for r in &api.resources {
        for e in &r.endpoints {
            tests.push(endpoint_test(api, r, e));
        }
    }
    let tokens = quote! {
        //! Every endpoint command of the spec, run as the real `ringg` binary against a running
        //! emulator seeded with fixtures. Bodies are the spec's request examples (or samples of
        //! the required fields) with ids replaced by the fixtures' ids, sent with `--body -`;
        //! files are written to a temporary folder and passed as paths.
        #![cfg_attr(rustfmt, rustfmt::skip)]

        mod support;

        #(#tests)*
    };
    GeneratedFile {
        path: format!("{DIR}/tests/endpoints.rs"),
        contents: format_file(&header("//", &api.sources.iter().collect::<Vec<_>>()), tokens),
    }
}

fn endpoint_test(api: &Api, r: &Resource, e: &Endpoint) -> TokenStream {
    let op = format!("{}.{}", r.name, e.name);
    let name = fn_name(r, e);
    let doc = lit(&format!(" `{} {}` answers from the emulator.", api.name, command_path(r, e)));
    let (res, ep) = (lit(&kebab(&r.name)), lit(&kebab(&e.name)));
    let mut steps = Vec::new();
    for i in inputs(e).iter().filter(|i| i.positional) {
        let w = lit(&i.param.wire);
        steps.push(quote! { args.push(fixtures.id::<String>(#w)); });
    }
    let oplit = lit(&op);
    if let Some(b) = &e.body {
        let example = match b.encoding {
            Encoding::Json => e.examples.iter().find_map(|x| x.request.clone()),
            Encoding::Multipart => None,
        }
        .unwrap_or_else(|| sample_json(api, &TypeRef::Named(b.ty.clone()), "body"));
        let mut example = example;
        if b.encoding == Encoding::Multipart {
            if let (Value::Object(o), Some(TypeKind::Object(fields))) =
                (&mut example, api.type_def(&b.ty).map(|d| &d.kind))
            {
                for f in fields.iter().filter(|f| is_file(&f.ty)) {
                    o.remove(&f.wire);
                }
            }
            for (f, name) in file_flags(api, e, &inputs(e)) {
                let (flag, w) = (lit(&format!("--{name}")), lit(&f.wire));
                steps.push(quote! {
                    args.push(#flag.to_string());
                    args.push(support::upload_file(#oplit, #w));
                });
            }
        }
        let text = raw_lit(&example.to_string());
        steps.push(quote! {
            let example: serde_json::Value = serde_json::from_str(#text).expect("the spec example is JSON");
            let stdin = Some(fixtures.request(#oplit, example).to_string());
            args.push("--body".to_string());
            args.push("-".to_string());
        });
    }
    let check = match &e.response {
        Response::Binary { .. } => quote! {
            let path = support::temp_path("download");
            args.push("--output".to_string());
            args.push(path.clone());
            let out = support::run(&emulator, &args, stdin.as_deref()).await;
            out.assert_success();
            let saved = std::fs::read(&path).expect("the download was saved");
            assert!(!saved.is_empty(), "the download is empty");
        },
        Response::Empty => quote! {
            let out = support::run(&emulator, &args, stdin.as_deref()).await;
            out.assert_success();
        },
        Response::Json(_) => quote! {
            let out = support::run(&emulator, &args, stdin.as_deref()).await;
            out.assert_success();
            let _: serde_json::Value = serde_json::from_str(&out.stdout).expect("the output is JSON");
        },
    };
    let deprecated = if e.deprecated.is_some() {
        quote! { assert!(out.stderr.contains("deprecated"), "no deprecation warning: {}", out.stderr); }
    } else {
        quote! {}
    };
    let uses_fixtures = !steps.is_empty();
    let fixtures = if uses_fixtures {
        quote! { fixtures }
    } else {
        quote! { _fixtures }
    };
    let mutable = if uses_fixtures || matches!(e.response, Response::Binary { .. }) {
        quote! { mut }
    } else {
        quote! {}
    };
    let no_body = if e.body.is_none() {
        quote! { let stdin: Option<String> = None; }
    } else {
        quote! {}
    };
    quote! {
        #[doc = #doc]
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn #name() {
            let (emulator, #fixtures) = support::start().await;
            let #mutable args: Vec<String> = vec![#res.to_string(), #ep.to_string()];
            #(#steps)*
            #no_body
            #check
            #deprecated
            assert_eq!(emulator.conformance_problems(), Vec::<String>::new(), "responses that do not fit the spec");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_paths_are_rebased_on_the_client_crate() {
        let krate = proc_macro2::Ident::new("ringg", proc_macro2::Span::call_site());
        let t = rebase(quote! { Option<Vec<crate::Upload>> }, &krate);
        assert_eq!(t.to_string(), quote! { Option<Vec<ringg::Upload>> }.to_string());
    }

    #[test]
    fn names_are_kebab_case_without_characters_to_quote() {
        assert_eq!(kebab("initiate_from_pool"), "initiate-from-pool");
        assert_eq!(kebab("agent_id[]"), "agent-id");
        assert_eq!(kebab("Voice-ID"), "voice-id");
    }

    #[test]
    fn clashing_flags_get_a_prefix() {
        let mut taken = BTreeSet::new();
        assert_eq!(unique("agent_id", "body", &mut taken), "agent-id");
        assert_eq!(unique("agent_id", "body", &mut taken), "body-agent-id");
        assert_eq!(unique("output", "query", &mut taken), "query-output");
        assert_eq!(unique("base_url_stt", "query", &mut taken), "query-base-url-stt");
        assert_eq!(unique("agent_id[]", "body", &mut taken), "body-agent-id-2");
    }
}
