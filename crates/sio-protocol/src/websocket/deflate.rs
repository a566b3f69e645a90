//! permessage-deflate (RFC 7692) compression of one endpoint's messages and decompression of its
//! peer's, with context takeover per connection and a limit on the inflated size.
//!
//! Both states are allocated on the first compressed message, not at negotiation, and are dropped
//! after each message when the context is not taken over (as `ws` closes its zlib streams then).
//! Windows: zlib refuses an 8-bit window for raw deflate, so a compressor held to 8 bits uses 9,
//! whose longest distance (512 - 262 = 250 bytes) still fits the peer's 256-byte window. The
//! decompressor always uses a 15-bit window, which reads any window size.

use super::frame::ProtocolError;
use super::negotiate::{DeflateParams, PerMessageDeflate};
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

/// The end of a sync flush, which the sender strips and the receiver appends (RFC 7692 7.2.1).
const TRAILER: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// Output room added at a time while inflating (or deflating), at least.
const GROWTH: usize = 4 * 1024;

/// Which side of the connection this endpoint is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The server: it compresses with the `server_*` parameters.
    Server,
    /// The client: it compresses with the `client_*` parameters.
    Client,
}

/// Compresses one endpoint's messages.
pub struct Deflater {
    level: Compression,
    window_bits: u8,
    no_context_takeover: bool,
    threshold: usize,
    state: Option<Box<Compress>>,
}

impl std::fmt::Debug for Deflater {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deflater")
            .field("window_bits", &self.window_bits)
            .field("no_context_takeover", &self.no_context_takeover)
            .field("allocated", &self.state.is_some())
            .finish_non_exhaustive()
    }
}

impl Deflater {
    /// The compressor of `role` for the agreed `params`, with the local `options` (level, threshold).
    pub fn new(role: Role, params: &DeflateParams, options: &PerMessageDeflate) -> Deflater {
        let (bits, no_context_takeover) = match role {
            Role::Server => (
                params.server_max_window_bits,
                params.server_no_context_takeover,
            ),
            Role::Client => (
                params.client_max_window_bits,
                params.client_no_context_takeover,
            ),
        };
        Deflater {
            level: options
                .level
                .map_or(Compression::default(), |l| Compression::new(l.min(9))),
            window_bits: bits.unwrap_or(15).clamp(9, 15),
            no_context_takeover,
            threshold: options.threshold,
            state: None,
        }
    }

    /// Whether a message of `len` bytes is to be compressed (not below the threshold).
    pub fn worth_it(&self, len: usize) -> bool {
        len >= self.threshold
    }

    /// Appends `data` compressed as one message (the sync flush's trailer stripped). Returns false,
    /// with `out` as it was and the context dropped, if the compressor fails: the message is then to
    /// be sent uncompressed.
    pub fn compress(&mut self, data: &[u8], out: &mut Vec<u8>) -> bool {
        if data.is_empty() {
            // An empty stored block (RFC 7692, 7.2.3.6): zlib refuses a second sync flush without new
            // input, and this needs none; the context is left as it was, byte-aligned on both sides.
            out.push(0x00);
            return true;
        }
        let start = out.len();
        let (level, bits) = (self.level, self.window_bits);
        let c = self
            .state
            .get_or_insert_with(|| Box::new(Compress::new_with_window_bits(level, false, bits)));
        let before = c.total_in();
        out.reserve(data.len() / 2 + 16);
        let ok = loop {
            let used = (c.total_in() - before) as usize;
            if out.len() == out.capacity() {
                out.reserve(GROWTH.max(out.capacity() / 2));
            }
            if c.compress_vec(&data[used..], out, FlushCompress::Sync)
                .is_err()
            {
                break false;
            }
            let used = (c.total_in() - before) as usize;
            // The flush is complete once all input is taken and room is left over.
            if used == data.len() && out.len() < out.capacity() {
                break out.ends_with(&TRAILER);
            }
        };
        if !ok {
            out.truncate(start);
            self.state = None;
            return false;
        }
        out.truncate(out.len() - TRAILER.len());
        if self.no_context_takeover {
            self.state = None;
        }
        true
    }
}

/// Decompresses the peer's messages.
pub struct Inflater {
    no_context_takeover: bool,
    state: Option<Box<Decompress>>,
}

impl std::fmt::Debug for Inflater {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inflater")
            .field("no_context_takeover", &self.no_context_takeover)
            .field("allocated", &self.state.is_some())
            .finish()
    }
}

impl Inflater {
    /// The decompressor of `role` (for its peer's messages) with the agreed `params`.
    pub fn new(role: Role, params: &DeflateParams) -> Inflater {
        Inflater {
            no_context_takeover: match role {
                Role::Server => params.client_no_context_takeover,
                Role::Client => params.server_no_context_takeover,
            },
            state: None,
        }
    }

