//! Nesting: the default limit lets real payloads through, and neither decoder uses stack per level, so
//! no input can overflow the stack, whatever the limit; what a caller does with a value at the default
//! limit (encode, clone, compare, convert, drop) fits a small thread stack too.

use bytes::Bytes;
use sio_protocol::engine::Frame;
use sio_protocol::parser::{DecodeError, DefaultParser, Limits, MsgPackParser, Parser};
use sio_protocol::socket::Packet;
use sio_protocol::Value;

/// Runs `f` on a thread with a 256 KiB stack (tokio's workers have 2 MiB).
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    on_stack(256 << 10, f)
}

fn on_stack(size: usize, f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(size)
        .spawn(f)
        .unwrap()
        .join()
        .expect("ran within 256 KiB of stack");
}

/// An event whose first argument is `depth - 1` levels of alternating arrays and objects (the event array
/// is the first level), then a binary argument (an attachment placeholder object, with the default parser).
fn event(depth: usize) -> Packet {
    let mut v = Value::from(1);
    for level in 0..depth - 1 {
        v = if level % 2 == 0 {
            Value::Array(vec![v, Value::from(level)])
        } else {
            Value::Object([("k".to_string(), v)].into_iter().collect())
        };
    }
    Packet::event(
        "/",
        "deep",
        vec![v, Value::Binary(Bytes::from_static(b"\x01"))],
    )
}

fn decode(parser: &dyn Parser, frames: Vec<Frame>) -> Result<Option<Packet>, DecodeError> {
    let mut decoder = parser.decoder();
    let mut out = Ok(None);
    for f in frames {
        out = decoder.decode_frame(f);
        out.as_ref().map_err(Clone::clone)?;
    }
    out
}

#[test]
fn the_default_limit_takes_real_payloads_on_a_small_stack() {
    on_small_stack(|| {
        let parsers: [&dyn Parser; 2] = [&DefaultParser::new(), &MsgPackParser::new()];
        for parser in parsers {
            for depth in [32, 64, Limits::DEFAULT.max_depth] {
                let p = event(depth);
                let encoded = parser.encode(&p).unwrap();
                let got = decode(parser, encoded.frames.clone())
                    .unwrap_or_else(|e| panic!("{:?} {depth}: {e}", encoded.frames.len()))
                    .unwrap();
                assert_eq!(got, p, "depth {depth}");
                assert_eq!(parser.encode(&got).unwrap(), encoded);
                assert_eq!(got.clone(), p);
            }
            let p = event(Limits::DEFAULT.max_depth + 1);
            let encoded = parser.encode(&p).unwrap();
            assert_eq!(
                decode(parser, encoded.frames),
                Err(DecodeError::TooDeep {
                    limit: Limits::DEFAULT.max_depth
                })
            );
        }
    });
}

/// serde conversions take more stack per level (about 3 KiB in a debug build, under 1 KiB in release):
/// at the default limit they fit tokio's 2 MiB worker stack.
#[test]
fn serde_conversions_at_the_default_limit_fit_a_tokio_worker() {
    on_stack(2 << 20, || {
        let Packet { data, .. } = event(Limits::DEFAULT.max_depth);
        let sio_protocol::socket::PacketData::Event { args, .. } = data else {
            unreachable!()
        };
        let back: Value = sio_protocol::value::from_value(args[0].clone()).unwrap();
        assert_eq!(back, args[0]);
        assert_eq!(sio_protocol::value::to_value(&back).unwrap(), args[0]);
        let json: serde_json::Value = sio_protocol::value::from_value(back).unwrap();
        assert_eq!(Value::from(json), args[0]);
    });
}

#[test]
fn no_nesting_overflows_the_decoders_whatever_the_limit() {
    on_small_stack(|| {
        let limits = Limits {
            max_depth: usize::MAX,
            ..Limits::DEFAULT
        };
        let cap = Limits::MAX_DEPTH;
        for depth in [cap, cap + 1, 200_000] {
            // `depth` levels, the event array included.
            let json = format!(
                "42[\"e\",{}1{}]",
                "[".repeat(depth - 1),
                "]".repeat(depth - 1)
            );
            let got = DefaultParser::with_limits(limits)
                .decoder()
                .decode_frame(Frame::Text(json.into()));
            let mut frame = vec![
                0x83, 0xa4, b't', b'y', b'p', b'e', 0x02, 0xa4, b'd', b'a', b't', b'a',
            ];
            frame.extend_from_slice(&[0x92, 0xa1, b'e']);
            frame.extend(std::iter::repeat_n(0x91, depth - 1));
            frame.push(0xc0);
            frame.extend_from_slice(&[0xa3, b'n', b's', b'p', 0xa1, b'/']);
            let got_mp = MsgPackParser::with_limits(limits)
                .decoder()
                .decode_frame(Frame::Binary(frame.into()));
            if depth <= cap {
                // Decoded; the value is not dropped here (dropping recurses; see `Limits::MAX_DEPTH`).
                std::mem::forget((got.unwrap(), got_mp.unwrap()));
            } else {
                assert_eq!(got, Err(DecodeError::TooDeep { limit: cap }), "{depth}");
                assert_eq!(got_mp, Err(DecodeError::TooDeep { limit: cap }), "{depth}");
            }
        }
        // Unclosed nesting far beyond any limit, and a lie about the element count at every level.
        let open = format!("42[\"e\",{}", "[".repeat(1_000_000));
        assert!(DefaultParser::with_limits(limits)
            .decoder()
            .decode_frame(Frame::Text(open.into()))
            .is_err());
        let mut lie = vec![
            0x83, 0xa4, b't', b'y', b'p', b'e', 0x02, 0xa4, b'd', b'a', b't', b'a',
        ];
        for _ in 0..900 {
            lie.extend_from_slice(&[0xdd, 0x00, 0x0f, 0x00, 0x00]);
        }
        lie.resize(1 << 20, 0xc0);
        assert!(MsgPackParser::with_limits(limits)
            .decoder()
            .decode_frame(Frame::Binary(lie.into()))
            .is_err());
    });
}
