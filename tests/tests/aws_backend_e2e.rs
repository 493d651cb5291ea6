//! The connector over the AWS SDK backend, against an in-process emulator, answers exactly as the
//! same connector over the in-process mock does: list (with filters), get, raw InvokeModel,
//! typed text, chat, embeddings and images, streams, token-count headers and saved prompts, for
//! every adapter family (Claude Text Completions and Messages, Titan text, embeddings and image,
//! SDXL, SD3).

mod support;

use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use bedrock_backend_mock::SimulatorConfig;
use bedrock_connector::{
    ChatMessage, ChatRequest, Connector, ConnectorBuilderExt as _, CustomizationType,
    EmbeddingRequest, ErrorKind, ImageFormat, ImageRequest, InferenceType,
    InvokeModelGenericRequest, InvokeModelGenericResponse, InvokeOptions,
    ListFoundationModelsRequest, Modality, ModelInput, PromptHistory as _, PromptOutcome,
    PromptStatus, Region, StreamEvent, TextAccumulator, TextRequest,
};
use bedrock_emulator::EmulatorHandle;
use bedrock_history::SqliteHistory;
use futures::{StreamExt as _, TryStreamExt as _};
use serde_json::{Value, json};
use support::{
    example_aws_connector, model_id as id, png_size, start_emulator, with_simulator, within,
};

const SEED: u64 = 20_240_307;

const CLAUDE_LEGACY: &str = "anthropic.claude-v2";
const CLAUDE_MESSAGES: &str = "anthropic.claude-3-haiku-20240307-v1:0";
const TITAN_TEXT: &str = "amazon.titan-text-express-v1";
const TITAN_EMBED_V1: &str = "amazon.titan-embed-text-v1";
const TITAN_EMBED_V2: &str = "amazon.titan-embed-text-v2:0";
const TITAN_IMAGE: &str = "amazon.titan-image-generator-v2:0";
const SDXL: &str = "stability.stable-diffusion-xl-v1";
const SD3: &str = "stability.sd3-large-v1:0";

/// An emulator and two connectors with the same adapters and simulator settings: one over the
/// AWS SDK backend pointed at the emulator, one over the in-process mock.
struct Pair {
    emulator: EmulatorHandle,
    aws: Connector,
    mock: Connector,
}

/// An emulator with the seeded simulator.
async fn seeded_emulator() -> EmulatorHandle {
    start_emulator(with_simulator(SimulatorConfig::with_seed(SEED))).await
}

async fn pair() -> Pair {
    let emulator = seeded_emulator().await;
    let aws = example_aws_connector(emulator.url());
    let mock = Connector::builder()
        .default_adapters()
        .mock_backend(SimulatorConfig::with_seed(SEED))
        .build()
        .unwrap();
    Pair {
        emulator,
        aws,
        mock,
    }
}

impl Pair {
    /// Runs `call` over the AWS backend, then over the mock: both must answer, and answer the
    /// same. The AWS answer comes back for further checks.
    async fn same<T: PartialEq + Debug>(
        &self,
        what: &str,
        call: impl AsyncFn(&Connector) -> bedrock_connector::Result<T>,
    ) -> T {
        let aws = within(what, call(&self.aws))
            .await
            .unwrap_or_else(|e| panic!("{what} over AWS: {e}"));
        let mock = within(what, call(&self.mock))
            .await
            .unwrap_or_else(|e| panic!("{what} over the mock: {e}"));
        assert_eq!(aws, mock, "{what}");
        aws
    }

    /// A raw call over the AWS backend, and its body parsed as JSON.
    async fn aws_json(&self, model: &str) -> (InvokeModelGenericResponse, Value) {
        let request = InvokeModelGenericRequest::json(id(model), raw_body(model).to_string());
        let response = within(model, self.aws.invoke_model_generic(request))
            .await
            .unwrap_or_else(|e| panic!("{model} over AWS: {e}"));
        let body = serde_json::from_slice(&response.body).expect("JSON body");
        (response, body)
    }
}

