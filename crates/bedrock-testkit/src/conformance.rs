//! The conformance checks: free functions over `&dyn ModelAdapter`, switched on capabilities.
//!
//! Each check panics with a message naming the adapter, the API, the model and the fixture that
//! failed, so a failing `#[test]` says exactly what to fix.

use std::collections::{BTreeSet, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};

use bedrock_core::{
    Capabilities, ChatMessage, ChatRequest, ContentPart, EmbeddingRequest, Error, ErrorKind,
    ImageFormat, ImageRequest, ModelAdapter, ModelId, ModelInput, ModelMatch, ModelOutput,
    ModelPattern, Registry, RerankRequest, Route, TextAccumulator, TextRequest,
};

use crate::ApiFixtures;

/// An API name no adapter uses; `request_schema` must answer `None` for it.
const NO_SUCH_API: &str = "no-such-api-conformance-probe";

/// Runs every check on `adapter` with one [`ApiFixtures`] per API.
///
/// Checks, in order: [`patterns_are_consistent`], [`fixtures_cover_every_api`], then for each
/// API [`bodies_match_schema`], [`example_responses_parse`], [`bad_inputs_rejected`],
/// [`unsupported_inputs_rejected`] and [`stream_equals_whole`].
///
/// # Panics
/// On the first failed check, with a message saying what failed and where.
pub fn run_conformance(adapter: &dyn ModelAdapter, fixtures: &[ApiFixtures]) {
    patterns_are_consistent(adapter);
    fixtures_cover_every_api(adapter, fixtures);
    for f in fixtures {
        bodies_match_schema(adapter, f);
        example_responses_parse(adapter, f);
        bad_inputs_rejected(adapter, f);
        unsupported_inputs_rejected(adapter, f);
        stream_equals_whole(adapter, f);
    }
}

/// The adapter's patterns are well formed: a name, at least one pattern, every pattern's API
/// has a request schema that compiles, no two patterns match the same ids the same way, every
/// pattern has a primary capability (text, chat, embedding, image or rerank), vision implies chat and
/// streaming implies text or chat; `request_schema` answers `None` for an unknown API.
///
/// # Panics
/// On the first inconsistency.
pub fn patterns_are_consistent(adapter: &dyn ModelAdapter) {
    let name = adapter.name();
    assert!(!name.trim().is_empty(), "adapter name is empty");
    let patterns = adapter.models();
    assert!(
        !patterns.is_empty(),
        "adapter `{name}` serves no model pattern"
    );
    let mut seen = HashSet::new();
    for p in patterns {
        let at = format!("adapter `{name}` pattern {:?} (API `{}`)", p.matches, p.api);
        assert!(!p.api.trim().is_empty(), "{at}: the API name is empty");
        assert!(
            seen.insert(p.matches),
            "{at}: another pattern matches the same ids"
        );
        match p.matches {
            ModelMatch::Prefix(prefix) => {
                assert!(
                    !prefix.is_empty(),
                    "{at}: an empty prefix would match every model"
                );
            }
            ModelMatch::Exact(id) => {
                let parsed = ModelId::new(id).unwrap_or_else(|e| panic!("{at}: {e}"));
                assert_eq!(
                    parsed.base_model_id(),
                    Some(id),
                    "{at}: exact ids must be bare model ids"
                );
            }
        }
        let c = p.capabilities;
        assert!(c != Capabilities::NONE, "{at}: capabilities are empty");
        assert!(
            c.text || c.chat || c.embedding || c.image || c.rerank,
            "{at}: capabilities {c:?} name no operation (text, chat, embedding, image or rerank)"
        );
        assert!(
            !c.vision || c.chat,
            "{at}: vision without chat: images travel in chat messages"
        );
        assert!(
            !c.streaming || c.text || c.chat,
            "{at}: streaming without text or chat: only text generation streams"
        );
        let schema = adapter
            .request_schema(p.api)
            .unwrap_or_else(|| panic!("{at}: request_schema(\"{}\") is None", p.api));
        compile_schema(&at, schema.as_value());
    }
    assert!(
        adapter.request_schema(NO_SUCH_API).is_none(),
        "adapter `{name}`: request_schema(\"{NO_SUCH_API}\") returned a schema for an API it does not have"
    );
}

