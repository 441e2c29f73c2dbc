//! The loader never panics: a few hundred malformed inputs derived from the real spec.
//!
//! Truncated files, random byte flips, deep nesting and huge strings must each end in `Ok` or
//! in diagnostics, never in a panic. The inputs come from a fixed-seed generator, so a failure
//! reproduces.

mod common;

use common::manifest_dir;

use std::panic::{AssertUnwindSafe, catch_unwind};

use generator::SourceFile;

/// xorshift64*: deterministic and dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn real_spec() -> Vec<SourceFile> {
    generator::files::read_spec_dir(&manifest_dir().join("../spec")).expect("spec/ is readable")
}

fn must_not_panic(label: &str, files: &[SourceFile]) {
    let result = catch_unwind(AssertUnwindSafe(|| {
        let _ = generator::load(files);
    }));
    assert!(result.is_ok(), "the loader panicked on {label}");
}

fn with_replaced(files: &[SourceFile], index: usize, text: String) -> Vec<SourceFile> {
    let mut out = files.to_vec();
    out[index].text = text;
    out
}

#[test]
fn truncated_files() {
    let files = real_spec();
    let mut rng = Rng(0x5eed_0001);
    for round in 0..120 {
        let i = rng.below(files.len());
        let text = &files[i].text;
        let mut cut = rng.below(text.len());
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        must_not_panic(
            &format!("round {round}: {} cut at byte {cut}", files[i].path),
            &with_replaced(&files, i, text[..cut].to_string()),
        );
    }
}

#[test]
fn byte_flips() {
    let files = real_spec();
    let mut rng = Rng(0x5eed_0002);
    const NOISE: &[u8] = b" \t\n:-{}[],&*!|>'\"%@`#?0aZ\\";
    for round in 0..200 {
        let i = rng.below(files.len());
        let mut bytes = files[i].text.clone().into_bytes();
        for _ in 0..1 + rng.below(8) {
            let at = rng.below(bytes.len());
            if bytes[at].is_ascii() {
                bytes[at] = NOISE[rng.below(NOISE.len())];
            }
        }
        let text = String::from_utf8(bytes).expect("only ASCII bytes were replaced by ASCII");
        must_not_panic(&format!("round {round}: flips in {}", files[i].path), &with_replaced(&files, i, text));
    }
}

#[test]
fn deep_nesting() {
    let files = real_spec();
    for depth in [64, 1_000, 20_000] {
        let flow = format!("types:\n  Deep:\n    doc: x\n    examples: [{}{}]\n", "[".repeat(depth), "]".repeat(depth));
        let block = format!(
            "types:\n  Deep:\n    doc: x\n    examples:\n{}",
            (0..depth.min(2_000)).map(|d| format!("{}- \n", "  ".repeat(d + 3))).collect::<String>()
        );
        let mut a = files.clone();
        a.push(SourceFile { path: "spec/zz_deep.yaml".into(), text: flow });
        must_not_panic(&format!("flow nesting {depth}"), &a);
        let mut b = files.clone();
        b.push(SourceFile { path: "spec/zz_deep.yaml".into(), text: block });
        must_not_panic(&format!("block nesting {depth}"), &b);
    }
}

#[test]
fn huge_strings() {
    let files = real_spec();
    let big = "x".repeat(1 << 20);
    let cases = [
        format!("types:\n  Big:\n    doc: \"{big}\"\n    fields: {{}}\n"),
        format!("types:\n  {big}:\n    doc: x\n    fields: {{}}\n"),
        format!("types:\n  Big:\n    doc: x\n    fields:\n      a: {{ type: {big}, doc: y }}\n"),
        big.clone(),
        "\u{0}\u{1}\u{7f}".repeat(1000),
    ];
    for (i, text) in cases.into_iter().enumerate() {
        let mut f = files.clone();
        f.push(SourceFile { path: "spec/zz_big.yaml".into(), text });
        must_not_panic(&format!("huge string case {i}"), &f);
    }
}

#[test]
fn hostile_documents() {
    let files = real_spec();
    let cases = [
        "a: &a [*a]\n",
        "x: &x\n  <<: *x\n",
        "--- a\n--- b\n",
        "!!binary AAAA\n",
        "types: 3\n",
        "types:\n  T:\n    doc: x\n    fields:\n      f: { type: list<list<list<list<list<list<list<list<T>>>>>>>>, doc: y }\n",
        "resources:\n  r:\n    doc: x\n    endpoints:\n      e: { doc: y, method: GET, path: \"/{a}/{a}/{\" }\n",
        "\u{feff}api: null\n",
        "types:\n  T:\n    doc: x\n    tag: t\n    variants: { a: { type: T, doc: self } }\n",
    ];
    for (i, text) in cases.iter().enumerate() {
        let mut f = files.clone();
        f.push(SourceFile { path: "spec/zz_hostile.yaml".into(), text: (*text).into() });
        must_not_panic(&format!("hostile case {i}"), &f);
    }
}