/// One raw InvokeModel body per family.
fn raw_bodies() -> Vec<(&'static str, Value)> {
    vec![
        (
            CLAUDE_LEGACY,
            json!({
                "prompt": "\n\nHuman: Write two sentences about rain on a tin roof.\n\nAssistant:",
                "max_tokens_to_sample": 60,
                "temperature": 0.5,
            }),
        ),
        (
            CLAUDE_MESSAGES,
            json!({
                "anthropic_version": "bedrock-2023-05-31",
                "max_tokens": 80,
                "system": "Answer briefly.",
                "messages": [{"role": "user", "content": "Name three rivers of Europe."}],
            }),
        ),
        (
            TITAN_TEXT,
            json!({
                "inputText": "Describe a lighthouse on a stormy night.",
                "textGenerationConfig": {"maxTokenCount": 64, "temperature": 0.4, "topP": 0.9},
            }),
        ),
        (
            TITAN_EMBED_V2,
            json!({"inputText": "The river runs to the sea.", "dimensions": 256, "normalize": true}),
        ),
        (
            TITAN_IMAGE,
            json!({
                "taskType": "TEXT_IMAGE",
                "textToImageParams": {"text": "a red kite over green hills"},
                "imageGenerationConfig": {"numberOfImages": 1, "width": 512, "height": 512, "seed": 3},
            }),
        ),
        (
            SDXL,
            json!({
                "text_prompts": [{"text": "a lighthouse at dawn", "weight": 1.0}],
                "width": 1024, "height": 1024, "seed": 11, "steps": 30,
            }),
        ),
        (
            SD3,
            json!({"prompt": "a fox in the snow", "aspect_ratio": "1:1", "seed": 5}),
        ),
    ]
}

/// The raw body of `model` in [`raw_bodies`].
fn raw_body(model: &str) -> Value {
    raw_bodies()
        .into_iter()
        .find_map(|(m, body)| (m == model).then_some(body))
        .unwrap_or_else(|| panic!("no raw body for {model}"))
}

