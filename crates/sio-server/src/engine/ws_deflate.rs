//! permessage-deflate on the server's websockets: the extension answered in the `101` (as `ws`
//! negotiates it), and outgoing messages compressed once encoded.

use super::errors::EngineError;
use super::{EngineBody, EngineConfig};
use http::header::SEC_WEBSOCKET_EXTENSIONS;
use http::{HeaderMap, HeaderValue, Response};
use sio_protocol::websocket::{
    accept_offers, encode_frame_header, format_extension, parse_extensions, Deflater, Inflater,
    OpCode, Role,
};
use std::cell::RefCell;

/// Capacity the compression scratch buffer keeps after a large message.
const SCRATCH_KEPT: usize = 64 * 1024;

/// What `ws` answers to an extension header it cannot parse or accept.
const REFUSED: &str = "Invalid or unacceptable Sec-WebSocket-Extensions header";

thread_local! {
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// The permessage-deflate state of a websocket that negotiated it.
pub(crate) struct Negotiated {
    pub(crate) compressor: Compressor,
    pub(crate) inflater: Inflater,
}

/// Offers that are invalid, or none of which can be accepted.
#[derive(Debug)]
pub(crate) struct Refused;

impl Refused {
    /// `ws`'s answer: 400 with its message.
    pub(crate) fn response(&self) -> Response<EngineBody> {
        EngineError::BadRequest.upgrade_response(Some(REFUSED))
    }
}

/// Negotiates permessage-deflate for a websocket request: `Ok(None)` when it is off or not offered,
/// the state and the `Sec-WebSocket-Extensions` answer (added to `response`) when accepted, and
/// [`Refused`] when the offers are invalid or none can be accepted.
pub(crate) fn negotiate(
    request: &HeaderMap,
    config: &EngineConfig,
    response: &mut HeaderMap,
) -> Result<Option<Negotiated>, Refused> {
    let Some(options) = &config.per_message_deflate else {
        return Ok(None);
    };
    let values = request.get_all(SEC_WEBSOCKET_EXTENSIONS);
    if values.iter().next().is_none() {
        return Ok(None);
    }
    let refused = || {
        tracing::debug!("websocket extension offers refused");
        Refused
    };
    let offers =
        parse_extensions(values.iter().map(HeaderValue::as_bytes)).map_err(|_| refused())?;
    let Some((params, answer)) = accept_offers(options, &offers).map_err(|_| refused())? else {
        return Ok(None);
    };
    let answer = HeaderValue::from_str(&format_extension(&answer)).map_err(|_| refused())?;
    response.insert(SEC_WEBSOCKET_EXTENSIONS, answer);
    Ok(Some(Negotiated {
        compressor: Compressor {
            deflater: Deflater::new(Role::Server, &params, options),
        },
        inflater: Inflater::new(Role::Server, &params),
    }))
}

/// Compresses the server's messages of one websocket.
pub(crate) struct Compressor {
    deflater: Deflater,
}

impl Compressor {
    /// Compresses the frame just encoded at `out[start..]` (one whole, unmasked data frame) in place,
    /// unless `compress` is false or its payload is below the threshold. If the compressor fails, the
    /// frame stays as it was.
    pub(crate) fn compress_frame(&mut self, out: &mut Vec<u8>, start: usize, compress: bool) {
        let (Some(&b0), Some(&b1)) = (out.get(start), out.get(start + 1)) else {
            return;
        };
        let header_len = match b1 & 0x7f {
            126 => 4,
            127 => 10,
            _ => 2,
        };
        let payload_at = start + header_len;
        if !compress || !self.deflater.worth_it(out.len().saturating_sub(payload_at)) {
            return;
        }
        let opcode = if b0 & 0x0f == 0x1 {
            OpCode::Text
        } else {
            OpCode::Binary
        };
        SCRATCH.with_borrow_mut(|scratch| {
            scratch.clear();
            if self.deflater.compress(&out[payload_at..], scratch) {
                out.truncate(start);
                encode_frame_header(out, opcode, scratch.len(), true, None);
                out.extend_from_slice(scratch);
            }
            if scratch.capacity() > SCRATCH_KEPT {
                scratch.clear();
                scratch.shrink_to(SCRATCH_KEPT);
            }
        });
    }
}
