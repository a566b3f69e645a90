//! Pre-encoded client frames: websocket framing (masked with a zero key, so the payload is copied
//! verbatim) around literal Engine.IO / Socket.IO text packets of the benchmark contract.

/// Appends one client-to-server websocket text frame carrying the concatenation of `parts`.
///
/// The mask bit is set (clients must mask) with the key `00 00 00 00`, which leaves the payload
/// unchanged: frames are built once and written many times.
pub fn push_text_frame(out: &mut Vec<u8>, parts: &[&[u8]]) {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    out.push(0x81);
    if len < 126 {
        out.push(0x80 | len as u8);
    } else if len <= u16::MAX as usize {
        out.push(0x80 | 126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0x80 | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    out.extend_from_slice(&[0, 0, 0, 0]);
    for p in parts {
        out.extend_from_slice(p);
    }
}

/// One whole client text frame for `text`.
pub fn text_frame(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 14);
    push_text_frame(&mut out, &[text]);
    out
}

/// A JSON string literal body of exactly `len` ASCII bytes (no escaping needed), tagged with `tag`:
/// words drawn from a small vocabulary by a fixed pseudo-random sequence, so the text compresses
/// about as well as chat messages do (zlib shrinks 4 KiB of it 3.3x alone, 4.5x after others), not as
/// a run of one repeated pattern would.
pub fn payload(tag: &str, len: usize) -> String {
    payload_variant(tag, len, 0)
}

/// [`payload`] with the word sequence of `variant`: distinct variants share no long runs, so a
/// compressor's window cannot simply point back at the previous message.
pub fn payload_variant(tag: &str, len: usize, variant: u32) -> String {
    const WORDS: [&str; 32] = [
        "the",
        "socket",
        "event",
        "room",
        "hello",
        "message",
        "user",
        "joined",
        "left",
        "typing",
        "server",
        "client",
        "42",
        "ack",
        "data",
        "broadcast",
        "node",
        "cluster",
        "alpha",
        "beta",
        "gamma",
        "delta",
        "2026",
        "value",
        "ok",
        "error",
        "retry",
        "later",
        "now",
        "and",
        "with",
        "from",
    ];
    let mut s = String::with_capacity(len + 16);
    s.push_str(tag);
    let mut seed: u32 = 0x9e37_79b9 ^ variant.wrapping_mul(0x85eb_ca6b);
    while s.len() < len {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        s.push_str(WORDS[(seed >> 27) as usize]);
        s.push(if seed & 0x10 == 0 { ' ' } else { '-' });
    }
    s.truncate(len.max(tag.len()));
    s
}

/// The Engine.IO + Socket.IO text of an event without ack: `42["<event>","<data>"]`.
pub fn event_text(event: &str, data: &str) -> String {
    format!("42[\"{event}\",\"{data}\"]")
}

/// The part of an event-with-ack after the ack id: `["<event>","<data>"]` (the packet is `42<id>` + this).
pub fn ack_event_body(event: &str, data: &str) -> String {
    format!("[\"{event}\",\"{data}\"]")
}

/// Parses the ack id of a Socket.IO ACK packet text (`43<id>[...]`).
pub fn ack_id(text: &[u8]) -> Option<u64> {
    let digits = text.strip_prefix(b"43")?;
    let end = digits.iter().position(|b| !b.is_ascii_digit())?;
    if end == 0 || end > 18 {
        return None;
    }
    std::str::from_utf8(&digits[..end]).ok()?.parse().ok()
}

/// Formats `n` in decimal into `buf`, returning the digits.
pub fn decimal(n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    let mut v = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    &buf[i..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_have_the_right_length_encoding() {
        let f = text_frame(b"40");
        assert_eq!(f, [0x81, 0x82, 0, 0, 0, 0, b'4', b'0']);
        let big = text_frame(&[b'x'; 300]);
        assert_eq!(&big[..4], &[0x81, 0x80 | 126, 1, 44]);
        assert_eq!(big.len(), 4 + 4 + 300);
    }

    #[test]
    fn payload_and_event_texts() {
        let p = payload("c7:", 32);
        assert_eq!(p.len(), 32);
        assert!(p.starts_with("c7:"));
        assert_eq!(event_text("echo", "ab"), r#"42["echo","ab"]"#);
        assert_eq!(ack_id(br#"4312["x"]"#), Some(12));
        assert_eq!(ack_id(br#"42["x"]"#), None);
        let mut buf = [0; 20];
        assert_eq!(decimal(0, &mut buf), b"0");
        assert_eq!(decimal(40213, &mut buf), b"40213");
    }
}
