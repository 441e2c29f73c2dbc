//! The JSON Schema of the spec format, from the raw spec structs, for editors' completion.

use super::{GeneratedFile, header_from};
use crate::raw::RawFile;

/// `spec/schema.json`.
pub(crate) fn schema() -> GeneratedFile {
    let mut schema = schemars::schema_for!(RawFile);
    schema.insert(
        "$comment".into(),
        header_from("generator/src/raw.rs").into(),
    );
    let mut contents = serde_json::to_string_pretty(&schema).expect("a schema always serializes");
    contents.push('\n');
    GeneratedFile { path: "spec/schema.json".into(), contents }
}
