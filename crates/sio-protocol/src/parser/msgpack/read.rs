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

    /// Reads one item, `depth` levels of nesting still allowed.
    pub(super) fn item(&mut self, depth: usize) -> Result<Item, DecodeError> {
        let prefix = self.u8()?;
        let value = match prefix {
            0x00..=0x7f => Value::from(prefix),
            0x80..=0x8f => self.map((prefix & 0x0f) as usize, depth)?,
            0x90..=0x9f => self.seq((prefix & 0x0f) as usize, depth)?,
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
            0xdc | 0xdd => {
                let n = self.len(2 << (prefix - 0xdc))?;
                self.seq(n, depth)?
            }
            0xde | 0xdf => {
                let n = self.len(2 << (prefix - 0xde))?;
                self.map(n, depth)?
            }
            0xc1 => return Err(BAD),
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

    fn seq(&mut self, n: usize, depth: usize) -> Result<Value, DecodeError> {
        let depth = self.deeper(depth)?;
        // Every element takes at least one byte: a longer count is a lie, refused before allocating.
        if n > self.remaining() {
            return Err(BAD);
        }
        let mut items = Vec::with_capacity(n);
        for _ in 0..n {
            items.push(self.item(depth)?.or_null());
        }
        Ok(Value::Array(items))
    }

    fn map(&mut self, n: usize, depth: usize) -> Result<Value, DecodeError> {
        self.map_entries(n, depth).map(Value::Object)
    }

    /// Reads `n` entries; entries whose value is `undefined` are left out, as `JSON.stringify` would.
    pub(super) fn map_entries(&mut self, n: usize, depth: usize) -> Result<Map, DecodeError> {
        let depth = self.deeper(depth)?;
        if n > self.remaining() / 2 {
            return Err(BAD);
        }
        let mut map = Map::with_capacity(n);
        for _ in 0..n {
            let key = match self.item(depth)? {
                Item::Value(Value::String(s)) => s,
                Item::Value(Value::Number(n)) => js_number::to_string(&n),
                Item::Value(Value::Bool(b)) => b.to_string(),
                Item::Value(Value::Null) => "null".to_string(),
                Item::Undefined => "undefined".to_string(),
                Item::Value(_) => return Err(BAD),
            };
            match self.item(depth)? {
                Item::Value(v) => {
                    map.insert(key, v);
                }
                Item::Undefined => {
                    map.shift_remove(&key);
                }
            }
        }
        Ok(map)
    }

    fn deeper(&self, depth: usize) -> Result<usize, DecodeError> {
        depth.checked_sub(1).ok_or(DecodeError::TooDeep {
            limit: self.max_depth,
        })
    }
}
