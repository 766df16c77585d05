//! Where two JSON values first differ, as a JSON pointer.

use serde_json::Value;

/// The JSON pointer of the first difference between `expected` and `actual` (depth first, in
/// the key order of `expected`), with a short description; `None` if they are equal.
///
/// Numbers compare by their text (the workspace enables `arbitrary_precision`), so `1` vs
/// `1.0` is a difference.
pub fn first_difference(expected: &Value, actual: &Value) -> Option<(String, String)> {
    diff(expected, actual, &mut String::new())
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn clip(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 80 {
        format!("{}…", text.chars().take(80).collect::<String>())
    } else {
        text
    }
}

fn diff(expected: &Value, actual: &Value, path: &mut String) -> Option<(String, String)> {
    match (expected, actual) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                let len = path.len();
                path.push('/');
                path.push_str(&escape(key));
                let found = match b.get(key) {
                    None => Some((
                        path.clone(),
                        format!("missing after round-trip (was {})", clip(value)),
                    )),
                    Some(other) => diff(value, other, path),
                };
                if found.is_some() {
                    return found;
                }
                path.truncate(len);
            }
            b.keys().find(|k| !a.contains_key(*k)).map(|k| {
                (
                    format!("{path}/{}", escape(k)),
                    format!("added by round-trip: {}", clip(&b[k])),
                )
            })
        }
        (Value::Array(a), Value::Array(b)) => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                let len = path.len();
                path.push_str(&format!("/{i}"));
                if let Some(found) = diff(x, y, path) {
                    return Some(found);
                }
                path.truncate(len);
            }
            (a.len() != b.len()).then(|| {
                (
                    path.clone(),
                    format!("array length {} became {}", a.len(), b.len()),
                )
            })
        }
        (Value::Number(a), Value::Number(b)) if a.to_string() != b.to_string() => {
            Some((path.clone(), format!("number {a} became {b}")))
        }
        (a, b) if a != b => Some((path.clone(), format!("{} became {}", clip(a), clip(b)))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::first_difference;
    use serde_json::json;

    #[test]
    fn points_at_the_first_difference() {
        let a: serde_json::Value =
            serde_json::from_str(r#"{"a":[1,{"b/c":1.0}],"d":null}"#).expect("json");
        let b: serde_json::Value =
            serde_json::from_str(r#"{"a":[1,{"b/c":1}],"d":null}"#).expect("json");
        assert_eq!(
            first_difference(&a, &b),
            Some(("/a/1/b~1c".into(), "number 1.0 became 1".into()))
        );
        assert_eq!(first_difference(&a, &a), None);
        let missing = first_difference(&json!({"x": null}), &json!({}));
        assert_eq!(missing.map(|m| m.0), Some("/x".to_owned()));
        let added = first_difference(&json!({}), &json!({"y": []}));
        assert_eq!(added.map(|m| m.0), Some("/y".to_owned()));
    }
}
