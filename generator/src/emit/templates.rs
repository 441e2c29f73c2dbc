//! Non-Rust files of the crate from minijinja templates: `Cargo.toml` and `README.md`.
//!
//! Templates hold no logic beyond loops: every value is computed here from the IR.

use minijinja::value::Serde;
use minijinja::{Environment, Value, context};
use serde::Serialize;

use super::{GeneratedFile, header_text};
use crate::ir::Api;

const CARGO_TOML: &str = include_str!("../../templates/Cargo.toml.j2");
const README_MD: &str = include_str!("../../templates/README.md.j2");

/// Dependencies of the runtime (`generator/runtime/`), which every generated crate carries.
const DEPENDENCIES: &[&str] = RUNTIME_DEPENDENCIES;
const DEV_DEPENDENCIES: &[&str] = RUNTIME_DEV_DEPENDENCIES;

use super::runtime::{RUNTIME_DEPENDENCIES, RUNTIME_DEV_DEPENDENCIES};

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
    let out = env
        .get_template(name)
        .and_then(|t| t.render(ctx))
        .expect("templates render from precomputed values");
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
            endpoint_count => api.endpoint_count(),
            resources => Value::from(Serde(&resources)),
        },
    );
    vec![
        GeneratedFile { path: "generated/Cargo.toml".into(), contents: cargo },
        GeneratedFile { path: "generated/README.md".into(), contents: readme },
    ]
}