/// Every API named by the adapter's patterns has fixtures, and every fixture names one of the
/// adapter's APIs and a model that the adapter serves through that API.
///
/// # Panics
/// On a missing or mismatched fixture.
pub fn fixtures_cover_every_api(adapter: &dyn ModelAdapter, fixtures: &[ApiFixtures]) {
    let name = adapter.name();
    let apis: BTreeSet<&str> = adapter.models().iter().map(|p| p.api).collect();
    let covered: BTreeSet<&str> = fixtures.iter().map(|f| f.api.as_str()).collect();
    let missing: Vec<&str> = apis.difference(&covered).copied().collect();
    assert!(
        missing.is_empty(),
        "adapter `{name}`: no fixtures for API(s) {missing:?}"
    );
    for f in fixtures {
        assert!(
            apis.contains(f.api.as_str()),
            "adapter `{name}`: fixtures name API `{}`, which none of its patterns serve; its APIs: {apis:?}",
            f.api
        );
        route_of(adapter, f);
    }
}

/// `request_schema(api)` exists and compiles; `build_body` accepts every valid input, twice with
/// the same bytes, and every body is JSON that validates against the schema.
///
/// # Panics
/// On a missing or invalid schema, a rejected input, a non-deterministic body or a body that
/// does not match the schema (all violations are listed).
pub fn bodies_match_schema(adapter: &dyn ModelAdapter, f: &ApiFixtures) {
    let at = context(adapter, f);
    let route = route_of(adapter, f);
    let caps = route.capabilities();
    let schema = adapter
        .request_schema(&f.api)
        .unwrap_or_else(|| panic!("{at}: request_schema(\"{}\") is None", f.api));
    let validator = compile_schema(&at, schema.as_value());
    assert!(!f.valid_inputs.is_empty(), "{at}: no valid inputs to build");
    for (i, input) in f.valid_inputs.iter().enumerate() {
        let at = format!("{at}, valid input #{i} ({})", input.operation());
        assert!(
            caps.supports(input),
            "{at}: the fixture is a {} input, which the API's capabilities {caps:?} lack",
            input.operation()
        );
        let body = guarded(&at, || adapter.build_body(&route, input))
            .unwrap_or_else(|e| panic!("{at}: build_body rejected a valid input: {e}"));
        let again = guarded(&at, || adapter.build_body(&route, input)).unwrap_or_else(|e| {
            panic!("{at}: build_body rejected the same input the second time: {e}")
        });
        assert!(
            body == again,
            "{at}: build_body is not deterministic: two calls gave different bodies"
        );
        let json: serde_json::Value = serde_json::from_slice(&body.body).unwrap_or_else(|e| {
            panic!(
                "{at}: the body is not JSON ({e}): {}",
                String::from_utf8_lossy(&body.body)
            )
        });
        let errors: Vec<String> = validator
            .iter_errors(&json)
            .map(|e| format!("  at `{}`: {e}", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{at}: the body does not match the API's schema:\n{}\nbody: {json}",
            errors.join("\n")
        );
    }
}

/// `parse_output` accepts every documented example response and returns the output kind the
/// API's capabilities promise; empty, non-JSON and truncated bodies fail with a decode error.
///
/// # Panics
/// On a rejected example, an output of the wrong kind, or a malformed body that is accepted.
pub fn example_responses_parse(adapter: &dyn ModelAdapter, f: &ApiFixtures) {
    let at = context(adapter, f);
    let route = route_of(adapter, f);
    let caps = route.capabilities();
    assert!(
        !f.example_responses.is_empty(),
        "{at}: no example responses to parse"
    );
    for (name, body) in &f.example_responses {
        let at = format!("{at}, example response `{name}`");
        let output = guarded(&at, || adapter.parse_output(&route, body))
            .unwrap_or_else(|e| panic!("{at}: parse_output rejected it: {e}"));
        let fits = match &output {
            ModelOutput::Text(_) => caps.text || caps.chat,
            ModelOutput::Embedding(_) => caps.embedding,
            ModelOutput::Images(_) => caps.image,
            ModelOutput::Rerank(_) => caps.rerank,
            _ => false,
        };
        assert!(
            fits,
            "{at}: parsed to {output:?}, which the API's capabilities {caps:?} do not produce"
        );
    }
    let first = &f.example_responses[0].1;
    let truncated = first[..first.len() / 2].to_vec();
    for (what, body) in [
        ("an empty body", Vec::new()),
        ("a non-JSON body", b"this is not JSON".to_vec()),
        ("the first example cut in half", truncated),
    ] {
        let at = format!("{at}, {what}");
        match guarded(&at, || adapter.parse_output(&route, &body)) {
            Ok(out) => panic!("{at}: parse_output accepted it as {out:?}"),
            Err(e) => assert_eq!(
                e.kind(),
                ErrorKind::Decode,
                "{at}: expected a decode error, got {e:?}"
            ),
        }
    }
}

/// `build_body` rejects every invalid input with [`Error::InvalidInput`] naming the expected
/// field and saying what is allowed.
///
/// # Panics
/// On an accepted input, another error, or a different field.
pub fn bad_inputs_rejected(adapter: &dyn ModelAdapter, f: &ApiFixtures) {
    let at = context(adapter, f);
    let route = route_of(adapter, f);
    for (i, (input, field)) in f.invalid_inputs.iter().enumerate() {
        let at = format!("{at}, invalid input #{i} (expected field `{field}`)");
        match guarded(&at, || adapter.build_body(&route, input)) {
            Ok(body) => panic!(
                "{at}: build_body accepted it and built {}",
                String::from_utf8_lossy(&body.body)
            ),
            Err(Error::InvalidInput(bad)) => {
                assert_eq!(
                    bad.field, *field,
                    "{at}: the error names another field: {bad}"
                );
                assert!(
                    !bad.allowed.trim().is_empty(),
                    "{at}: the error does not say what is allowed: {bad}"
                );
            }
            Err(other) => panic!("{at}: expected Error::InvalidInput, got {other:?}"),
        }
    }
}

/// Inputs of every shape the API's capabilities lack (and images in chat when it lacks vision)
/// are rejected with [`Error::Unsupported`] or [`Error::InvalidInput`], never a panic.
///
/// # Panics
/// On an accepted input, another error kind, or a panic inside the adapter.
pub fn unsupported_inputs_rejected(adapter: &dyn ModelAdapter, f: &ApiFixtures) {
    let at = context(adapter, f);
    let route = route_of(adapter, f);
    let caps = route.capabilities();
    let mut probes: Vec<(&str, ModelInput)> = sample_inputs()
        .into_iter()
        .filter(|(_, input)| !caps.supports(input))
        .collect();
    if caps.chat && !caps.vision {
        probes.push(("chat with an image", chat_with_image()));
    }
    for (what, input) in probes {
        let at = format!("{at}, unsupported input: {what}");
        match guarded(&at, || adapter.build_body(&route, &input)) {
            Ok(body) => panic!(
                "{at}: build_body accepted it and built {}",
                String::from_utf8_lossy(&body.body)
            ),
            Err(Error::Unsupported { .. } | Error::InvalidInput(_)) => {}
            Err(other) => {
                panic!("{at}: expected Error::Unsupported or Error::InvalidInput, got {other:?}")
            }
        }
    }
}

/// For an API that streams: folding `parse_stream_chunk` over each recorded stream with
/// [`TextAccumulator`] gives the text `parse_output` gives for the whole body, the same stop
/// reason when the whole body reports one, and the same usage when both report it; a non-JSON
/// chunk is a decode error. For an API that does not stream: no stream fixtures are given.
///
/// # Panics
/// On a rejected chunk, a difference, or stream fixtures that do not fit the capabilities.
pub fn stream_equals_whole(adapter: &dyn ModelAdapter, f: &ApiFixtures) {
    let at = context(adapter, f);
    let route = route_of(adapter, f);
    let caps = route.capabilities();
    if !caps.streaming {
        assert!(
            f.streams.is_empty(),
            "{at}: stream fixtures given, but the API's capabilities {caps:?} do not include streaming"
        );
        return;
    }
    assert!(
        !f.streams.is_empty(),
        "{at}: the API streams but no stream fixtures are given"
    );
    for s in &f.streams {
        let at = format!("{at}, stream `{}`", s.name);
        let mut acc = TextAccumulator::new();
        for (i, chunk) in s.chunks.iter().enumerate() {
            let at = format!("{at}, chunk #{i} {}", String::from_utf8_lossy(chunk));
            let events = guarded(&at, || adapter.parse_stream_chunk(&route, chunk))
                .unwrap_or_else(|e| panic!("{at}: parse_stream_chunk rejected it: {e}"));
            for event in &events {
                acc.push(event);
            }
        }
        let streamed = acc.finish();
        let whole = match guarded(&at, || adapter.parse_output(&route, &s.whole_body)) {
            Ok(ModelOutput::Text(t)) => t,
            Ok(other) => panic!("{at}: the whole body parsed to {other:?}, not text"),
            Err(e) => panic!("{at}: parse_output rejected the whole body: {e}"),
        };
        assert_eq!(
            streamed.text, whole.text,
            "{at}: streamed text differs from the whole body's"
        );
        if whole.stop_reason.is_some() {
            assert_eq!(
                streamed.stop_reason, whole.stop_reason,
                "{at}: streamed stop reason differs from the whole body's"
            );
        }
        if let (Some(s_usage), Some(w_usage)) = (streamed.usage, whole.usage) {
            assert_eq!(
                s_usage, w_usage,
                "{at}: streamed usage differs from the whole body's"
            );
        }
    }
    let at = format!("{at}, a non-JSON chunk");
    match guarded(&at, || {
        adapter.parse_stream_chunk(&route, b"this is not JSON")
    }) {
        Ok(events) => panic!("{at}: parse_stream_chunk accepted it as {events:?}"),
        Err(e) => assert_eq!(
            e.kind(),
            ErrorKind::Decode,
            "{at}: expected a decode error, got {e:?}"
        ),
    }
}

/// `registry` resolves `model_id` to the adapter named `adapter` and its API `api`.
///
/// # Panics
/// When the id is invalid, does not resolve, or resolves elsewhere.
#[track_caller]
pub fn assert_resolves(registry: &Registry, model_id: &str, adapter: &str, api: &str) {
    let id = ModelId::new(model_id).unwrap_or_else(|e| panic!("assert_resolves: {e}"));
    let resolved = registry
        .resolve(&id)
        .unwrap_or_else(|e| panic!("`{model_id}` does not resolve: {e}"));
    assert_eq!(
        (resolved.adapter.name(), resolved.route.api()),
        (adapter, api),
        "`{model_id}` resolved to adapter `{}` API `{}`, expected adapter `{adapter}` API `{api}`",
        resolved.adapter.name(),
        resolved.route.api()
    );
}

/// The route by which the adapter serves the fixture's model, as a registry holding only this
/// adapter resolves it; its API must be the fixture's.
pub fn route_of(adapter: &dyn ModelAdapter, f: &ApiFixtures) -> Route {
    let name = adapter.name();
    let pattern = f
        .model_id
        .base_model_id()
        .and_then(|base| ModelPattern::best(adapter.models(), base))
        .map(|(p, _)| *p)
        .unwrap_or_else(|| {
            panic!("adapter `{name}`: fixtures for API `{}` use model `{}`, which the adapter does not serve", f.api, f.model_id)
        });
    assert_eq!(
        pattern.api, f.api,
        "adapter `{name}`: fixtures for API `{}` use model `{}`, which the adapter serves through API `{}`",
        f.api, f.model_id, pattern.api
    );
    Route::new(&f.model_id, pattern, name).unwrap_or_else(|| {
        panic!(
            "adapter `{name}`: model `{}` names no foundation model",
            f.model_id
        )
    })
}

fn context(adapter: &dyn ModelAdapter, f: &ApiFixtures) -> String {
    format!(
        "adapter `{}` API `{}` model `{}`",
        adapter.name(),
        f.api,
        f.model_id
    )
}

fn compile_schema(at: &str, schema: &serde_json::Value) -> jsonschema::Validator {
    assert!(
        schema.is_object(),
        "{at}: the request schema is not a JSON object: {schema}"
    );
    jsonschema::validator_for(schema)
        .unwrap_or_else(|e| panic!("{at}: the request schema does not compile: {e}"))
}

/// Runs `call`, turning a panic inside the adapter into a failure that says where it happened.
fn guarded<T>(at: &str, call: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(call)) {
        Ok(v) => v,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("(non-string panic payload)");
            panic!("{at}: the adapter panicked instead of returning an error: {msg}")
        }
    }
}

