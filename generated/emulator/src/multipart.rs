//! A `multipart/form-data` reader for bodies already in memory (they are size-capped before
//! they get here), so uploads need no streaming parser.

use bytes::Bytes;

/// One part of a form.
#[derive(Debug, Clone)]
pub(crate) struct Part {
    /// The form field name.
    pub name: String,
    /// The file name, for file parts.
    pub file_name: Option<String>,
    /// The part's bytes.
    pub data: Bytes,
}

/// The boundary of a `multipart/form-data` content type, if that is what it is.
pub(crate) fn boundary(content_type: &str) -> Option<String> {
    let (mime, params) = content_type.split_once(';')?;
    if !mime.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim().eq_ignore_ascii_case("boundary").then(|| v.trim().trim_matches('"').to_string())
    })
}

/// Splits a body into parts; `Err` says what is malformed. Every index is checked before it is
/// used: a truncated or misordered body is an `Err`, never a slice out of range.
pub(crate) fn parse(body: &Bytes, boundary: &str) -> Result<Vec<Part>, String> {
    if boundary.is_empty() || boundary.len() > 200 {
        return Err("the multipart boundary is empty or longer than 200 characters".into());
    }
    let delimiter = format!("--{boundary}");
    let d = delimiter.as_bytes();
    let mut parts = Vec::new();
    let mut at = find(body, d, 0).ok_or("the body does not contain the multipart boundary")? + d.len();
    loop {
        let rest = body.get(at..).unwrap_or_default();
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        let start = at + if rest.starts_with(b"\r\n") { 2 } else { 0 };
        let next = find(body, d, start).ok_or("a multipart part is not terminated by the boundary")?;
        let end =
            if next >= start + 2 && body.get(next - 2..next) == Some(b"\r\n".as_slice()) { next - 2 } else { next };
        // The header block ends at the first empty line; a part whose headers run straight into
        // the next boundary has an empty body.
        let head_end = find(body, b"\r\n\r\n", start)
            .filter(|&h| h <= end)
            .or_else(|| find(body, b"\r\n", start).filter(|&h| h + 2 == next))
            .ok_or("a multipart part has no header block")?;
        let head = String::from_utf8_lossy(body.get(start..head_end).unwrap_or_default());
        let mut name = None;
        let mut file_name = None;
        for line in head.split("\r\n") {
            let Some((key, value)) = line.split_once(':') else { continue };
            if !key.trim().eq_ignore_ascii_case("content-disposition") {
                continue;
            }
            for param in value.split(';').skip(1) {
                let Some((k, v)) = param.split_once('=') else { continue };
                let v = v.trim().trim_matches('"').to_string();
                match k.trim() {
                    "name" => name = Some(v),
                    "filename" => file_name = Some(v),
                    _ => {}
                }
            }
        }
        let name = name.ok_or("a multipart part has no name")?;
        let data_start = (head_end + 4).min(end);
        parts.push(Part { name, file_name, data: body.slice(data_start..end) });
        at = next + d.len();
    }
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from > hay.len() || needle.is_empty() {
        return None;
    }
    hay[from..].windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_text_and_file_parts() {
        let body = Bytes::from_static(
            b"--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\none\r\n--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"c.csv\"\r\nContent-Type: text/csv\r\n\r\nx,y\n1,2\r\n--xyz--\r\n",
        );
        assert_eq!(boundary("multipart/form-data; boundary=xyz").as_deref(), Some("xyz"));
        let parts = parse(&body, "xyz").unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(&parts[0].data[..], b"one");
        assert_eq!(parts[1].file_name.as_deref(), Some("c.csv"));
        assert_eq!(&parts[1].data[..], b"x,y\n1,2");
        assert!(parse(&Bytes::from_static(b"garbage"), "xyz").is_err());
    }

    #[test]
    fn headers_straight_before_a_boundary_give_an_empty_part() {
        let body = Bytes::from_static(b"--xyz\r\nContent-Disposition: form-data; name=\"kb_name\"\r\n\r\n--xyz--");
        let parts = parse(&body, "xyz").unwrap();
        assert_eq!(parts[0].name, "kb_name");
        assert!(parts[0].data.is_empty());
        let body = Bytes::from_static(b"--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n--xyz--");
        assert_eq!(parse(&body, "xyz").unwrap()[0].data.len(), 0);
    }

    #[test]
    fn every_truncation_of_a_form_is_an_answer_not_a_panic() {
        let full = b"--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\none\r\n--xyz\r\nContent-Disposition: form-data; name=\"f\"; filename=\"\xc3\xa9.csv\"\r\n\r\nx\r\n--xyz--\r\n";
        for n in 0..=full.len() {
            let _ = parse(&Bytes::copy_from_slice(&full[..n]), "xyz");
            let _ = parse(&Bytes::copy_from_slice(&full[n..]), "xyz");
        }
        assert!(parse(&Bytes::from_static(b"--\r\n"), "").is_err());
    }
}
