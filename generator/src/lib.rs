//! The Ringg SDK generator: spec text in, the files of the `ringg` crate out.
//!
//! The pipeline is `load` (YAML to raw structs, lowered to the IR and validated) then `emit`
//! (IR to files in memory). The core does no I/O: `generate` takes the spec files and returns
//! the generated files; the xtask decides what to write.

pub mod diag;
pub mod diff;
pub mod drift;
pub mod ident;
pub mod ir;
pub mod load;
mod par;
pub mod probe;
pub mod raw;

pub use diag::{Diagnostic, Diagnostics};
pub use load::{SourceFile, load, load_for_comparison};
pub mod emit;
pub mod files;

pub use emit::GeneratedFile;

/// Loads the spec and emits every generated file. Writes nothing.
///
/// `spec` holds the spec files (`spec/<name>.yaml`, see [`files::read_inputs`]). The output is
/// only what the spec shapes; the hand-written files beside it in the generated crates (the
/// runtime, the emulator's and the command line's cores) are not the generator's.
pub fn generate(spec: &[SourceFile]) -> Result<Vec<GeneratedFile>, Diagnostics> {
    let api = load(spec)?;
    Ok(emit::emit(&api))
}

/// What is valid but worth fixing, one line each: webhook events without an example (the
/// command line's `webhooks trigger` then sends a payload built from the types alone).
pub fn warnings(api: &ir::Api) -> Vec<String> {
    let Some(w) = &api.webhooks else { return Vec::new() };
    let Some(def) = api.type_def(&w.event) else { return Vec::new() };
    let ir::TypeKind::Tagged(tagged) = &def.kind else { return Vec::new() };
    let shown: Vec<&str> = def.examples.iter().filter_map(|x| x.get(&tagged.tag)?.as_str()).collect();
    tagged
        .variants
        .iter()
        .filter(|v| !shown.contains(&v.tag_value.as_str()))
        .map(|v| {
            format!(
                "warning: webhook event `{}` has no example in `{}`'s examples: `ringg webhooks trigger {}` sends a payload built from its types alone",
                v.tag_value, def.name, v.tag_value
            )
        })
        .collect()
}

/// One line describing what the spec holds, for `cargo xtask validate`.
pub fn summary(api: &ir::Api) -> String {
    let enums = api.types.iter().filter(|t| matches!(t.kind, ir::TypeKind::Enum(_))).count();
    let events = api
        .webhooks
        .as_ref()
        .and_then(|w| api.type_def(&w.event))
        .map(|t| match &t.kind {
            ir::TypeKind::Tagged(tagged) => tagged.variants.len(),
            _ => 0,
        })
        .unwrap_or(0);
    let examples: usize = api.types.iter().map(|t| t.examples.len()).sum::<usize>()
        + api
            .resources
            .iter()
            .flat_map(|r| &r.endpoints)
            .flat_map(|e| &e.examples)
            .map(|x| usize::from(x.request.is_some()) + usize::from(x.response.is_some()))
            .sum::<usize>();
    format!(
        "spec OK: {} resources, {} endpoints, {} types ({} enums), {} webhook events, {} examples, {} files",
        api.resources.len(),
        api.endpoint_count(),
        api.types.len(),
        enums,
        events,
        examples,
        api.sources.len()
    )
}
