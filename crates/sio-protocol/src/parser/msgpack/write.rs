//! Writes msgpack exactly as `notepack.io` does: smallest integer widths, float64, `bin` for binary.

use crate::value::js_string;
use crate::Value;

/// Appends `value` to `out`.
pub(super) fn write_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.push(0xc0),
        Value::Bool(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                write_uint(out, u);
            } else if let Some(i) = n.as_i64() {
                write_int(out, i);
            } else {
                write_f64(out, n.as_f64().unwrap_or(0.0));
            }
        }
        Value::String(s) => write_str(out, s),
        Value::Binary(b) => {
            write_len(out, b.len(), [0, 0xc4, 0xc5, 0xc6], 0);
            out.extend_from_slice(b);
        }
        Value::Array(a) => {
            write_array_len(out, a.len());
            for v in a {
                write_value(out, v);
            }
        }
        Value::Object(o) => {
            write_map_len(out, o.len());
            for (k, v) in o {
                write_str(out, k);
                write_value(out, v);
            }
        }
    }
}

/// Appends the header of a map of `len` entries.
pub(super) fn write_map_len(out: &mut Vec<u8>, len: usize) {
    write_len(out, len, [0x80, 0, 0xde, 0xdf], 0x10);
}

/// Appends the header of an array of `len` elements.
pub(super) fn write_array_len(out: &mut Vec<u8>, len: usize) {
    write_len(out, len, [0x90, 0, 0xdc, 0xdd], 0x10);
}

/// Appends a string; a lone surrogate is written as U+FFFD, as Node's UTF-8 encoder does.
pub(super) fn write_str(out: &mut Vec<u8>, s: &str) {
    write_text(out, &js_string::to_text_lossy(s));
}

/// Appends Rust text as a string, as it is.
pub(super) fn write_text(out: &mut Vec<u8>, s: &str) {
    write_len(out, s.len(), [0xa0, 0xd9, 0xda, 0xdb], 0x20);
    out.extend_from_slice(s.as_bytes());
}

/// Appends a length header: `codes` are the fix form (or-ed with the length, below `fix_limit`), then the
/// 8-, 16- and 32-bit forms; a zero code means the form does not exist for this kind.
fn write_len(out: &mut Vec<u8>, len: usize, codes: [u8; 4], fix_limit: usize) {
    if len < fix_limit {
        out.push(codes[0] | len as u8);
    } else if len < 0x100 && codes[1] != 0 {
        out.extend_from_slice(&[codes[1], len as u8]);
    } else if len < 0x10000 {
        out.push(codes[2]);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        // Lengths of 2^32 and beyond cannot be sent; clamp rather than wrap (the peer will reject it).
        out.push(codes[3]);
        out.extend_from_slice(&(u32::try_from(len).unwrap_or(u32::MAX)).to_be_bytes());
    }
}

/// Appends a non-negative integer in the smallest form.
pub(super) fn write_uint(out: &mut Vec<u8>, u: u64) {
    if u < 0x80 {
        out.push(u as u8);
    } else if u < 0x100 {
        out.extend_from_slice(&[0xcc, u as u8]);
    } else if u < 0x10000 {
        out.push(0xcd);
        out.extend_from_slice(&(u as u16).to_be_bytes());
    } else if u < 0x1_0000_0000 {
        out.push(0xce);
        out.extend_from_slice(&(u as u32).to_be_bytes());
    } else {
        out.push(0xcf);
        out.extend_from_slice(&u.to_be_bytes());
    }
}

/// Appends a negative integer in the smallest form (non-negative ones go to [`write_uint`]).
fn write_int(out: &mut Vec<u8>, i: i64) {
    if i >= 0 {
        write_uint(out, i as u64);
    } else if i >= -0x20 {
        out.push(i as u8);
    } else if i >= -0x80 {
        out.extend_from_slice(&[0xd0, i as u8]);
    } else if i >= -0x8000 {
        out.push(0xd1);
        out.extend_from_slice(&(i as i16).to_be_bytes());
    } else if i >= -0x8000_0000 {
        out.push(0xd2);
        out.extend_from_slice(&(i as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&i.to_be_bytes());
    }
}

/// Appends a float; integral values are integers in JavaScript and are written as such.
fn write_f64(out: &mut Vec<u8>, f: f64) {
    let integral = f.is_finite() && f.fract() == 0.0;
    if integral && (0.0..18_446_744_073_709_551_616.0).contains(&f) {
        write_uint(out, f as u64);
    } else if integral && (-9_223_372_036_854_775_808.0..0.0).contains(&f) {
        write_int(out, f as i64);
    } else {
        out.push(0xcb);
        out.extend_from_slice(&f.to_be_bytes());
    }
}
