//! Reads JSON text into a [`Value`], refusing nesting deeper than a limit while it reads.

use crate::parser::DecodeError;
use crate::value::Map;
use crate::Value;
use serde::de::{self, DeserializeSeed, Visitor};
use std::fmt;

/// The message of the error raised when the depth limit is hit, recognised when mapping errors.
const TOO_DEEP: &str = "nesting limit reached";

/// Parses `text` as one JSON value nested at most `max_depth` levels (an array or object is one level).
pub(super) fn parse(text: &str, max_depth: usize) -> Result<Value, DecodeError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = Bounded { depth: max_depth }
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v));
    value.map_err(|e| {
        let msg = e.to_string();
        if msg.starts_with(TOO_DEEP) || msg.starts_with("recursion limit exceeded") {
            DecodeError::TooDeep { limit: max_depth }
        } else {
            DecodeError::InvalidPayload
        }
    })
}

/// A value that may still open `depth` levels of arrays or objects.
#[derive(Clone, Copy)]
struct Bounded {
    depth: usize,
}

impl Bounded {
    fn inner<E: de::Error>(self) -> Result<Bounded, E> {
        match self.depth.checked_sub(1) {
            Some(depth) => Ok(Bounded { depth }),
            None => Err(E::custom(TOO_DEEP)),
        }
    }
}

impl<'de> DeserializeSeed<'de> for Bounded {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Bounded {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let inner = self.inner()?;
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(inner)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let inner = self.inner()?;
        let mut out = Map::new();
        while let Some(k) = map.next_key::<String>()? {
            let v = map.next_value_seed(inner)?;
            out.insert(k, v);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enforces_depth_and_syntax() {
        assert_eq!(parse("[[1]]", 2).unwrap().as_array().unwrap().len(), 1);
        assert_eq!(parse("[[1]]", 1), Err(DecodeError::TooDeep { limit: 1 }));
        assert_eq!(
            parse("{\"a\":{}}", 1),
            Err(DecodeError::TooDeep { limit: 1 })
        );
        assert_eq!(parse("1", 0).unwrap(), Value::from(1));
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert_eq!(parse(&deep, 500), Err(DecodeError::TooDeep { limit: 500 }));
        assert_eq!(parse("[1,]", 5), Err(DecodeError::InvalidPayload));
        assert_eq!(parse("[1] x", 5), Err(DecodeError::InvalidPayload));
        assert_eq!(parse(" [1] ", 5).unwrap(), Value::Array(vec![1.into()]));
    }

    #[test]
    fn keeps_key_order_and_last_duplicate() {
        let v = parse(r#"{"b":1,"a":2,"b":3}"#, 2).unwrap();
        let o = v.as_object().unwrap();
        assert_eq!(o.keys().collect::<Vec<_>>(), ["b", "a"]);
        assert_eq!(o["b"], Value::from(3));
    }
}
