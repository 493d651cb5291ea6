//! The request JSON Schemas: snapshotted, leaving optional fields out rather than `null`, and
//! refusing the same bad bodies as the typed validation.

use bedrock_adapter_cohere::chat::CohereChatRequest;
use bedrock_adapter_cohere::command::CohereCommandRequest;
use bedrock_adapter_cohere::embed::CohereEmbedRequest;
use bedrock_adapter_cohere::embed_v4::CohereEmbedV4Request;
use bedrock_adapter_cohere::models::{APIS, chat_limits, command_limits};
use bedrock_adapter_cohere::rerank::CohereRerankRequest;
use bedrock_adapter_cohere::{
    CHAT_API, COMMAND_API, CohereAdapter, EMBED_API, EMBED_V4_API, RERANK_API,
};
use bedrock_core::{ModelAdapter, Result};
use serde_json::{Value, json};

fn schema(api: &str) -> Value {
    CohereAdapter
        .request_schema(api)
        .unwrap_or_else(|| panic!("no schema for {api}"))
        .to_value()
}

/// The typed validation of `body` as the request of `api`.
fn validate(api: &str, body: &Value) -> Result<()> {
    let parse = |what: &str| -> ! { panic!("{body} is not a {what}") };
    match api {
        COMMAND_API => serde_json::from_value::<CohereCommandRequest>(body.clone())
            .unwrap_or_else(|_| parse("Command request"))
            .validate(&command_limits("cohere.command-text-v14")),
        CHAT_API => serde_json::from_value::<CohereChatRequest>(body.clone())
            .unwrap_or_else(|_| parse("chat request"))
            .validate(&chat_limits("cohere.command-r-v1:0")),
        EMBED_V4_API => serde_json::from_value::<CohereEmbedV4Request>(body.clone())
            .unwrap_or_else(|_| parse("Embed v4 request"))
            .validate(),
        RERANK_API => serde_json::from_value::<CohereRerankRequest>(body.clone())
            .unwrap_or_else(|_| parse("Rerank request"))
            .validate(),
        _ => serde_json::from_value::<CohereEmbedRequest>(body.clone())
            .unwrap_or_else(|_| parse("Embed request"))
            .validate(),
    }
}

#[test]
fn every_api_schema_matches_its_snapshot() {
    for api in APIS {
        insta::assert_json_snapshot!(format!("schema_{api}"), schema(api));
    }
}

#[test]
fn optional_fields_are_left_out_not_null() {
    for (api, required, optional) in [
        (
            COMMAND_API,
            json!(["prompt"]),
            &["max_tokens", "temperature", "p", "k"][..],
        ),
        (
            CHAT_API,
            json!(["message"]),
            &["max_tokens", "temperature", "p", "seed", "preamble"],
        ),
        (
            EMBED_API,
            json!(["texts", "input_type"]),
            &["embedding_types"],
        ),
        (
            EMBED_V4_API,
            json!(["input_type"]),
            &["texts", "images", "embedding_types", "max_tokens"],
        ),
        (
            RERANK_API,
            json!(["query", "documents", "api_version"]),
            &["top_n", "max_tokens_per_doc"],
        ),
    ] {
        let schema = schema(api);
        assert_eq!(schema["required"], required, "{api}");
        for field in optional {
            let kind = &schema["properties"][field]["type"];
            assert!(kind.is_string(), "{api} {field}: {kind}");
        }
    }
}

