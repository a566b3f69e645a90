//! permessage-deflate (RFC 7692) negotiation: the options of an endpoint, the server's choice among
//! a client's offers and the client's check of the server's answer, with the rules npm `ws` applies.

use super::extension::{Extension, InvalidExtensions};

/// The extension's registered name.
pub const PERMESSAGE_DEFLATE: &str = "permessage-deflate";

/// permessage-deflate options (the `perMessageDeflate` object of engine.io and `ws`). `Default` gives
/// `ws`'s defaults: a 1024-byte threshold, context takeover on both sides, the peer's window sizes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerMessageDeflate {
    /// Messages smaller than this many bytes go uncompressed (`threshold`, 1024).
    pub threshold: usize,
    /// Server: ask the client to let the server reset its compression context after every message,
    /// which frees the server's compressor between messages. Client: request it.
    /// (`serverNoContextTakeover`, false: the client's own request is honoured.)
    pub server_no_context_takeover: bool,
    /// Server: tell the client to reset its compression context after every message. Client: offer
    /// it. (`clientNoContextTakeover`, false.)
    pub client_no_context_takeover: bool,
    /// The server's LZ77 window, 8 to 15 bits (`serverMaxWindowBits`, none: the client's request or
    /// 15). A server offer asking for a larger window than this is declined.
    pub server_max_window_bits: Option<u8>,
    /// The client's LZ77 window, 8 to 15 bits (`clientMaxWindowBits`, none: the client's choice).
    /// A server requires it of clients that announce support for it, as `ws` does.
    pub client_max_window_bits: Option<u8>,
    /// The compression level, 0 to 9 (`zlibDeflateOptions.level`, none: zlib's default, 6).
    pub level: Option<u32>,
}

impl Default for PerMessageDeflate {
    fn default() -> Self {
        PerMessageDeflate {
            threshold: 1024,
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: None,
            client_max_window_bits: None,
            level: None,
        }
    }
}

/// The parameters both endpoints agreed on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeflateParams {
    /// The server resets its compression context after each message.
    pub server_no_context_takeover: bool,
    /// The client resets its compression context after each message.
    pub client_no_context_takeover: bool,
    /// The server's window, if limited.
    pub server_max_window_bits: Option<u8>,
    /// The client's window, if limited.
    pub client_max_window_bits: Option<u8>,
}

/// A permessage-deflate parameter, normalized as `ws` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Value {
    /// Present without a value.
    Flag,
    /// A window size, 8 to 15.
    Bits(u8),
}

