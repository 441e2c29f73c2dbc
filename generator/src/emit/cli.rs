//! The command line crate `ringg-cli` (`generated/cli/`, binary `ringg`): what the spec knows,
//! as a clap command tree and one function per endpoint, plus the hand-written core
//! (`generated/cli/`, beside the generated files).
//!
//! Generated here: `src/spec.rs` (one command per endpoint in its resource's group, required
//! inputs as positional arguments, optional ones as flags, enum values listed, help from the
//! spec docs with the route, required body fields, examples and deprecation notes; the
//! function that checks the arguments against the client's types and builds the request; the
//! body shapes the core checks bodies against; table columns; the webhook example payloads),
//! the crate's `Cargo.toml`, and `tests/endpoints.rs`, one test per endpoint that runs the
//! binary against a running emulator.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::{Map, Value};

use super::emulator::sample_json;
use super::rust::{Imports, format_file, lit, raw_lit, ty};
use super::{GeneratedFile, docs, header};
use crate::ident::ident;
use crate::ir::{
    Api, Encoding, Endpoint, Field, Method, Param, Presence, Resource, Response, Retry, TypeKind, TypeRef,
};
use proc_macro2::TokenTree;

/// Where the CLI crate lives, relative to the repository root.
const DIR: &str = "generated/cli";

/// `[dependencies]` of the CLI crate. None of these enters the client's tree: `ringg` never
/// depends on the CLI. clap parses and clap_complete writes completions; indicatif draws the
/// `--all` progress bar and console measures the terminal; reqwest and rustls (with the
/// features the client already builds) send requests, so the CLI prints bodies as received;
/// hyper serves `webhooks listen`.
const DEPENDENCIES: &[&str] = &[
    r#"bytes = "1""#,
    r#"clap = { version = "4", default-features = false, features = ["std", "help", "usage", "error-context", "suggestions"] }"#,
    r#"clap_complete = "4""#,
    r#"console = { version = "0.16", default-features = false }"#,
    r#"http-body-util = "0.1""#,
    r#"hyper = { version = "1", features = ["server", "client", "http1"] }"#,
    r#"hyper-util = { version = "0.1", features = ["tokio"] }"#,
    r#"indicatif = { version = "0.18", default-features = false }"#,
    r#"reqwest = { version = "0.13", default-features = false, features = ["multipart", "stream", "rustls-no-provider"] }"#,
    r#"rustls = { version = "0.23", default-features = false, features = ["ring", "std", "tls12"] }"#,
    r#"rustls-platform-verifier = "0.7""#,
    r#"serde = "1""#,
    r#"serde_json = { version = "1", features = ["preserve_order"] }"#,
    r#"tokio = { version = "1", features = ["rt-multi-thread", "macros", "net", "time", "io-std", "io-util", "fs", "signal"] }"#,
];

/// Flags every endpoint command has or inherits; spec inputs with these names get a prefix.
const RESERVED: &[&str] = &[
    "all",
    "api-key",
    "base-url",
    "body",
    "color",
    "help",
    "insecure-http",
    "no-validate",
    "output",
    "output-file",
    "profile",
    "retries",
    "timeout",
    "verbose",
    "version",
    "wide",
    "yes",
];

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
    /// A path parameter (else a query parameter).
    path: bool,
}

/// A top-level body field with a flag.
struct BodyFlag<'a> {
    /// The body field; for a `one_of` choice flattened into the body, one of its fields.
    field: std::borrow::Cow<'a, Field>,
    name: String,
}

/// The fields of a named type when it is an object; every other kind has none.
fn object_fields<'a>(api: &'a Api, name: &str) -> Option<&'a [Field]> {
    match &api.type_def(name)?.kind {
        TypeKind::Object(fields) => Some(fields),
        TypeKind::Enum(_) | TypeKind::Union(_) | TypeKind::Tagged(_) | TypeKind::OneOf(_) | TypeKind::Newtype => None,
    }
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
        out.push(Input { param: p, name: unique(&p.wire, "path", &mut taken), positional: true, path: true });
    }
    for p in &e.query {
        out.push(Input { param: p, name: unique(&p.wire, "query", &mut taken), positional: !p.optional, path: false });
    }
    out
}

fn body_flags<'a>(api: &'a Api, e: &Endpoint, inputs: &[Input<'_>]) -> Vec<BodyFlag<'a>> {
    let mut taken: BTreeSet<String> = inputs.iter().map(|i| i.name.clone()).collect();
    let Some(b) = &e.body else { return Vec::new() };
    let Some(fields) = object_fields(api, &b.ty) else { return Vec::new() };
    let mut flags = Vec::new();
    for f in fields.iter().filter(|f| !is_file(&f.ty)) {
        if !f.flatten {
            flags.push(BodyFlag { field: std::borrow::Cow::Borrowed(f), name: unique(&f.wire, "body", &mut taken) });
            continue;
        }
        // Each field of a flattened `one_of` is a flag of its own; the body's check rejects
        // none or several of them.
        let members = match f.ty.named().and_then(|n| api.type_def(n)).map(|d| &d.kind) {
            Some(TypeKind::OneOf(members)) => members,
            // A flattened tagged union becomes subcommands (`operation_commands`).
            Some(
                TypeKind::Tagged(_) | TypeKind::Object(_) | TypeKind::Enum(_) | TypeKind::Union(_) | TypeKind::Newtype,
            )
            | None => continue,
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
            let name = unique(&m.wire, "body", &mut taken);
            flags.push(BodyFlag { field: std::borrow::Cow::Owned(field), name });
        }
    }
    flags
}

/// The tagged union flattened into an endpoint's JSON body (`AgentEditOperation` in
/// `AgentEdit`), whose variants become subcommands of the endpoint's command.
fn flattened_tagged<'a>(api: &'a Api, e: &Endpoint) -> Option<&'a crate::ir::Tagged> {
    flattened_tagged_named(api, e).map(|(_, t)| t)
}

