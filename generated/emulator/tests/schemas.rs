//! The schemas the emulator validates with are exactly those of `generated/openapi.yaml`
//! (without prose), so the response checks of the endpoint tests are checks against it.

use serde_json::Value;

/// Drops what documents rather than constrains, as the generator does for the emulator.
fn strip(v: &Value) -> Value {
    const PROSE: &[&str] =
        &["description", "example", "examples", "x-examples", "x-enumDescriptions", "title", "summary", "default"];
    match v {
        Value::Object(m) => Value::Object(
            m.iter().filter(|(k, _)| !PROSE.contains(&k.as_str())).map(|(k, v)| (k.clone(), strip(v))).collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip).collect()),
        other => other.clone(),
    }
}

#[test]
fn the_validation_schemas_are_the_openapi_schemas() {
    // Read at run time, so a target folder shared between checkouts stays correct.
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR for tests");
    let path = std::path::Path::new(&dir).join("../openapi.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let openapi: Value = serde_saphyr::from_str(&text).expect("openapi.yaml is YAML");
    let document: Value = serde_json::from_str(ringg_emulator::Emulator::validation_document()).unwrap();
    let expected = strip(&openapi["components"]["schemas"]);
    assert!(expected.as_object().is_some_and(|m| m.len() > 50), "openapi.yaml has the schemas");
    assert_eq!(document["schemas"], expected);
    for (path, item) in openapi["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap();
            let ours = document["operations"].as_object().unwrap().iter().find(|(k, _)| k.replace('.', "_") == id);
            let (_, ours) = ours.unwrap_or_else(|| panic!("{method} {path} has no operation in the emulator"));
            let response = &op["responses"]["200"]["content"]["application/json"]["schema"];
            assert_eq!(ours.get("response").unwrap_or(&Value::Null), &strip(response), "{id}");
        }
    }
}