/// One offer (or answer), its parameters checked.
struct Params(Vec<(&'static str, Value)>);

impl Params {
    fn get(&self, key: &str) -> Option<Value> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    fn bits(&self, key: &str) -> Option<u8> {
        match self.get(key) {
            Some(Value::Bits(b)) => Some(b),
            _ => None,
        }
    }

    fn set(&mut self, key: &'static str, value: Value) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }

    fn remove(&mut self, key: &str) {
        self.0.retain(|(k, _)| *k != key);
    }

    fn agreed(&self) -> DeflateParams {
        DeflateParams {
            server_no_context_takeover: self.get(SERVER_NO_CONTEXT).is_some(),
            client_no_context_takeover: self.get(CLIENT_NO_CONTEXT).is_some(),
            server_max_window_bits: self.bits(SERVER_BITS),
            client_max_window_bits: self.bits(CLIENT_BITS),
        }
    }

    fn extension(&self) -> Extension {
        Extension {
            name: PERMESSAGE_DEFLATE.into(),
            params: self
                .0
                .iter()
                .map(|(k, v)| {
                    let value = match v {
                        Value::Flag => None,
                        Value::Bits(b) => Some(b.to_string()),
                    };
                    (k.to_string(), value)
                })
                .collect(),
        }
    }
}

const SERVER_NO_CONTEXT: &str = "server_no_context_takeover";
const CLIENT_NO_CONTEXT: &str = "client_no_context_takeover";
const SERVER_BITS: &str = "server_max_window_bits";
const CLIENT_BITS: &str = "client_max_window_bits";

/// Checks one offer's parameters: each known and once; window sizes 8 to 15 (`client_max_window_bits`
/// may come without a value in a client's offer); the takeover flags without a value.
fn normalize(ext: &Extension, from_client: bool) -> Result<Params, InvalidExtensions> {
    let mut params = Params(Vec::with_capacity(ext.params.len()));
    for (key, value) in &ext.params {
        let key = [
            SERVER_NO_CONTEXT,
            CLIENT_NO_CONTEXT,
            SERVER_BITS,
            CLIENT_BITS,
        ]
        .into_iter()
        .find(|k| k == key)
        .ok_or(InvalidExtensions)?;
        if params.get(key).is_some() {
            return Err(InvalidExtensions);
        }
        let bits = |v: &str| match v.parse::<u8>() {
            Ok(b @ 8..=15) => Ok(Value::Bits(b)),
            _ => Err(InvalidExtensions),
        };
        let value = match (key, value.as_deref()) {
            (SERVER_NO_CONTEXT | CLIENT_NO_CONTEXT, None) => Value::Flag,
            (CLIENT_BITS, None) if from_client => Value::Flag,
            (SERVER_BITS | CLIENT_BITS, Some(v)) => bits(v)?,
            _ => return Err(InvalidExtensions),
        };
        params.0.push((key, value));
    }
    Ok(params)
}

/// The server's answer to a client's extension offers: `Ok(None)` when permessage-deflate is not
/// offered; otherwise the first acceptable offer, as `ws` picks it, with the parameters agreed and the
/// extension to put in the `101`. An invalid offer, or none acceptable, is an error: `ws` refuses the
/// handshake with 400.
pub fn accept_offers(
    options: &PerMessageDeflate,
    offers: &[Extension],
) -> Result<Option<(DeflateParams, Extension)>, InvalidExtensions> {
    let offers = offers
        .iter()
        .filter(|e| e.name == PERMESSAGE_DEFLATE)
        .map(|e| normalize(e, true))
        .collect::<Result<Vec<_>, _>>()?;
    if offers.is_empty() {
        return Ok(None);
    }
    let mut accepted = offers
        .into_iter()
        .find(|offer| {
            let too_small = match (offer.bits(SERVER_BITS), options.server_max_window_bits) {
                (Some(asked), Some(ours)) => ours > asked,
                _ => false,
            };
            let client_bits_required =
                options.client_max_window_bits.is_some() && offer.get(CLIENT_BITS).is_none();
            !too_small && !client_bits_required
        })
        .ok_or(InvalidExtensions)?;
    if options.server_no_context_takeover {
        accepted.set(SERVER_NO_CONTEXT, Value::Flag);
    }
    if options.client_no_context_takeover {
        accepted.set(CLIENT_NO_CONTEXT, Value::Flag);
    }
    if let Some(bits) = options.server_max_window_bits {
        accepted.set(SERVER_BITS, Value::Bits(bits.clamp(8, 15)));
    }
    match options.client_max_window_bits {
        Some(bits) => accepted.set(CLIENT_BITS, Value::Bits(bits.clamp(8, 15))),
        None if accepted.get(CLIENT_BITS) == Some(Value::Flag) => accepted.remove(CLIENT_BITS),
        None => {}
    }
    Ok(Some((accepted.agreed(), accepted.extension())))
}

/// The client's offer, as `ws` writes it: the options asked for, and `client_max_window_bits`
/// (without a value unless one is set) to say the client can limit its window.
pub fn client_offer(options: &PerMessageDeflate) -> Extension {
    let mut params = Params(Vec::new());
    if options.server_no_context_takeover {
        params.set(SERVER_NO_CONTEXT, Value::Flag);
    }
    if options.client_no_context_takeover {
        params.set(CLIENT_NO_CONTEXT, Value::Flag);
    }
    if let Some(bits) = options.server_max_window_bits {
        params.set(SERVER_BITS, Value::Bits(bits.clamp(8, 15)));
    }
    match options.client_max_window_bits {
        Some(bits) => params.set(CLIENT_BITS, Value::Bits(bits.clamp(8, 15))),
        None => params.set(CLIENT_BITS, Value::Flag),
    }
    params.extension()
}

/// The client's check of the server's `Sec-WebSocket-Extensions` answer to [`client_offer`]: the
/// parameters to use. As in `ws`, the answer must be exactly one permessage-deflate with valid
/// parameters and a client window no larger than the one offered; otherwise the connection fails.
pub fn accept_answer(
    options: &PerMessageDeflate,
    answer: &[Extension],
) -> Result<DeflateParams, InvalidExtensions> {
    let [ext] = answer else {
        return Err(InvalidExtensions);
    };
    if ext.name != PERMESSAGE_DEFLATE {
        return Err(InvalidExtensions);
    }
    let mut params = normalize(ext, false)?;
    match (params.bits(CLIENT_BITS), options.client_max_window_bits) {
        (None, Some(ours)) => params.set(CLIENT_BITS, Value::Bits(ours.clamp(8, 15))),
        (Some(theirs), Some(ours)) if theirs > ours => return Err(InvalidExtensions),
        _ => {}
    }
    Ok(params.agreed())
}

#[cfg(test)]
mod tests {
    use super::super::extension::{format_extension, parse_extensions};
    use super::*;

    fn server(
        options: &PerMessageDeflate,
        header: &str,
    ) -> Result<Option<String>, InvalidExtensions> {
        let offers = parse_extensions([header.as_bytes()])?;
        Ok(accept_offers(options, &offers)?.map(|(_, ext)| format_extension(&ext)))
    }

    #[test]
    fn server_answers_as_ws() {
        let d = PerMessageDeflate::default();
        let answer = |h| server(&d, h).unwrap();
        assert_eq!(
            answer("permessage-deflate; client_max_window_bits").as_deref(),
            Some("permessage-deflate")
        );
        assert_eq!(answer("x-webkit-deflate-frame"), None);
        assert_eq!(
            answer("permessage-deflate; server_no_context_takeover; server_max_window_bits=10")
                .as_deref(),
            Some("permessage-deflate; server_no_context_takeover; server_max_window_bits=10")
        );
        assert_eq!(
            answer("permessage-deflate; client_max_window_bits=9").as_deref(),
            Some("permessage-deflate; client_max_window_bits=9")
        );
    }

    #[test]
    fn server_options_are_imposed() {
        let d = PerMessageDeflate {
            server_no_context_takeover: true,
            client_no_context_takeover: true,
            server_max_window_bits: Some(11),
            client_max_window_bits: Some(12),
            ..PerMessageDeflate::default()
        };
        assert_eq!(
            server(&d, "permessage-deflate; client_max_window_bits")
                .unwrap()
                .as_deref(),
            Some(
                "permessage-deflate; client_max_window_bits=12; server_no_context_takeover; \
                 client_no_context_takeover; server_max_window_bits=11"
            )
        );
        // A client that cannot limit its window, or wants a smaller server window, is declined;
        // the next offer is tried.
        assert_eq!(server(&d, "permessage-deflate"), Err(InvalidExtensions));
        let two = "permessage-deflate; server_max_window_bits=10; client_max_window_bits, \
                   permessage-deflate; client_max_window_bits";
        let answer = server(&d, two).unwrap().unwrap();
        assert!(!answer.contains("=10"), "{answer}");
    }

    #[test]
    fn invalid_offers_are_refused() {
        let d = PerMessageDeflate::default();
        for bad in [
            "permessage-deflate; server_max_window_bits",
            "permessage-deflate; server_max_window_bits=16",
            "permessage-deflate; client_max_window_bits=7",
            "permessage-deflate; server_no_context_takeover=1",
            "permessage-deflate; client_max_window_bits; client_max_window_bits",
            "permessage-deflate; foo",
        ] {
            assert_eq!(server(&d, bad), Err(InvalidExtensions), "{bad}");
        }
    }

    #[test]
    fn client_offer_and_answer() {
        let d = PerMessageDeflate::default();
        assert_eq!(
            format_extension(&client_offer(&d)),
            "permessage-deflate; client_max_window_bits"
        );
        let answer = |h: &str| accept_answer(&d, &parse_extensions([h.as_bytes()]).unwrap());
        assert_eq!(answer("permessage-deflate"), Ok(DeflateParams::default()));
        assert_eq!(
            answer("permessage-deflate; server_no_context_takeover; client_max_window_bits=10"),
            Ok(DeflateParams {
                server_no_context_takeover: true,
                client_max_window_bits: Some(10),
                ..DeflateParams::default()
            })
        );
        assert_eq!(
            answer("permessage-deflate; client_max_window_bits"),
            Err(InvalidExtensions)
        );
        assert_eq!(
            answer("permessage-deflate, permessage-deflate"),
            Err(InvalidExtensions)
        );
        assert_eq!(answer("x-other"), Err(InvalidExtensions));
        let small = PerMessageDeflate {
            client_max_window_bits: Some(10),
            ..d
        };
        let bigger =
            parse_extensions([&b"permessage-deflate; client_max_window_bits=12"[..]]).unwrap();
        assert_eq!(accept_answer(&small, &bigger), Err(InvalidExtensions));
    }
}
