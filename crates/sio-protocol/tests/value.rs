//! The serde bridge of the payload value model: to_value, from_value, to_args, from_args.

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use sio_protocol::value::{from_args, from_value, to_args, to_value, Error, Map};
use sio_protocol::Value;

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Upload {
    name: String,
    #[serde(with = "serde_bytes")]
    data: Vec<u8>,
    chunks: Vec<Bytes>,
    meta: Option<Meta>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Meta {
    size: u32,
    ratio: f64,
    tags: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
enum Shape {
    Empty,
    Circle(f64),
    Point(i32, i32),
    Rect { w: u32, h: u32 },
}

fn obj(entries: &[(&str, Value)]) -> Value {
    Value::Object(
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

#[test]
fn bytes_become_binary_while_serialising() {
    let upload = Upload {
        name: "a.bin".into(),
        data: vec![1, 2, 3],
        chunks: vec![Bytes::from_static(&[4]), Bytes::from_static(&[5, 6])],
        meta: Some(Meta {
            size: 3,
            ratio: 0.5,
            tags: vec!["x".into()],
        }),
    };
    let v = to_value(&upload).unwrap();
    assert_eq!(
        v,
        obj(&[
            ("name", "a.bin".into()),
            ("data", Value::Binary(Bytes::from_static(&[1, 2, 3]))),
            (
                "chunks",
                Value::Array(vec![
                    Value::Binary(Bytes::from_static(&[4])),
                    Value::Binary(Bytes::from_static(&[5, 6]))
                ])
            ),
            (
                "meta",
                obj(&[
                    ("size", 3u32.into()),
                    ("ratio", 0.5.into()),
                    ("tags", Value::Array(vec!["x".into()])),
                ])
            ),
        ])
    );
    assert!(v.has_binary());
    let back: Upload = from_value(v).unwrap();
    assert_eq!(back, upload);
}

#[test]
fn key_order_is_kept() {
    let v = to_value(&Meta {
        size: 1,
        ratio: 2.5,
        tags: vec![],
    })
    .unwrap();
    let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["size", "ratio", "tags"]);
}

#[test]
fn enums_look_like_serde_json() {
    for shape in [
        Shape::Empty,
        Shape::Circle(1.5),
        Shape::Point(-1, 2),
        Shape::Rect { w: 3, h: 4 },
    ] {
        let v = to_value(&shape).unwrap();
        let json = serde_json::to_value(&shape).unwrap();
        assert_eq!(v, Value::from(json));
        assert_eq!(from_value::<Shape>(v).unwrap(), shape);
    }
}

#[test]
fn plain_vec_u8_is_an_array_through_serde_but_binary_through_from() {
    assert_eq!(
        to_value(&vec![1u8, 2]).unwrap(),
        Value::Array(vec![1u8.into(), 2u8.into()])
    );
    assert_eq!(
        Value::from(vec![1u8, 2]),
        Value::Binary(Bytes::from_static(&[1, 2]))
    );
    // Binary reads back as a Vec<u8> too.
    let v: Vec<u8> = from_value(Value::Binary(Bytes::from_static(&[7, 8]))).unwrap();
    assert_eq!(v, [7, 8]);
    let b: Bytes = from_value(Value::Binary(Bytes::from_static(&[9]))).unwrap();
    assert_eq!(&b[..], [9]);
    let fixed: [u8; 2] = from_value(Value::Binary(Bytes::from_static(&[1, 2]))).unwrap();
    assert_eq!(fixed, [1, 2]);
}

#[test]
fn value_round_trips_through_serde_json_and_itself() {
    let text = r#"{"z":1,"a":[true,null,-3,1.25,"s"],"m":{"k":{}}}"#;
    let v: Value = serde_json::from_str(text).unwrap();
    let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["z", "a", "m"]);
    assert_eq!(serde_json::to_string(&v).unwrap(), text);
    assert_eq!(to_value(&v).unwrap(), v);
    assert_eq!(from_value::<Value>(v.clone()).unwrap(), v);
    let bin = Value::Array(vec![Value::Binary(Bytes::from_static(b"hi"))]);
    assert_eq!(to_value(&bin).unwrap(), bin);
    assert_eq!(from_value::<Value>(bin.clone()).unwrap(), bin);
}

#[test]
fn tuples_and_tuple_structs_read_from_arrays() {
    #[derive(Debug, Deserialize, PartialEq)]
    struct Pair(String, u8);
    let arr = Value::Array(vec!["a".into(), 1u8.into()]);
    assert_eq!(
        from_value::<(String, u8)>(arr.clone()).unwrap(),
        ("a".to_string(), 1)
    );
    assert_eq!(from_value::<Pair>(arr).unwrap(), Pair("a".into(), 1));
}

#[test]
fn args_are_tuples_or_one_value() {
    assert_eq!(
        to_args(&("a", 1, true)).unwrap(),
        vec![Value::from("a"), 1.into(), true.into()]
    );
    assert_eq!(to_args(&()).unwrap(), vec![]);
    assert_eq!(to_args(&"one").unwrap(), vec![Value::from("one")]);
    assert_eq!(
        to_args(&vec![1, 2]).unwrap(),
        vec![Value::Array(vec![1.into(), 2.into()])]
    );
    let args = vec![Value::from("x"), Value::from(2)];
    let (a, b, c): (String, u32, Option<bool>) = from_args(args.clone()).unwrap();
    assert_eq!((a.as_str(), b, c), ("x", 2, None));
    let first: String = from_args(args.clone()).unwrap();
    assert_eq!(first, "x");
    from_args::<()>(args).unwrap();
    let none: Option<u8> = from_args(vec![]).unwrap();
    assert_eq!(none, None);
    let meta: Meta = from_args(vec![obj(&[
        ("size", 1.into()),
        ("ratio", 1.into()),
        ("tags", Value::Array(vec![])),
    ])])
    .unwrap();
    assert_eq!(meta.size, 1);
}

#[test]
fn errors_are_typed() {
    assert!(matches!(
        from_value::<u8>(Value::from("x")),
        Err(Error::InvalidType { .. })
    ));
    assert!(matches!(
        from_value::<(u8, u8)>(Value::Array(vec![1.into()])),
        Err(Error::InvalidLength { .. })
    ));
    assert_eq!(
        from_value::<Meta>(obj(&[("size", 1.into())])),
        Err(Error::MissingField("ratio"))
    );
    assert!(matches!(
        from_value::<Shape>(Value::from("Hexagon")),
        Err(Error::UnknownVariant(v)) if v == "Hexagon"
    ));
    let mut bad = std::collections::BTreeMap::new();
    bad.insert(vec![1u8], 1);
    assert_eq!(to_value(&bad), Err(Error::KeyMustBeString));
    assert_eq!(to_value(&u128::MAX), Err(Error::NumberOutOfRange));
}

#[test]
fn numeric_keys_and_special_floats() {
    let mut m = std::collections::BTreeMap::new();
    m.insert(3u32, "c");
    let v = to_value(&m).unwrap();
    assert_eq!(v, obj(&[("3", "c".into())]));
    let back: std::collections::BTreeMap<u32, String> = from_value(v).unwrap();
    assert_eq!(back[&3], "c");
    assert_eq!(to_value(&f64::NAN).unwrap(), Value::Null);
    assert_eq!(Value::from(f64::INFINITY), Value::Null);
}

#[test]
fn from_conversions() {
    assert_eq!(Value::from(Some("a")), Value::String("a".into()));
    assert_eq!(Value::from(None::<u8>), Value::Null);
    let arr: Value = [1, 2].into_iter().collect();
    assert_eq!(arr, Value::Array(vec![1.into(), 2.into()]));
    let mut m = Map::new();
    m.insert("k".into(), true.into());
    assert_eq!(Value::from(m.clone()).get("k"), Some(&Value::Bool(true)));
    assert_eq!(
        Value::from(serde_json::json!({"a": [1]})),
        obj(&[("a", Value::Array(vec![1.into()]))])
    );
}

#[test]
fn borrowed_values_lend_strings_and_bytes() {
    use sio_protocol::value::from_value_ref;
    #[derive(Deserialize)]
    struct View<'a> {
        name: &'a str,
        #[serde(borrow)]
        data: &'a [u8],
        shape: Shape,
        n: Option<u8>,
    }
    let v = obj(&[
        ("name", "x".into()),
        ("data", Value::Binary(Bytes::from_static(&[1, 2]))),
        ("shape", to_value(&Shape::Point(1, 2)).unwrap()),
        ("n", Value::Null),
    ]);
    let view: View = from_value_ref(&v).unwrap();
    assert_eq!(
        (view.name, view.data, view.shape, view.n),
        ("x", &[1u8, 2][..], Shape::Point(1, 2), None)
    );
    let (a, b): (String, Vec<u8>) = from_value_ref(&Value::Array(vec![
        "s".into(),
        Value::Binary(Bytes::from_static(&[3])),
    ]))
    .unwrap();
    assert_eq!((a.as_str(), b), ("s", vec![3]));
    let mut m = std::collections::BTreeMap::new();
    m.insert(7u16, true);
    let back: std::collections::BTreeMap<u16, bool> =
        from_value_ref(&to_value(&m).unwrap()).unwrap();
    assert_eq!(back, m);
    assert!(matches!(
        from_value_ref::<u8>(&Value::from("x")),
        Err(Error::InvalidType { .. })
    ));
}

#[test]
fn the_value_macro() {
    use sio_protocol::value;
    let bin = Bytes::from_static(&[1]);
    let v = value!({
        "a": 1,
        "b": [true, null, "s", -2, 0.5, [], {}],
        "c": { "d": bin.clone(), "e": vec![2u8] },
        "f": (1 + 2),
        "g": Some("x"),
    });
    assert_eq!(
        v,
        obj(&[
            ("a", 1.into()),
            (
                "b",
                Value::Array(vec![
                    true.into(),
                    Value::Null,
                    "s".into(),
                    (-2).into(),
                    0.5.into(),
                    Value::Array(vec![]),
                    Value::Object(Map::new()),
                ])
            ),
            (
                "c",
                obj(&[
                    ("d", Value::Binary(bin)),
                    ("e", Value::Binary(Bytes::from_static(&[2])))
                ])
            ),
            ("f", 3.into()),
            ("g", "x".into()),
        ])
    );
    assert_eq!(value!(null), Value::Null);
    assert_eq!(value!([]), Value::Array(vec![]));
    assert_eq!(value!([1, 2,]), Value::Array(vec![1.into(), 2.into()]));
    assert_eq!(value!("x"), Value::from("x"));
}

#[test]
fn lone_surrogates_are_kept_in_values_and_replaced_in_rust_text() {
    use sio_protocol::value::{from_args, from_value_ref, js_string, to_args};
    use std::collections::HashMap;
    let lone = Value::String(js_string::from_utf16(&[0x61, 0xd83d]));
    // Rust text gets U+FFFD, owned or borrowed, as a value or as a key.
    assert_eq!(from_value::<String>(lone.clone()).unwrap(), "a\u{FFFD}");
    assert_eq!(
        from_value_ref::<std::borrow::Cow<str>>(&lone).unwrap(),
        "a\u{FFFD}"
    );
    let keyed = Value::Object(
        [(js_string::from_utf16(&[0xdc00]), lone.clone())]
            .into_iter()
            .collect(),
    );
    let map: HashMap<String, String> = from_value(keyed.clone()).unwrap();
    assert_eq!(map["\u{FFFD}"], "a\u{FFFD}");
    // A `Value` keeps it, through serde both ways.
    assert_eq!(from_value::<Value>(keyed.clone()).unwrap(), keyed);
    assert_eq!(to_value(&keyed).unwrap(), keyed);
    let (text, same): (String, Value) = from_args(vec![lone.clone(), lone.clone()]).unwrap();
    assert_eq!((text.as_str(), &same), ("a\u{FFFD}", &lone));
    assert_eq!(to_args(&(&same,)).unwrap(), vec![lone.clone()]);
    // A peer's real U+10FFFF reads back as itself.
    let real = Value::String(js_string::from_utf16(
        &"\u{10FFFF}\u{10D800}".encode_utf16().collect::<Vec<_>>(),
    ));
    assert_eq!(from_value::<String>(real).unwrap(), "\u{10FFFF}\u{10D800}");
}
