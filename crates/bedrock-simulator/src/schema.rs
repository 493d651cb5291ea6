//! A small JSON-schema-style checker whose messages read like Bedrock's request validation
//! (`#/textGenerationConfig/maxTokenCount: 9000 is not less or equal to 8192`).
//!
//! Each family describes its request with these calls; every violation is collected, in a fixed
//! order, and reported together the way Bedrock concatenates them. Paths are [`fmt::Display`]
//! values ([`child`], [`item`]) that are written out only when a violation names them, so a
//! valid request is checked without building a single path string.

use std::fmt;

use serde_json::{Map, Value};

use crate::rejection::Rejection;

/// The violations found so far in one request body.
#[derive(Debug, Default)]
pub(crate) struct Violations {
    items: Vec<String>,
}

impl Violations {
    pub(crate) fn new() -> Self {
        Violations::default()
    }

    /// Records a violation at `path` (`#/a/b`, or `#` for the root).
    pub(crate) fn add(&mut self, path: &(impl fmt::Display + ?Sized), message: impl AsRef<str>) {
        self.items.push(format!("{path}: {}", message.as_ref()));
    }

    /// `Ok` when clean, else Bedrock's "Malformed input request" rejection listing every
    /// violation.
    pub(crate) fn finish(self) -> Result<(), Rejection> {
        if self.items.is_empty() {
            Ok(())
        } else {
            Err(Rejection::malformed(&self.items.concat()))
        }
    }
}

/// The path of `key` inside the object at `path` (`#/a` + `b` → `#/a/b`).
pub(crate) fn child<'a, P: fmt::Display + ?Sized>(path: &'a P, key: &'a str) -> Child<'a, P> {
    Child { path, key }
}

/// The path of item `index` of the array at `path` (`#/a` + 2 → `#/a/2`).
pub(crate) fn item<P: fmt::Display + ?Sized>(path: &P, index: usize) -> Item<'_, P> {
    Item { path, index }
}

/// See [`child`].
#[derive(Clone, Copy)]
pub(crate) struct Child<'a, P: ?Sized> {
    path: &'a P,
    key: &'a str,
}

impl<P: fmt::Display + ?Sized> fmt::Display for Child<'_, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.path, self.key)
    }
}

/// See [`item`].
#[derive(Clone, Copy)]
pub(crate) struct Item<'a, P: ?Sized> {
    path: &'a P,
    index: usize,
}

impl<P: fmt::Display + ?Sized> fmt::Display for Item<'_, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.path, self.index)
    }
}

/// The value of `key` in a request object. Request objects hold a handful of keys: comparing
/// them in order is cheaper than hashing the key.
pub(crate) fn get<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    if map.len() <= 16 {
        map.iter().find_map(|(k, v)| (k == key).then_some(v))
    } else {
        map.get(key)
    }
}

/// The value of `key` when `value` is an object ([`get`] on its map).
pub(crate) fn field<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    match value {
        Value::Object(map) => get(map, key),
        _ => None,
    }
}

/// The JSON type name Bedrock's validator reports for a value.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "Null",
        Value::Bool(_) => "Boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "Integer",
        Value::Number(_) => "BigDecimal",
        Value::String(_) => "String",
        Value::Array(_) => "JSONArray",
        Value::Object(_) => "JSONObject",
    }
}

fn fmt_bound(b: f64) -> String {
    if b.fract() == 0.0 && b.abs() < 1e15 {
        format!("{}", b as i64)
    } else {
        format!("{b}")
    }
}

/// Checks that `value` is an object with every `required` key and no key outside `allowed`.
/// Returns the object when it is one.
pub(crate) fn object<'a>(
    value: &'a Value,
    path: &(impl fmt::Display + ?Sized),
    allowed: &[&str],
    required: &[&str],
    v: &mut Violations,
) -> Option<&'a Map<String, Value>> {
    let Value::Object(map) = value else {
        v.add(
            path,
            format!("expected type: JSONObject, found: {}", type_name(value)),
        );
        return None;
    };
    for key in required {
        if get(map, key).is_none() {
            v.add(path, format!("required key [{key}] not found"));
        }
    }
    let mut extra: Vec<&String> = map
        .keys()
        .filter(|k| !allowed.contains(&k.as_str()))
        .collect();
    extra.sort();
    for key in extra {
        v.add(path, format!("extraneous key [{key}] is not permitted"));
    }
    Some(map)
}

