//! JSON Schemas of the request bodies: draft 2020-12, without the `null` that optional fields
//! would otherwise allow (the adapter leaves an unset field out; it never sends `null`).

use schemars::generate::SchemaSettings;
use schemars::transform::RecursiveTransform;
use schemars::{JsonSchema, Schema};
use serde_json::Value;

/// The root schema of `T`, with `null` removed from every optional field.
pub(crate) fn request_schema<T: JsonSchema>() -> Schema {
    SchemaSettings::draft2020_12()
        .with_transform(RecursiveTransform(drop_null as fn(&mut Schema)))
        .into_generator()
        .into_root_schema_for::<T>()
}

fn drop_null(schema: &mut Schema) {
    if let Some(Value::Array(types)) = schema.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            schema.insert("type".to_owned(), only);
        }
    }
    let null = serde_json::json!({"type": "null"});
    if let Some(Value::Array(alternatives)) = schema.get_mut("anyOf")
        && alternatives.contains(&null)
    {
        alternatives.retain(|s| s != &null);
        if alternatives.len() == 1
            && let Some(Value::Object(only)) = schema
                .remove("anyOf")
                .and_then(|mut a| a.as_array_mut().and_then(Vec::pop))
        {
            for (key, value) in only {
                schema.insert(key, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Inner {
        a: u32,
    }

    /// A documented struct.
    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Outer {
        /// Optional scalar.
        count: Option<u32>,
        /// Optional object.
        inner: Option<Inner>,
    }

    #[test]
    fn optional_fields_do_not_allow_null() {
        let schema = request_schema::<Outer>().to_value();
        assert_eq!(schema["properties"]["count"]["type"], "integer");
        assert_eq!(schema["properties"]["inner"]["$ref"], "#/$defs/Inner");
        assert_eq!(
            schema["properties"]["inner"]["description"],
            "Optional object."
        );
        assert!(schema["properties"]["inner"].get("anyOf").is_none());
    }
}
