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

/// One recording line per response example of the spec (with the operation id, the base URL's
/// path and path parameters filled in), and one per example of the webhook event type.
pub fn drift_lines(api: &generator::ir::Api) -> Vec<String> {
    use generator::drift::Record;
    let mut lines = Vec::new();
    let headers = std::collections::BTreeMap::from([("content-type".to_string(), "application/json".to_string())]);
    for r in &api.resources {
        for e in &r.endpoints {
            let base = api.base_urls.iter().find(|b| b.name == e.base_url).map(|b| b.url.as_str()).unwrap_or("");
            let base_path =
                base.split_once("://").and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..])).unwrap_or("");
            let path: Vec<String> = e
                .path
                .split('/')
                .map(|s| if s.starts_with('{') { "3f2a9c".to_string() } else { s.to_string() })
                .collect();
            for x in e.examples.iter().filter_map(|x| x.response.clone()) {
                let record = Record {
                    operation: Some(format!("{}.{}", r.name, e.name)),
                    method: Some(e.method.as_str().to_string()),
                    path: Some(format!("{base_path}{}", path.join("/"))),
                    status: Some(200),
                    headers: Some(headers.clone()),
                    body: Some(x),
                    ..Record::default()
                };
                lines.push(serde_json::to_string(&record).expect("a record serialises"));
            }
        }
    }
    if let Some(def) = api.webhooks.as_ref().and_then(|w| api.type_def(&w.event)) {
        for x in &def.examples {
            let record =
                Record { kind: Some("webhook".into()), status: Some(200), body: Some(x.clone()), ..Record::default() };
            lines.push(serde_json::to_string(&record).expect("a record serialises"));
        }
    }
    lines
}

/// `cargo xtask bench drift`: writes 100 MB of recordings built from the spec's own examples to a
/// temporary file, then times `drift` over it in this process (median of three runs).
pub fn drift(root: &std::path::Path) -> Result<(), String> {
    use std::io::Write;
    const SIZE: usize = 100 * 1024 * 1024;
    let files = crate::read_spec(root)?;
    let api = generator::load(&files).map_err(|d| d.to_string())?;
    let lines = drift_lines(&api);
    if lines.is_empty() {
        return Err("the spec has no response examples to build recordings from".into());
    }
    let path = std::env::temp_dir().join(format!("ringg-drift-bench-{}.ndjson", std::process::id()));
    let mut written = 0usize;
    let mut records = 0usize;
    {
        let file = std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut out = std::io::BufWriter::new(file);
        'fill: loop {
            for line in &lines {
                out.write_all(line.as_bytes()).and_then(|()| out.write_all(b"\n")).map_err(|e| e.to_string())?;
                written += line.len() + 1;
                records += 1;
                if written >= SIZE {
                    break 'fill;
                }
            }
        }
        out.flush().map_err(|e| e.to_string())?;
    }
    println!("drift bench: {records} records ({} distinct), {:.1} MB of NDJSON", lines.len(), written as f64 / 1e6);
    if cfg!(debug_assertions) {
        println!("(debug build: run `cargo run --release -p xtask -- bench drift` for real figures)");
    }
    let mut samples = Vec::new();
    let mut cpu_samples = Vec::new();
    let mut result = Ok(());
    for _ in 0..3 {
        let start = Instant::now();
        let cpu_start = thread_cpu();
        match crate::drift::check(&api, std::slice::from_ref(&path)) {
            Ok(report) => {
                samples.push(start.elapsed());
                if let (Some(a), Some(b)) = (cpu_start, thread_cpu()) {
                    cpu_samples.push(b.saturating_sub(a));
                }
                if report.checked == 0 {
                    result = Err("drift checked no body".to_string());
                }
            }
            Err(e) => result = Err(e),
        }
    }
    let _ = std::fs::remove_file(&path);
    result?;
    let runs = samples.len();
    let m = median(samples);
    println!(
        "drift over {:.1} MB: median {:.2} s wall, {:.0} MB/s (target: 100 MB in at most 5 s)",
        written as f64 / 1e6,
        m.as_secs_f64(),
        written as f64 / 1e6 / m.as_secs_f64()
    );
    if cpu_samples.len() == runs {
        // On a shared machine the wall time includes waiting for a core; this thread's own CPU
        // time does not.
        let c = median(cpu_samples);
        println!(
            "  this thread's CPU time: median {:.2} s, {:.0} MB/s",
            c.as_secs_f64(),
            written as f64 / 1e6 / c.as_secs_f64()
        );
    }
    Ok(())
}

/// CPU time of the calling thread so far (Linux: `/proc/thread-self/schedstat`).
fn thread_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok().map(Duration::from_nanos)
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

    #[test]
    fn recordings_from_the_spec_examples_show_no_drift() {
        let real = crate::read_spec(&crate::repo_root().unwrap()).unwrap();
        let api = generator::load(&real).unwrap();
        let lines = drift_lines(&api);
        assert!(lines.len() > 10, "{} lines", lines.len());
        let mut d = generator::drift::Drift::new(&api);
        generator::drift::read_ndjson(lines.join("\n").as_bytes(), &mut d).unwrap();
        let report = d.finish();
        assert_eq!(report.checked as usize, lines.len());
        assert!(!report.has_drift(), "{}", crate::drift::text(&report));
    }
}