/// An optional integer field within `min..=max`.
pub(crate) fn integer(
    map: &Map<String, Value>,
    path: &(impl fmt::Display + ?Sized),
    key: &str,
    min: i64,
    max: i64,
    v: &mut Violations,
) -> Option<i64> {
    let value = get(map, key)?;
    let p = child(path, key);
    let n = match value {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i
            } else if n.as_u64().is_some() {
                v.add(&p, format!("{n} is not less or equal to {max}"));
                return None;
            } else {
                v.add(&p, "expected type: Integer, found: BigDecimal");
                return None;
            }
        }
        other => {
            v.add(
                &p,
                format!("expected type: Integer, found: {}", type_name(other)),
            );
            return None;
        }
    };
    if n < min {
        v.add(&p, format!("{n} is not greater or equal to {min}"));
        None
    } else if n > max {
        v.add(&p, format!("{n} is not less or equal to {max}"));
        None
    } else {
        Some(n)
    }
}

/// An optional number field within `min..=max`.
pub(crate) fn number(
    map: &Map<String, Value>,
    path: &(impl fmt::Display + ?Sized),
    key: &str,
    min: f64,
    max: f64,
    v: &mut Violations,
) -> Option<f64> {
    let value = get(map, key)?;
    let p = child(path, key);
    let Some(n) = value.as_f64() else {
        v.add(
            &p,
            format!("expected type: Number, found: {}", type_name(value)),
        );
        return None;
    };
    let shown = match value {
        Value::Number(num) => num.to_string(),
        _ => n.to_string(),
    };
    if n < min {
        v.add(
            &p,
            format!("{shown} is not greater or equal to {}", fmt_bound(min)),
        );
        None
    } else if n > max {
        v.add(
            &p,
            format!("{shown} is not less or equal to {}", fmt_bound(max)),
        );
        None
    } else {
        Some(n)
    }
}

/// An optional boolean field.
pub(crate) fn boolean(
    map: &Map<String, Value>,
    path: &(impl fmt::Display + ?Sized),
    key: &str,
    v: &mut Violations,
) -> Option<bool> {
    let value = get(map, key)?;
    match value {
        Value::Bool(b) => Some(*b),
        other => {
            v.add(
                &child(path, key),
                format!("expected type: Boolean, found: {}", type_name(other)),
            );
            None
        }
    }
}

/// An optional string field with a length (in characters) within `min_len..=max_len`.
pub(crate) fn string<'a>(
    map: &'a Map<String, Value>,
    path: &(impl fmt::Display + ?Sized),
    key: &str,
    min_len: usize,
    max_len: usize,
    v: &mut Violations,
) -> Option<&'a str> {
    let value = get(map, key)?;
    string_value(value, &child(path, key), min_len, max_len, v)
}

/// A string value with a length (in characters) within `min_len..=max_len`.
pub(crate) fn string_value<'a>(
    value: &'a Value,
    path: &(impl fmt::Display + ?Sized),
    min_len: usize,
    max_len: usize,
    v: &mut Violations,
) -> Option<&'a str> {
    let Value::String(s) = value else {
        v.add(
            path,
            format!("expected type: String, found: {}", type_name(value)),
        );
        return None;
    };
    let len = s.chars().count();
    if len < min_len {
        v.add(
            path,
            format!("expected minLength: {min_len}, actual: {len}"),
        );
        None
    } else if len > max_len {
        v.add(
            path,
            format!("expected maxLength: {max_len}, actual: {len}"),
        );
        None
    } else {
        Some(s)
    }
}

