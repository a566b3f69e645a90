//! JavaScript strings inside a Rust `String`: how a [`Value::String`](super::Value::String) keeps a lone
//! surrogate.
//!
//! A JavaScript string is UTF-16 and may hold a lone surrogate (a string cut in the middle of an emoji);
//! `JSON.stringify` writes one as an escape (`"\ud800"`) and the official parser echoes it unchanged. A Rust
//! `String` cannot hold one, so a value string uses an internal form, identical to the text for every
//! string that has neither a lone surrogate nor one of the 2 049 code points below:
//!
//! - a lone surrogate `U+D800 + k` is the *stand-in* character `U+10D800 + k` (Supplementary Private Use
//!   Area-B), one character as in JavaScript;
//! - a stand-in or `U+10FFFF` (a noncharacter) that a peer really sent is kept as `U+10FFFF` followed by
//!   it, so what a peer sends is never mistaken for a lone surrogate.
//!
//! The decoders read into this form and the encoders write it back: a lone surrogate travels to a JSON peer
//! as its escape (the sender gets back exactly what it sent, as from the official server) and to a msgpack
//! peer as U+FFFD (what Node's UTF-8 encoder writes for it). Where Rust needs text, lone surrogates become
//! U+FFFD: deserialising a value string into `String`, `&str`, `char` or a map key goes through
//! [`to_text_lossy`], as does the msgpack encoder.
//!
//! Strings built in Rust (`Value::from`, [`to_value`](super::to_value), the `Value` of another serde format)
//! are taken as they are, in this form, so that converting a `Value` to and from serde stays lossless; a
//! Rust text holding `U+10D800..=U+10DFFF` or `U+10FFFF` is therefore read as the form describes. Those
//! are private-use and noncharacter code points, which no text meant for interchange holds.

use std::borrow::Cow;

/// The character that makes the next stand-in (or itself) literal.
pub(crate) const ESCAPE: char = '\u{10FFFF}';
/// The stand-in of the lone surrogate `u` is `STAND_IN_OFFSET + u`.
const STAND_IN_OFFSET: u32 = 0x10_0000;
/// The lead byte of every stand-in and of [`ESCAPE`] in UTF-8 (also of any other code point from
/// U+100000 on): a string without it is the same in the internal form and as text.
pub(crate) const LEAD: u8 = 0xF4;

/// The stand-in for the lone surrogate `unit`, `None` when `unit` is not a surrogate.
///
/// ```
/// use sio_protocol::value::js_string::{lone_surrogate, to_utf16};
/// let s: String = ['a', lone_surrogate(0xd800).unwrap()].iter().collect();
/// assert_eq!(to_utf16(&s), [0x61, 0xd800]);
/// ```
pub fn lone_surrogate(unit: u16) -> Option<char> {
    (0xD800..=0xDFFF)
        .contains(&unit)
        .then(|| char::from_u32(STAND_IN_OFFSET + u32::from(unit)))
        .flatten()
}

/// The lone surrogate a stand-in character stands for.
fn stand_in_unit(c: char) -> Option<u16> {
    let unit = u32::from(c).checked_sub(STAND_IN_OFFSET)?;
    (0xD800..=0xDFFF).contains(&unit).then_some(unit as u16)
}

/// Whether `c` has a meaning in the internal form (a stand-in or the escape).
fn is_special(c: char) -> bool {
    c == ESCAPE || stand_in_unit(c).is_some()
}

/// Appends a character received as text (not as an escape) from a peer.
#[inline]
pub(crate) fn push_received(out: &mut String, c: char) {
    if is_special(c) {
        out.push(ESCAPE);
    }
    out.push(c);
}

/// Turns text received from a peer into the internal form (no work unless it has a [`LEAD`] byte).
#[cfg_attr(not(feature = "msgpack"), allow(dead_code))]
pub(crate) fn from_received(text: String) -> String {
    if !text.as_bytes().contains(&LEAD) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 4);
    text.chars().for_each(|c| push_received(&mut out, c));
    out
}