/// One small input of every shape.
fn sample_inputs() -> Vec<(&'static str, ModelInput)> {
    vec![
        (
            "text generation",
            ModelInput::Text(TextRequest::new("Say hello.").max_tokens(16)),
        ),
        (
            "chat",
            ModelInput::Chat(ChatRequest {
                messages: vec![ChatMessage::user("Say hello.")],
                params: bedrock_core::InferenceParams {
                    max_tokens: Some(16),
                    ..Default::default()
                },
                ..ChatRequest::default()
            }),
        ),
        (
            "embedding",
            ModelInput::Embedding(EmbeddingRequest::new("Say hello.")),
        ),
        (
            "image generation",
            ModelInput::Image(ImageRequest::new("A red square.")),
        ),
        (
            "rerank",
            ModelInput::Rerank(RerankRequest::new(
                "Which is red?",
                vec!["A red square.".to_owned(), "A blue circle.".to_owned()],
            )),
        ),
    ]
}

fn chat_with_image() -> ModelInput {
    // The PNG signature and an IHDR chunk header are enough: adapters encode, never decode.
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01".to_vec();
    ModelInput::Chat(ChatRequest {
        messages: vec![bedrock_core::ChatMessage {
            role: bedrock_core::Role::User,
            content: vec![
                ContentPart::Image {
                    format: ImageFormat::Png,
                    data: png,
                },
                ContentPart::Text {
                    text: "What is in this image?".to_owned(),
                },
            ],
        }],
        params: bedrock_core::InferenceParams {
            max_tokens: Some(16),
            ..Default::default()
        },
        ..ChatRequest::default()
    })
}
