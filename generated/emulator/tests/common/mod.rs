//! What the emulator's tests share: raw HTTP, for what the typed client cannot send or drops.

use ringg_emulator::Emulator;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends one HTTP/1.1 request and returns the status and the JSON body.
#[allow(dead_code, reason = "not every test file sends raw requests")]
pub async fn raw(
    emulator: &Emulator,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> (u16, Value) {
    let mut s = tokio::net::TcpStream::connect(emulator.addr()).await.unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(body).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8_lossy(&out).to_string();
    let status = text.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body =
        text.split_once("\r\n\r\n").map(|(_, b)| serde_json::from_str(b).unwrap_or(Value::Null)).unwrap_or(Value::Null);
    (status, body)
}

/// Runs the `ringg-emulator` binary with `args` and returns it with its banner and the address
/// the banner gives (empty when it gives none). Reads at most 16 lines of the banner.
#[allow(dead_code, reason = "not every test file runs the binary")]
pub async fn binary(args: &[&str]) -> (std::process::Child, String, String) {
    use std::io::BufRead as _;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ringg-emulator"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let printed = tokio::task::spawn_blocking(move || {
        let mut lines = std::io::BufReader::new(stdout);
        let mut printed = String::new();
        for _ in 0..16 {
            let mut line = String::new();
            if lines.read_line(&mut line).unwrap_or(0) == 0 || line.starts_with("Press Ctrl-C") {
                break;
            }
            printed.push_str(&line);
        }
        printed
    })
    .await
    .unwrap();
    let address = printed
        .split_whitespace()
        .find_map(|w| w.strip_prefix("http://").filter(|a| !a.contains('/')))
        .map(str::to_string)
        .unwrap_or_default();
    (child, printed, address)
}
