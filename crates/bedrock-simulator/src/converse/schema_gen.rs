//! Tool inputs made from a tool's JSON schema: a deterministic instance that validates against
//! it (types, `required`, `enum`/`const`, numeric ranges and `multipleOf`, string lengths,
//! formats and patterns, array sizes and uniqueness, nested objects, `$ref`/`$defs`,
//! `allOf`/`anyOf`/`oneOf`), as the simulated model's tool-use input.
//!
//! Schemas come from the network, so every size the schema asks for is capped (see the
//! constants) and references are followed to a fixed depth: a schema that asks for more gets a
//! bounded instance that may not validate.

use serde_json::{Map, Number, Value};

use crate::rng::SplitMix64;

/// The deepest nesting of objects, arrays and references followed.
const MAX_DEPTH: u32 = 24;
/// The most items an array gets, whatever `minItems` says.
const MAX_ITEMS: u64 = 64;
/// The longest string made, whatever `minLength` says.
const MAX_STRING_CHARS: u64 = 4096;
/// The most properties an object gets beyond its declared ones, whatever `minProperties` says.
const MAX_EXTRA_PROPERTIES: u64 = 64;
/// How many times a whole instance is redrawn when the first one does not validate.
const REDRAWS: u64 = 8;

/// A deterministic instance of `schema` drawn from `seed`. When the first draw does not
/// validate (a pattern or a combination the generator does not solve), up to a few more are
/// drawn and the first valid one kept.
pub(crate) fn instance(schema: &Value, seed: u64) -> Value {
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .ok();
    let mut first = None;
    for attempt in 0..=REDRAWS {
        let mut generator = Generator {
            root: schema,
            rng: SplitMix64::new(seed ^ crate::rng::mix(attempt)),
        };
        let value = generator.generate(schema, 0, "");
        match &validator {
            Some(v) if !v.is_valid(&value) => {
                first.get_or_insert(value);
            }
            _ => return value,
        }
    }
    first.unwrap_or(Value::Null)
}

struct Generator<'a> {
    root: &'a Value,
    rng: SplitMix64,
}

/// The JSON types a schema can name.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Object,
    Array,
    String,
    Integer,
    Number,
    Boolean,
    Null,
}

impl Kind {
    fn named(name: &str) -> Option<Kind> {
        Some(match name {
            "object" => Kind::Object,
            "array" => Kind::Array,
            "string" => Kind::String,
            "integer" => Kind::Integer,
            "number" => Kind::Number,
            "boolean" => Kind::Boolean,
            "null" => Kind::Null,
            _ => return None,
        })
    }
}

