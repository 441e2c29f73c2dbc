//! Non-Rust files of the crate from minijinja templates: `Cargo.toml` and `README.md`.
//!
//! Templates hold no logic beyond loops: every value is computed here from the IR.

use minijinja::value::Serde;
use minijinja::{Environment, Value, context};
use serde::Serialize;

use super::{GeneratedFile, header_text};
use crate::ir::{Api, Endpoint, Resource, TypeRef};

const CARGO_TOML: &str = include_str!("../../templates/Cargo.toml.j2");
const README_MD: &str = include_str!("../../templates/README.md.j2");

/// Dependencies of the runtime (`generated/src/runtime/`), which every generated crate carries.
const DEPENDENCIES: &[&str] = RUNTIME_DEPENDENCIES;
const DEV_DEPENDENCIES: &[&str] = RUNTIME_DEV_DEPENDENCIES;

use super::runtime::{RUNTIME_DEPENDENCIES, RUNTIME_DEV_DEPENDENCIES, RUNTIME_FEATURES};

#[derive(Serialize)]
struct EndpointRow {
    method: &'static str,
    path: String,
    rust_method: String,
    deprecated: bool,
    places_calls: bool,
}

#[derive(Serialize)]
struct ResourceRows {
    name: String,
    endpoints: Vec<EndpointRow>,
}

/// Renders one template with precomputed values.
pub(crate) fn render(name: &str, template: &str, ctx: Value) -> String {
    let mut env = Environment::new();
    env.add_template(name, template).expect("templates are checked by the generator's tests");
    let out = env.get_template(name).and_then(|t| t.render(ctx)).expect("templates render from precomputed values");
    format!("{}\n", out.trim_end())
}

/// `generated/Cargo.toml` and `generated/README.md`.
pub(crate) fn templates(api: &Api) -> Vec<GeneratedFile> {
    let api_source = api.sources.iter().filter(|s| s.module == "api").collect::<Vec<_>>();
    let cargo = render(
        "Cargo.toml",
        CARGO_TOML,
        context! {
            header => header_text(&api_source),
            name => api.name.as_str(),
            version => api.version.as_str(),
            title => api.title.as_str(),
            api_version => api.api_version.as_str(),
            dependencies => Value::from(Serde(DEPENDENCIES)),
            dev_dependencies => Value::from(Serde(DEV_DEPENDENCIES)),
            features => Value::from(Serde(RUNTIME_FEATURES)),
        },
    );
    let resources: Vec<ResourceRows> = api
        .resources
        .iter()
        .map(|r| ResourceRows {
            name: r.name.clone(),
            endpoints: r
                .endpoints
                .iter()
                .map(|e| EndpointRow {
                    method: e.method.as_str(),
                    path: e.path.clone(),
                    rust_method: e.rust_method.clone(),
                    deprecated: e.deprecated.is_some(),
                    places_calls: e.places_calls,
                })
                .collect(),
        })
        .collect();
    let first = api.first_simple_endpoint().map(|(r, e)| format!("{}().{}", r.name, e.rust_method));
    // What the first call gives, so the README binds a typed value (`: ringg::types::Workspace`).
    let first_output = api.first_simple_endpoint().and_then(|(_, e)| match &e.response {
        crate::ir::Response::Json(crate::ir::TypeRef::Named(n)) => {
            api.type_def(n).map(|d| format!(": {}::types::{}", api.name, d.rust))
        }
        _ => None,
    });
    let summary = api.doc.trim().split("\n\n").next().unwrap_or("").to_string();
    let readme = render(
        "README.md",
        README_MD,
        context! {
            header => header_text(&api.sources.iter().collect::<Vec<_>>()),
            name => api.name.as_str(),
            title => api.title.as_str(),
            api_version => api.api_version.as_str(),
            summary => summary,
            env => api.auth_env.as_str(),
            first => first,
            timestamp_filter => timestamp_filter(api),
            blocking_example => blocking_example(api),
            first_output => first_output.unwrap_or_default(),
            endpoint_count => api.endpoint_count(),
            resources => Value::from(Serde(&resources)),
        },
    );
    vec![
        GeneratedFile { path: "generated/Cargo.toml".into(), contents: cargo },
        GeneratedFile { path: "generated/README.md".into(), contents: readme },
    ]
}

/// Paginated endpoints that need no input, in spec order.
fn lists(api: &Api) -> impl Iterator<Item = (&Resource, &Endpoint)> {
    api.resources.iter().flat_map(|r| r.endpoints.iter().map(move |e| (r, e))).filter(|(_, e)| {
        e.paging.is_some()
            && e.path_params.is_empty()
            && e.body.is_none()
            && e.query.iter().all(|q| q.optional)
            && e.deprecated.is_none()
    })
}

/// Lines filtering a list by a typed timestamp: the first list with a `datetime` query
/// parameter. `None` when the API has none.
fn timestamp_filter(api: &Api) -> Option<String> {
    let (r, e, q) =
        lists(api).find_map(|(r, e)| e.query.iter().find(|q| q.ty == TypeRef::DateTime).map(|q| (r, e, q)))?;
    Some(format!(
        "    let since = {name}::Timestamp::parse(\"2025-09-25T00:00:00+05:30\")?;\n    \
         let mut items = client.{res}().{m}().{setter}(since).stream();\n    \
         while let Some(item) = items.try_next().await? {{\n        println!(\"{{item:?}}\");\n    }}\n",
        name = api.name,
        res = r.name,
        m = e.rust_method,
        setter = q.rust,
    ))
}

/// A whole program using the blocking client: the first call, then the first list.
fn blocking_example(api: &Api) -> String {
    let name = &api.name;
    let mut out =
        format!("fn main() -> Result<(), {name}::Error> {{\n    let client = {name}::blocking::Client::from_env()?;\n");
    if let Some((r, e)) = api.first_simple_endpoint() {
        out.push_str(&format!(
            "    let response = client.{}().{}().send()?;\n    println!(\"{{response:?}}\");\n",
            r.name, e.rust_method
        ));
    }
    if let Some((r, e)) = lists(api).next() {
        out.push_str(&format!(
            "    for item in client.{}().{}().iter() {{\n        println!(\"{{:?}}\", item?);\n    }}\n",
            r.name, e.rust_method
        ));
    }
    out.push_str("    Ok(())\n}\n");
    out
}
