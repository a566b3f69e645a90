//! Reading event arguments and acknowledgement answers as typed values, by one rule: `Vec<Value>` is
//! taken as is, a tuple reads several arguments, anything else the first one.

use crate::errors::AckError;
use serde::de::DeserializeOwned;
use sio_protocol::Value;
use std::any::Any;

/// Reads event arguments as `T` (`Vec<Value>` is taken as is, without conversion or allocation).
pub(crate) fn decode_args<T: DeserializeOwned + 'static>(
    args: Vec<Value>,
) -> Result<T, sio_protocol::value::Error> {
    let mut slot = Some(args);
    if let Some(same) = (&mut slot as &mut dyn Any).downcast_mut::<Option<T>>() {
        if let Some(args) = same.take() {
            return Ok(args);
        }
    }
    sio_protocol::value::from_args(slot.unwrap_or_default())
}

/// Reads an answer (all its arguments) as `T`, by the rules of event arguments.
pub(crate) fn decode_answer<T: DeserializeOwned + 'static>(
    args: Vec<Value>,
) -> Result<T, AckError> {
    decode_args(args).map_err(AckError::Deserialize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_typed_and_dynamic_arguments() {
        let args = vec![Value::from(1), Value::from("2")];
        let all: Vec<Value> = decode_args(args.clone()).unwrap();
        assert_eq!(all, args);
        let (a, b): (u32, String) = decode_args(args.clone()).unwrap();
        assert_eq!((a, b.as_str()), (1, "2"));
        let first: u32 = decode_args(args.clone()).unwrap();
        assert_eq!(first, 1);
        assert!(decode_args::<String>(args).is_err());
    }
}
