//! Decoding a client's frames into whole messages, fragments assembled, rules of RFC 6455 enforced.

use super::frame::{is_valid_close_code, unmask_into, Header, OpCode, ProtocolError};
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
    data: Vec<u8>,
}

/// Decodes the frames a client sends. It keeps only the fragments of a message under way; partial
/// frames stay with the caller, which hands them again with more bytes.
#[derive(Debug)]
pub struct Decoder {
    max_message: usize,
    fragments: Option<Fragments>,
}

impl Decoder {
    /// A decoder refusing messages (fragments added up) larger than `max_message` bytes.
    pub fn new(max_message: usize) -> Decoder {
        Decoder {
            max_message,
            fragments: None,
        }
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
        let unmasked = || {
            let mut data = Vec::with_capacity(payload.len());
            unmask_into(&mut data, payload, h.mask);
            data
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
                if h.fin {
                    return message(text, unmasked()).map(Some);
                }
                self.fragments = Some(Fragments {
                    text,
                    data: unmasked(),
                });
                Ok(None)
            }
            OpCode::Continuation => {
                let fragments = self
                    .fragments
                    .as_mut()
                    .ok_or(ProtocolError::BadContinuation)?;
                unmask_into(&mut fragments.data, payload, h.mask);
                if !h.fin {
                    return Ok(None);
                }
                let Fragments { text, mut data } = self.fragments.take().expect("under way");
                data.shrink_to_fit();
                message(text, data).map(Some)
            }
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