/// [`flattened_tagged`] with the union's spec name.
fn flattened_tagged_named<'a>(api: &'a Api, e: &Endpoint) -> Option<(&'a str, &'a crate::ir::Tagged)> {
    let b = e.body.as_ref().filter(|b| b.encoding == Encoding::Json)?;
    let fields = object_fields(api, &b.ty)?;
    fields.iter().filter(|f| f.flatten).find_map(|f| {
        match f.ty.named().and_then(|n| api.type_def(n)).map(|d| (&d.name, &d.kind)) {
            Some((name, TypeKind::Tagged(t))) => Some((name.as_str(), t)),
            Some((
                _,
                TypeKind::Object(_) | TypeKind::Enum(_) | TypeKind::Union(_) | TypeKind::OneOf(_) | TypeKind::Newtype,
            ))
            | None => None,
        }
    })
}

/// The flags of one operation's subcommand: the body's own fields, then the payload's.
fn operation_flags<'a>(
    api: &'a Api,
    e: &Endpoint,
    inputs: &[Input<'_>],
    variant: &crate::ir::TaggedVariant,
) -> Vec<BodyFlag<'a>> {
    let mut flags = body_flags(api, e, inputs);
    let mut taken: BTreeSet<String> =
        inputs.iter().map(|i| i.name.clone()).chain(flags.iter().map(|f| f.name.clone())).collect();
    if let Some(fields) = variant.ty.as_ref().and_then(|t| object_fields(api, t)) {
        for f in fields.iter().filter(|f| !f.flatten && !is_file(&f.ty)) {
            flags.push(BodyFlag { field: std::borrow::Cow::Borrowed(f), name: unique(&f.wire, "body", &mut taken) });
        }
    }
    flags
}

