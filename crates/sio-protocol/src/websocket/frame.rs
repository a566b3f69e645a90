//! Frame headers: parsing the peer's, encoding one's own, and the protocol errors of RFC 6455.

/// A frame's opcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpCode {
    /// `0x0`: the next fragment of a message.
    Continuation,
    /// `0x1`: a UTF-8 message (its first fragment).
    Text,
    /// `0x2`: a binary message (its first fragment).
    Binary,
    /// `0x8`: the closing handshake.
    Close,
    /// `0x9`: a ping, answered with a pong.
    Ping,
    /// `0xA`: a pong.
    Pong,
}

impl OpCode {
    fn from_bits(bits: u8) -> Option<OpCode> {
        Some(match bits {
            0x0 => OpCode::Continuation,
            0x1 => OpCode::Text,
            0x2 => OpCode::Binary,
            0x8 => OpCode::Close,
            0x9 => OpCode::Ping,
            0xA => OpCode::Pong,
            _ => return None,
        })
    }

    fn bits(self) -> u8 {
        match self {
            OpCode::Continuation => 0x0,
            OpCode::Text => 0x1,
            OpCode::Binary => 0x2,
            OpCode::Close => 0x8,
            OpCode::Ping => 0x9,
            OpCode::Pong => 0xA,
        }
    }

    /// Close, ping and pong.
    pub fn is_control(self) -> bool {
        matches!(self, OpCode::Close | OpCode::Ping | OpCode::Pong)
    }
}

/// Why a client's frames were refused; [`close_code`](Self::close_code) is the status to close with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// A client frame without a mask.
    #[error("client frame is not masked")]
    Unmasked,
    /// A server frame with a mask.
    #[error("server frame is masked")]
    Masked,
    /// RSV2 or RSV3 set, or RSV1 without permessage-deflate or on a control or continuation frame.
    #[error("reserved bits set")]
    ReservedBits,
    /// An opcode RFC 6455 does not define.
    #[error("unknown opcode")]
    UnknownOpcode,
    /// A close, ping or pong with more than 125 bytes or without FIN.
    #[error("invalid control frame")]
    BadControl,
    /// A continuation frame with no message under way, or a new message before the last one ended.
    #[error("unexpected continuation state")]
    BadContinuation,
    /// A 64-bit length with its most significant bit set.
    #[error("invalid payload length")]
    BadLength,
    /// A close payload of one byte, or with a status code that may not be sent.
    #[error("invalid close frame")]
    BadClose,
    /// A text message or close reason that is not UTF-8.
    #[error("invalid UTF-8")]
    InvalidUtf8,
    /// A message larger than the decoder's limit (inflated, for a compressed one).
    #[error("message too large")]
    TooLarge,
    /// A compressed message that does not inflate.
    #[error("invalid compressed data")]
    BadCompression,
}

impl ProtocolError {
    /// The close status answering this error: 1007 for UTF-8 and compressed data that does not
    /// inflate (as `ws` answers a zlib error), 1009 for size, 1002 otherwise.
    pub fn close_code(self) -> u16 {
        match self {
            ProtocolError::InvalidUtf8 | ProtocolError::BadCompression => 1007,
            ProtocolError::TooLarge => 1009,
            _ => 1002,
        }
    }
}

/// A parsed frame header; the decoder checks the reserved bits and the mask against its role.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Header {
    pub fin: bool,
    /// RSV1, RSV2 and RSV3, in the low bits (RSV1 is 0b100: a compressed message's first frame).
    pub rsv: u8,
    pub opcode: OpCode,
    pub mask: Option<[u8; 4]>,
    /// Bytes of the header itself.
    pub header_len: usize,
    /// Bytes of the payload.
    pub payload_len: u64,
}

impl Header {
    /// Parses the header at the start of `buf`: `Ok(None)` when `buf` does not hold all of it yet.
    pub fn parse(buf: &[u8]) -> Result<Option<Header>, ProtocolError> {
        let [b0, b1, ..] = *buf else {
            return Ok(None);
        };
        let opcode = OpCode::from_bits(b0 & 0x0F).ok_or(ProtocolError::UnknownOpcode)?;
        let masked = b1 & 0x80 != 0;
        let fin = b0 & 0x80 != 0;
        let (len_bytes, payload_len) = match b1 & 0x7F {
            126 => (2, None),
            127 => (8, None),
            n => (0, Some(u64::from(n))),
        };
        if opcode.is_control() && (!fin || payload_len.is_none()) {
            return Err(ProtocolError::BadControl);
        }
        let header_len = 2 + len_bytes + if masked { 4 } else { 0 };
        if buf.len() < header_len {
            return Ok(None);
        }
        let payload_len = match payload_len {
            Some(n) => n,
            None if len_bytes == 2 => u64::from(u16::from_be_bytes([buf[2], buf[3]])),
            None => {
                let n = u64::from_be_bytes(buf[2..10].try_into().expect("8 bytes"));
                if n >> 63 != 0 {
                    return Err(ProtocolError::BadLength);
                }
                n
            }
        };
        let m = 2 + len_bytes;
        let mask = masked.then(|| [buf[m], buf[m + 1], buf[m + 2], buf[m + 3]]);
        Ok(Some(Header {
            fin,
            rsv: (b0 >> 4) & 0b111,
            opcode,
            mask,
            header_len,
            payload_len,
        }))
    }
}