fn filters() -> Vec<ListFoundationModelsRequest> {
    let base = ListFoundationModelsRequest::default;
    vec![
        base(),
        ListFoundationModelsRequest {
            by_provider: Some("Anthropic".into()),
            ..base()
        },
        ListFoundationModelsRequest {
            by_provider: Some("stability ai".into()),
            ..base()
        },
        ListFoundationModelsRequest {
            by_output_modality: Some(Modality::Embedding),
            ..base()
        },
        ListFoundationModelsRequest {
            by_output_modality: Some(Modality::Image),
            by_inference_type: Some(InferenceType::OnDemand),
            ..base()
        },
        ListFoundationModelsRequest {
            by_inference_type: Some(InferenceType::Provisioned),
            ..base()
        },
        ListFoundationModelsRequest {
            by_customization_type: Some(CustomizationType::FineTuning),
            ..base()
        },
        ListFoundationModelsRequest {
            by_provider: Some("Amazon".into()),
            by_output_modality: Some(Modality::Text),
            region: Some(Region::EuWest1),
            ..base()
        },
        ListFoundationModelsRequest {
            region: Some(Region::UsWest2),
            ..base()
        },
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_with_filters_and_get_match_the_mock() {
    let p = pair().await;
    let mut non_empty = 0;
    for request in filters() {
        let aws = p
            .same(&format!("filters {request:?}"), async |c| {
                c.list_foundation_models(&request).await
            })
            .await;
        assert!(aws.models.iter().all(|m| request.matches(m)), "{request:?}");
        let region = request.region.unwrap_or(Region::UsEast1);
        assert!(
            aws.models.iter().all(|m| m
                .model_arn
                .starts_with(&format!("arn:aws:bedrock:{region}::"))),
            "ARNs name the region the list ran in"
        );
        non_empty += usize::from(!aws.models.is_empty());
    }
    assert_eq!(non_empty, filters().len(), "every filter selects something");

    // The filters really filter.
    let everything = p
        .same("no filter", async |c| {
            c.list_foundation_models(&Default::default()).await
        })
        .await;
    let anthropic_only = ListFoundationModelsRequest {
        by_provider: Some("Anthropic".into()),
        ..Default::default()
    };
    let anthropic = p
        .same("Anthropic", async |c| {
            c.list_foundation_models(&anthropic_only).await
        })
        .await;
    assert!(anthropic.models.len() < everything.models.len());
    assert!(
        anthropic
            .models
            .iter()
            .all(|m| m.provider_name == "Anthropic")
    );
    for (model, _) in raw_bodies() {
        assert!(
            everything.models.iter().any(|m| m.model_id == model),
            "{model} is listed in us-east-1"
        );
    }

    for (model, _) in raw_bodies() {
        let aws = p
            .same(model, async |c| c.get_foundation_model(&id(model)).await)
            .await;
        assert_eq!(aws.model_id, model);
    }
    // The emulator saw every call, signed for us-east-1 unless the request named a region.
    let log = p.emulator.simulator().request_log();
    assert_eq!(log.len(), filters().len() + 2 + raw_bodies().len());
    assert_eq!(
        log.iter().filter(|e| e.region == Region::EuWest1).count(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_invoke_matches_the_mock_for_every_family() {
    let p = pair().await;
    for (model, body) in raw_bodies() {
        let request = InvokeModelGenericRequest::json(id(model), body.to_string());
        // Body, content type, token counts, latency and request id: all equal.
        let aws = p
            .same(model, async |c| {
                c.invoke_model_generic(request.clone()).await
            })
            .await;
        assert_eq!(aws.content_type, "application/json");
        assert!(aws.prompt_id.is_none());
        assert!(aws.request_id.is_some(), "{model}: request id header");
        assert!(
            aws.input_tokens.is_some_and(|n| n > 0),
            "{model}: input token header"
        );
        let produces_text = !matches!(model, TITAN_EMBED_V2 | TITAN_IMAGE | SDXL | SD3);
        assert_eq!(
            aws.output_tokens.is_some(),
            produces_text,
            "{model}: output token header only for text"
        );
        let parsed: Value = serde_json::from_slice(&aws.body).expect("JSON body");
        assert!(parsed.is_object(), "{model}");
    }

    // A per-call region: the request is signed for eu-west-1 and the emulator answers there.
    let mut request =
        InvokeModelGenericRequest::json(id(TITAN_TEXT), raw_body(TITAN_TEXT).to_string());
    request.region = Some(Region::EuWest1);
    p.same("eu-west-1", async |c| {
        c.invoke_model_generic(request.clone()).await
    })
    .await;
    let last = p.emulator.simulator().request_log().pop().unwrap();
    assert_eq!(last.region, Region::EuWest1);
    assert_eq!(
        last.attempt,
        Some(1),
        "the SDK's attempt header reached the emulator"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_counts_from_headers_reach_the_generic_response() {
    let p = pair().await;
    let (response, body) = p.aws_json(CLAUDE_MESSAGES).await;
    assert_eq!(
        response.input_tokens.map(u64::from),
        body["usage"]["input_tokens"].as_u64()
    );
    assert_eq!(
        response.output_tokens.map(u64::from),
        body["usage"]["output_tokens"].as_u64()
    );

    let (response, body) = p.aws_json(TITAN_TEXT).await;
    assert_eq!(
        response.input_tokens.map(u64::from),
        body["inputTextTokenCount"].as_u64()
    );
    assert_eq!(
        response.output_tokens.map(u64::from),
        body["results"][0]["tokenCount"].as_u64()
    );
    assert!(
        response.output_tokens.unwrap() <= 64,
        "honours maxTokenCount"
    );
    assert!(response.latency > Duration::ZERO);

    let (response, body) = p.aws_json(TITAN_EMBED_V2).await;
    assert_eq!(
        response.input_tokens.map(u64::from),
        body["inputTextTokenCount"].as_u64()
    );
    assert_eq!(
        response.output_tokens, None,
        "embeddings send no output count"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_text_and_chat_match_the_mock() {
    let p = pair().await;
    let prompt = TextRequest::new("Write a haiku about the tide.")
        .max_tokens(48)
        .temperature(0.3);
    for model in [CLAUDE_LEGACY, CLAUDE_MESSAGES, TITAN_TEXT] {
        let aws = p
            .same(model, async |c| {
                c.generate_text(&id(model), prompt.clone()).await
            })
            .await;
        assert!(!aws.text.trim().is_empty(), "{model}");
        assert!(aws.stop_reason.is_some(), "{model}");
    }

    let chat = ChatRequest {
        system: Some("You are terse.".into()),
        messages: vec![
            ChatMessage::user("What is the capital of France?"),
            ChatMessage::assistant("Paris."),
            ChatMessage::user("And of Italy?"),
        ],
        params: bedrock_connector::InferenceParams {
            max_tokens: Some(32),
            ..Default::default()
        },
        extra: Default::default(),
    };
    for model in [CLAUDE_LEGACY, CLAUDE_MESSAGES, TITAN_TEXT] {
        let aws = p
            .same(model, async |c| c.chat(&id(model), chat.clone()).await)
            .await;
        assert!(!aws.text.is_empty(), "{model}");
    }

    // The whole invocation, metadata included, is the same.
    let input = ModelInput::Text(prompt);
    let aws = p
        .same("invoke", async |c| {
            c.invoke(&id(CLAUDE_MESSAGES), &input, InvokeOptions::default())
                .await
        })
        .await;
    let usage = match &aws.output {
        bedrock_connector::ModelOutput::Text(t) => t.usage.expect("Messages reports usage"),
        other => panic!("expected text, got {other:?}"),
    };
    assert_eq!(aws.input_tokens, Some(usage.input_tokens));
    assert_eq!(aws.output_tokens, Some(usage.output_tokens));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_embeddings_and_images_match_the_mock() {
    let p = pair().await;
    let mut v2 = EmbeddingRequest::new("Tides follow the moon.");
    v2.dimensions = Some(256);
    v2.normalize = Some(true);
    let aws = p
        .same(TITAN_EMBED_V2, async |c| {
            c.embed(&id(TITAN_EMBED_V2), v2.clone()).await
        })
        .await;
    assert_eq!(aws.embedding.len(), 256);
    let norm: f32 = aws.embedding.iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-3, "normalised, got {norm}");

    let v1 = EmbeddingRequest::new("Tides follow the moon.");
    let aws = p
        .same(TITAN_EMBED_V1, async |c| {
            c.embed(&id(TITAN_EMBED_V1), v1.clone()).await
        })
        .await;
    assert_eq!(aws.embedding.len(), 1536);

    let cases: [(&str, ImageRequest, (u32, u32)); 3] = [
        (
            TITAN_IMAGE,
            ImageRequest {
                width: Some(512),
                height: Some(512),
                seed: Some(9),
                ..ImageRequest::new("a paper boat on a pond")
            },
            (512, 512),
        ),
        (
            SDXL,
            ImageRequest {
                width: Some(1024),
                height: Some(1024),
                seed: Some(9),
                steps: Some(20),
                ..ImageRequest::new("a paper boat on a pond")
            },
            (1024, 1024),
        ),
        (
            SD3,
            ImageRequest {
                seed: Some(9),
                ..ImageRequest::new("a paper boat on a pond")
            },
            (1024, 1024),
        ),
    ];
    for (model, request, size) in cases {
        let aws = p
            .same(model, async |c| {
                c.generate_image(&id(model), request.clone()).await
            })
            .await;
        assert_eq!(aws.images.len(), 1, "{model}");
        let image = &aws.images[0];
        assert_eq!(image.format, ImageFormat::Png, "{model}");
        assert_eq!(png_size(&image.data), size, "{model}");
    }
}

/// Every event of a typed stream; the first error ends it.
async fn collect_events(
    connector: &Connector,
    model: &str,
    input: &ModelInput,
) -> bedrock_connector::Result<Vec<StreamEvent>> {
    let stream = connector
        .invoke_stream(&id(model), input, InvokeOptions::default())
        .await?;
    stream.events.try_collect().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_match_the_mock() {
    let p = pair().await;
    let chat = ModelInput::Chat(ChatRequest {
        messages: vec![ChatMessage::user("Tell me about glaciers.")],
        params: bedrock_connector::InferenceParams {
            max_tokens: Some(60),
            ..Default::default()
        },
        ..Default::default()
    });
    let text = ModelInput::Text(TextRequest::new("Tell me about glaciers.").max_tokens(60));
    for (model, input) in [
        (CLAUDE_MESSAGES, &chat),
        (CLAUDE_MESSAGES, &text),
        (TITAN_TEXT, &text),
        (CLAUDE_LEGACY, &text),
    ] {
        let aws = p
            .same(model, async |c| collect_events(c, model, input).await)
            .await;
        assert!(
            aws.iter()
                .filter(|e| matches!(e, StreamEvent::TextDelta { .. }))
                .count()
                > 1,
            "{model}: several deltas"
        );
        assert!(
            aws.iter().any(|e| matches!(e, StreamEvent::Stop { .. })),
            "{model}: a stop event"
        );
        let mut acc = TextAccumulator::new();
        aws.iter().for_each(|e| acc.push(e));
        let out = acc.finish();
        assert!(!out.text.is_empty());
        assert!(
            out.usage.is_some_and(|u| u.output_tokens > 0),
            "{model}: usage from the invocation metrics"
        );
    }

    // stream_text, the shortcut.
    let request = TextRequest::new("Why is the sea salty?").max_tokens(40);
    for model in [CLAUDE_MESSAGES, TITAN_TEXT] {
        let aws: Vec<StreamEvent> = p
            .same(model, async |c| {
                c.stream_text(&id(model), request.clone())
                    .await?
                    .try_collect()
                    .await
            })
            .await;
        assert!(!aws.is_empty());
    }

    // The raw stream: the model's own JSON chunks, byte for byte, with the invocation metrics
    // on the last one.
    for (model, body) in raw_bodies().into_iter().take(3) {
        let request = InvokeModelGenericRequest::json(id(model), body.to_string());
        let aws: Vec<_> = p
            .same(model, async |c| {
                let (_, chunks) = c.invoke_model_generic_stream(request.clone()).await?;
                chunks.map_ok(|chunk| chunk.bytes).try_collect().await
            })
            .await;
        assert!(aws.len() > 1, "{model}");
        let last: Value = serde_json::from_slice(aws.last().unwrap()).unwrap();
        assert!(
            last.get("amazon-bedrock-invocationMetrics").is_some(),
            "{model}: {last}"
        );
    }

    // Models that cannot stream are refused the same way.
    let request = InvokeModelGenericRequest::json(id(SDXL), raw_body(SDXL).to_string());
    let aws = p
        .aws
        .invoke_model_generic_stream(request.clone())
        .await
        .err()
        .expect("SDXL does not stream");
    let mock = p
        .mock
        .invoke_model_generic_stream(request)
        .await
        .err()
        .expect("SDXL does not stream");
    assert_eq!(aws.kind(), ErrorKind::Validation);
    assert_eq!(aws.kind(), mock.kind());
    assert_eq!(aws.service_message(), mock.service_message());
    assert_eq!(aws.request_id(), mock.request_id());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saved_prompts_are_completed_in_the_history() {
    let emulator = seeded_emulator().await;
    let history = Arc::new(SqliteHistory::open_in_memory().unwrap());
    let connector = example_aws_connector(emulator.url()).with_history(history.clone());

    // InvokeModelGeneric with save_prompt: the id comes back and the row holds the answer.
    let body = raw_body(CLAUDE_MESSAGES);
    let request =
        InvokeModelGenericRequest::json(id(CLAUDE_MESSAGES), body.to_string()).save_prompt(true);
    let response = connector.invoke_model_generic(request).await.unwrap();
    let prompt_id = response.prompt_id.clone().expect("a prompt id");
    let record = history.get(&prompt_id).await.unwrap().expect("the row");
    assert_eq!(record.status, PromptStatus::Completed);
    assert_eq!(record.prompt.model_id, CLAUDE_MESSAGES);
    assert_eq!(record.prompt.region, Region::UsEast1);
    assert_eq!(record.prompt.body.as_ref(), body.to_string().as_bytes());
    assert!(record.finished_at.is_some());
    match record.outcome {
        Some(PromptOutcome::Completed {
            body,
            input_tokens,
            output_tokens,
            content_type,
            ..
        }) => {
            assert_eq!(body, response.body);
            assert_eq!(content_type, "application/json");
            assert_eq!(input_tokens, response.input_tokens);
            assert_eq!(output_tokens, response.output_tokens);
        }
        other => panic!("expected a completed outcome, got {other:?}"),
    }

    // A typed, streamed call with save_prompt: completed when the stream ends.
    let stream = connector
        .invoke_stream(
            &id(TITAN_TEXT),
            &ModelInput::Text(TextRequest::new("A line about the wind.").max_tokens(30)),
            InvokeOptions {
                save_prompt: true,
                ..InvokeOptions::default()
            },
        )
        .await
        .unwrap();
    let stream_id = stream.prompt_id.clone().expect("a prompt id");
    assert_eq!(
        history.get(&stream_id).await.unwrap().unwrap().status,
        PromptStatus::Pending,
        "pending while the stream is open"
    );
    let events: Vec<_> = within("the saved stream", stream.events.collect::<Vec<_>>()).await;
    assert!(events.iter().all(Result::is_ok));
    let record = history.get(&stream_id).await.unwrap().unwrap();
    assert_eq!(record.status, PromptStatus::Completed);
    assert!(record.prompt.stream);
    match record.outcome {
        Some(PromptOutcome::Completed { output_tokens, .. }) => {
            assert!(
                output_tokens.is_some_and(|n| n > 0),
                "from the invocation metrics"
            );
        }
        other => panic!("expected a completed outcome, got {other:?}"),
    }

    // A failed call with save_prompt: the row holds the error's kind.
    let request = InvokeModelGenericRequest::json(id(CLAUDE_MESSAGES), r#"{"messages":[]}"#)
        .save_prompt(true);
    let err = connector.invoke_model_generic(request).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    let rows = history.list(10).await.unwrap();
    assert_eq!(rows.len(), 3);
    let failed = &rows[0];
    assert_eq!(failed.status, PromptStatus::Failed);
    match &failed.outcome {
        Some(PromptOutcome::Failed { kind, message }) => {
            assert_eq!(*kind, ErrorKind::Validation);
            assert!(message.contains("max_tokens"), "{message}");
        }
        other => panic!("expected a failed outcome, got {other:?}"),
    }
}