/// One unit of a string in the internal form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Piece {
    /// A character.
    Char(char),
    /// A lone surrogate.
    Lone(u16),
}

/// The pieces of `s` (internal form), and the number of bytes of `s` they take.
pub(crate) fn next_piece(s: &str) -> Option<(Piece, usize)> {
    let mut chars = s.chars();
    let c = chars.next()?;
    if c == ESCAPE {
        if let Some(next) = chars.next().filter(|&n| is_special(n)) {
            return Some((Piece::Char(next), c.len_utf8() + next.len_utf8()));
        }
    }
    Some(match stand_in_unit(c) {
        Some(unit) => (Piece::Lone(unit), c.len_utf8()),
        None => (Piece::Char(c), c.len_utf8()),
    })
}

fn pieces(s: &str) -> impl Iterator<Item = Piece> + '_ {
    let mut rest = s;
    std::iter::from_fn(move || {
        let (piece, len) = next_piece(rest)?;
        rest = &rest[len..];
        Some(piece)
    })
}

/// The text of a value string: lone surrogates become U+FFFD, as Node's UTF-8 encoder writes them.
/// Borrowed (no work beyond one scan) for any string without a stand-in or escape.
pub fn to_text_lossy(s: &str) -> Cow<'_, str> {
    if !s.as_bytes().contains(&LEAD) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut changed = false;
    for piece in pieces(s) {
        match piece {
            Piece::Char(c) => {
                changed |= is_special(c);
                out.push(c);
            }
            Piece::Lone(_) => {
                changed = true;
                out.push(char::REPLACEMENT_CHARACTER);
            }
        }
    }
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(s)
    }
}

/// Like [`to_text_lossy`], keeping the `String` when nothing changes.
pub(crate) fn into_text_lossy(s: String) -> String {
    match to_text_lossy(&s) {
        Cow::Borrowed(_) => s,
        Cow::Owned(text) => text,
    }
}

/// The UTF-16 code units of a value string, lone surrogates included: the JavaScript string it stands for.
pub fn to_utf16(s: &str) -> Vec<u16> {
    let mut out = Vec::with_capacity(s.len());
    for piece in pieces(s) {
        match piece {
            Piece::Char(c) => out.extend_from_slice(c.encode_utf16(&mut [0; 2])),
            Piece::Lone(unit) => out.push(unit),
        }
    }
    out
}

/// The value string of any JavaScript string (UTF-16 code units, lone surrogates allowed).
pub fn from_utf16(units: &[u16]) -> String {
    let mut out = String::with_capacity(units.len());
    for unit in char::decode_utf16(units.iter().copied()) {
        match unit {
            Ok(c) => push_received(&mut out, c),
            Err(e) => out.extend(lone_surrogate(e.unpaired_surrogate())),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_round_trips_with_lone_surrogates_and_literal_specials() {
        let cases: [&[u16]; 7] = [
            &[],
            &[0x61, 0xd83d, 0xde00, 0x62],
            &[0xd800],
            &[0xdfff, 0xd800, 0x61],
            // U+10D800 and U+10FFFF sent for real: a surrogate pair each.
            &[0xdbf6, 0xdc00, 0xdbff, 0xdfff, 0xd800],
            &[0xdbff, 0xdfff],
            &[0xd83d, 0xd83d, 0xde00],
        ];
        for units in cases {
            let s = from_utf16(units);
            assert_eq!(to_utf16(&s), units, "{s:?}");
            let text = to_text_lossy(&s);
            assert_eq!(text, String::from_utf16_lossy(units), "{s:?}");
        }
    }

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(to_text_lossy("héllo 😀"), Cow::Borrowed(_)));
        // A code point from U+100000 on that is not special is not copied either.
        assert!(matches!(to_text_lossy("\u{100000}"), Cow::Borrowed(_)));
        assert_eq!(from_received("\u{10D800}".into()), "\u{10FFFF}\u{10D800}");
        assert_eq!(lone_surrogate(0xd7ff), None);
        assert_eq!(lone_surrogate(0xdc00), Some('\u{10DC00}'));
    }
}
