//! Decoding the peer's frames into whole messages, fragments assembled, compressed messages inflated,
//! rules of RFC 6455 and RFC 7692 enforced.

use super::deflate::Inflater;
use super::frame::{apply_mask, is_valid_close_code, Header, OpCode, ProtocolError};
use crate::Str;
use bytes::Bytes;

/// A complete message from the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message (valid UTF-8).
    Text(Str),
    /// A binary message.
    Binary(Bytes),
    /// A ping; the server answers with a pong carrying the same payload.
    Ping(Bytes),
    /// A pong.
    Pong(Bytes),
    /// A close frame: its status code and reason, if it has them.
    Close(Option<(u16, Str)>),
}

/// The outcome of [`Decoder::decode`].
#[derive(Debug, PartialEq, Eq)]
pub struct Decoded {
    /// Input bytes used up; the caller drops them and keeps the rest for the next call.
    pub consumed: usize,
    /// The message completed by them, if any.
    pub message: Option<Message>,
}

/// A fragmented message under way.
#[derive(Debug)]
struct Fragments {
    text: bool,
    /// Its first frame had RSV1: `data` is compressed.
    compressed: bool,
    data: Vec<u8>,
}

/// What a decoder other than a server's plain one needs: boxed, so that the common case (a server
/// without permessage-deflate) costs a null pointer.
#[derive(Debug)]
struct Peer {
    /// The frames come from a server: unmasked.
    server: bool,
    /// permessage-deflate was negotiated.
    inflater: Option<Inflater>,
}

/// Decodes the frames a peer sends (a client's, or with [`Decoder::client`] a server's). It keeps
/// only the fragments of a message under way; partial frames stay with the caller, which hands them
/// again with more bytes.
#[derive(Debug)]
pub struct Decoder {
    max_message: usize,
    fragments: Option<Fragments>,
    peer: Option<Box<Peer>>,
}

impl Decoder {
    /// A server's decoder of client frames, refusing messages (fragments added up) larger than
    /// `max_message` bytes.
    pub fn new(max_message: usize) -> Decoder {
        Decoder {
            max_message,
            fragments: None,
            peer: None,
        }
    }

    /// A client's decoder of server frames (which are not masked), with the same limit.
    pub fn client(max_message: usize) -> Decoder {
        Decoder {
            peer: Some(Box::new(Peer {
                server: true,
                inflater: None,
            })),
            ..Decoder::new(max_message)
        }
    }

    /// The same decoder accepting compressed messages (RSV1) and inflating them with `inflater`,
    /// once permessage-deflate was negotiated. The limit applies to the inflated size too.
    pub fn with_deflate(mut self, inflater: Inflater) -> Decoder {
        let peer = self.peer.get_or_insert_with(|| {
            Box::new(Peer {
                server: false,
                inflater: None,
            })
        });
        peer.inflater = Some(inflater);
        self
    }

    /// Checks the mask and reserved bits of a frame against the role and the extension.
    fn check(&self, h: &Header) -> Result<(), ProtocolError> {
        let (server, deflate) = self
            .peer
            .as_deref()
            .map_or((false, false), |p| (p.server, p.inflater.is_some()));
        match (server, h.mask.is_some()) {
            (false, false) => return Err(ProtocolError::Unmasked),
            (true, true) => return Err(ProtocolError::Masked),
            _ => {}
        }
        let compressed = h.rsv & 0b100 != 0;
        let first_data = matches!(h.opcode, OpCode::Text | OpCode::Binary);
        if h.rsv & 0b011 != 0 || (compressed && !(deflate && first_data)) {
            return Err(ProtocolError::ReservedBits);
        }
        Ok(())
    }