/// One subcommand per operation of a flattened tagged union, with its payload's flags.
fn operation_commands(api: &Api, e: &Endpoint, inputs: &[Input<'_>]) -> Vec<TokenStream> {
    let Some(tagged) = flattened_tagged(api, e) else { return Vec::new() };
    tagged
        .variants
        .iter()
        .map(|v| {
            let name = lit(&kebab(&v.tag_value));
            let about = lit(&docs::summary(&shell_doc(&api.name, &v.doc)));
            let long = lit(&format!(
                "{}\n\nSends `{}: {}` with the flags below as the body's other fields.",
                shell_doc(&api.name, &v.doc),
                tagged.tag,
                v.tag_value
            ));
            let flags = operation_flags(api, e, inputs, v).iter().map(|f| body_flag_arg(api, f)).collect::<Vec<_>>();
            let t = lit(e.body.as_ref().map_or("", |b| b.ty.as_str()));
            quote! {
                Command::new(#name).about(#about).long_about(#long).args([
                    args::body_arg(#t), args::no_validate_arg(), #(#flags,)* args::format_arg()
                ])
            }
        })
        .collect()
}

/// The file fields of a multipart body and their flags.
fn file_flags<'a>(api: &'a Api, e: &Endpoint, inputs: &[Input<'_>]) -> Vec<(&'a Field, String)> {
    let Some(b) = e.body.as_ref().filter(|b| b.encoding == Encoding::Multipart) else { return Vec::new() };
    let Some(fields) = object_fields(api, &b.ty) else { return Vec::new() };
    let mut taken: BTreeSet<String> = inputs.iter().map(|i| i.name.clone()).collect();
    taken.extend(body_flags(api, e, inputs).into_iter().map(|f| f.name));
    fields.iter().filter(|f| is_file(&f.ty)).map(|f| (f, unique(&f.wire, "body", &mut taken))).collect()
}

fn is_file(t: &TypeRef) -> bool {
    match t {
        TypeRef::File => true,
        TypeRef::List(inner) => **inner == TypeRef::File,
        TypeRef::String
        | TypeRef::Integer
        | TypeRef::Number
        | TypeRef::Boolean
        | TypeRef::Date
        | TypeRef::DateTime
        | TypeRef::Json
        | TypeRef::Map(_)
        | TypeRef::Named(_) => false,
    }
}

/// Whether a value of this type is written as plain text on the command line: strings, dates,
/// and named types that are a JSON string on the wire (enums); objects and unions are JSON.
fn is_text(api: &Api, t: &TypeRef) -> bool {
    match t {
        TypeRef::String | TypeRef::Date | TypeRef::DateTime => true,
        TypeRef::Named(n) => match api.type_def(n).map(|d| &d.kind) {
            Some(TypeKind::Enum(_) | TypeKind::Newtype) | None => true,
            Some(TypeKind::Object(_) | TypeKind::Union(_) | TypeKind::Tagged(_) | TypeKind::OneOf(_)) => false,
        },
        TypeRef::Integer
        | TypeRef::Number
        | TypeRef::Boolean
        | TypeRef::Json
        | TypeRef::File
        | TypeRef::List(_)
        | TypeRef::Map(_) => false,
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
        Some(
            TypeKind::Object(_) | TypeKind::Union(_) | TypeKind::Tagged(_) | TypeKind::OneOf(_) | TypeKind::Newtype,
        )
        | None => Vec::new(),
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
        TypeRef::List(inner) => match value_name(api, inner) {
            "TEXT" => "TEXT,...",
            "VALUE" => "VALUE,...",
            "INTEGER" => "INTEGER,...",
            other => other,
        },
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

/// Spec docs as a shell user reads them: the client's calls (`voices().list()`) become the
/// commands that make them (`ringg voices list`).
fn shell_doc(name: &str, text: &str) -> String {
    let text = one_line(text);
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find('`') {
        let Some(len) = rest[start + 1..].find('`') else { break };
        let inner = &rest[start + 1..start + 1 + len];
        out.push_str(&rest[..start]);
        let calls: Option<Vec<&str>> = inner
            .split('.')
            .map(|c| {
                c.strip_suffix("()")
                    .filter(|n| !n.is_empty() && n.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_'))
            })
            .collect();
        match calls {
            Some(calls) if calls.len() >= 2 => {
                let words: Vec<String> = calls.iter().map(|c| kebab(c)).collect();
                out.push_str(&format!("`{name} {}`", words.join(" ")));
            }
            _ => out.push_str(&rest[start..start + len + 2]),
        }
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out
}

/// How the core reads a value of this type from a flag.
fn kind(api: &Api, t: &TypeRef, wire: &str) -> TokenStream {
    match t {
        TypeRef::Date => quote! { Kind::Date },
        TypeRef::DateTime => {
            let end = wire.starts_with("end") || wire.ends_with("_to") || wire.ends_with("_until");
            quote! { Kind::DateTime { end: #end } }
        }
        TypeRef::List(inner) => kind(api, inner, wire),
        t if is_text(api, t) => quote! { Kind::Text },
        TypeRef::String
        | TypeRef::Integer
        | TypeRef::Number
        | TypeRef::Boolean
        | TypeRef::Json
        | TypeRef::File
        | TypeRef::Map(_)
        | TypeRef::Named(_) => quote! { Kind::Json },
    }
}

/// What help adds about a flag's format (dates, lists).
fn format_note(api: &Api, t: &TypeRef) -> &'static str {
    match t {
        TypeRef::Date => " Format: YYYY-MM-DD, today or yesterday.",
        TypeRef::DateTime => {
            " Format: 2025-09-24T10:00:00+05:30 (any offset, or Z), or YYYY-MM-DD, today, yesterday (that day in UTC), or now."
        }
        TypeRef::List(inner) => match **inner {
            TypeRef::Date | TypeRef::DateTime => format_note(api, inner),
            // Enum values are checked by clap after it splits a comma list.
            TypeRef::Named(_) if !enum_values(api, inner).is_empty() => " Repeat the flag, or give a comma list.",
            TypeRef::String
            | TypeRef::Integer
            | TypeRef::Number
            | TypeRef::Boolean
            | TypeRef::Json
            | TypeRef::File
            | TypeRef::List(_)
            | TypeRef::Map(_)
            | TypeRef::Named(_) => " Repeat the flag, or give a comma list or a JSON array.",
        },
        TypeRef::String
        | TypeRef::Integer
        | TypeRef::Number
        | TypeRef::Boolean
        | TypeRef::Json
        | TypeRef::File
        | TypeRef::Map(_)
        | TypeRef::Named(_) => "",
    }
}

/// Whether a command cannot be undone, so it asks first: deleting, terminating, regenerating.
fn destructive(e: &Endpoint) -> bool {
    let words = ["delete", "remove", "terminate", "regenerate", "cancel"];
    e.method == Method::Delete || words.iter().any(|w| e.name.starts_with(w) || e.name.ends_with(w))
}

/// The long help of one endpoint: the docs, the route, notes, and the spec's examples as
/// commands.
fn long_help(api: &Api, r: &Resource, e: &Endpoint) -> String {
    let mut long = shell_doc(&api.name, &e.doc);
    long.push_str(&format!("\n\n{} {}", e.method.as_str(), e.path));
    if let Some(d) = &e.deprecated {
        let instead = d
            .replacement
            .as_ref()
            .map(|(res, ep)| format!(" Use `{} {} {}` instead.", api.name, kebab(res), kebab(ep)));
        long.push_str(&format!("\n\nDeprecated: {}{}", shell_doc(&api.name, &d.doc), instead.unwrap_or_default()));
    }
    if e.places_calls {
        long.push_str(
            "\n\nPlaces calls: never re-sent once it may have reached Ringg, so a retry never rings anyone twice.",
        );
    }
    if destructive(e) {
        long.push_str("\n\nCannot be undone: asks on a terminal; elsewhere pass --yes.");
    }
    if let Some((name, tagged)) = flattened_tagged_named(api, e) {
        // The union's name means nothing in a shell; its subcommands do.
        long = long.replace(&format!("`{name}`"), "the operations below");
        long.push_str(&format!(
            "\n\nOne subcommand per `{}`, each with its own fields as flags: `{} {} OPERATION --help`.",
            tagged.tag,
            api.name,
            command_path(r, e)
        ));
    }
    let examples = examples(api, r, e);
    if !examples.is_empty() {
        long.push_str("\n\nExamples:");
        for x in examples {
            long.push_str(&format!("\n  {x}"));
        }
    }
    long
}

/// The spec's examples of an endpoint as command lines: a comment with the example's name,
/// then `ringg <resource> <endpoint>` with its query as flags and its body as `--body`.
fn examples(api: &Api, r: &Resource, e: &Endpoint) -> Vec<String> {
    let inputs = inputs(e);
    let mut out = Vec::new();
    for x in &e.examples {
        if x.query.is_none() && x.request.is_none() {
            continue;
        }
        let mut line = format!("{} {}", api.name, command_path(r, e));
        for i in inputs.iter().filter(|i| i.positional) {
            let given = x.query.as_ref().and_then(|q| q.get(&i.param.wire)).map(shell_value);
            line.push_str(&format!(" {}", given.unwrap_or_else(|| i.name.to_ascii_uppercase().replace('-', "_"))));
        }
        if let Some(Value::Object(q)) = &x.query {
            for (k, v) in q {
                if let Some(i) = inputs.iter().find(|i| i.param.wire == *k && !i.positional) {
                    line.push_str(&format!(" --{} {}", i.name, shell_value(v)));
                }
            }
        }
        if let Some(body) = &x.request {
            line.push_str(&format!(" --body '{}'", body.to_string().replace('\'', "'\\''")));
        }
        if let Some(name) = &x.name {
            let about = x.doc.as_deref().map_or_else(|| name.clone(), docs::summary);
            out.push(format!("# {}", one_line(&about)));
        }
        out.push(line);
    }
    out
}

/// A value as a shell word.
fn shell_value(v: &Value) -> String {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            items.iter().map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string)).collect::<Vec<_>>().join(",")
        }
        other => other.to_string(),
    };
    if text.chars().all(|c| c.is_ascii_alphanumeric() || "-_.:,+/@".contains(c)) && !text.is_empty() {
        text
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// The command of one endpoint.
fn endpoint_command(api: &Api, r: &Resource, e: &Endpoint) -> TokenStream {
    let mut about = docs::summary(&shell_doc(&api.name, &e.doc));
    if e.deprecated.is_some() {
        about = format!("[deprecated] {about}");
    }
    let name = lit(&kebab(&e.name));
    let (about, long) = (lit(&about), lit(&long_help(api, r, e)));
    let inputs = inputs(e);
    let mut args: Vec<TokenStream> = inputs.iter().map(|i| input_arg(api, i)).collect();
    if let Some(b) = &e.body {
        let t = lit(&b.ty);
        args.push(quote! { args::body_arg(#t) });
        args.push(quote! { args::no_validate_arg() });
        args.extend(body_flags(api, e, &inputs).iter().map(|f| body_flag_arg(api, f)));
        for (f, name) in file_flags(api, e, &inputs) {
            let id = lit(&name);
            let required_note = if f.presence == Presence::Required { "[required] " } else { "" };
            let help = lit(&format!("{required_note}`{}` (a file): {}", f.wire, shell_doc(&api.name, &f.doc)));
            let required = f.presence == Presence::Required;
            let repeat = matches!(f.ty, TypeRef::List(_));
            args.push(quote! { args::file_flag(#id, #help, #required, #repeat) });
        }
    }
    match &e.response {
        Response::Binary { .. } => args.push(quote! { args::output_file_arg() }),
        Response::Json(_) | Response::Empty => args.push(quote! { args::format_arg() }),
    }
    if e.paging.is_some() {
        args.push(quote! { args::all_arg() });
    }
    let operations = operation_commands(api, e, &inputs);
    let operations = if operations.is_empty() {
        quote! {}
    } else {
        quote! { .args_conflicts_with_subcommands(true).subcommands([#(#operations),*]) }
    };
    quote! {
        Command::new(#name).about(#about).long_about(#long).args([#(#args),*]) #operations
    }
}

/// The argument of a path or query parameter.
fn input_arg(api: &Api, i: &Input<'_>) -> TokenStream {
    let help = format!("{}{}", shell_doc(&api.name, &i.param.doc), format_note(api, &i.param.ty));
    let (id, help) = (lit(&i.name), lit(help.trim()));
    if i.positional {
        let value_name = lit(&i.name.to_ascii_uppercase().replace('-', "_"));
        return quote! { args::positional(#id, #value_name, #help) };
    }
    let values = str_slice(&enum_values(api, &i.param.ty));
    let shown = value_name(api, &i.param.ty);
    if matches!(i.param.ty, TypeRef::List(_)) {
        quote! { args::list_flag(#id, #shown, #help, #values) }
    } else {
        quote! { args::flag(#id, #shown, #help, #values) }
    }
}

/// The flag of a top-level body field; required fields are marked.
fn body_flag_arg(api: &Api, f: &BodyFlag<'_>) -> TokenStream {
    let required = if f.field.presence == Presence::Required { "[required] " } else { "" };
    let help = format!(
        "{required}`{}` ({}): {}{}",
        f.field.wire,
        f.field.ty.spec(),
        shell_doc(&api.name, &f.field.doc),
        format_note(api, &f.field.ty)
    );
    let (id, help) = (lit(&f.name), lit(&help));
    let values = str_slice(&enum_values(api, &f.field.ty));
    let shown = value_name(api, &f.field.ty);
    let list = matches!(f.field.ty, TypeRef::List(_));
    quote! { args::body_flag(#id, #shown, #help, #values, #list) }
}

/// Wire names along a path of Rust field names from a type, for the JSON walks of tables
/// and `--all`; `None` when a step is not an object field.
fn wire_path(api: &Api, from: &TypeRef, steps: &[&str]) -> Option<(Vec<String>, TypeRef)> {
    let mut wires = Vec::new();
    let mut current = from.clone();
    for step in steps {
        let def = current.named().and_then(|n| api.type_def(n))?;
        let field = match &def.kind {
            TypeKind::Object(fields) => fields.iter().find(|f| f.rust == *step)?,
            TypeKind::Enum(_) | TypeKind::Union(_) | TypeKind::Tagged(_) | TypeKind::OneOf(_) | TypeKind::Newtype => {
                return None;
            }
        };
        wires.push(field.wire.clone());
        current = field.ty.clone();
    }
    Some((wires, current))
}

/// The rows of a list response and their columns, for `--output table`.
fn table(api: &Api, e: &Endpoint) -> (Vec<String>, Vec<String>) {
    let Response::Json(response) = &e.response else { return (Vec::new(), Vec::new()) };
    let (rows, item) = match &e.paging {
        Some(paging) => {
            let steps: Vec<&str> = paging.items.iter().map(|s| s.rust.as_str()).collect();
            match wire_path(api, response, &steps) {
                Some((wires, _)) => (wires, paging.item.clone()),
                None => return (Vec::new(), Vec::new()),
            }
        }
        None => match response {
            TypeRef::List(inner) => (Vec::new(), (**inner).clone()),
            TypeRef::String
            | TypeRef::Integer
            | TypeRef::Number
            | TypeRef::Boolean
            | TypeRef::Date
            | TypeRef::DateTime
            | TypeRef::Json
            | TypeRef::File
            | TypeRef::Map(_)
            | TypeRef::Named(_) => return (Vec::new(), Vec::new()),
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
        Some(TypeKind::Enum(_) | TypeKind::Union(_) | TypeKind::Tagged(_) | TypeKind::OneOf(_) | TypeKind::Newtype)
        | None => Vec::new(),
    };
    (rows, columns)
}

/// The wire path of a paginated response's total, empty when it has none.
fn total_path(api: &Api, e: &Endpoint) -> Vec<String> {
    let (Some(paging), Response::Json(response)) = (&e.paging, &e.response) else { return Vec::new() };
    let Some((step, _)) = &paging.total else { return Vec::new() };
    wire_path(api, response, &[step.rust.as_str()]).map(|(w, _)| w).unwrap_or_default()
}

/// The name of an endpoint's route static: `ROUTE_CALLING_HISTORY`.
fn route_name(r: &Resource, e: &Endpoint) -> proc_macro2::Ident {
    ident(&format!("ROUTE_{}_{}", r.name, e.name).to_ascii_uppercase())
}

/// The static facts of an endpoint the core sends it with.
fn route(api: &Api, r: &Resource, e: &Endpoint) -> TokenStream {
    let name = route_name(r, e);
    let doc = lit(&format!(" `{} {}`: `{} {}`.", api.name, command_path(r, e), e.method.as_str(), e.path));
    let label = lit(&format!("{} {}", api.name, command_path(r, e)));
    let (method, path, base) = (lit(e.method.as_str()), lit(&e.path), lit(&e.base_url));
    let safe = match e.retry {
        Retry::Safe => true,
        Retry::Unsafe => false,
    };
    let binary = matches!(e.response, Response::Binary { .. });
    let paging = match &e.paging {
        Some(paging) => {
            let steps: Vec<&str> = paging.items.iter().map(|s| s.rust.as_str()).collect();
            let items = match &e.response {
                Response::Json(t) => wire_path(api, t, &steps).map(|(w, _)| w).unwrap_or_default(),
                Response::Binary { .. } | Response::Empty => Vec::new(),
            };
            let (items, total) = (str_slice(&items), str_slice(&total_path(api, e)));
            quote! { Some(Paging { items: #items, total: #total }) }
        }
        None => quote! { None },
    };
    quote! {
        #[doc = #doc]
        static #name: Route = Route {
            label: #label, method: #method, path: #path, base: #base, safe: #safe, binary: #binary, paging: #paging,
        };
    }
}

/// Reads one path or query parameter into the call, checked against its type.
fn input_read(api: &Api, e: &Endpoint, i: &Input<'_>, imports: &mut Imports) -> TokenStream {
    let shown = if i.positional {
        format!("<{}>", i.name.to_ascii_uppercase().replace('-', "_"))
    } else {
        format!("--{}", i.name)
    };
    let (id, wire, shown, expected) = (lit(&i.name), lit(&i.param.wire), lit(&shown), lit(&i.param.ty.spec()));
    let kind = kind(api, &i.param.ty, &i.param.wire);
    let input = quote! { &Input { id: #id, wire: #wire, shown: #shown, expected: #expected, kind: #kind } };
    match &i.param.ty {
        TypeRef::List(inner) => {
            let t = client_ty(api, inner, imports);
            quote! { call.query_list::<#t>(m, #input)?; }
        }
        t if i.path => {
            let t = client_ty(api, t, imports);
            quote! { call.path::<#t>(m, #input)?; }
        }
        t => {
            let t = super::resources::page_param_ty(api, e, i.param).unwrap_or_else(|| client_ty(api, t, imports));
            quote! { call.query::<#t>(m, #input)?; }
        }
    }
}

/// What the core knows of a body flag.
fn body_field(api: &Api, f: &BodyFlag<'_>) -> TokenStream {
    let (id, wire, flag, spec) =
        (lit(&f.name), lit(&f.field.wire), lit(&format!("--{}", f.name)), lit(&f.field.ty.spec()));
    let kind = kind(api, &f.field.ty, &f.field.wire);
    let list = matches!(f.field.ty, TypeRef::List(_));
    quote! { BodyField { id: #id, wire: #wire, flag: #flag, ty: #spec, kind: #kind, list: #list } }
}

/// Reads the body into the call: JSON checked against the spec and the client's type, or a
/// multipart form with its files.
fn body_read(api: &Api, e: &Endpoint, inputs: &[Input<'_>], imports: &mut Imports) -> TokenStream {
    let Some(b) = &e.body else { return quote! {} };
    let type_name = lit(&b.ty);
    let fields = body_flags(api, e, inputs).into_iter().map(|f| body_field(api, &f));
    let fields = quote! { const FIELDS: &[BodyField] = &[#(#fields),*]; };
    if let Some(tagged) = flattened_tagged(api, e) {
        let body_ty = client_ty(api, &TypeRef::Named(b.ty.clone()), imports);
        let tag = lit(&tagged.tag);
        let ops = tagged.variants.iter().map(|v| {
            let (name, value) = (lit(&kebab(&v.tag_value)), lit(&v.tag_value));
            let flags = operation_flags(api, e, inputs, v).into_iter().map(|f| body_field(api, &f));
            quote! { (#name, #value, &[#(#flags),*]) }
        });
        return quote! {
            #fields
            const OPERATIONS: &[(&str, &str, &[BodyField])] = &[#(#ops),*];
            call.json_body_tagged::<#body_ty>(m, FIELDS, (#tag, OPERATIONS), &Ty::Named(#type_name), TYPES, #type_name)?;
        };
    }
    match b.encoding {
        Encoding::Json => {
            let body_ty = client_ty(api, &TypeRef::Named(b.ty.clone()), imports);
            quote! {
                #fields
                call.json_body::<#body_ty>(m, FIELDS, &Ty::Named(#type_name), TYPES, #type_name)?;
            }
        }
        Encoding::Multipart => {
            let files = file_flags(api, e, inputs).into_iter().map(|(f, name)| {
                let (id, wire) = (lit(&name), lit(&f.wire));
                quote! { (#id, #wire) }
            });
            quote! {
                #fields
                call.form_body(m, FIELDS, &[#(#files),*], &Ty::Named(#type_name), TYPES, #type_name)?;
            }
        }
    }
}

/// The deprecation warning an endpoint prints, if it is deprecated.
fn deprecation_warning(api: &Api, r: &Resource, e: &Endpoint) -> TokenStream {
    let Some(d) = &e.deprecated else { return quote! {} };
    let note = match &d.replacement {
        Some((res, ep)) => format!("use `{} {} {}` instead", api.name, kebab(res), kebab(ep)),
        None => shell_doc(&api.name, &d.doc),
    };
    let text = lit(&format!("warning: `{} {}` is deprecated: {note}", api.name, command_path(r, e)));
    quote! { args::warn(#text); }
}

/// Sends the call and shows the answer as the response kind asks.
fn finish(api: &Api, e: &Endpoint, imports: &mut Imports) -> TokenStream {
    match &e.response {
        Response::Binary { .. } => quote! { cli.download(m, call).await },
        Response::Empty => quote! { cli.empty(call).await },
        Response::Json(t) => {
            let t = client_ty(api, t, imports);
            let (rows, columns) = table(api, e);
            let (rows, columns) = (str_slice(&rows), str_slice(&columns));
            let table = quote! { &Table { rows: #rows, columns: #columns } };
            let all = if e.paging.is_some() {
                quote! {
                    if args::all(m) {
                        return cli.stream::<#t>(call, #table).await;
                    }
                }
            } else {
                quote! {}
            };
            quote! {
                #all
                cli.show::<#t>(call, #table).await
            }
        }
    }
}

/// The function that runs one endpoint command.
fn endpoint_fn(api: &Api, r: &Resource, e: &Endpoint, imports: &mut Imports) -> TokenStream {
    let name = fn_name(r, e);
    let route = route_name(r, e);
    let inputs = inputs(e);
    let reads: Vec<TokenStream> = inputs.iter().map(|i| input_read(api, e, i, imports)).collect();
    let body = body_read(api, e, &inputs, imports);
    let warn = deprecation_warning(api, r, e);
    let confirm = if destructive(e) {
        let what = lit(&format!("{} {}", api.name, command_path(r, e)));
        quote! { cli.confirm(#what)?; }
    } else {
        quote! {}
    };
    let finish = finish(api, e, imports);
    let doc = lit(&format!(" `{} {}`: `{} {}`.", api.name, command_path(r, e), e.method.as_str(), e.path));
    let reads_args =
        !inputs.is_empty() || e.body.is_some() || e.paging.is_some() || matches!(e.response, Response::Binary { .. });
    let m = if reads_args {
        quote! { m }
    } else {
        quote! { _m }
    };
    let mutable = if inputs.is_empty() && e.body.is_none() {
        quote! {}
    } else {
        quote! { mut }
    };
    quote! {
        #[doc = #doc]
        async fn #name(cli: &Cli, #m: &ArgMatches) -> Result<(), Failure> {
            #warn
            let #mutable call = Call::new(&#route);
            #(#reads)*
            #body
            #confirm
            #finish
        }
    }
}

/// The named types a body can hold, reachable from the endpoints' bodies, in spec order.
fn body_types(api: &Api) -> Vec<&crate::ir::TypeDef> {
    let mut seen = BTreeSet::new();
    let mut queue: Vec<String> =
        api.resources.iter().flat_map(|r| &r.endpoints).filter_map(|e| e.body.as_ref()).map(|b| b.ty.clone()).collect();
    while let Some(name) = queue.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let Some(def) = api.type_def(&name) else { continue };
        let mut refs: Vec<&TypeRef> = Vec::new();
        match &def.kind {
            TypeKind::Object(fields) => refs.extend(fields.iter().map(|f| &f.ty)),
            TypeKind::Union(members) => refs.extend(members.iter().map(|m| &m.ty)),
            TypeKind::OneOf(members) => refs.extend(members.iter().map(|m| &m.ty)),
            TypeKind::Tagged(t) => queue.extend(t.variants.iter().filter_map(|v| v.ty.clone())),
            TypeKind::Enum(_) | TypeKind::Newtype => {}
        }
        for r in refs {
            let mut t = r;
            while let TypeRef::List(inner) | TypeRef::Map(inner) = t {
                t = inner;
            }
            if let TypeRef::Named(n) = t {
                queue.push(n.clone());
            }
        }
    }
    api.types.iter().filter(|d| seen.contains(&d.name)).collect()
}

/// A type as the core's body check sees it.
fn schema_ty(t: &TypeRef) -> TokenStream {
    match t {
        TypeRef::String => quote! { Ty::Str },
        TypeRef::Integer => quote! { Ty::Int },
        TypeRef::Number => quote! { Ty::Num },
        TypeRef::Boolean => quote! { Ty::Bool },
        TypeRef::Date => quote! { Ty::Date },
        TypeRef::DateTime => quote! { Ty::DateTime },
        TypeRef::Json => quote! { Ty::Any },
        TypeRef::File => quote! { Ty::File },
        TypeRef::List(inner) => {
            let inner = schema_ty(inner);
            quote! { Ty::List(&#inner) }
        }
        TypeRef::Map(inner) => {
            let inner = schema_ty(inner);
            quote! { Ty::Map(&#inner) }
        }
        TypeRef::Named(n) => {
            let n = lit(n);
            quote! { Ty::Named(#n) }
        }
    }
}

/// `TYPES`: the shape of every type a body can hold.
fn schema_types(api: &Api) -> TokenStream {
    let entries = body_types(api).into_iter().map(|def| {
        let shape = match &def.kind {
            TypeKind::Object(fields) => {
                let fields = fields.iter().map(|f| {
                    let (wire, ty) = (lit(&f.wire), schema_ty(&f.ty));
                    let required = matches!(f.presence, Presence::Required | Presence::Nullable);
                    let nullable = matches!(f.presence, Presence::Nullable | Presence::OptionalNullable);
                    let flatten = f.flatten;
                    quote! { Field { wire: #wire, ty: #ty, required: #required, nullable: #nullable, flatten: #flatten } }
                });
                quote! { Shape::Object(&[#(#fields),*]) }
            }
            TypeKind::Enum(values) => {
                let values = values.iter().map(|v| lit(&v.wire));
                quote! { Shape::Enum(&[#(#values),*]) }
            }
            TypeKind::Union(members) => {
                let members = members.iter().map(|m| schema_ty(&m.ty));
                quote! { Shape::Union(&[#(#members),*]) }
            }
            TypeKind::Tagged(t) => {
                let tag = lit(&t.tag);
                let variants = t.variants.iter().map(|v| {
                    let value = lit(&v.tag_value);
                    match &v.ty {
                        Some(ty) => {
                            let ty = lit(ty);
                            quote! { (#value, Some(#ty)) }
                        }
                        None => quote! { (#value, None) },
                    }
                });
                quote! { Shape::Tagged { tag: #tag, variants: &[#(#variants),*] } }
            }
            TypeKind::OneOf(members) => {
                let members = members.iter().map(|m| {
                    let (wire, ty) = (lit(&m.wire), schema_ty(&m.ty));
                    quote! { (#wire, #ty) }
                });
                quote! { Shape::OneOf(&[#(#members),*]) }
            }
            TypeKind::Newtype => quote! { Shape::Text },
        };
        let name = lit(&def.name);
        quote! { (#name, #shape) }
    });
    quote! {
        /// The shape of every type a request body can hold, for the check before sending.
        pub(crate) static TYPES: Types = &[#(#entries),*];
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
    let tagged = match &def.kind {
        TypeKind::Tagged(tagged) => tagged,
        TypeKind::Object(_) | TypeKind::Enum(_) | TypeKind::Union(_) | TypeKind::OneOf(_) | TypeKind::Newtype => {
            return ("event_type".into(), Vec::new());
        }
    };
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
                TypeKind::Enum(_)
                | TypeKind::Union(_)
                | TypeKind::Tagged(_)
                | TypeKind::OneOf(_)
                | TypeKind::Newtype => None,
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

/// The payload `webhooks trigger callback` sends: the spec's example of the per-call status
/// callback (`CallbackPayload`), or a sample of its fields.
fn callback_example(api: &Api) -> Value {
    const CALLBACK: &str = "CallbackPayload";
    match api.type_def(CALLBACK) {
        Some(def) => def
            .examples
            .first()
            .cloned()
            .unwrap_or_else(|| sample_json(api, &TypeRef::Named(CALLBACK.into()), "callback")),
        None => Value::Null,
    }
}

/// `settings::Api`: what the core needs to know about the API.
fn api_facts(api: &Api) -> TokenStream {
    let key_env = lit(&api.auth_env);
    let auth_header = lit(&api.auth_header);
    let base_env = lit(&format!("{}_BASE_URL", crate::ident::snake(&api.name).to_ascii_uppercase()));
    let bases = api.base_urls.iter().map(|b| {
        let flag = if b.name == "default" { String::new() } else { format!("base-url-{}", kebab(&b.name)) };
        let (n, u, f) = (lit(&b.name), lit(&b.url), lit(&flag));
        quote! { (#n, #u, #f) }
    });
    let (limit, offset) = (lit(&api.pagination.limit), lit(&api.pagination.offset));
    let default_limit = proc_macro2::Literal::u32_unsuffixed(api.pagination.default_limit);
    let max_limit = proc_macro2::Literal::u32_unsuffixed(api.pagination.max_limit);
    quote! {
        /// What the core needs to know about the API.
        pub(crate) static API: Api = Api {
            key_env: #key_env,
            auth_header: #auth_header,
            base_env: #base_env,
            bases: &[#(#bases),*],
            page_params: (#limit, #offset),
            page_sizes: (#default_limit, #max_limit),
        };
    }
}

fn spec_rs(api: &Api) -> GeneratedFile {
    let krate = super::rust::krate(api);
    let mut imports = Imports::with_prefix(quote! { #krate::types });
    let mut resources = Vec::new();
    let mut arms = Vec::new();
    let mut fns = Vec::new();
    let mut routes = Vec::new();
    let mut route_names = Vec::new();
    for r in &api.resources {
        let commands: Vec<TokenStream> = r.endpoints.iter().map(|e| endpoint_command(api, r, e)).collect();
        let (name, about, long) = (
            lit(&kebab(&r.name)),
            lit(&docs::summary(&shell_doc(&api.name, &r.doc))),
            lit(&shell_doc(&api.name, &r.doc)),
        );
        resources.push(quote! {
            Command::new(#name).about(#about).long_about(#long).subcommand_required(true).subcommands([#(#commands),*])
        });
        for e in &r.endpoints {
            let (rl, el, f) = (lit(&kebab(&r.name)), lit(&kebab(&e.name)), fn_name(r, e));
            arms.push(quote! { (#rl, #el) => #f(cli, m).await, });
            fns.push(endpoint_fn(api, r, e, &mut imports));
            routes.push(route(api, r, e));
            let (op, route) = (lit(&format!("{}.{}", r.name, e.name)), route_name(r, e));
            route_names.push(quote! { (#op, &#route) });
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
    let facts = api_facts(api);
    let types = schema_types(api);
    let (tag, events) = webhook_events(api);
    let tag = lit(&tag);
    let events = events.iter().map(|(t, v)| {
        let (t, v) = (lit(t), raw_lit(&serde_json::to_string_pretty(v).expect("JSON values serialize")));
        quote! { (#t, #v) }
    });
    let callback = raw_lit(&serde_json::to_string_pretty(&callback_example(api)).expect("JSON values serialize"));
    let tokens = quote! {
        //! What the spec knows: one command per endpoint, grouped by resource, and the function
        //! that checks its arguments against the client's types and builds its request; the
        //! shapes of request bodies; the webhook examples.

        #btree
        use clap::{ArgMatches, Command};

        use crate::args::{self, BodyField, Input, Kind};
        use crate::ctx::{Call, Cli, Paging, Route};
        use crate::failure::Failure;
        use crate::output::Table;
        use crate::schema::{Field, Shape, Ty, Types};
        use crate::settings::Api;

        /// `ringg --version`: the crate version and the API version.
        pub(crate) const VERSION: &str = #version;

        /// One line about the binary.
        pub(crate) const ABOUT: &str = #about;

        #facts

        /// The field of a webhook payload that names its event.
        pub(crate) const WEBHOOK_TAG: &str = #tag;

        /// Each webhook event and the payload `webhooks trigger` sends for it.
        pub(crate) const WEBHOOK_EVENTS: &[(&str, &str)] = &[#(#events),*];

        /// The per-call status callback `webhooks trigger callback` sends.
        pub(crate) const CALLBACK_EXAMPLE: &str = #callback;

        #types

        /// One command per resource, with one subcommand per endpoint.
        pub(crate) fn resources() -> Vec<Command> {
            Vec::from([#(#resources),*])
        }

        /// Every endpoint's route, by `resource.endpoint`.
        pub(crate) static ROUTES: &[(&str, &Route)] = &[#(#route_names),*];

        /// Runs `ringg <resource> <endpoint>`.
        pub(crate) async fn run(cli: &Cli, resource: &str, endpoint: &str, m: &ArgMatches) -> Result<(), Failure> {
            match (resource, endpoint) {
                #(#arms)*
                _ => Err(Failure::usage(format!("unknown command `ringg {resource} {endpoint}`"))),
            }
        }

        #(#routes)*

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
        steps.push(quote! { args.push(support::fixture(&fixtures, #w)); });
    }
    let oplit = lit(&op);
    let variant = super::emulator::operation_variant(r, e);
    let operation = quote! { ringg_emulator::Operation::#variant };
    if let Some(b) = &e.body {
        let example = match b.encoding {
            Encoding::Json => e.examples.iter().find_map(|x| x.request.clone()),
            Encoding::Multipart => None,
        }
        .unwrap_or_else(|| sample_json(api, &TypeRef::Named(b.ty.clone()), "body"));
        let mut example = example;
        // The docs' examples sometimes carry other operations' fields; the CLI refuses
        // unknown keys, so the test sends only the body type's own.
        keep_known(api, &b.ty, &mut example);
        if b.encoding == Encoding::Multipart {
            if let (Value::Object(o), Some(fields)) = (&mut example, object_fields(api, &b.ty)) {
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
            let stdin = Some(fixtures.request(#operation, example).to_string());
            args.push("--body".to_string());
            args.push("-".to_string());
        });
    }
    let check = match &e.response {
        Response::Binary { .. } => quote! {
            let path = support::temp_path("download");
            args.push("--output-file".to_string());
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
    if destructive(e) {
        steps.push(quote! { args.push("--yes".to_string()); });
    }
    let fixtures = if uses_fixtures {
        quote! { fixtures }
    } else {
        quote! { _fixtures }
    };
    let mutable = if !steps.is_empty() || matches!(e.response, Response::Binary { .. }) {
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
            let problems = emulator.conformance_problems();
            assert!(problems.is_empty(), "responses that do not fit the spec: {problems:?}");
        }
    }
}

/// Drops the members of `value` that the object type `ty` (with its flattened members, and
/// the payload its tag selects) does not have.
fn keep_known(api: &Api, ty: &str, value: &mut Value) {
    let Value::Object(members) = value else { return };
    let mut known = Vec::new();
    known_keys(api, ty, members, &mut known);
    members.retain(|k, _| known.contains(k));
}

fn known_keys(api: &Api, ty: &str, members: &Map<String, Value>, known: &mut Vec<String>) {
    let Some(def) = api.type_def(ty) else { return };
    match &def.kind {
        TypeKind::Object(fields) => {
            for f in fields {
                match (f.flatten, f.ty.named()) {
                    (true, Some(inner)) => known_keys(api, inner, members, known),
                    (true, None) | (false, _) => known.push(f.wire.clone()),
                }
            }
        }
        TypeKind::Tagged(t) => {
            known.push(t.tag.clone());
            let chosen = members.get(&t.tag).and_then(Value::as_str);
            if let Some(payload) =
                t.variants.iter().find(|v| Some(v.tag_value.as_str()) == chosen).and_then(|v| v.ty.as_ref())
            {
                known_keys(api, payload, members, known);
            }
        }
        TypeKind::OneOf(options) => known.extend(options.iter().map(|o| o.wire.clone())),
        TypeKind::Enum(_) | TypeKind::Union(_) | TypeKind::Newtype => {}
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
    fn client_calls_in_docs_become_commands() {
        assert_eq!(shell_doc("ringg", "See `voices().list()` and `x`."), "See `ringg voices list` and `x`.");
        assert_eq!(
            shell_doc("ringg", "Read `calling().details()`, not `a()`."),
            "Read `ringg calling details`, not `a()`."
        );
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
