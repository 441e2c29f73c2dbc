//! `cargo xtask bench codegen`: generation time of the real spec and of synthetic specs 10x and
//! 100x its size, as medians of repeated runs in one process, and the cost per endpoint.
//!
//! Run it optimised, as users of the generator do: `cargo run --release -p xtask -- bench codegen`.
//! The machines here are shared and noisy, so the figures that matter are the ratios between
//! sizes measured in the same run, not absolute times.

use std::time::{Duration, Instant};

use generator::SourceFile;

/// Copies every resource file of the spec `factor` times, renaming types and resources so the
/// copies are independent. The copies keep their cross-references (to their own types, and to
/// the shared types of `api.yaml`), so the synthetic spec is valid and as rich as the real one.
pub fn scaled(files: &[SourceFile], factor: usize) -> Vec<SourceFile> {
    let api = generator::load(files).expect("the real spec is valid");
    let type_names: Vec<&str> = api.types.iter().filter(|t| t.module != "api").map(|t| t.name.as_str()).collect();
    let resource_names: Vec<&str> = api.resources.iter().map(|r| r.name.as_str()).collect();
    let mut out: Vec<SourceFile> = files.to_vec();
    for k in 1..factor {
        for f in files.iter().filter(|f| f.path != "spec/api.yaml") {
            let mut text = rename_words(&f.text, &type_names, &format!("X{k}"));
            text = rename_resources(&text, &resource_names, k);
            text = drop_singletons(&text);
            // Each copy has its own routes: two endpoints on one route are an error.
            text = text.replace("        path: /", &format!("        path: /x{k}/"));
            let stem = f.path.trim_start_matches("spec/").trim_end_matches(".yaml");
            out.push(SourceFile { path: format!("spec/{stem}_x{k}.yaml"), text });
        }
    }
    out
}

/// Appends `suffix` to every whole-word occurrence of a type name.
fn rename_words(text: &str, words: &[&str], suffix: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_alphabetic() && (i == 0 || !is_word(bytes[i - 1])) {
            let mut j = i;
            while j < bytes.len() && is_word(bytes[j]) {
                j += 1;
            }
            let word = &text[i..j];
            out.push_str(word);
            if words.contains(&word) {
                out.push_str(suffix);
            }
            i = j;
        } else {
            let ch = text[i..].chars().next().expect("in bounds");
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Renames resource keys (`  calling:` under `resources:`) and `calling.x` references.
fn rename_resources(text: &str, names: &[&str], k: usize) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut line = line.to_string();
        for name in names {
            if line == format!("  {name}:") {
                line = format!("  {name}_x{k}:");
            }
            let reference = format!("replacement: {name}.");
            if line.contains(&reference) {
                line = line.replace(&reference, &format!("replacement: {name}_x{k}."));
            }
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Removes the top-level `webhooks:` and `webcall:` blocks, which may appear only once.
fn drop_singletons(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut skipping = false;
    for line in text.lines() {
        if !line.starts_with(' ') && !line.is_empty() && !line.starts_with('#') {
            skipping = line.starts_with("webhooks:") || line.starts_with("webcall:");
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// Times `generate` on the real spec and on 10x and 100x copies; prints a table.
pub fn codegen(root: &std::path::Path) -> Result<(), String> {
    let real = crate::read_spec(root)?;
    println!("codegen bench: load + validate + emit + format, median of repeated runs in this process");
    if cfg!(debug_assertions) {
        println!("(debug build: run `cargo run --release -p xtask -- bench codegen` for real figures)");
    }
    println!("{:>6} {:>10} {:>10} {:>12} {:>14} {:>8}", "size", "endpoints", "types", "median", "per endpoint", "runs");
    let mut base_per_endpoint = None;
    for (factor, runs) in [(1usize, 21usize), (10, 7), (100, 3)] {
        let files = scaled(&real, factor);
        let api = generator::load(&files).map_err(|d| format!("synthetic spec x{factor} is invalid:\n{d}"))?;
        let endpoints = api.endpoint_count();
        let mut samples = Vec::with_capacity(runs);
        let mut bytes = 0;
        for _ in 0..runs {
            let start = Instant::now();
            let out = generator::generate(&files).map_err(|d| d.to_string())?;
            samples.push(start.elapsed());
            bytes = out.iter().map(|f| f.contents.len()).sum::<usize>();
        }
        let m = median(samples);
        let per = m.as_secs_f64() / endpoints as f64;
        let ratio = base_per_endpoint.map(|b: f64| per / b).unwrap_or(1.0);
        base_per_endpoint.get_or_insert(per);
        println!(
            "{:>5}x {:>10} {:>10} {:>10.1}ms {:>11.1}µs {:>8}   {:.2}x the per-endpoint cost at 1x, {} KiB out",
            factor,
            endpoints,
            api.types.len(),
            m.as_secs_f64() * 1e3,
            per * 1e6,
            runs,
            ratio,
            bytes / 1024
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scaled_spec_is_valid_and_proportional() {
        let real = crate::read_spec(&crate::repo_root().unwrap()).unwrap();
        let base = generator::load(&real).unwrap();
        let scaled = scaled(&real, 3);
        let api = generator::load(&scaled).unwrap_or_else(|d| panic!("{d}"));
        assert_eq!(api.endpoint_count(), 3 * base.endpoint_count());
        assert!(api.types.len() > 2 * base.types.len());
    }
}
