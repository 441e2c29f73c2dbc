//! Golden tests: the generated crate for one tiny spec per construct, pinned byte for byte.
//!
//! Each `golden/<case>/spec/*.yaml` is loaded as `spec/<name>.yaml` and generated. Every output
//! under `generated/` (everything but `spec/schema.json`, which does not depend on the spec)
//! must equal the file of the same path
//! under `golden/<case>/expected/` (with the `generated/` prefix dropped); a missing or an extra
//! expected file fails too. Run with `UPDATE_EXPECT=1` to rewrite every `expected/` folder after
//! an intended change (stale files are removed), then review the diff.

mod common;

use common::manifest_dir;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use generator::SourceFile;

fn golden_dir() -> PathBuf {
    manifest_dir().join("tests/golden")
}

/// The case's spec files, as `spec/<name>.yaml`, in name order.
fn spec_files(case: &str) -> Vec<SourceFile> {
    generator::files::read_spec_dir(&golden_dir().join(case).join("spec")).unwrap_or_else(|e| panic!("{e}"))
}

/// The outputs that depend on the spec, keyed by their path below `generated/`.
fn kept_outputs(case: &str) -> BTreeMap<String, String> {
    let generated =
        generator::generate(&spec_files(case)).unwrap_or_else(|d| panic!("golden case {case} does not load:\n{d}"));
    generated
        .into_iter()
        .filter(|f| f.path != "spec/schema.json")
        .map(|f| {
            let rel = f.path.strip_prefix("generated/").unwrap_or_else(|| panic!("unexpected output path {}", f.path));
            (rel.to_string(), f.contents)
        })
        .collect()
}

/// Every file below `dir`, keyed by its `/`-separated path relative to `dir`.
fn read_tree(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).expect("below root");
                let rel: Vec<_> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
                let text =
                    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
                out.insert(rel.join("/"), text);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// A short line diff of the first change: the lines from the first difference to where the two
/// texts agree again (three equal lines), with a little context, capped so it stays readable.
fn line_diff(expected: &str, actual: &str) -> String {
    const CONTEXT: usize = 2;
    const SYNC: usize = 3;
    const SEARCH: usize = 400;
    const MAX: usize = 12;
    let old: Vec<&str> = expected.lines().collect();
    let new: Vec<&str> = actual.lines().collect();
    let head = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let (old_rest, new_rest) = (&old[head..], &new[head..]);
    // The nearest point after the first difference where both texts continue alike.
    let agree = |i: usize, j: usize| {
        let n = SYNC.min(old_rest.len() - i).min(new_rest.len() - j);
        (n > 0 || (i == old_rest.len() && j == new_rest.len())) && old_rest[i..i + n] == new_rest[j..j + n]
    };
    let (old_skip, new_skip) = (1..=SEARCH.min(old_rest.len() + new_rest.len()))
        .flat_map(|d| (0..=d).map(move |i| (i, d - i)))
        .find(|&(i, j)| i <= old_rest.len() && j <= new_rest.len() && agree(i, j))
        .unwrap_or((old_rest.len(), new_rest.len()));
    let start = head.saturating_sub(CONTEXT);
    let mut out = format!("@@ -{} +{} @@\n", start + 1, start + 1);
    for line in &old[start..head] {
        out.push_str(&format!("  {line}\n"));
    }
    let mut section = |sign: char, lines: &[&str]| {
        for line in lines.iter().take(MAX) {
            out.push_str(&format!("{sign} {line}\n"));
        }
        if lines.len() > MAX {
            out.push_str(&format!("{sign} ... {} more lines\n", lines.len() - MAX));
        }
    };
    section('-', &old_rest[..old_skip]);
    section('+', &new_rest[..new_skip]);
    for line in old_rest[old_skip..].iter().take(CONTEXT) {
        out.push_str(&format!("  {line}\n"));
    }
    if old_skip == 0 && new_skip == 0 {
        out.push_str("(only line endings or the trailing newline differ)\n");
    } else if old_rest[old_skip..] != new_rest[new_skip..] {
        out.push_str("(more differences further down)\n");
    }
    out
}

