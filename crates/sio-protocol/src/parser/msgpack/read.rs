//! Reads msgpack as `notepack.io` does, with bounds on nesting and on every declared length.

use crate::parser::{js_number, DecodeError};
use crate::value::{js_string, Map};
use crate::Value;
use bytes::Bytes;

/// A cursor over one msgpack frame.
pub(super) struct Reader<'a> {
    buf: &'a Bytes,
    pos: usize,
    max_depth: usize,
}

/// A decoded item: a value, or JavaScript's `undefined` (`fixext 1` of type 0).
pub(super) enum Item {
    Value(Value),
    Undefined,
}

impl Item {
    fn or_null(self) -> Value {
        match self {
            Item::Value(v) => v,
            Item::Undefined => Value::Null,
        }
    }
}

const BAD: DecodeError = DecodeError::InvalidPayload;

impl<'a> Reader<'a> {
    /// A reader over `buf` that refuses arrays and maps nested deeper than `max_depth`.
    pub(super) fn new(buf: &'a Bytes, max_depth: usize) -> Self {
        Reader {
            buf,
            pos: 0,
            max_depth,
        }
    }

    /// Whether every byte has been read.
    pub(super) fn at_end(&self) -> bool {
        self.pos == self.buf.len()
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n).ok_or(BAD)?;
        let slice = self.buf.get(self.pos..end).ok_or(BAD)?;
        self.pos = end;
        Ok(slice)
    }

    fn take_bytes(&mut self, n: usize) -> Result<Bytes, DecodeError> {
        let start = self.pos;
        self.take(n)?;
        Ok(self.buf.slice(start..self.pos))
    }

    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        self.take(N)?.try_into().map_err(|_| BAD)
    }

    fn len(&mut self, width: usize) -> Result<usize, DecodeError> {
        Ok(match width {
            1 => self.u8()? as usize,
            2 => u16::from_be_bytes(self.array()?) as usize,
            _ => u32::from_be_bytes(self.array()?) as usize,
        })
    }

    /// Reads one whole item, arrays and maps nested at most `depth` levels. It does not recurse: the
    /// arrays and maps being read are kept in `open`, whose memory the caller reuses from one call to the
    /// next, so any nesting takes no stack.
    pub(super) fn item(&mut self, depth: usize, open: &mut Scratch) -> Result<Item, DecodeError> {
        open.0.clear();
        let item = self.item_in(depth, &mut open.0);
        // Do not keep the memory of one exceptionally deep frame.
        open.0.clear();
        open.0.shrink_to(16);
        item
    }

    fn item_in(&mut self, depth: usize, open: &mut Vec<Open>) -> Result<Item, DecodeError> {
        'item: loop {
            let prefix = self.u8()?;
            let header = match prefix {
                0x80..=0x8f => Some((true, (prefix & 0x0f) as usize)),
                0x90..=0x9f => Some((false, (prefix & 0x0f) as usize)),
                0xdc | 0xdd => Some((false, self.len(2 << (prefix - 0xdc))?)),
                0xde | 0xdf => Some((true, self.len(2 << (prefix - 0xde))?)),
                _ => None,
            };
            let mut done = match header {
                None => self.scalar(prefix)?,
                Some((is_map, n)) => {
                    if open.len() >= depth {
                        return Err(DecodeError::TooDeep {
                            limit: self.max_depth,
                        });
                    }
                    // Every element takes at least one byte (an entry two): a longer count is a lie,
                    // refused before allocating. The room reserved is capped too, or nested arrays that
                    // each claim the rest of the frame would reserve it once per level.
                    if n > self.remaining() / if is_map { 2 } else { 1 } {
                        return Err(BAD);
                    }
                    let room = n.min(PREALLOCATED);
                    match (is_map, n) {
                        (true, 0) => Item::Value(Value::Object(Map::new())),
                        (false, 0) => Item::Value(Value::Array(Vec::new())),
                        (true, _) => {
                            open.push(Open::Map(Map::with_capacity(room), n, None));
                            continue 'item;
                        }
                        (false, _) => {
                            open.push(Open::Seq(Vec::with_capacity(room), n));
                            continue 'item;
                        }
                    }
                }
            };
            // Hand the item to the innermost open array or map, closing those that end here.
            loop {
                match open.last_mut() {
                    None => return Ok(done),
                    Some(Open::Seq(items, left)) => {
                        items.push(done.or_null());
                        *left -= 1;
                    }
                    Some(Open::Map(map, left, key)) => match key.take() {
                        None => {
                            *key = Some(map_key(done)?);
                            continue 'item;
                        }
                        // Entries whose value is `undefined` are left out, as `JSON.stringify` would.
                        Some(key) => {
                            match done {
                                Item::Value(v) => {
                                    map.insert(key, v);
                                }
                                Item::Undefined => {
                                    map.shift_remove(&key);
                                }
                            }
                            *left -= 1;
                        }
                    },
                }
                let closed = match open.last() {
                    Some(Open::Seq(_, 0) | Open::Map(_, 0, _)) => open.pop(),
                    _ => continue 'item,
                };
                done = Item::Value(match closed {
                    Some(Open::Seq(items, _)) => Value::Array(items),
                    Some(Open::Map(map, ..)) => Value::Object(map),
                    None => return Err(BAD),
                });
            }
        }
    }

    /// Reads an item that is neither an array nor a map, its prefix byte already read.
    #[inline(never)]
    fn scalar(&mut self, prefix: u8) -> Result<Item, DecodeError> {
        let value = match prefix {
            0x00..=0x7f => Value::from(prefix),
            0xa0..=0xbf => self.str((prefix & 0x1f) as usize)?,
            0xe0..=0xff => Value::from(prefix as i8),
            0xc0 => Value::Null,
            0xc2 => Value::Bool(false),
            0xc3 => Value::Bool(true),
            0xc4..=0xc6 => {
                let n = self.len(1 << (prefix - 0xc4))?;
                Value::Binary(self.take_bytes(n)?)
            }
            0xc7..=0xc9 => {
                let n = self.len(1 << (prefix - 0xc7))?;
                let ext = self.u8()? as i8;
                self.ext(ext, n)?
            }
            0xca => Value::from(f32::from_be_bytes(self.array()?)),
            0xcb => Value::from(f64::from_be_bytes(self.array()?)),
            0xcc => Value::from(self.u8()?),
            0xcd => Value::from(u16::from_be_bytes(self.array()?)),
            0xce => Value::from(u32::from_be_bytes(self.array()?)),
            0xcf => Value::from(u64::from_be_bytes(self.array()?)),
            0xd0 => Value::from(self.u8()? as i8),
            0xd1 => Value::from(i16::from_be_bytes(self.array()?)),
            0xd2 => Value::from(i32::from_be_bytes(self.array()?)),
            0xd3 => Value::from(i64::from_be_bytes(self.array()?)),
            0xd4 => {
                let ext = self.u8()? as i8;
                if ext == 0 {
                    self.take(1)?;
                    return Ok(Item::Undefined);
                }
                self.ext(ext, 1)?
            }
            0xd5 => {
                let ext = self.u8()? as i8;
                self.ext(ext, 2)?
            }
            0xd6 => {
                let ext = self.u8()? as i8;
                self.ext(ext, 4)?
            }
            0xd7 => {
                let ext = self.u8()? as i8;
                if ext == 0 {
                    // A JavaScript Date: milliseconds since the epoch.
                    let hi = i32::from_be_bytes(self.array()?) as f64;
                    let lo = u32::from_be_bytes(self.array()?) as f64;
                    return Ok(Item::Value(Value::from(hi * 4_294_967_296.0 + lo)));
                }
                self.ext(ext, 8)?
            }
            0xd8 => {
                let ext = self.u8()? as i8;
                self.ext(ext, 16)?
            }
            0xd9..=0xdb => {
                let n = self.len(1 << (prefix - 0xd9))?;
                self.str(n)?
            }
            // 0xc1, and the containers, read by `item`.
            _ => return Err(BAD),
        };
        Ok(Item::Value(value))
    }

    /// An extension: type 0 is an `ArrayBuffer` (binary), others read as `[type, bytes]` as notepack does.
    fn ext(&mut self, ext: i8, n: usize) -> Result<Value, DecodeError> {
        let bytes = self.take_bytes(n)?;
        Ok(if ext == 0 {
            Value::Binary(bytes)
        } else {
            Value::Array(vec![Value::from(ext), Value::Binary(bytes)])
        })
    }

    fn str(&mut self, n: usize) -> Result<Value, DecodeError> {
        // Invalid UTF-8 is replaced, as Node's `buffer.toString("utf8")` does.
        let text = String::from_utf8_lossy(self.take(n)?).into_owned();
        Ok(Value::String(js_string::from_received(text)))
    }

    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }
}

/// The room reserved at most for the elements of an array or map before they are read.
const PREALLOCATED: usize = 64;

/// The arrays and maps open while an item is read, innermost last.
#[derive(Debug, Default)]
pub(crate) struct Scratch(Vec<Open>);

impl Clone for Scratch {
    /// A fresh one: it holds nothing between two reads.
    fn clone(&self) -> Self {
        Scratch::default()
    }
}

/// An array or map being read, with the number of elements (entries) still to read.
#[derive(Debug)]
enum Open {
    Seq(Vec<Value>, usize),
    /// The entries so far, the entries to read, and the key read whose value comes next.
    Map(Map, usize, Option<String>),
}

/// A map key as `notepack.io` reads it into a JavaScript object (keys become strings).
fn map_key(item: Item) -> Result<String, DecodeError> {
    Ok(match item {
        Item::Value(Value::String(s)) => s,
        Item::Value(Value::Number(n)) => js_number::to_string(&n),
        Item::Value(Value::Bool(b)) => b.to_string(),
        Item::Value(Value::Null) => "null".to_string(),
        Item::Undefined => "undefined".to_string(),
        Item::Value(_) => return Err(BAD),
    })
}