impl<'a> Generator<'a> {
    /// A local reference (`#/$defs/Name`, `#/definitions/Name`, `#`), resolved in the root.
    fn resolve(&self, reference: &str) -> Option<&'a Value> {
        let pointer = reference.strip_prefix('#')?;
        if pointer.is_empty() {
            return Some(self.root);
        }
        self.root.pointer(pointer)
    }

    fn generate(&mut self, schema: &Value, depth: u32, name: &str) -> Value {
        let Value::Object(map) = schema else {
            // `true` (anything goes) and malformed schemas: a plain string.
            return Value::String(self.text(name));
        };
        if depth >= MAX_DEPTH {
            return Value::Null;
        }
        let deeper = depth.saturating_add(1);
        if let Some(reference) = map.get("$ref").and_then(Value::as_str)
            && let Some(target) = self.resolve(reference)
        {
            return self.generate(target, deeper, name);
        }
        if let Some(value) = map.get("const") {
            return value.clone();
        }
        if let Some(Value::Array(options)) = map.get("enum")
            && !options.is_empty()
        {
            let at = self.rng.below(options.len() as u64) as usize;
            return options.get(at).cloned().unwrap_or(Value::Null);
        }
        if let Some(Value::Array(branches)) = map.get("allOf") {
            let merged = self.merge_all_of(map, branches);
            return self.generate(&merged, deeper, name);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(branches)) = map.get(key) {
                // The first branch that is not `null` (an `Option<T>` as schemars writes it),
                // else the first.
                let branch = branches
                    .iter()
                    .find(|b| !is_null_schema(b))
                    .or_else(|| branches.first());
                if let Some(branch) = branch {
                    return self.generate(branch, deeper, name);
                }
            }
        }
        match self.kind(map) {
            Kind::Object => self.object(map, deeper),
            Kind::Array => self.array(map, deeper, name),
            Kind::String => Value::String(self.string(map, name)),
            Kind::Integer => self.integer(map),
            Kind::Number => self.number(map),
            Kind::Boolean => Value::Bool(self.rng.below(2) == 0),
            Kind::Null => Value::Null,
        }
    }

    /// `allOf` folded into one schema: the outer keywords, then each branch's properties and
    /// required keys added, other keywords kept from the first that sets them.
    fn merge_all_of(&self, outer: &Map<String, Value>, branches: &[Value]) -> Value {
        let mut merged: Map<String, Value> = outer
            .iter()
            .filter(|(k, _)| k.as_str() != "allOf")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for branch in branches {
            let branch = match branch.get("$ref").and_then(Value::as_str) {
                Some(r) => self.resolve(r).unwrap_or(branch),
                None => branch,
            };
            let Value::Object(part) = branch else {
                continue;
            };
            for (key, value) in part {
                match (key.as_str(), merged.get_mut(key)) {
                    ("properties", Some(Value::Object(props))) => {
                        if let Value::Object(more) = value {
                            for (k, v) in more {
                                props.entry(k.clone()).or_insert_with(|| v.clone());
                            }
                        }
                    }
                    ("required", Some(Value::Array(required))) => {
                        if let Value::Array(more) = value {
                            for k in more {
                                if !required.contains(k) {
                                    required.push(k.clone());
                                }
                            }
                        }
                    }
                    (_, Some(_)) => {}
                    (_, None) => {
                        merged.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        Value::Object(merged)
    }

    /// The type to make: the schema's `type` (the first that is not `null` when it lists
    /// several), else what its keywords imply.
    fn kind(&self, map: &Map<String, Value>) -> Kind {
        match map.get("type") {
            Some(Value::String(t)) => return Kind::named(t).unwrap_or(Kind::String),
            Some(Value::Array(types)) => {
                let named: Vec<Kind> = types
                    .iter()
                    .filter_map(Value::as_str)
                    .filter_map(Kind::named)
                    .collect();
                if let Some(k) = named.iter().find(|k| **k != Kind::Null).or(named.first()) {
                    return *k;
                }
            }
            _ => {}
        }
        let has = |k: &str| map.contains_key(k);
        if has("properties") || has("required") || has("additionalProperties") {
            Kind::Object
        } else if has("items") || has("prefixItems") || has("minItems") {
            Kind::Array
        } else if has("minimum") || has("maximum") || has("multipleOf") {
            Kind::Number
        } else {
            Kind::String
        }
    }

    fn object(&mut self, map: &Map<String, Value>, depth: u32) -> Value {
        let required: Vec<&str> = map
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let empty = Map::new();
        let properties = map
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let additional = map.get("additionalProperties");
        let mut out = Map::new();
        // In key order, not the order the schema's writer used: clients send JSON objects in
        // any order (some from hash maps), and the same schema must give the same input.
        let mut sorted: Vec<(&String, &Value)> = properties.iter().collect();
        sorted.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (key, schema) in sorted {
            // Every required property, and about half of the optional ones.
            if required.contains(&key.as_str()) || self.rng.below(2) == 0 {
                let value = self.generate(schema, depth, key);
                out.insert(key.clone(), value);
            }
        }
        for key in &required {
            if !out.contains_key(*key) {
                let value = match additional {
                    Some(schema @ Value::Object(_)) => self.generate(schema, depth, key),
                    _ => Value::String(self.text(key)),
                };
                out.insert((*key).to_owned(), value);
            }
        }
        let min_properties = map
            .get("minProperties")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let mut extra = 0u64;
        while (out.len() as u64) < min_properties && extra < MAX_EXTRA_PROPERTIES {
            extra = extra.saturating_add(1);
            let missing = properties
                .keys()
                .filter(|k| !out.contains_key(*k))
                .min()
                .cloned();
            match (missing, additional) {
                (Some(key), _) => {
                    let schema = properties.get(&key).unwrap_or(&Value::Bool(true)).clone();
                    let value = self.generate(&schema, depth, &key);
                    out.insert(key, value);
                }
                (None, Some(Value::Bool(false))) => break,
                (None, schema) => {
                    let key = format!("extra_{extra}");
                    let value = match schema {
                        Some(s @ Value::Object(_)) => self.generate(s, depth, &key),
                        _ => Value::String(self.text(&key)),
                    };
                    out.insert(key, value);
                }
            }
        }
        Value::Object(out)
    }

    fn array(&mut self, map: &Map<String, Value>, depth: u32, name: &str) -> Value {
        let min = map.get("minItems").and_then(Value::as_u64).unwrap_or(0);
        let max = map.get("maxItems").and_then(Value::as_u64);
        let wanted = min.max(1).min(max.unwrap_or(u64::MAX)).min(MAX_ITEMS);
        let unique = map.get("uniqueItems").and_then(Value::as_bool) == Some(true);
        let prefix: &[Value] = map
            .get("prefixItems")
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice);
        let items = map.get("items");
        let mut out: Vec<Value> = Vec::new();
        for i in 0..wanted {
            let schema = match (prefix.get(i as usize), items) {
                (Some(s), _) => s,
                // Draft 4 tuples: `items` as an array.
                (None, Some(Value::Array(tuple))) => match tuple.get(i as usize) {
                    Some(s) => s,
                    None => break,
                },
                (None, Some(s)) => s,
                (None, None) => &Value::Bool(true),
            };
            let mut value = self.generate(schema, depth, name);
            // Unique items: redraw a few times, then give up on this item.
            let mut tries = 0u32;
            while unique && out.contains(&value) && tries < 8 {
                tries = tries.saturating_add(1);
                value = self.generate(schema, depth, name);
            }
            if unique && out.contains(&value) {
                if (out.len() as u64) >= min {
                    break;
                }
                value = distinct_variant(&value, i);
            }
            out.push(value);
        }
        Value::Array(out)
    }

    /// A word-ish text for a property called `name`.
    fn text(&mut self, name: &str) -> String {
        const WORDS: &[&str] = &[
            "alpha", "river", "stone", "harbor", "meadow", "lantern", "compass", "summit",
        ];
        let word = WORDS
            .get(self.rng.below(WORDS.len() as u64) as usize)
            .copied()
            .unwrap_or("value");
        if name.is_empty() {
            word.to_owned()
        } else {
            format!("{name} {word}")
        }
    }

    fn string(&mut self, map: &Map<String, Value>, name: &str) -> String {
        let min = map
            .get("minLength")
            .and_then(Value::as_u64)
            .unwrap_or(0)
            .min(MAX_STRING_CHARS) as usize;
        let max = map
            .get("maxLength")
            .and_then(Value::as_u64)
            .map(|m| m.min(MAX_STRING_CHARS) as usize);
        let n = self.rng.next_u64();
        let format = map.get("format").and_then(Value::as_str);
        let base = match format {
            Some("date") => format!(
                "2024-{:02}-{:02}",
                (n % 12).saturating_add(1),
                ((n >> 8) % 28).saturating_add(1)
            ),
            Some("date-time") => format!(
                "2024-{:02}-{:02}T{:02}:{:02}:00Z",
                (n % 12).saturating_add(1),
                ((n >> 8) % 28).saturating_add(1),
                (n >> 16) % 24,
                (n >> 24) % 60
            ),
            Some("time") => format!("{:02}:{:02}:00Z", (n >> 16) % 24, (n >> 24) % 60),
            Some("email" | "idn-email") => format!("user{}@example.com", n % 1000),
            Some("uri" | "url" | "iri") => format!("https://example.com/items/{}", n % 1000),
            Some("uri-reference" | "iri-reference") => format!("/items/{}", n % 1000),
            Some("hostname" | "idn-hostname") => format!("host{}.example.com", n % 100),
            Some("ipv4") => format!("192.0.2.{}", n % 255),
            Some("ipv6") => format!("2001:db8::{:x}", n % 0xffff),
            Some("uuid") => crate::rng::uuid_like(n, crate::rng::mix(n)),
            Some("duration") => format!("PT{}M", (n % 59).saturating_add(1)),
            _ => self.text(name),
        };
        if let Some(pattern) = map.get("pattern").and_then(Value::as_str) {
            return pattern_match(pattern, &base, min, max).unwrap_or(base);
        }
        fit_length(base, min, max)
    }

    fn integer(&mut self, map: &Map<String, Value>) -> Value {
        let (lo, hi) = bounds(map);
        // Integers inside the bounds; exclusive bounds step one past.
        let lo_i = match lo {
            Some((v, exclusive)) => {
                let c = v.ceil();
                if exclusive && c == v { c + 1.0 } else { c }
            }
            None => f64::NAN,
        };
        let hi_i = match hi {
            Some((v, exclusive)) => {
                let f = v.floor();
                if exclusive && f == v { f - 1.0 } else { f }
            }
            None => f64::NAN,
        };
        let (lo_i, hi_i) = match (lo_i.is_nan(), hi_i.is_nan()) {
            (true, true) => (1.0, 100.0),
            (false, true) => (lo_i, lo_i + 100.0),
            (true, false) => (hi_i - 100.0, hi_i),
            (false, false) => (lo_i, hi_i),
        };
        let lo_n = clamp_i64(lo_i);
        let hi_n = clamp_i64(hi_i).max(lo_n);
        let span = u64::try_from(i128::from(hi_n).saturating_sub(i128::from(lo_n))).unwrap_or(0);
        let mut value = lo_n.saturating_add_unsigned(self.rng.below(span.saturating_add(1)));
        if let Some(step) = map.get("multipleOf").and_then(Value::as_f64)
            && step >= 1.0
            && step.fract() == 0.0
        {
            let step = clamp_i64(step).max(1);
            let first = lo_n.div_euclid(step).saturating_mul(step);
            let first = if first < lo_n {
                first.saturating_add(step)
            } else {
                first
            };
            let count = (hi_n.saturating_sub(first)).div_euclid(step).max(0);
            let pick = i64::try_from(
                self.rng
                    .below(u64::try_from(count).unwrap_or(0).saturating_add(1)),
            )
            .unwrap_or(0);
            value = first.saturating_add(pick.saturating_mul(step));
        }
        Value::Number(value.into())
    }

    fn number(&mut self, map: &Map<String, Value>) -> Value {
        let (lo, hi) = bounds(map);
        let (lo_v, hi_v) = match (lo, hi) {
            (None, None) => (0.0, 100.0),
            (Some((l, _)), None) => (l, l + 100.0),
            (None, Some((h, _))) => (h - 100.0, h),
            (Some((l, _)), Some((h, _))) => (l, h),
        };
        // Strictly inside the range, rounded to hundredths when that stays inside.
        let fraction = 0.1 + 0.8 * self.rng.unit();
        let mut value = lo_v + (hi_v - lo_v) * fraction;
        let rounded = (value * 100.0).round() / 100.0;
        if rounded > lo_v && rounded < hi_v {
            value = rounded;
        }
        if let Some(step) = map.get("multipleOf").and_then(Value::as_f64)
            && step > 0.0
        {
            let candidate = (lo_v / step).ceil() * step;
            let candidate = if candidate == lo_v && lo.is_some_and(|(_, ex)| ex) {
                candidate + step
            } else {
                candidate
            };
            value = candidate;
        }
        if value.fract() == 0.0 && value.abs() < 9.0e15 {
            return Value::Number((value as i64).into());
        }
        Number::from_f64(value).map_or(Value::Null, Value::Number)
    }
}

/// The schema's lower and upper bounds, each with whether it is exclusive (draft 4's boolean
/// `exclusiveMinimum` or the later numeric form).
type Bound = Option<(f64, bool)>;

fn bounds(map: &Map<String, Value>) -> (Bound, Bound) {
    let num = |k: &str| map.get(k).and_then(Value::as_f64);
    let flag = |k: &str| map.get(k).and_then(Value::as_bool) == Some(true);
    let lo = match (num("minimum"), num("exclusiveMinimum")) {
        (_, Some(x)) => Some((x, true)),
        (Some(m), None) => Some((m, flag("exclusiveMinimum"))),
        (None, None) => None,
    };
    let hi = match (num("maximum"), num("exclusiveMaximum")) {
        (_, Some(x)) => Some((x, true)),
        (Some(m), None) => Some((m, flag("exclusiveMaximum"))),
        (None, None) => None,
    };
    (lo, hi)
}

fn clamp_i64(v: f64) -> i64 {
    if v.is_nan() {
        0
    } else {
        // `as` saturates at the ends of the range.
        v as i64
    }
}

fn is_null_schema(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
        || schema.get("const") == Some(&Value::Null)
}

/// A value unlike `value`, for unique items the generator drew twice.
fn distinct_variant(value: &Value, i: u64) -> Value {
    match value {
        Value::String(s) => Value::String(format!("{s} {i}")),
        Value::Number(n) => n
            .as_i64()
            .map(|x| Value::Number(x.saturating_add_unsigned(i.saturating_add(1)).into()))
            .unwrap_or_else(|| value.clone()),
        other => other.clone(),
    }
}

/// `text` cut or padded (with `x`) to `min..=max` characters.
fn fit_length(text: String, min: usize, max: Option<usize>) -> String {
    let mut text = text;
    let len = text.chars().count();
    if let Some(max) = max
        && len > max
    {
        text = text.chars().take(max).collect();
    }
    let len = text.chars().count();
    if len < min {
        text.extend(std::iter::repeat_n('x', min.saturating_sub(len)));
    }
    text
}

/// A string matching `pattern` within the length bounds: the generated text, then a few
/// common shapes, checked with the schema validator's own regular expressions.
fn pattern_match(pattern: &str, base: &str, min: usize, max: Option<usize>) -> Option<String> {
    let schema = serde_json::json!({"type": "string", "pattern": pattern});
    let validator = jsonschema::validator_for(&schema).ok()?;
    let mut candidates: Vec<String> = vec![base.to_owned()];
    candidates.extend(
        [
            "example",
            "abc",
            "ABC",
            "Abc",
            "a1",
            "A1",
            "abc123",
            "ABC123",
            "123",
            "1",
            "0",
            "a",
            "A",
            "x-1",
            "abc_def",
            "abc-def",
            "AB-1234",
            "2024-01-01",
            "12:30",
            "user@example.com",
            "https://example.com",
            "+15551234567",
            "US",
            "USD",
            "en-US",
            "#ff8800",
            "v1.0.0",
        ]
        .map(str::to_owned),
    );
    candidates
        .into_iter()
        .map(|c| fit_length(c, min, max))
        .find(|c| validator.is_valid(&Value::String(c.clone())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(schema: Value) -> Value {
        let validator = jsonschema::validator_for(&schema).unwrap();
        let mut last = Value::Null;
        for seed in 0..40u64 {
            let value = instance(&schema, seed);
            let errors: Vec<String> = validator
                .iter_errors(&value)
                .map(|e| e.to_string())
                .collect();
            assert!(
                errors.is_empty(),
                "{value} does not match {schema}: {errors:?}"
            );
            assert_eq!(value, instance(&schema, seed), "deterministic");
            last = value;
        }
        last
    }

    #[test]
    fn plain_types_and_required_fields() {
        let v = check(json!({
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "days": {"type": "integer", "minimum": 1, "maximum": 7},
                "metric": {"type": "boolean"},
                "ratio": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}
            },
            "required": ["city", "days"],
            "additionalProperties": false
        }));
        assert!(v["city"].is_string() && v["days"].is_i64());
    }

    #[test]
    fn enums_consts_formats_and_lengths() {
        check(json!({
            "type": "object",
            "properties": {
                "unit": {"enum": ["celsius", "fahrenheit"]},
                "kind": {"const": "weather"},
                "day": {"type": "string", "format": "date"},
                "at": {"type": "string", "format": "date-time"},
                "mail": {"type": "string", "format": "email"},
                "link": {"type": "string", "format": "uri"},
                "id": {"type": "string", "format": "uuid"},
                "ip": {"type": "string", "format": "ipv4"},
                "code": {"type": "string", "minLength": 12, "maxLength": 12},
                "short": {"type": "string", "maxLength": 3},
                "sku": {"type": "string", "pattern": "^[A-Z]{2}-[0-9]{4}$"}
            },
            "required": ["unit", "kind", "day", "at", "mail", "link", "id", "ip", "code", "short", "sku"]
        }));
    }

    #[test]
    fn numeric_ranges_and_multiples() {
        check(json!({
            "type": "object",
            "properties": {
                "a": {"type": "integer", "minimum": -5, "maximum": -3},
                "b": {"type": "integer", "exclusiveMinimum": 10, "exclusiveMaximum": 12},
                "c": {"type": "integer", "minimum": 0, "maximum": 100, "multipleOf": 25},
                "d": {"type": "number", "minimum": 1.5, "maximum": 1.75},
                "e": {"type": "number", "multipleOf": 0.5, "minimum": 3},
                "f": {"type": "integer", "minimum": 1000000}
            },
            "required": ["a", "b", "c", "d", "e", "f"]
        }));
    }

    #[test]
    fn arrays_nested_objects_and_refs() {
        check(json!({
            "type": "object",
            "properties": {
                "tags": {"type": "array", "items": {"type": "string"}, "minItems": 3, "uniqueItems": true},
                "scores": {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 1000}, "minItems": 2, "maxItems": 2},
                "owner": {"$ref": "#/$defs/Person"},
                "friends": {"type": "array", "items": {"$ref": "#/$defs/Person"}, "minItems": 1},
                "maybe": {"anyOf": [{"$ref": "#/$defs/Person"}, {"type": "null"}]},
                "both": {"allOf": [{"$ref": "#/$defs/Person"}, {"properties": {"age": {"type": "integer", "minimum": 18}}, "required": ["age"]}]}
            },
            "required": ["tags", "scores", "owner", "friends", "maybe", "both"],
            "$defs": {
                "Person": {
                    "type": "object",
                    "properties": {"name": {"type": "string", "minLength": 1}, "email": {"type": "string", "format": "email"}},
                    "required": ["name", "email"]
                }
            }
        }));
    }

    #[test]
    fn recursive_refs_stay_bounded() {
        let v = check(json!({
            "type": "object",
            "properties": {"name": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#"}}},
            "required": ["name"]
        }));
        assert!(v["name"].is_string());
    }

    #[test]
    fn hostile_sizes_are_capped() {
        let schema = json!({"type": "object", "properties": {
            "big": {"type": "array", "minItems": 1_000_000_000u64, "items": {"type": "string", "minLength": 1_000_000_000u64}}
        }, "required": ["big"]});
        let v = instance(&schema, 1);
        let items = v["big"].as_array().unwrap();
        assert_eq!(items.len() as u64, MAX_ITEMS);
        assert!(
            items
                .iter()
                .all(|s| s.as_str().unwrap().len() as u64 <= MAX_STRING_CHARS)
        );
    }
}