    /// Decodes whole frames from the start of `buf` until one completes a message or the bytes left
    /// hold no complete frame. An error is final: the connection is to be closed with its code.
    pub fn decode(&mut self, buf: &[u8]) -> Result<Decoded, ProtocolError> {
        let mut consumed = 0;
        loop {
            let rest = &buf[consumed..];
            let Some(header) = Header::parse(rest)? else {
                return Ok(Decoded {
                    consumed,
                    message: None,
                });
            };
            self.check(&header)?;
            let under_way = self.fragments.as_ref().map_or(0, |f| f.data.len());
            let limit = if header.opcode.is_control() {
                125
            } else {
                self.max_message.saturating_sub(under_way)
            };
            if header.payload_len > limit as u64 {
                return Err(ProtocolError::TooLarge);
            }
            let end = header.header_len + header.payload_len as usize;
            if rest.len() < end {
                return Ok(Decoded {
                    consumed,
                    message: None,
                });
            }
            consumed += end;
            let payload = &rest[header.header_len..end];
            if let Some(message) = self.frame(header, payload)? {
                return Ok(Decoded {
                    consumed,
                    message: Some(message),
                });
            }
        }
    }

    /// One complete frame: the message it completes, if any.
    fn frame(&mut self, h: Header, payload: &[u8]) -> Result<Option<Message>, ProtocolError> {
        let unmasked = || match h.mask {
            Some(mask) => {
                let mut data = Vec::with_capacity(payload.len());
                apply_mask(&mut data, payload, mask);
                data
            }
            None => payload.to_vec(),
        };
        match h.opcode {
            OpCode::Ping => Ok(Some(Message::Ping(unmasked().into()))),
            OpCode::Pong => Ok(Some(Message::Pong(unmasked().into()))),
            OpCode::Close => close(unmasked()).map(|c| Some(Message::Close(c))),
            OpCode::Text | OpCode::Binary => {
                if self.fragments.is_some() {
                    return Err(ProtocolError::BadContinuation);
                }
                let text = h.opcode == OpCode::Text;
                let compressed = h.rsv & 0b100 != 0;
                if h.fin {
                    let data = self.inflated(compressed, unmasked())?;
                    return message(text, data).map(Some);
                }
                self.fragments = Some(Fragments {
                    text,
                    compressed,
                    data: unmasked(),
                });
                Ok(None)
            }
            OpCode::Continuation => {
                let fragments = self
                    .fragments
                    .as_mut()
                    .ok_or(ProtocolError::BadContinuation)?;
                match h.mask {
                    Some(mask) => apply_mask(&mut fragments.data, payload, mask),
                    None => fragments.data.extend_from_slice(payload),
                }
                if !h.fin {
                    return Ok(None);
                }
                let Fragments {
                    text,
                    compressed,
                    mut data,
                } = self.fragments.take().expect("under way");
                data.shrink_to_fit();
                let data = self.inflated(compressed, data)?;
                message(text, data).map(Some)
            }
        }
    }

    /// A whole message's data, inflated if it is compressed.
    fn inflated(&mut self, compressed: bool, data: Vec<u8>) -> Result<Vec<u8>, ProtocolError> {
        if !compressed {
            return Ok(data);
        }
        let max = self.max_message;
        match self.peer.as_deref_mut().and_then(|p| p.inflater.as_mut()) {
            Some(inflater) => inflater.inflate(&data, max),
            None => Err(ProtocolError::ReservedBits),
        }
    }
}

/// A whole data message.
fn message(text: bool, data: Vec<u8>) -> Result<Message, ProtocolError> {
    let data = Bytes::from(data);
    if !text {
        return Ok(Message::Binary(data));
    }
    Str::from_utf8(data)
        .map(Message::Text)
        .map_err(|_| ProtocolError::InvalidUtf8)
}

/// A close frame's status and reason.
fn close(payload: Vec<u8>) -> Result<Option<(u16, Str)>, ProtocolError> {
    match payload.len() {
        0 => Ok(None),
        1 => Err(ProtocolError::BadClose),
        _ => {
            let code = u16::from_be_bytes([payload[0], payload[1]]);
            if !is_valid_close_code(code) {
                return Err(ProtocolError::BadClose);
            }
            let reason = Bytes::from(payload).slice(2..);
            let reason = Str::from_utf8(reason).map_err(|_| ProtocolError::InvalidUtf8)?;
            Ok(Some((code, reason)))
        }
    }
}
