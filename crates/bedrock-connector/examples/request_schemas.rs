//! Prints, for every API of every adapter in `default_registry()`, its request JSON Schema with
//! the model ids and capabilities routed to it, as one JSON array on stdout:
//!
//! ```sh
//! cargo run -q -p bedrock-connector --example request_schemas
//! ```
//!
//! `cargo xtask codegen` publishes `docs/schemas/` and `docs/reference/schemas.md` from this
//! output. It runs this example as a separate process because xtask must not link the adapters:
//! it writes bedrock-core's generated files, so it has to build when they do not.

use std::error::Error;
use std::io::Write;

use bedrock_connector::{Capabilities, ExtraFields, ModelAdapter, RequestBody, default_registry};

fn main() -> Result<(), Box<dyn Error>> {
    let mut apis = Vec::new();
    for adapter in default_registry().adapters() {
        let mut names: Vec<&str> = Vec::new();
        for pattern in adapter.models() {
            if !names.contains(&pattern.api) {
                names.push(pattern.api);
            }
        }
        for api in names {
            apis.push(describe(&*adapter, api)?);
        }
    }
    apis.extend(converse_rows());
    // The facade has no JSON dependency of its own; the core's typed-body encoder writes any
    // serialisable value.
    let json = RequestBody::json(&apis)?;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&json.body)?;
    stdout.write_all(b"\n")?;
    Ok(())
}

/// One API of `adapter`: `{"adapter", "api", "patterns", "capabilities", "schema"}`.
fn describe(adapter: &dyn ModelAdapter, api: &'static str) -> Result<ExtraFields, Box<dyn Error>> {
    let schema = adapter.request_schema(api).ok_or_else(|| {
        format!(
            "adapter `{}`: request_schema(\"{api}\") is None for an API its patterns name",
            adapter.name()
        )
    })?;
    let patterns: Vec<_> = adapter.models().iter().filter(|p| p.api == api).collect();
    let ids: Vec<String> = patterns.iter().map(|p| p.matches.to_string()).collect();
    let capabilities = patterns
        .iter()
        .fold(Capabilities::NONE, |acc, p| acc.union(p.capabilities));
    let mut row = ExtraFields::new();
    row.insert("adapter".to_owned(), adapter.name().into());
    row.insert("api".to_owned(), api.into());
    row.insert("patterns".to_owned(), ids.into());
    row.insert(
        "capabilities".to_owned(),
        capability_names(capabilities).into(),
    );
    row.insert("schema".to_owned(), schema.to_value());
    Ok(row)
}

/// Bedrock's Converse API, which needs no adapter (its types serve every chat model): one row
/// per body it defines, under the name `converse`.
fn converse_rows() -> Vec<ExtraFields> {
    use bedrock_connector::converse::{
        ConverseRequest, ConverseResponse, ConverseStreamEvent, CountTokensRequest,
        CountTokensResponse,
    };
    use bedrock_connector::request_schema;
    [
        ("converse-request", request_schema::<ConverseRequest>()),
        ("converse-response", request_schema::<ConverseResponse>()),
        (
            "converse-stream-event",
            request_schema::<ConverseStreamEvent>(),
        ),
        (
            "count-tokens-request",
            request_schema::<CountTokensRequest>(),
        ),
        (
            "count-tokens-response",
            request_schema::<CountTokensResponse>(),
        ),
    ]
    .into_iter()
    .map(|(api, schema)| {
        let mut row = ExtraFields::new();
        row.insert("adapter".to_owned(), "converse".into());
        row.insert("api".to_owned(), api.into());
        row.insert("patterns".to_owned(), vec!["*"].into());
        row.insert("capabilities".to_owned(), vec!["chat", "streaming"].into());
        row.insert("schema".to_owned(), schema.to_value());
        row
    })
    .collect()
}

/// The capabilities that are on, in `Capabilities`' field order.
fn capability_names(c: Capabilities) -> Vec<&'static str> {
    [
        (c.text, "text"),
        (c.chat, "chat"),
        (c.vision, "vision"),
        (c.streaming, "streaming"),
        (c.embedding, "embedding"),
        (c.image, "image"),
        (c.rerank, "rerank"),
    ]
    .into_iter()
    .filter_map(|(on, name)| on.then_some(name))
    .collect()
}