fn check(case: &str) {
    let actual = kept_outputs(case);
    let expected_dir = golden_dir().join(case).join("expected");
    if common::updating() {
        if expected_dir.exists() {
            std::fs::remove_dir_all(&expected_dir).expect("stale expectations are removable");
        }
        for (rel, contents) in &actual {
            let path = expected_dir.join(rel);
            std::fs::create_dir_all(path.parent().expect("has a parent")).expect("expected/ is writable");
            std::fs::write(&path, contents).expect("expectation is writable");
        }
        return;
    }
    let expected = read_tree(&expected_dir);
    assert!(!expected.is_empty(), "missing {}; run with UPDATE_EXPECT=1", expected_dir.display());
    let mut problems = Vec::new();
    for (rel, text) in &actual {
        match expected.get(rel) {
            None => problems.push(format!("expected/{rel}: missing (the generator emits it)")),
            Some(want) if want != text => problems.push(format!("expected/{rel}: differs\n{}", line_diff(want, text))),
            Some(_) => {}
        }
    }
    for rel in expected.keys().filter(|rel| !actual.contains_key(*rel)) {
        problems.push(format!("expected/{rel}: extra (the generator no longer emits it)"));
    }
    assert!(
        problems.is_empty(),
        "golden case {case} changed; run with UPDATE_EXPECT=1 if intended, then review the diff\n\n{}",
        problems.join("\n")
    );
}

macro_rules! cases {
    ($($name:ident),* $(,)?) => {
        $( #[test] fn $name() { check(stringify!($name)); } )*
    };
}

cases!(
    object_fields,
    open_enum,
    untagged_union,
    tagged_closed_flatten,
    webhook_event,
    collections,
    keywords,
    json_body,
    multipart_body,
    binary_response,
    empty_response,
    path_query_params,
    paginated_total_union,
    paginated_nested_items,
    paginated_custom_names,
    deprecated_endpoint,
    second_base_url,
    retry_classes,
    endpoint_errors,
    webcall_options,
    examples,
    doc_reflow,
    everything,
    typed_ids_one_of,
);

fn case_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(golden_dir())
        .expect("tests/golden is readable")
        .map(|e| e.expect("golden entry").path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().expect("has a name").to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn no_case_is_left_untested() {
    let this = std::fs::read_to_string(manifest_dir().join("tests/golden.rs")).unwrap();
    for case in case_names() {
        assert!(this.contains(&format!("    {case},")), "golden case {case} has no test");
    }
}

/// The golden Rust at least parses: a quick check for `cargo test`; `cargo xtask golden-crates`
/// (run by `.ci/run`) builds each case's whole crate and runs its tests. While `UPDATE_EXPECT` rewrites the
/// expected folders in parallel, the fresh output is parsed instead of the files.
#[test]
fn expected_rust_parses() {
    let mut checked = 0;
    for case in case_names() {
        let files = if common::updating() {
            kept_outputs(&case)
        } else {
            read_tree(&golden_dir().join(&case).join("expected"))
        };
        for (rel, text) in files {
            if rel.ends_with(".rs") {
                if let Err(e) = syn::parse_file(&text) {
                    panic!("golden/{case}/expected/{rel} does not parse as Rust: {e}");
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 0, "no expected Rust files found");
}

/// Every endpoint's docs name and link what `.await` gives, and for lists the item type of
/// `.stream()`, in every golden case (together they hold every kind of response).
#[test]
fn endpoint_docs_name_the_output_and_the_item_type() {
    use generator::ir::{Response, TypeRef};
    let mut checked = 0;
    for case in case_names() {
        let files = spec_files(&case);
        let api = generator::load(&files).unwrap_or_else(|d| panic!("{case}: {d}"));
        let outputs = kept_outputs(&case);
        for r in &api.resources {
            // Doc comments joined into one line, so wrapping does not matter.
            let text: String = outputs[&format!("src/{}.rs", r.name)]
                .lines()
                .map(|l| l.trim_start().trim_start_matches("///").trim())
                .collect::<Vec<_>>()
                .join(" ");
            let link = |t: &TypeRef| match t {
                TypeRef::Named(n) => {
                    let rust = &api.type_def(n).expect("named").rust;
                    format!("[`{rust}`](crate::types::{rust})")
                }
                // Other types are spelled in Rust (`String`, `Vec<...>`).
                _ => String::new(),
            };
            for e in &r.endpoints {
                if let Response::Json(t @ TypeRef::Named(_)) = &e.response {
                    let want = format!("`.await` (or `.send()`) gives {}", link(t));
                    assert!(text.contains(&want), "{case}: {}.{} docs lack `{want}`", r.name, e.name);
                    checked += 1;
                }
                if let Some(p) = &e.paging {
                    let want = format!("yields every {}", link(&p.item));
                    assert!(text.contains(&want), "{case}: {}.{} docs lack `{want}`", r.name, e.name);
                }
            }
        }
    }
    assert!(checked > 10, "only {checked} endpoints checked");
}
