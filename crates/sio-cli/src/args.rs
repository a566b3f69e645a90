//! Event arguments typed on a command line: JSON values separated by whitespace.

use sio_client::Value;

/// Reads `text` as zero or more JSON values separated by whitespace (`"hi" 42 {"a":[1]}`).
pub fn parse_values(text: &str) -> Result<Vec<Value>, String> {
    let mut values = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>();
    loop {
        let at = stream.byte_offset();
        match stream.next() {
            None => return Ok(values),
            Some(Ok(value)) => values.push(Value::from(value)),
            Some(Err(e)) => {
                let rest = text[at..].trim_start();
                let word = rest.split_whitespace().next().unwrap_or(rest);
                return Err(format!(
                    "not JSON: {word} ({e}); arguments are JSON values, strings in double quotes"
                ));
            }
        }
    }
}

/// Splits `EVENT [JSON...]`: the event is the first word, or a JSON string when it starts with `"`
/// (for names with spaces: `"new message" "hi"`).
pub fn split_event(line: &str) -> Result<(String, &str), String> {
    let line = line.trim_start();
    if line.starts_with('"') {
        let mut stream = serde_json::Deserializer::from_str(line).into_iter::<String>();
        return match stream.next() {
            Some(Ok(event)) => Ok((event, &line[stream.byte_offset()..])),
            _ => Err(format!("bad event name: {line}")),
        };
    }
    match line.split_once(char::is_whitespace) {
        Some((event, rest)) => Ok((event.to_owned(), rest)),
        None if line.is_empty() => Err("an event name is needed".into()),
        None => Ok((line.to_owned(), "")),
    }
}

/// The arguments as one JSON array, for printing (binary shows as the serializer writes bytes).
pub fn to_json(args: &[Value]) -> serde_json::Value {
    serde_json::to_value(args).unwrap_or(serde_json::Value::Null)
}

/// One value as JSON, for printing.
pub fn value_json(value: &Value) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_whitespace_separated_json() {
        let v = parse_values(r#" "hi" 42 {"a":[1, 2]}  null "#).unwrap();
        assert_eq!(
            to_json(&v),
            serde_json::json!(["hi", 42, {"a": [1, 2]}, null])
        );
        assert!(parse_values("").unwrap().is_empty());
        let err = parse_values(r#"1 hello"#).unwrap_err();
        assert!(err.starts_with("not JSON: hello"), "{err}");
    }

    #[test]
    fn event_names_may_be_quoted() {
        assert_eq!(split_event("ping 1 2").unwrap(), ("ping".into(), "1 2"));
        assert_eq!(split_event("ping").unwrap(), ("ping".into(), ""));
        let (event, rest) = split_event(r#""new message" "hi""#).unwrap();
        assert_eq!((event.as_str(), rest.trim()), ("new message", r#""hi""#));
        assert!(split_event("  ").is_err());
        assert!(split_event(r#""open"#).is_err());
    }
}
