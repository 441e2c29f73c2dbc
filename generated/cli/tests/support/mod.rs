//! Running the real `ringg` binary as a process against an emulator on 127.0.0.1, with a
//! bounded wait, and checking every output for the API key.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ringg_emulator::{Emulator, Fixtures};

/// The key the emulator accepts; no output of the binary may contain it.
pub const KEY: &str = "sk-cli-test-3f9a1c7e5b2d4680";

/// Longest a single run of the binary may take before it is killed and the test fails.
const RUN_LIMIT: Duration = Duration::from_secs(60);

/// An emulator on a free loopback port that checks its own responses, and its fixtures.
pub async fn start() -> (Emulator, Fixtures) {
    let emulator = Emulator::builder().api_key(KEY).check_responses(true).start().await.expect("the emulator starts");
    let fixtures = emulator.fixtures().await;
    (emulator, fixtures)
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Output {
    /// The exit code; `None` when a signal ended it.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// Fails the test, showing both streams, unless the run succeeded.
    pub fn assert_success(&self) {
        self.assert_code(0);
    }

    /// Fails the test unless the run exited with `code`.
    pub fn assert_code(&self, code: i32) {
        assert_eq!(self.code, Some(code), "unexpected exit code:\nstdout: {}\nstderr: {}", self.stdout, self.stderr);
    }
}

/// A fresh path in cargo's scratch folder for integration tests (below the target folder, so
/// `cargo clean` removes it).
pub fn temp_path(name: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("ringg-cli-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("the temporary folder is writable");
    dir.join(format!("{n}-{name}")).to_string_lossy().into_owned()
}

/// The fixture for an input name; an input the fixtures do not know gets a placeholder, which
/// an operation served from the spec accepts.
#[allow(dead_code, reason = "not every test file uses it")]
pub fn fixture(fixtures: &Fixtures, name: &str) -> String {
    fixtures.id_for(name).unwrap_or_else(|| format!("fixture-{name}"))
}

/// A file fitting an upload field of an operation, written to the temporary folder: a CSV of
/// one contact for campaigns, a short WAV for speech-to-text, a text file otherwise.
#[allow(dead_code, reason = "not every test file uses it")]
pub fn upload_file(operation: &str, field: &str) -> String {
    let (bytes, name): (Vec<u8>, &str) = if operation.starts_with("campaigns.") {
        (b"callee_name,mobile_number\nAda,+919876543210\n".to_vec(), "contacts.csv")
    } else if operation.starts_with("speech.") {
        let mut wav = b"RIFF\x24\x00\x00\x00WAVEfmt ".to_vec();
        wav.extend_from_slice(&[0; 32]);
        (wav, "hello.wav")
    } else {
        (b"Q: Opening hours? A: 9 to 5.".to_vec(), "faq.txt")
    };
    let path = temp_path(&format!("{field}-{name}"));
    std::fs::write(&path, bytes).expect("the temporary file is writable");
    path
}

/// The binary built for these tests.
pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_ringg"))
}

/// Runs `ringg --base-url <emulator> ARGS` with the key in `RINGG_API_KEY`.
pub async fn run(emulator: &Emulator, args: &[String], stdin: Option<&str>) -> Output {
    let mut all = vec![
        "--base-url".to_string(),
        emulator.base_url(),
        "--timeout".into(),
        "20".into(),
        "--retries".into(),
        "0".into(),
    ];
    all.extend(args.iter().cloned());
    run_with(&all, &[("RINGG_API_KEY", KEY)], stdin).await
}

/// Runs the binary with exactly these arguments and environment additions.
pub async fn run_with(args: &[String], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let args = args.to_vec();
    let env: Vec<(String, String)> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let stdin = stdin.map(str::to_string);
    tokio::task::spawn_blocking(move || run_blocking(&args, &env, stdin.as_deref())).await.expect("the run finishes")
}

fn run_blocking(args: &[String], env: &[(String, String)], stdin: Option<&str>) -> Output {
    // Output goes to files, so a large response never blocks the child on a full pipe.
    let (out_path, err_path) = (temp_path("stdout"), temp_path("stderr"));
    let mut command = Command::new(binary());
    command
        .args(args)
        .env_remove("RINGG_API_KEY")
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(std::fs::File::create(&out_path).expect("stdout file"))
        .stderr(std::fs::File::create(&err_path).expect("stderr file"));
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().expect("the ringg binary starts");
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        pipe.write_all(text.as_bytes()).expect("stdin accepts the body");
    }
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("the child can be waited on") {
            break status;
        }
        if started.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            panic!("ringg {args:?} did not finish within {RUN_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let read = |p: &str| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned();
    let output = Output { code: status.code(), stdout: read(&out_path), stderr: read(&err_path) };
    assert!(!output.stdout.contains(KEY) && !output.stderr.contains(KEY), "the key was printed by ringg {args:?}");
    output
}

/// A loopback server answering up to 16 requests with `status` and `body`; the requests it
/// saw (head and body, as text) are collected for the test to read.
#[allow(dead_code, reason = "not every test file uses it")]
pub fn serve(status: u16, body: &'static str) -> (std::net::SocketAddr, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::Read as _;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(16) {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut request = Vec::new();
            let mut buf = [0u8; 8192];
            // Head, then as much body as content-length says (bounded by the buffer reads).
            while let Ok(n) = stream.read(&mut buf) {
                if n == 0 {
                    break;
                }
                request.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&request).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let length = text[..end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if request.len() >= end + 4 + length || request.len() > 1 << 20 {
                        break;
                    }
                }
            }
            log.lock().unwrap().push(String::from_utf8_lossy(&request).into_owned());
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (addr, seen)
}
