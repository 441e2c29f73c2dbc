//! What the generated crate's manifest needs for its hand-written runtime
//! (`generated/src/runtime/`, which the generator does not write): its dependencies and features.

/// `[dependencies]` lines of the generated crate: what the runtime and generated code use.
pub(crate) const RUNTIME_DEPENDENCIES: &[&str] = &[
    r#"bytes = "1""#,
    // Optional: conversions of `Timestamp` and `Date`, each behind the feature of its name.
    r#"chrono = { version = "0.4.38", optional = true, default-features = false, features = ["std"] }"#,
    r#"futures-core = "0.3""#,
    r#"httpdate = "1""#,
    r#"jiff = { version = "0.2", optional = true, default-features = false, features = ["std"] }"#,
    r#"percent-encoding = "2""#,
    // TLS is rustls with the `ring` provider, handed to reqwest preconfigured: reqwest's default
    // provider (aws-lc-rs) is a C build that roughly doubles a clean build of the crate.
    r#"reqwest = { version = "0.13", default-features = false, features = ["multipart", "stream", "rustls-no-provider", "system-proxy"] }"#,
    r#"rustls = { version = "0.23", default-features = false, features = ["ring", "std", "tls12"] }"#,
    // The same major as reqwest's, so it is built once.
    r#"rustls-platform-verifier = "0.7""#,
    r#"serde = { version = "1", features = ["derive"] }"#,
    r#"serde_json = "1""#,
    r#"time = { version = "0.3", optional = true, default-features = false, features = ["std"] }"#,
    r#"tokio = { version = "1", features = ["fs", "io-util", "time"] }"#,
    r#"tracing = { version = "0.1", default-features = false, features = ["std"] }"#,
];

/// `[features]` lines of the generated crate. None is on by default, so the default
/// dependency tree stays as small as it is.
pub(crate) const RUNTIME_FEATURES: &[&str] = &[
    // The blocking client runs the async one on a runtime thread of its own.
    r#"blocking = ["tokio/rt", "tokio/sync"]"#,
    r#"chrono = ["dep:chrono"]"#,
    r#"jiff = ["dep:jiff"]"#,
    r#"time = ["dep:time"]"#,
];

/// `[dev-dependencies]` lines of the generated crate: what the runtime's tests use.
pub(crate) const RUNTIME_DEV_DEPENDENCIES: &[&str] =
    &[r#"tokio = { version = "1", features = ["macros", "rt-multi-thread", "net", "time"] }"#];