/// Raw bodies both the schema and the typed validation refuse, with the field the error names.
/// (An empty `message` is not among them: the schema cannot say that `tool_results` allows it.)
#[test]
fn schema_and_validation_refuse_the_same_bad_bodies() {
    let hi = |api: &str, field: &str, value: Value| {
        let mut body = match api {
            COMMAND_API => json!({"prompt": "Hi"}),
            CHAT_API => json!({"message": "Hi"}),
            RERANK_API => json!({"query": "Hi", "documents": ["a", "b"], "api_version": 2}),
            _ => json!({"texts": ["Hi"], "input_type": "search_query"}),
        };
        body[field] = value;
        body
    };
    for (api, body, field) in [
        (COMMAND_API, json!({"prompt": " \n"}), "prompt"),
        (
            COMMAND_API,
            hi(COMMAND_API, "max_tokens", json!(0)),
            "max_tokens",
        ),
        (
            COMMAND_API,
            hi(COMMAND_API, "max_tokens", json!(4097)),
            "max_tokens",
        ),
        (
            COMMAND_API,
            hi(COMMAND_API, "temperature", json!(5.1)),
            "temperature",
        ),
        (COMMAND_API, hi(COMMAND_API, "p", json!(1.1)), "p"),
        (COMMAND_API, hi(COMMAND_API, "k", json!(501)), "k"),
        (
            COMMAND_API,
            hi(COMMAND_API, "num_generations", json!(6)),
            "num_generations",
        ),
        (
            COMMAND_API,
            hi(
                COMMAND_API,
                "stop_sequences",
                json!(["a", "b", "c", "d", "e"]),
            ),
            "stop_sequences",
        ),
        (
            COMMAND_API,
            hi(COMMAND_API, "stop_sequences", json!([""])),
            "stop_sequences[0]",
        ),
        (
            CHAT_API,
            hi(
                CHAT_API,
                "chat_history",
                json!([{"role": "USER", "message": " "}]),
            ),
            "chat_history[0].message",
        ),
        (
            CHAT_API,
            hi(CHAT_API, "documents", json!([{"title": "t"}, {}])),
            "documents[1]",
        ),
        (
            CHAT_API,
            hi(CHAT_API, "max_tokens", json!(4001)),
            "max_tokens",
        ),
        (
            CHAT_API,
            hi(CHAT_API, "temperature", json!(1.5)),
            "temperature",
        ),
        (CHAT_API, hi(CHAT_API, "p", json!(0.995)), "p"),
        (CHAT_API, hi(CHAT_API, "p", json!(0.0)), "p"),
        (CHAT_API, hi(CHAT_API, "k", json!(600)), "k"),
        (
            CHAT_API,
            hi(CHAT_API, "frequency_penalty", json!(2.0)),
            "frequency_penalty",
        ),
        (
            CHAT_API,
            hi(CHAT_API, "presence_penalty", json!(-1.0)),
            "presence_penalty",
        ),
        (
            CHAT_API,
            hi(
                CHAT_API,
                "tools",
                json!([{"name": "1tool", "description": "x"}]),
            ),
            "tools[0].name",
        ),
        (
            CHAT_API,
            hi(CHAT_API, "tools", json!([{"name": "t", "description": ""}])),
            "tools[0].description",
        ),
        (
            CHAT_API,
            hi(
                CHAT_API,
                "stop_sequences",
                json!(["1", "2", "3", "4", "5", "6"]),
            ),
            "stop_sequences",
        ),
        (EMBED_API, hi(EMBED_API, "texts", json!([])), "texts"),
        (EMBED_API, hi(EMBED_API, "texts", json!([""])), "texts[0]"),
        (
            EMBED_API,
            hi(EMBED_API, "texts", json!(["ok", "x".repeat(2049)])),
            "texts[1]",
        ),
        (
            EMBED_API,
            hi(EMBED_API, "texts", json!(vec!["a"; 97])),
            "texts",
        ),
        (
            EMBED_API,
            hi(EMBED_API, "embedding_types", json!(["float", "float"])),
            "embedding_types[1]",
        ),
        (EMBED_V4_API, json!({"input_type": "search_query"}), "texts"),
        (
            EMBED_V4_API,
            hi(EMBED_V4_API, "texts", json!([" "])),
            "texts[0]",
        ),
        (
            EMBED_V4_API,
            hi(EMBED_V4_API, "output_dimension", json!(300)),
            "output_dimension",
        ),
        (
            EMBED_V4_API,
            hi(EMBED_V4_API, "max_tokens", json!(128_001)),
            "max_tokens",
        ),
        (
            EMBED_V4_API,
            json!({"input_type": "search_query", "images": ["data:image/png;base64,"]}),
            "images[0]",
        ),
        (
            EMBED_V4_API,
            hi(EMBED_V4_API, "embedding_types", json!(["int8", "int8"])),
            "embedding_types[1]",
        ),
        (RERANK_API, hi(RERANK_API, "query", json!(" ")), "query"),
        (
            RERANK_API,
            hi(RERANK_API, "documents", json!([])),
            "documents",
        ),
        (RERANK_API, hi(RERANK_API, "top_n", json!(0)), "top_n"),
        (RERANK_API, hi(RERANK_API, "top_n", json!(1001)), "top_n"),
        (
            RERANK_API,
            hi(RERANK_API, "api_version", json!(1)),
            "api_version",
        ),
        (
            RERANK_API,
            hi(RERANK_API, "max_tokens_per_doc", json!(4097)),
            "max_tokens_per_doc",
        ),
    ] {
        let validator = jsonschema::validator_for(&schema(api)).expect("the schema compiles");
        assert!(
            !validator.is_valid(&body),
            "the {api} schema accepts {body}"
        );
        let err = validate(api, &body).expect_err(&body.to_string());
        assert_eq!(err.field(), Some(field), "{api} {body}");
    }
}

#[test]
fn unknown_body_fields_are_refused_by_schema_and_type() {
    for (api, body) in [
        (COMMAND_API, json!({"prompt": "Hi", "top_p": 0.5})),
        (COMMAND_API, json!({"prompt": "Hi", "preamble": "x"})),
        (CHAT_API, json!({"message": "Hi", "messages": []})),
        (
            CHAT_API,
            json!({"message": "Hi", "chat_history": [{"role": "SYSTEM", "message": "x"}]}),
        ),
        (
            CHAT_API,
            json!({"message": "Hi", "tools": [{"name": "t", "description": "d", "type": "function"}]}),
        ),
        (EMBED_API, json!({"texts": ["Hi"]})),
        (EMBED_API, json!({"texts": ["Hi"], "input_type": "image"})),
        (
            EMBED_API,
            json!({"texts": ["Hi"], "input_type": "search_query", "dimensions": 1024}),
        ),
        (
            EMBED_V4_API,
            json!({"texts": ["Hi"], "input_type": "search_query", "dimensions": 1024}),
        ),
        (
            EMBED_V4_API,
            json!({"texts": ["Hi"], "input_type": "search_query", "truncate": "END"}),
        ),
        (RERANK_API, json!({"query": "Hi", "documents": ["a"]})),
        (
            RERANK_API,
            json!({"query": "Hi", "documents": ["a"], "api_version": 2, "return_documents": true}),
        ),
    ] {
        let validator = jsonschema::validator_for(&schema(api)).expect("the schema compiles");
        assert!(
            !validator.is_valid(&body),
            "the {api} schema accepts {body}"
        );
        let typed = match api {
            COMMAND_API => serde_json::from_value::<CohereCommandRequest>(body.clone()).is_err(),
            CHAT_API => serde_json::from_value::<CohereChatRequest>(body.clone()).is_err(),
            EMBED_V4_API => serde_json::from_value::<CohereEmbedV4Request>(body.clone()).is_err(),
            RERANK_API => serde_json::from_value::<CohereRerankRequest>(body.clone()).is_err(),
            _ => serde_json::from_value::<CohereEmbedRequest>(body.clone()).is_err(),
        };
        assert!(typed, "the {api} type accepts {body}");
    }
}
