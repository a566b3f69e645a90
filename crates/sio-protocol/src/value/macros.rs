//! `value!`: build a [`Value`](crate::Value) with JSON-like syntax, binary included.

/// Builds a [`Value`](crate::Value) with JSON-like syntax.
///
/// `null`, arrays and objects are written as in JSON (keys are string literals); anything else is a Rust
/// expression converted with `Value::from`, so `bytes::Bytes` and `Vec<u8>` become binary.
///
/// ```
/// use sio_protocol::{value, Value};
/// let file = bytes::Bytes::from_static(b"\x00\x01");
/// let v = value!({ "name": "a.bin", "size": 2, "data": file.clone(), "tags": ["x", null, -1.5] });
/// assert_eq!(v.get("data"), Some(&Value::Binary(file)));
/// assert_eq!(v.get("tags").and_then(Value::as_array).map(Vec::len), Some(3));
/// ```
///
/// Long literals may need a higher `#![recursion_limit]`, as the macro reads one token at a time.
#[macro_export]
macro_rules! value {
    (null) => {
        $crate::Value::Null
    };
    ([ $($tt:tt)* ]) => {
        $crate::Value::Array($crate::__value_array!([] () $($tt)*))
    };
    ({ $($tt:tt)* }) => {
        $crate::Value::Object({
            #[allow(unused_mut)]
            let mut map = $crate::value::Map::new();
            $crate::__value_object!(map () $($tt)*);
            map
        })
    };
    ($e:expr) => {
        $crate::Value::from($e)
    };
}

/// Reads the elements of a `value!` array.
#[doc(hidden)]
#[macro_export]
macro_rules! __value_array {
    ([$($done:expr,)*] ()) => {
        vec![$($done,)*]
    };
    ([$($done:expr,)*] ($($cur:tt)+)) => {
        vec![$($done,)* $crate::value!($($cur)+)]
    };
    ([$($done:expr,)*] ($($cur:tt)+) , $($rest:tt)*) => {
        $crate::__value_array!([$($done,)* $crate::value!($($cur)+),] () $($rest)*)
    };
    ([$($done:expr,)*] ($($cur:tt)*) $next:tt $($rest:tt)*) => {
        $crate::__value_array!([$($done,)*] ($($cur)* $next) $($rest)*)
    };
}

/// Reads the entries of a `value!` object.
#[doc(hidden)]
#[macro_export]
macro_rules! __value_object {
    ($map:ident ()) => {};
    ($map:ident () $key:literal : $($rest:tt)*) => {
        $crate::__value_object!($map [$key] () $($rest)*)
    };
    ($map:ident [$key:expr] ($($cur:tt)+)) => {
        $map.insert(::std::string::String::from($key), $crate::value!($($cur)+));
    };
    ($map:ident [$key:expr] ($($cur:tt)+) , $($rest:tt)*) => {
        $map.insert(::std::string::String::from($key), $crate::value!($($cur)+));
        $crate::__value_object!($map () $($rest)*);
    };
    ($map:ident [$key:expr] ($($cur:tt)*) $next:tt $($rest:tt)*) => {
        $crate::__value_object!($map [$key] ($($cur)* $next) $($rest)*)
    };
}
