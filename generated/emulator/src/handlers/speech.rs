//! `speech.transcribe`: a transcript derived from the uploaded audio's bytes.

use serde_json::{Value, json};

use crate::reply::{ApiError, Out, Reply, Req};
use crate::store::State;

use super::file;

/// `speech.transcribe`.
pub(crate) fn transcribe(_st: &mut State, r: &Req) -> Out {
    transcribe_file(r)
}

/// Largest speech-to-text upload, as the service documents it.
const STT_MAX: usize = 10_000_000;

fn transcribe_file(r: &Req) -> Out {
    let part = file(r, "file")?;
    let name = part.file_name.clone().unwrap_or_default();
    let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    if part.data.len() > STT_MAX {
        return Err(ApiError {
            status: 413,
            detail: json!([{ "loc": ["body", "file"], "msg": format!("the file is {} bytes; at most {STT_MAX}", part.data.len()), "type": "too_large" }]),
        });
    }
    if !["wav", "mp3", "flac", "m4a"].contains(&ext.as_str()) {
        return Err(ApiError {
            status: 415,
            detail: json!({ "code": "unsupported_format", "message": format!("`{name}` is not WAV, MP3, FLAC or M4A") }),
        });
    }
    let hash =
        part.data.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3));
    let seconds = part.data.len() as f64 / 32_000.0;
    Ok(Reply::Json(json!({
        "status": "success",
        "transcription": format!("Emulated transcript of {name} ({} bytes, fingerprint {hash:016x}).", part.data.len()),
        "is_final": true,
        "language": r.body.get("language").and_then(Value::as_str).unwrap_or("en-US"),
        "duration_seconds": (seconds * 100.0).round() / 100.0,
        "processing_time_seconds": 0.01,
        "request_id": format!("stt-{hash:016x}"),
    })))
}
