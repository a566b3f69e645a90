//! Event arguments: a tuple is a list of arguments, any other type is one argument.

use super::ser::{MapBuilder, SeqBuilder, VariantMapBuilder, VariantSeqBuilder};
use super::{to_value, Error, Value, ValueSerializer};
use serde::de::{self, DeserializeOwned, Visitor};
use serde::forward_to_deserialize_any;
use serde::ser::{self, Serialize};

/// Turns a serde type into event or ack arguments.
///
/// A tuple gives one argument per element (`("a", 1)` is two arguments), `()` gives none, and any other type
/// is a single argument (a `Vec`, a struct, a tuple struct, a string...).
pub fn to_args<T: Serialize + ?Sized>(value: &T) -> Result<Vec<Value>, Error> {
    value.serialize(ArgsSerializer)
}

/// Reads event or ack arguments as a serde type, the reverse of [`to_args`].
///
/// A tuple takes the arguments in order; missing trailing arguments read as `null` (so they may be
/// `Option`s) and extra ones are ignored, as a JavaScript listener would. `()` accepts any arguments. Any
/// other type is read from the first argument. To get every argument as a list, keep the `Vec<Value>`.
pub fn from_args<T: DeserializeOwned>(args: Vec<Value>) -> Result<T, Error> {
    T::deserialize(ArgsDeserializer(args))
}

struct ArgsDeserializer(Vec<Value>);

impl ArgsDeserializer {
    fn first(self) -> Value {
        self.0.into_iter().next().unwrap_or(Value::Null)
    }
}

macro_rules! from_first {
    ($($method:ident),*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
                de::Deserializer::$method(self.first(), visitor)
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for ArgsDeserializer {
    type Error = Error;

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Error> {
        let mut args = self.0;
        args.resize(len, Value::Null);
        de::Deserializer::deserialize_tuple(Value::Array(args), len, visitor)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_newtype_struct(self.first(), name, visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_tuple_struct(self.first(), name, len, visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_struct(self.first(), name, fields, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_enum(self.first(), name, variants, visitor)
    }

    from_first!(
        deserialize_any,
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_option,
        deserialize_seq,
        deserialize_map,
        deserialize_identifier
    );

    forward_to_deserialize_any! { i128 u128 }
}

struct ArgsSerializer;

/// Wraps a builder of one value so that it yields a single argument.
struct One<B>(B);

/// Collects the elements of a tuple as arguments.
struct TupleArgs(Vec<Value>);

macro_rules! one_value {
    ($($method:ident($($arg:ident: $t:ty),*)),* $(,)?) => {
        $(
            fn $method(self, $($arg: $t),*) -> Result<Vec<Value>, Error> {
                Ok(vec![ValueSerializer.$method($($arg),*)?])
            }
        )*
    };
}

impl ser::Serializer for ArgsSerializer {
    type Ok = Vec<Value>;
    type Error = Error;
    type SerializeSeq = One<SeqBuilder>;
    type SerializeTuple = TupleArgs;
    type SerializeTupleStruct = One<SeqBuilder>;
    type SerializeTupleVariant = One<VariantSeqBuilder>;
    type SerializeMap = One<MapBuilder>;
    type SerializeStruct = One<MapBuilder>;
    type SerializeStructVariant = One<VariantMapBuilder>;

    one_value!(
        serialize_bool(v: bool),
        serialize_i8(v: i8),
        serialize_i16(v: i16),
        serialize_i32(v: i32),
        serialize_i64(v: i64),
        serialize_i128(v: i128),
        serialize_u8(v: u8),
        serialize_u16(v: u16),
        serialize_u32(v: u32),
        serialize_u64(v: u64),
        serialize_u128(v: u128),
        serialize_f32(v: f32),
        serialize_f64(v: f64),
        serialize_char(v: char),
        serialize_str(v: &str),
        serialize_bytes(v: &[u8]),
        serialize_none(),
        serialize_unit_struct(name: &'static str),
        serialize_unit_variant(name: &'static str, index: u32, variant: &'static str),
    );

    fn serialize_unit(self) -> Result<Vec<Value>, Error> {
        Ok(Vec::new())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Vec<Value>, Error> {
        Ok(vec![to_value(value)?])
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Vec<Value>, Error> {
        Ok(vec![to_value(value)?])
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Vec<Value>, Error> {
        Ok(vec![
            ValueSerializer.serialize_newtype_variant(name, index, variant, value)?
        ])
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<One<SeqBuilder>, Error> {
        Ok(One(ValueSerializer.serialize_seq(len)?))
    }
    fn serialize_tuple(self, len: usize) -> Result<TupleArgs, Error> {
        Ok(TupleArgs(Vec::with_capacity(len)))
    }
    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<One<SeqBuilder>, Error> {
        Ok(One(ValueSerializer.serialize_tuple_struct(name, len)?))
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<One<VariantSeqBuilder>, Error> {
        Ok(One(
            ValueSerializer.serialize_tuple_variant(name, index, variant, len)?
        ))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<One<MapBuilder>, Error> {
        Ok(One(ValueSerializer.serialize_map(len)?))
    }
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<One<MapBuilder>, Error> {
        Ok(One(ValueSerializer.serialize_struct(name, len)?))
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<One<VariantMapBuilder>, Error> {
        Ok(One(
            ValueSerializer.serialize_struct_variant(name, index, variant, len)?
        ))
    }
}

impl ser::SerializeTuple for TupleArgs {
    type Ok = Vec<Value>;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.0.push(to_value(value)?);
        Ok(())
    }
    fn end(self) -> Result<Vec<Value>, Error> {
        Ok(self.0)
    }
}

impl ser::SerializeSeq for One<SeqBuilder> {
    type Ok = Vec<Value>;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.0.serialize_element(value)
    }
    fn end(self) -> Result<Vec<Value>, Error> {
        Ok(vec![ser::SerializeSeq::end(self.0)?])
    }
}

impl ser::SerializeTupleStruct for One<SeqBuilder> {
    type Ok = Vec<Value>;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(&mut self.0, value)
    }
    fn end(self) -> Result<Vec<Value>, Error> {
        Ok(vec![ser::SerializeSeq::end(self.0)?])
    }
}

impl ser::SerializeTupleVariant for One<VariantSeqBuilder> {
    type Ok = Vec<Value>;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.0.serialize_field(value)
    }
    fn end(self) -> Result<Vec<Value>, Error> {
        Ok(vec![self.0.end()?])
    }
}

impl ser::SerializeMap for One<MapBuilder> {
    type Ok = Vec<Value>;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.0.serialize_key(key)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.0.serialize_value(value)
    }
    fn end(self) -> Result<Vec<Value>, Error> {
        Ok(vec![ser::SerializeMap::end(self.0)?])
    }
}

impl ser::SerializeStruct for One<MapBuilder> {
    type Ok = Vec<Value>;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        ser::SerializeStruct::serialize_field(&mut self.0, key, value)
    }
    fn end(self) -> Result<Vec<Value>, Error> {
        Ok(vec![ser::SerializeStruct::end(self.0)?])
    }
}

impl ser::SerializeStructVariant for One<VariantMapBuilder> {
    type Ok = Vec<Value>;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.0.serialize_field(key, value)
    }
    fn end(self) -> Result<Vec<Value>, Error> {
        Ok(vec![self.0.end()?])
    }
}