/// An optional string field that must be one of `allowed`.
pub(crate) fn enumeration<'a>(
    map: &'a Map<String, Value>,
    path: &(impl fmt::Display + ?Sized),
    key: &str,
    allowed: &[&str],
    v: &mut Violations,
) -> Option<&'a str> {
    let value = get(map, key)?;
    let p = child(path, key);
    match value {
        Value::String(s) if allowed.contains(&s.as_str()) => Some(s),
        Value::String(s) => {
            v.add(&p, format!("{s} is not a valid enum value"));
            None
        }
        other => {
            v.add(&p, format!("{other} is not a valid enum value"));
            None
        }
    }
}

/// An optional array field with `min_items..=max_items` items.
pub(crate) fn array<'a>(
    map: &'a Map<String, Value>,
    path: &(impl fmt::Display + ?Sized),
    key: &str,
    min_items: usize,
    max_items: usize,
    v: &mut Violations,
) -> Option<&'a Vec<Value>> {
    let value = get(map, key)?;
    let p = child(path, key);
    let Value::Array(items) = value else {
        v.add(
            &p,
            format!("expected type: JSONArray, found: {}", type_name(value)),
        );
        return None;
    };
    if items.len() < min_items {
        v.add(
            &p,
            format!(
                "expected minimum item count: {min_items}, found: {}",
                items.len()
            ),
        );
        None
    } else if items.len() > max_items {
        v.add(
            &p,
            format!(
                "expected maximum item count: {max_items}, found: {}",
                items.len()
            ),
        );
        None
    } else {
        Some(items)
    }
}

/// An optional array of strings (stop sequences and the like).
pub(crate) fn string_array(
    map: &Map<String, Value>,
    path: &(impl fmt::Display + ?Sized),
    key: &str,
    max_items: usize,
    v: &mut Violations,
) -> Option<Vec<String>> {
    let items = array(map, path, key, 0, max_items, v)?;
    let p = child(path, key);
    let before = v.items.len();
    let out: Vec<String> = items
        .iter()
        .enumerate()
        .filter_map(|(i, value)| string_value(value, &item(&p, i), 0, usize::MAX, v))
        .map(str::to_owned)
        .collect();
    (v.items.len() == before).then_some(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn check(body: Value) -> String {
        let mut v = Violations::new();
        if let Some(map) = object(&body, "#", &["a", "b", "c", "d", "e"], &["a"], &mut v) {
            integer(map, "#", "a", 1, 10, &mut v);
            number(map, "#", "b", 0.0, 1.0, &mut v);
            enumeration(map, "#", "c", &["x", "y"], &mut v);
            string(map, "#", "d", 1, 3, &mut v);
            string_array(map, "#", "e", 2, &mut v);
        }
        match v.finish() {
            Ok(()) => String::new(),
            Err(r) => r.message,
        }
    }

    #[test]
    fn messages_read_like_bedrock() {
        assert_eq!(
            check(json!({"a": 5, "b": 0.5, "c": "x", "d": "ab", "e": ["s"]})),
            ""
        );
        assert_eq!(
            check(json!({"z": 1})),
            "Malformed input request: #: required key [a] not found#: extraneous key [z] is not \
             permitted, please reformat your input and try again."
        );
        assert!(check(json!({"a": 11})).contains("#/a: 11 is not less or equal to 10"));
        assert!(check(json!({"a": 0})).contains("#/a: 0 is not greater or equal to 1"));
        assert!(check(json!({"a": "1"})).contains("#/a: expected type: Integer, found: String"));
        assert!(check(json!({"a": 1.5})).contains("expected type: Integer, found: BigDecimal"));
        assert!(check(json!({"a": 1, "b": 1.5})).contains("#/b: 1.5 is not less or equal to 1"));
        assert!(check(json!({"a": 1, "c": "q"})).contains("#/c: q is not a valid enum value"));
        assert!(check(json!({"a": 1, "d": ""})).contains("#/d: expected minLength: 1, actual: 0"));
        assert!(check(json!({"a": 1, "e": [1]})).contains("#/e/0: expected type: String"));
        assert!(
            check(json!({"a": 1, "e": ["a", "b", "c"]}))
                .contains("#/e: expected maximum item count: 2, found: 3")
        );
        assert!(check(json!([1])).contains("#: expected type: JSONObject, found: JSONArray"));
    }
}