    /// One whole compressed message, inflated. More than `max` bytes of output is
    /// [`ProtocolError::TooLarge`] (found before more than `max + 1` bytes are held); data that does
    /// not inflate is [`ProtocolError::BadCompression`]. After an error the context is gone: the
    /// connection is to be closed.
    pub fn inflate(&mut self, data: &[u8], max: usize) -> Result<Vec<u8>, ProtocolError> {
        let result = self.inflate_inner(data, max);
        if result.is_err() {
            self.state = None;
        }
        result
    }

    fn inflate_inner(&mut self, data: &[u8], max: usize) -> Result<Vec<u8>, ProtocolError> {
        let d = self
            .state
            .get_or_insert_with(|| Box::new(Decompress::new_with_window_bits(false, 15)));
        let limit = max.saturating_add(1);
        let mut out = Vec::with_capacity(data.len().saturating_mul(2).max(64).min(limit));
        let mut ended = false;
        for input in [data, &TRAILER[..]] {
            let before = d.total_in();
            while !ended {
                if out.len() == out.capacity() {
                    if out.len() > max {
                        return Err(ProtocolError::TooLarge);
                    }
                    let room = out.capacity().max(GROWTH).min(limit - out.len());
                    out.reserve_exact(room);
                }
                let used = (d.total_in() - before) as usize;
                let status = d
                    .decompress_vec(&input[used..], &mut out, FlushDecompress::Sync)
                    .map_err(|_| ProtocolError::BadCompression)?;
                if out.len() > max {
                    return Err(ProtocolError::TooLarge);
                }
                ended = status == Status::StreamEnd;
                let used = (d.total_in() - before) as usize;
                if used == input.len() && out.len() < out.capacity() {
                    break;
                }
            }
        }
        // A final block ends the stream: the next message starts a new one, as in `ws`.
        if ended || self.no_context_takeover {
            self.state = None;
        }
        out.shrink_to_fit();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(params: DeflateParams) -> (Deflater, Inflater) {
        let options = PerMessageDeflate::default();
        (
            Deflater::new(Role::Server, &params, &options),
            Inflater::new(Role::Client, &params),
        )
    }

    #[test]
    fn round_trip_with_and_without_context_takeover() {
        for params in [
            DeflateParams::default(),
            DeflateParams {
                server_no_context_takeover: true,
                server_max_window_bits: Some(8),
                ..DeflateParams::default()
            },
        ] {
            let (mut deflater, mut inflater) = pair(params);
            let message = "hello world ".repeat(200);
            let mut sizes = Vec::new();
            for _ in 0..3 {
                let mut out = Vec::new();
                assert!(deflater.compress(message.as_bytes(), &mut out));
                sizes.push(out.len());
                assert_eq!(inflater.inflate(&out, 1 << 20).unwrap(), message.as_bytes());
            }
            assert!(sizes[0] < message.len() / 10);
            // With context takeover a repeated message refers back to the last one.
            assert_eq!(sizes[1] < sizes[0], !params.server_no_context_takeover);
            assert_eq!(deflater.state.is_none(), params.server_no_context_takeover);
        }
    }

    #[test]
    fn rfc_7692_example() {
        // "Hello" compressed, from RFC 7692 section 7.2.3.1.
        let mut inflater = Inflater::new(Role::Server, &DeflateParams::default());
        let data = [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
        assert_eq!(inflater.inflate(&data, 5).unwrap(), b"Hello");
        assert_eq!(
            inflater
                .inflate(&[0xf2, 0x00, 0x11, 0x00, 0x00], 5)
                .unwrap(),
            b"Hello"
        );
    }

    #[test]
    fn a_bomb_is_refused_without_inflating_it() {
        let (mut deflater, mut inflater) = pair(DeflateParams::default());
        let mut bomb = Vec::new();
        assert!(deflater.compress(&vec![0u8; 10 << 20], &mut bomb));
        assert!(bomb.len() < 20_000);
        assert_eq!(inflater.inflate(&bomb, 1000), Err(ProtocolError::TooLarge));
        assert!(inflater.state.is_none());
    }

    #[test]
    fn garbage_is_bad_compression() {
        let mut inflater = Inflater::new(Role::Server, &DeflateParams::default());
        assert_eq!(
            inflater.inflate(&[0xff, 0xff, 0xff, 0xff], 1000),
            Err(ProtocolError::BadCompression)
        );
    }

    #[test]
    fn threshold() {
        let options = PerMessageDeflate::default();
        let d = Deflater::new(Role::Client, &DeflateParams::default(), &options);
        assert!(!d.worth_it(1023));
        assert!(d.worth_it(1024));
    }
}