/// The size of the frame starting at `buf` (header and payload), once its header is complete; `None`
/// before that or when the header is invalid. Lets a reader reserve a partial frame's room at once.
pub fn frame_size(buf: &[u8]) -> Option<u64> {
    let h = Header::parse(buf).ok()??;
    Some(h.header_len as u64 + h.payload_len)
}

/// Appends the header of an unmasked, final, uncompressed frame (a server frame) carrying `len`
/// payload bytes.
pub fn encode_header(out: &mut Vec<u8>, opcode: OpCode, len: usize) {
    encode_frame_header(out, opcode, len, false, None);
}

/// Appends the header of a final frame carrying `len` payload bytes: with RSV1 set if `compressed`
/// (a permessage-deflate message), and with `mask` if given (a client frame, whose payload is then
/// to be masked with [`apply_mask`]).
pub fn encode_frame_header(
    out: &mut Vec<u8>,
    opcode: OpCode,
    len: usize,
    compressed: bool,
    mask: Option<[u8; 4]>,
) {
    let b0 = 0x80 | if compressed { 0x40 } else { 0 } | opcode.bits();
    let m = if mask.is_some() { 0x80 } else { 0 };
    if len < 126 {
        out.extend_from_slice(&[b0, m | len as u8]);
    } else if let Ok(len) = u16::try_from(len) {
        out.extend_from_slice(&[b0, m | 126]);
        out.extend_from_slice(&len.to_be_bytes());
    } else {
        out.extend_from_slice(&[b0, m | 127]);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    if let Some(mask) = mask {
        out.extend_from_slice(&mask);
    }
}

/// Appends a server close frame: the status `code` and `reason` (cut to fit the 125-byte limit, on a
/// character boundary), or an empty payload when `code` is `None`.
pub fn encode_close(out: &mut Vec<u8>, code: Option<u16>, reason: &str) {
    let Some(code) = code else {
        encode_header(out, OpCode::Close, 0);
        return;
    };
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    let reason = &reason[..end];
    encode_header(out, OpCode::Close, 2 + reason.len());
    out.extend_from_slice(&code.to_be_bytes());
    out.extend_from_slice(reason.as_bytes());
}

/// Whether a received close frame may carry `code` (RFC 6455 section 7.4).
pub(crate) fn is_valid_close_code(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1011 | 3000..=4999)
}

/// Appends `src` masked (or unmasked: the operation is its own inverse) with `mask`, the mask's phase
/// starting at the first byte.
pub fn apply_mask(dst: &mut Vec<u8>, src: &[u8], mask: [u8; 4]) {
    let start = dst.len();
    dst.extend_from_slice(src);
    let wide = u64::from_ne_bytes([
        mask[0], mask[1], mask[2], mask[3], mask[0], mask[1], mask[2], mask[3],
    ]);
    let mut words = dst[start..].chunks_exact_mut(8);
    for word in &mut words {
        let masked = u64::from_ne_bytes((&*word).try_into().expect("8 bytes")) ^ wide;
        word.copy_from_slice(&masked.to_ne_bytes());
    }
    for (b, m) in words.into_remainder().iter_mut().zip(mask.iter().cycle()) {
        *b ^= m;
    }
}

#[cfg(test)]
mod tests {
    use super::apply_mask;

    #[test]
    fn masks_every_length_after_what_is_already_there() {
        let mask = [0x12, 0x34, 0x56, 0x78];
        for len in 0..40 {
            let src: Vec<u8> = (0..len as u8).map(|b| b.wrapping_mul(37)).collect();
            let mut dst = b"head".to_vec();
            apply_mask(&mut dst, &src, mask);
            let expected: Vec<u8> = src
                .iter()
                .enumerate()
                .map(|(i, b)| b ^ mask[i % 4])
                .collect();
            assert_eq!(&dst[..4], b"head");
            assert_eq!(&dst[4..], &expected[..], "length {len}");
            let mut back = Vec::new();
            apply_mask(&mut back, &dst[4..], mask);
            assert_eq!(back, src);
        }
    }
}
