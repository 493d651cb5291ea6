//! The real `aws-sdk-bedrock` and `aws-sdk-bedrockruntime` clients against an in-process
//! emulator: parsed list/get output, every model family, streams, token headers, typed errors,
//! determinism across emulators, processes and the in-process mock, and bad input.

mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_bedrock::operation::get_foundation_model::GetFoundationModelError;
use aws_sdk_bedrock::operation::list_foundation_models::builders::ListFoundationModelsFluentBuilder;
use aws_sdk_bedrock::types::{
    InferenceType as SdkInferenceType, ModelCustomization, ModelModality,
};
use aws_sdk_bedrockruntime::config::interceptors::BeforeDeserializationInterceptorContextRef;
use aws_sdk_bedrockruntime::config::retry::RetryConfig;
use aws_sdk_bedrockruntime::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_bedrockruntime::error::{ProvideErrorMetadata as _, SdkError};
use aws_sdk_bedrockruntime::operation::RequestId as _;
use aws_sdk_bedrockruntime::operation::invoke_model::builders::InvokeModelFluentBuilder;
use aws_sdk_bedrockruntime::operation::invoke_model::{InvokeModelError, InvokeModelOutput};
use aws_sdk_bedrockruntime::operation::invoke_model_with_response_stream::InvokeModelWithResponseStreamError;
use aws_sdk_bedrockruntime::operation::invoke_model_with_response_stream::builders::InvokeModelWithResponseStreamFluentBuilder;
use aws_sdk_bedrockruntime::types::ResponseStream;
use aws_sdk_bedrockruntime::types::error::ResponseStreamError;
use aws_smithy_types::Blob;
use base64::Engine as _;
use bedrock_core::{
    Backend as _, CustomizationType, InferenceType, InvokeModelRequest,
    ListFoundationModelsRequest, Modality, ModelId, ModelSummary, Region,
};
use bedrock_emulator::{
    EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY, EmulatorConfig, EmulatorHandle,
};
use bedrock_simulator::{
    Fault, FaultRule, LoggedRequest, MockBackend, Operation, Simulator, SimulatorConfig,
    StreamErrorKind,
};
use serde_json::{Value, json};
use support::{example_credentials, png_size, start_emulator, with_simulator, within};

const HAIKU: &str = "anthropic.claude-3-haiku-20240307-v1:0";
const HAIKU_US_PROFILE: &str = "us.anthropic.claude-3-haiku-20240307-v1:0";
const CLAUDE_V2: &str = "anthropic.claude-v2";
const TITAN_TEXT: &str = "amazon.titan-text-express-v1";
const TITAN_EMBED_V2: &str = "amazon.titan-embed-text-v2:0";
const TITAN_IMAGE: &str = "amazon.titan-image-generator-v2:0";
const SDXL: &str = "stability.stable-diffusion-xl-v1";
const SD3: &str = "stability.sd3-large-v1:0";

/// The environment variable that turns `determinism_child_role` into the child process of
/// `bodies_are_identical_across_emulators_processes_and_the_mock`.
const CHILD_ROLE_VAR: &str = "BEDROCK_E2E_DETERMINISM_CHILD";
const DIGEST_PREFIX: &str = "determinism-digest ";

fn claude_messages_body(max_tokens: u32) -> Value {
    json!({
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": max_tokens,
        "messages": [{"role": "user", "content": "Name three rivers of Europe and say where each one meets the sea."}],
    })
}

fn claude_legacy_body() -> Value {
    json!({
        "prompt": "\n\nHuman: Write two sentences about rain on a tin roof.\n\nAssistant:",
        "max_tokens_to_sample": 60,
        "temperature": 0.5,
    })
}

fn titan_text_body() -> Value {
    json!({
        "inputText": "Describe a lighthouse on a stormy night.",
        "textGenerationConfig": {"maxTokenCount": 80, "temperature": 0.4, "topP": 0.9},
    })
}

fn titan_embed_body() -> Value {
    json!({"inputText": "The river runs to the sea.", "dimensions": 256, "normalize": true})
}

fn titan_image_body() -> Value {
    json!({
        "taskType": "TEXT_IMAGE",
        "textToImageParams": {"text": "a red fox in fresh snow"},
        "imageGenerationConfig": {"numberOfImages": 1, "width": 768, "height": 512, "seed": 42},
    })
}

fn sdxl_body() -> Value {
    json!({"text_prompts": [{"text": "a castle on a green hill"}], "width": 1152, "height": 896, "seed": 7, "steps": 30})
}

fn sd3_body() -> Value {
    json!({"prompt": "a lighthouse at dusk", "aspect_ratio": "16:9", "output_format": "png"})
}

/// Captures the HTTP headers of the last response a client received.
#[derive(Debug, Clone, Default)]
struct LastResponseHeaders(Arc<Mutex<BTreeMap<String, String>>>);

impl LastResponseHeaders {
    fn get(&self, name: &str) -> Option<String> {
        self.0
            .lock()
            .unwrap()
            .get(&name.to_ascii_lowercase())
            .cloned()
    }
}

impl Intercept for LastResponseHeaders {
    fn name(&self) -> &'static str {
        "LastResponseHeaders"
    }

    fn read_before_deserialization(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let headers = context
            .response()
            .headers()
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
            .collect();
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = headers;
        Ok(())
    }
}

fn credentials(access_key_id: &str, secret: &str) -> aws_credential_types::Credentials {
    aws_credential_types::Credentials::from_keys(access_key_id, secret, None)
}

/// A runtime client pointed at `url`, signing with `creds`, with `retry` and a header capture.
fn runtime_client_with(
    url: &str,
    creds: aws_credential_types::Credentials,
    retry: RetryConfig,
) -> (aws_sdk_bedrockruntime::Client, LastResponseHeaders) {
    let headers = LastResponseHeaders::default();
    let config = aws_sdk_bedrockruntime::Config::builder()
        .behavior_version_latest()
        .endpoint_url(url)
        .region(aws_sdk_bedrockruntime::config::Region::new("us-east-1"))
        .credentials_provider(creds)
        .retry_config(retry)
        .interceptor(headers.clone())
        .build();
    (aws_sdk_bedrockruntime::Client::from_conf(config), headers)
}

/// A runtime client with the example credentials and retries disabled, so one call is one
/// attempt.
fn runtime_client(url: &str) -> (aws_sdk_bedrockruntime::Client, LastResponseHeaders) {
    runtime_client_with(url, example_credentials(), RetryConfig::disabled())
}

fn control_client_with(
    url: &str,
    creds: aws_credential_types::Credentials,
) -> aws_sdk_bedrock::Client {
    let config = aws_sdk_bedrock::Config::builder()
        .behavior_version_latest()
        .endpoint_url(url)
        .region(aws_sdk_bedrock::config::Region::new("us-east-1"))
        .credentials_provider(creds)
        .retry_config(aws_sdk_bedrock::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_bedrock::Client::from_conf(config)
}

fn control_client(url: &str) -> aws_sdk_bedrock::Client {
    control_client_with(url, example_credentials())
}

async fn start_default() -> EmulatorHandle {
    start_emulator(EmulatorConfig::default()).await
}

/// An emulator with the default configuration and a runtime client for it (see
/// [`runtime_client`]).
async fn emulator_and_runtime_client() -> (
    EmulatorHandle,
    aws_sdk_bedrockruntime::Client,
    LastResponseHeaders,
) {
    let emulator = start_default().await;
    let (client, headers) = runtime_client(&emulator.url());
    (emulator, client, headers)
}

/// An InvokeModel request to send as it is: the content type and body are the test's.
fn invoke_request(
    client: &aws_sdk_bedrockruntime::Client,
    model: &str,
    content_type: &str,
    body: impl Into<Vec<u8>>,
) -> InvokeModelFluentBuilder {
    client
        .invoke_model()
        .model_id(model)
        .content_type(content_type)
        .body(Blob::new(body))
}

/// An InvokeModelWithResponseStream request with a JSON body.
fn stream_request(
    client: &aws_sdk_bedrockruntime::Client,
    model: &str,
    body: &Value,
) -> InvokeModelWithResponseStreamFluentBuilder {
    client
        .invoke_model_with_response_stream()
        .model_id(model)
        .content_type("application/json")
        .body(Blob::new(body.to_string()))
}

async fn invoke(
    client: &aws_sdk_bedrockruntime::Client,
    model: &str,
    body: &Value,
) -> Result<InvokeModelOutput, SdkError<InvokeModelError>> {
    within(
        &format!("InvokeModel {model}"),
        invoke_request(client, model, "application/json", body.to_string())
            .accept("application/json")
            .send(),
    )
    .await
}

/// The typed service error of an InvokeModel call that must fail.
async fn invoke_error(
    client: &aws_sdk_bedrockruntime::Client,
    model: &str,
    body: &Value,
) -> InvokeModelError {
    service_error(invoke(client, model, body).await.unwrap_err())
}

async fn invoke_ok(
    client: &aws_sdk_bedrockruntime::Client,
    model: &str,
    body: &Value,
) -> InvokeModelOutput {
    invoke(client, model, body)
        .await
        .unwrap_or_else(|e| panic!("InvokeModel {model} failed: {e:?}"))
}

fn json_of(output: &InvokeModelOutput) -> Value {
    serde_json::from_slice(output.body().as_ref()).unwrap_or_else(|e| {
        panic!(
            "the body is not JSON ({e}): {}",
            String::from_utf8_lossy(output.body().as_ref())
        )
    })
}

/// The service error of a failed call, or a panic naming what else went wrong.
fn service_error<E: std::fmt::Debug, R: std::fmt::Debug>(err: SdkError<E, R>) -> E {
    match err {
        SdkError::ServiceError(e) => e.into_err(),
        other => panic!("expected a service error, got {other:?}"),
    }
}

/// The exception inside a typed SDK error when it is `$variant`, or a panic naming the variant
/// expected and the error that came.
macro_rules! expect_variant {
    ($err:expr, $variant:path) => {
        match $err {
            $variant(exception) => exception,
            other => panic!("expected {}, got {other:?}", stringify!($variant)),
        }
    };
}

/// Streams `body` to `model` and returns the model's own JSON chunks in order.
async fn stream_chunks(
    client: &aws_sdk_bedrockruntime::Client,
    model: &str,
    body: &Value,
) -> (Option<String>, Vec<Value>) {
    let mut output = within(
        &format!("InvokeModelWithResponseStream {model}"),
        stream_request(client, model, body).send(),
    )
    .await
    .unwrap_or_else(|e| panic!("InvokeModelWithResponseStream {model} failed: {e:?}"));
    let content_type = Some(output.content_type().to_owned());
    let mut chunks = Vec::new();
    while let Some(event) = within("the next stream event", output.body.recv())
        .await
        .expect("a well-formed event")
    {
        match event {
            ResponseStream::Chunk(part) => {
                let bytes = part.bytes().expect("a chunk carries bytes");
                chunks.push(
                    serde_json::from_slice(bytes.as_ref())
                        .expect("each chunk is one JSON document"),
                );
            }
            other => panic!("unexpected stream event {other:?}"),
        }
    }
    (content_type, chunks)
}

fn decode_png_b64(b64: &str) -> (u32, u32) {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("base64 image");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG signature");
    png_size(&bytes)
}

/// The parts of a summary both the SDK and the simulator describe, in the SDK's spelling.
#[derive(Debug, PartialEq, Eq)]
struct SummaryView {
    model_arn: String,
    model_id: String,
    model_name: String,
    provider_name: String,
    input_modalities: Vec<String>,
    output_modalities: Vec<String>,
    streaming: bool,
    customizations: Vec<String>,
    inference_types: Vec<String>,
    lifecycle: String,
}

/// Each item's `as_str`, owned.
fn strings<T>(items: &[T], as_str: impl Fn(&T) -> &str) -> Vec<String> {
    items.iter().map(|x| as_str(x).to_owned()).collect()
}

/// A [`SummaryView`] of an SDK summary or details: the two types have the same accessors.
macro_rules! sdk_summary_view {
    ($m:expr) => {{
        let m = $m;
        SummaryView {
            model_arn: m.model_arn().to_owned(),
            model_id: m.model_id().to_owned(),
            model_name: m.model_name().expect("modelName").to_owned(),
            provider_name: m.provider_name().expect("providerName").to_owned(),
            input_modalities: strings(m.input_modalities(), |x| x.as_str()),
            output_modalities: strings(m.output_modalities(), |x| x.as_str()),
            streaming: m
                .response_streaming_supported()
                .expect("responseStreamingSupported"),
            customizations: strings(m.customizations_supported(), |x| x.as_str()),
            inference_types: strings(m.inference_types_supported(), |x| x.as_str()),
            lifecycle: m
                .model_lifecycle()
                .expect("modelLifecycle")
                .status()
                .as_str()
                .to_owned(),
        }
    }};
}

impl SummaryView {
    fn of_expected(m: &ModelSummary) -> Self {
        SummaryView {
            model_arn: m.model_arn.clone(),
            model_id: m.model_id.clone(),
            model_name: m.model_name.clone(),
            provider_name: m.provider_name.clone(),
            input_modalities: strings(&m.input_modalities, |x| x.as_str()),
            output_modalities: strings(&m.output_modalities, |x| x.as_str()),
            streaming: m.response_streaming_supported,
            customizations: strings(&m.customizations_supported, |x| x.as_str()),
            inference_types: strings(&m.inference_types_supported, |x| x.as_str()),
            lifecycle: m.lifecycle.as_str().to_owned(),
        }
    }

    fn of_sdk(m: &aws_sdk_bedrock::types::FoundationModelSummary) -> Self {
        sdk_summary_view!(m)
    }

    fn of_sdk_details(m: &aws_sdk_bedrock::types::FoundationModelDetails) -> Self {
        sdk_summary_view!(m)
    }
}

/// What the simulator lists in us-east-1 for `filter`, computed in process.
fn expected_listing(filter: ListFoundationModelsRequest) -> Vec<SummaryView> {
    let filter = ListFoundationModelsRequest {
        region: Some(Region::UsEast1),
        ..filter
    };
    Simulator::new(SimulatorConfig::default())
        .list_foundation_models(Region::UsEast1, &filter)
        .expect("the in-process simulator lists")
        .models
        .iter()
        .map(SummaryView::of_expected)
        .collect()
}

/// Sends a ListFoundationModels call and returns what it listed.
async fn listing(what: &str, call: ListFoundationModelsFluentBuilder) -> Vec<SummaryView> {
    within(what, call.send())
        .await
        .unwrap_or_else(|e| panic!("{what} failed: {e:?}"))
        .model_summaries()
        .iter()
        .map(SummaryView::of_sdk)
        .collect()
}

/// Sends a ListFoundationModels call, checks that it lists exactly what the simulator lists for
/// `filter`, and returns the listing.
/// A filtered listing is a proper, non-empty part of the whole one, and every model in it
/// satisfies the filter.
fn assert_narrowed(listed: &[SummaryView], all: usize, filter: impl Fn(&SummaryView) -> bool) {
    assert!(!listed.is_empty() && listed.len() < all, "{listed:?}");
    assert!(listed.iter().all(filter), "{listed:?}");
}

async fn listing_as_simulated(
    what: &str,
    call: ListFoundationModelsFluentBuilder,
    filter: ListFoundationModelsRequest,
) -> Vec<SummaryView> {
    let listed = listing(what, call).await;
    assert_eq!(listed, expected_listing(filter), "{what}");
    listed
}

#[tokio::test]
async fn list_foundation_models_with_each_filter() {
    let emulator = start_default().await;
    let client = control_client(&emulator.url());
    let list = || client.list_foundation_models();

    let all = listing_as_simulated(
        "ListFoundationModels",
        list(),
        ListFoundationModelsRequest::default(),
    )
    .await;
    assert!(
        all.len() > 20,
        "the catalog lists many models, got {}",
        all.len()
    );
    let haiku = all
        .iter()
        .find(|m| m.model_id == HAIKU)
        .expect("Claude 3 Haiku is listed in us-east-1");
    assert_eq!(
        haiku.model_arn,
        format!("arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}")
    );
    assert_eq!(
        (haiku.provider_name.as_str(), haiku.model_name.as_str()),
        ("Anthropic", "Claude 3 Haiku")
    );
    assert_eq!(haiku.input_modalities, ["TEXT", "IMAGE"]);
    assert!(haiku.streaming);
    assert_eq!(haiku.lifecycle, "ACTIVE");

    // byProvider (matched without regard to case, as Bedrock does).
    let listed = listing_as_simulated(
        "byProvider",
        list().by_provider("anthropic"),
        ListFoundationModelsRequest {
            by_provider: Some("anthropic".into()),
            ..Default::default()
        },
    )
    .await;
    assert_narrowed(&listed, all.len(), |m| m.provider_name == "Anthropic");
    assert!(listed.iter().any(|m| m.model_id == HAIKU));

    // byOutputModality.
    let listed = listing_as_simulated(
        "byOutputModality",
        list().by_output_modality(ModelModality::Embedding),
        ListFoundationModelsRequest {
            by_output_modality: Some(Modality::Embedding),
            ..Default::default()
        },
    )
    .await;
    assert_narrowed(&listed, all.len(), |m| {
        m.output_modalities.contains(&"EMBEDDING".to_owned())
    });
    assert!(listed.iter().any(|m| m.model_id == TITAN_EMBED_V2));
    assert!(!listed.iter().any(|m| m.model_id == HAIKU));

    // byInferenceType.
    let listed = listing_as_simulated(
        "byInferenceType",
        list().by_inference_type(SdkInferenceType::Provisioned),
        ListFoundationModelsRequest {
            by_inference_type: Some(InferenceType::Provisioned),
            ..Default::default()
        },
    )
    .await;
    assert_narrowed(&listed, all.len(), |m| {
        m.inference_types.contains(&"PROVISIONED".to_owned())
    });
    assert!(
        !listed.iter().any(|m| m.model_id == SD3),
        "SD3 Large is on-demand only"
    );

    // byCustomizationType.
    let listed = listing_as_simulated(
        "byCustomizationType",
        list().by_customization_type(ModelCustomization::FineTuning),
        ListFoundationModelsRequest {
            by_customization_type: Some(CustomizationType::FineTuning),
            ..Default::default()
        },
    )
    .await;
    assert_narrowed(&listed, all.len(), |m| {
        m.customizations.contains(&"FINE_TUNING".to_owned())
    });
    assert!(listed.iter().any(|m| m.model_id == HAIKU));

    // Filters combine.
    let listed = listing(
        "two filters",
        list()
            .by_provider("Amazon")
            .by_output_modality(ModelModality::Image),
    )
    .await;
    let ids: Vec<&str> = listed.iter().map(|m| m.model_id.as_str()).collect();
    assert!(ids.contains(&TITAN_IMAGE), "{ids:?}");
    assert!(ids.iter().all(|id| id.starts_with("amazon.")), "{ids:?}");

    // The log saw every call as signed ListFoundationModels in us-east-1.
    let log = emulator.simulator().request_log();
    assert_eq!(log.len(), 6);
    assert!(log.iter().all(|e| e.operation == Operation::List
        && e.region == Region::UsEast1
        && e.outcome.status == 200));
}

#[tokio::test]
async fn get_foundation_model_by_id_and_by_arn() {
    let emulator = start_default().await;
    let client = control_client(&emulator.url());
    let expected = SummaryView::of_expected(
        &Simulator::new(SimulatorConfig::default())
            .get_foundation_model(Region::UsEast1, TITAN_EMBED_V2)
            .unwrap(),
    );

    let by_id = within(
        "GetFoundationModel by id",
        client
            .get_foundation_model()
            .model_identifier(TITAN_EMBED_V2)
            .send(),
    )
    .await
    .expect("get by id");
    let details = by_id.model_details().expect("modelDetails");
    assert_eq!(SummaryView::of_sdk_details(details), expected);
    assert_eq!(details.output_modalities(), [ModelModality::Embedding]);

    let arn = format!("arn:aws:bedrock:us-east-1::foundation-model/{TITAN_EMBED_V2}");
    let by_arn = within(
        "GetFoundationModel by ARN",
        client.get_foundation_model().model_identifier(&arn).send(),
    )
    .await
    .expect("get by ARN");
    assert_eq!(
        SummaryView::of_sdk_details(by_arn.model_details().unwrap()),
        expected
    );
    assert_eq!(by_arn.model_details().unwrap().model_arn(), arn);

    assert_eq!(
        emulator.simulator().attempts_for(TITAN_EMBED_V2),
        2,
        "both spellings count for the same model"
    );
}

#[tokio::test]
async fn invoke_every_family_through_the_sdk() {
    let (emulator, client, headers) = emulator_and_runtime_client().await;

    // Claude v2, legacy text completions.
    let out = invoke_ok(&client, CLAUDE_V2, &claude_legacy_body()).await;
    assert_eq!(out.content_type(), "application/json");
    let v = json_of(&out);
    let completion = v["completion"].as_str().expect("completion");
    assert!(
        completion.starts_with(' ') && completion.trim().len() > 3,
        "{v}"
    );
    assert!(
        matches!(
            v["stop_reason"].as_str(),
            Some("stop_sequence" | "max_tokens")
        ),
        "{v}"
    );

    // Claude 3 Haiku, Messages API; then the same request through the US inference profile.
    let body = claude_messages_body(64);
    let out = invoke_ok(&client, HAIKU, &body).await;
    let v = json_of(&out);
    assert_eq!(
        (v["type"].as_str(), v["role"].as_str()),
        (Some("message"), Some("assistant")),
        "{v}"
    );
    assert!(
        v["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("msg_bdrk_")),
        "{v}"
    );
    let text = v["content"][0]["text"].as_str().expect("a text block");
    assert!(!text.is_empty());
    let output_tokens = v["usage"]["output_tokens"].as_u64().unwrap();
    assert!((1..=64).contains(&output_tokens), "{v}");
    assert_eq!(
        headers.get("x-amzn-bedrock-output-token-count"),
        Some(output_tokens.to_string())
    );
    let via_profile = invoke_ok(&client, HAIKU_US_PROFILE, &body).await;
    let pv = json_of(&via_profile);
    assert_eq!(pv["type"], "message");
    assert_eq!(
        pv["content"], v["content"],
        "the profile reaches the same model"
    );
    let log = emulator.simulator().request_log();
    assert_eq!(
        log.last().unwrap().model_id.as_deref(),
        Some(HAIKU_US_PROFILE)
    );
    assert_eq!(emulator.simulator().attempts_for(HAIKU), 2);

    // Titan Text G1 - Express.
    let v = json_of(&invoke_ok(&client, TITAN_TEXT, &titan_text_body()).await);
    let result = &v["results"][0];
    assert!(
        result["outputText"].as_str().is_some_and(|t| !t.is_empty()),
        "{v}"
    );
    assert!(
        matches!(
            result["completionReason"].as_str(),
            Some("FINISH" | "LENGTH" | "STOP_CRITERIA_MET")
        ),
        "{v}"
    );
    assert_eq!(
        v["inputTextTokenCount"].as_u64(),
        headers
            .get("x-amzn-bedrock-input-token-count")
            .and_then(|h| h.parse().ok())
    );

    // Titan Text Embeddings V2: 256 dimensions, normalised.
    let v = json_of(&invoke_ok(&client, TITAN_EMBED_V2, &titan_embed_body()).await);
    let embedding: Vec<f64> = v["embedding"]
        .as_array()
        .expect("embedding")
        .iter()
        .map(|x| x.as_f64().expect("a number"))
        .collect();
    assert_eq!(embedding.len(), 256);
    let norm = embedding.iter().map(|x| x * x).sum::<f64>().sqrt();
    assert!((norm - 1.0).abs() < 1e-3, "norm {norm}");
    assert!(
        v["inputTextTokenCount"].as_u64().is_some_and(|n| n > 0),
        "{v}"
    );

    // Titan Image Generator: a PNG of the requested size.
    let v = json_of(&invoke_ok(&client, TITAN_IMAGE, &titan_image_body()).await);
    let images = v["images"].as_array().expect("images");
    assert_eq!(images.len(), 1);
    assert_eq!(decode_png_b64(images[0].as_str().unwrap()), (768, 512));

    // SDXL: one artifact of the requested size.
    let v = json_of(&invoke_ok(&client, SDXL, &sdxl_body()).await);
    assert_eq!(v["result"], "success");
    let artifact = &v["artifacts"][0];
    assert_eq!(
        (artifact["seed"].as_u64(), artifact["finishReason"].as_str()),
        (Some(7), Some("SUCCESS")),
        "{artifact}"
    );
    assert_eq!(
        decode_png_b64(artifact["base64"].as_str().unwrap()),
        (1152, 896)
    );

    // SD3 Large: 16:9 is 1344x768.
    let v = json_of(&invoke_ok(&client, SD3, &sd3_body()).await);
    assert_eq!(v["images"].as_array().map(Vec::len), Some(1), "{v}");
    assert_eq!(
        decode_png_b64(v["images"][0].as_str().unwrap()),
        (1344, 768)
    );
    assert_eq!(v["finish_reasons"], json!([null]));

    let log = emulator.simulator().request_log();
    assert_eq!(log.len(), 8);
    assert!(
        log.iter()
            .all(|e| e.outcome.status == 200 && e.attempt == Some(1)),
        "{log:?}"
    );
}

#[tokio::test]
async fn streams_concatenate_to_the_non_streamed_text() {
    let (_emulator, client, _) = emulator_and_runtime_client().await;

    // Claude Messages.
    let body = claude_messages_body(120);
    let whole = json_of(&invoke_ok(&client, HAIKU, &body).await);
    let (content_type, chunks) = stream_chunks(&client, HAIKU, &body).await;
    assert_eq!(content_type.as_deref(), Some("application/json"));
    let kinds: Vec<&str> = chunks
        .iter()
        .map(|c| c["type"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(kinds.first(), Some(&"message_start"));
    assert_eq!(kinds.last(), Some(&"message_stop"));
    let streamed: String = chunks
        .iter()
        .filter(|c| c["type"] == "content_block_delta")
        .map(|c| c["delta"]["text"].as_str().expect("a text delta"))
        .collect();
    assert_eq!(streamed, whole["content"][0]["text"].as_str().unwrap());
    assert!(
        chunks
            .iter()
            .filter(|c| c["type"] == "content_block_delta")
            .count()
            > 1,
        "the text arrives in pieces"
    );
    let delta = chunks
        .iter()
        .find(|c| c["type"] == "message_delta")
        .expect("message_delta");
    assert_eq!(
        delta["usage"]["output_tokens"],
        whole["usage"]["output_tokens"]
    );
    assert_eq!(delta["delta"]["stop_reason"], whole["stop_reason"]);
    let metrics = &chunks.last().unwrap()["amazon-bedrock-invocationMetrics"];
    assert_eq!(metrics["inputTokenCount"], whole["usage"]["input_tokens"]);
    assert_eq!(metrics["outputTokenCount"], whole["usage"]["output_tokens"]);

    // Titan Text.
    let body = titan_text_body();
    let whole = json_of(&invoke_ok(&client, TITAN_TEXT, &body).await);
    let (_, chunks) = stream_chunks(&client, TITAN_TEXT, &body).await;
    let streamed: String = chunks
        .iter()
        .map(|c| c["outputText"].as_str().expect("outputText"))
        .collect();
    assert_eq!(
        streamed,
        whole["results"][0]["outputText"].as_str().unwrap()
    );
    let last = chunks.last().unwrap();
    assert_eq!(
        last["completionReason"],
        whole["results"][0]["completionReason"]
    );
    assert_eq!(
        last["totalOutputTextTokenCount"],
        whole["results"][0]["tokenCount"]
    );
    assert_eq!(
        chunks[0]["inputTextTokenCount"],
        whole["inputTextTokenCount"]
    );
    assert!(
        last["amazon-bedrock-invocationMetrics"].is_object(),
        "{last}"
    );

    // A model that cannot stream answers as Bedrock does.
    let err = within(
        "stream an embedding model",
        stream_request(&client, TITAN_EMBED_V2, &titan_embed_body()).send(),
    )
    .await
    .unwrap_err();
    let e = expect_variant!(
        service_error(err),
        InvokeModelWithResponseStreamError::ValidationException
    );
    assert_eq!(e.message(), Some("The model is unsupported for streaming"));
}

#[tokio::test]
async fn mid_stream_exceptions_reach_the_sdk_as_typed_errors() {
    let (emulator, client, _) = emulator_and_runtime_client().await;
    emulator.simulator().add_fault(
        FaultRule::new(Fault::StreamError {
            after_chunks: 2,
            kind: StreamErrorKind::ModelStreamError,
        })
        .model(HAIKU)
        .times(1),
    );
    let mut output = within(
        "start a stream",
        stream_request(&client, HAIKU, &claude_messages_body(40)).send(),
    )
    .await
    .expect("the stream starts");
    let mut events = 0;
    let err = loop {
        match within("the next stream event", output.body.recv()).await {
            Ok(Some(_)) => events += 1,
            Ok(None) => panic!("the stream ended without the scripted exception"),
            Err(e) => break e,
        }
    };
    assert_eq!(events, 2);
    let e = expect_variant!(
        service_error(err),
        ResponseStreamError::ModelStreamErrorException
    );
    assert!(e.message().is_some());
}

#[tokio::test]
async fn token_headers_request_ids_and_the_request_log_agree() {
    let (emulator, client, headers) = emulator_and_runtime_client().await;

    let body = claude_messages_body(48);
    let out = invoke_ok(&client, HAIKU, &body).await;
    let v = json_of(&out);
    let header_u64 = |name: &str| {
        headers
            .get(name)
            .map(|h| h.parse::<u64>().unwrap_or_else(|_| panic!("{name}: {h}")))
    };
    assert_eq!(
        header_u64("x-amzn-bedrock-input-token-count"),
        v["usage"]["input_tokens"].as_u64()
    );
    assert_eq!(
        header_u64("x-amzn-bedrock-output-token-count"),
        v["usage"]["output_tokens"].as_u64()
    );
    assert!(header_u64("x-amzn-bedrock-invocation-latency").is_some_and(|ms| ms > 0));
    let request_id = out.request_id().expect("x-amzn-RequestId").to_owned();
    assert_eq!(
        headers.get("x-amzn-requestid").as_deref(),
        Some(request_id.as_str())
    );

    let entry: LoggedRequest = emulator
        .simulator()
        .request_log()
        .pop()
        .expect("a log entry");
    assert_eq!(entry.request_id, request_id);
    assert_eq!(
        (entry.operation, entry.model_id.as_deref(), entry.region),
        (Operation::Invoke, Some(HAIKU), Region::UsEast1)
    );
    assert_eq!(
        entry.attempt,
        Some(1),
        "amz-sdk-request carries the attempt number"
    );
    assert_eq!(entry.body_len, body.to_string().len());
    assert_eq!(
        (entry.outcome.status, entry.outcome.error_type.as_deref()),
        (200, None)
    );

    // Embeddings report only the input count.
    let out = invoke_ok(&client, TITAN_EMBED_V2, &titan_embed_body()).await;
    let v = json_of(&out);
    assert_eq!(
        header_u64("x-amzn-bedrock-input-token-count"),
        v["inputTextTokenCount"].as_u64()
    );
    assert_eq!(headers.get("x-amzn-bedrock-output-token-count"), None);
    assert_ne!(
        out.request_id(),
        Some(request_id.as_str()),
        "every call has its own request id"
    );
}

#[tokio::test]
async fn service_errors_arrive_as_typed_sdk_errors() {
    let config = with_simulator(
        SimulatorConfig::default()
            .not_granted(CLAUDE_V2)
            .simulate_date("2026-07-01"),
    );
    let emulator = start_emulator(config).await;
    let (client, _) = runtime_client(&emulator.url());

    // 400: max_tokens above Claude 3 Haiku's 4096.
    let e = expect_variant!(
        invoke_error(&client, HAIKU, &claude_messages_body(5000)).await,
        InvokeModelError::ValidationException
    );
    let message = e.message().unwrap_or_default();
    assert!(
        message.contains("max_tokens") && message.contains("5000") && message.contains("4096"),
        "{message}"
    );
    // 400: a required key missing, in Bedrock's schema wording.
    let body = json!({"anthropic_version": "bedrock-2023-05-31", "messages": [{"role": "user", "content": "hi"}]});
    let e = expect_variant!(
        invoke_error(&client, HAIKU, &body).await,
        InvokeModelError::ValidationException
    );
    assert_eq!(
        e.message(),
        Some(
            "Malformed input request: #: required key [max_tokens] not found, please reformat your input and try again."
        )
    );
    // 400: an inference profile of another geography than the caller's region.
    let e = expect_variant!(
        invoke_error(
            &client,
            "eu.anthropic.claude-3-haiku-20240307-v1:0",
            &claude_messages_body(10),
        )
        .await,
        InvokeModelError::ValidationException
    );
    assert_eq!(e.message(), Some(bedrock_simulator::INVALID_MODEL_ID));

    // 403: model access not granted.
    let e = expect_variant!(
        invoke_error(&client, CLAUDE_V2, &claude_legacy_body()).await,
        InvokeModelError::AccessDeniedException
    );
    assert_eq!(e.message(), Some(bedrock_simulator::ACCESS_NOT_GRANTED));

    // 403: an access key the emulator does not know.
    let (stranger, _) = runtime_client_with(
        &emulator.url(),
        credentials("AKIDUNKNOWNEXAMPLE", EXAMPLE_SECRET_ACCESS_KEY),
        RetryConfig::disabled(),
    );
    let err = invoke(&stranger, HAIKU, &claude_messages_body(10))
        .await
        .unwrap_err();
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(403));
    let err = service_error(err);
    assert_eq!(err.code(), Some("UnrecognizedClientException"), "{err:?}");
    assert_eq!(
        err.message(),
        Some("The security token included in the request is invalid.")
    );
    // The right key with the wrong secret fails the signature check.
    let (forger, _) = runtime_client_with(
        &emulator.url(),
        credentials(EXAMPLE_ACCESS_KEY_ID, "not-the-secret"),
        RetryConfig::disabled(),
    );
    let err = invoke_error(&forger, HAIKU, &claude_messages_body(10)).await;
    assert_eq!(err.code(), Some("InvalidSignatureException"), "{err:?}");

    // 404: a well-formed id that names no foundation model.
    let e = expect_variant!(
        invoke_error(&client, "anthropic.claude-9", &claude_messages_body(10)).await,
        InvokeModelError::ResourceNotFoundException
    );
    assert_eq!(e.message(), Some(bedrock_simulator::MODEL_NOT_FOUND));
    // 404: past its end-of-life date on the simulated day (Claude 3.5 Haiku: 2026-06-19).
    let retired = "anthropic.claude-3-5-haiku-20241022-v1:0";
    let e = expect_variant!(
        invoke_error(&client, retired, &claude_messages_body(10)).await,
        InvokeModelError::ResourceNotFoundException
    );
    assert_eq!(e.message(), Some(bedrock_simulator::END_OF_LIFE));
    // 404: GetFoundationModel of an unknown model.
    let control = control_client(&emulator.url());
    let err = within(
        "GetFoundationModel unknown",
        control
            .get_foundation_model()
            .model_identifier("anthropic.claude-9")
            .send(),
    )
    .await
    .unwrap_err();
    let e = expect_variant!(
        service_error(err),
        GetFoundationModelError::ResourceNotFoundException
    );
    assert!(
        e.message()
            .is_some_and(|m| m.contains("anthropic.claude-9")),
        "{e:?}"
    );

    // None of the invocations was retried.
    let log = emulator.simulator().request_log();
    let invocations: Vec<&LoggedRequest> = log
        .iter()
        .filter(|e| e.operation == Operation::Invoke)
        .collect();
    assert_eq!(invocations.len(), 6, "{log:?}");
    assert!(invocations.iter().all(|e| e.attempt == Some(1)), "{log:?}");
}

#[tokio::test]
async fn throttling_counts_attempts_with_and_without_sdk_retries() {
    let emulator = start_default().await;
    let sim = emulator.simulator();

    // Retries disabled: one attempt, a typed ThrottlingException.
    sim.add_fault(FaultRule::new(Fault::Throttling).model(TITAN_TEXT).times(1));
    let (client, _) = runtime_client(&emulator.url());
    let err = invoke(&client, TITAN_TEXT, &titan_text_body())
        .await
        .unwrap_err();
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(429));
    let e = expect_variant!(service_error(err), InvokeModelError::ThrottlingException);
    assert_eq!(
        e.message(),
        Some("Too many requests, please wait before trying again.")
    );
    assert_eq!(sim.attempts_for(TITAN_TEXT), 1);
    let entry = sim.request_log().pop().unwrap();
    assert_eq!(
        entry.outcome.error_type.as_deref(),
        Some("ThrottlingException")
    );
    assert_eq!(entry.outcome.faults, ["throttling"]);

    // The SDK's standard retries: two throttled attempts, then the answer on the third.
    sim.reset();
    sim.add_fault(FaultRule::new(Fault::Throttling).model(TITAN_TEXT).times(2));
    let retry = RetryConfig::standard()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(5));
    let (retrying, _) = runtime_client_with(&emulator.url(), example_credentials(), retry);
    let out = invoke_ok(&retrying, TITAN_TEXT, &titan_text_body()).await;
    assert!(json_of(&out)["results"][0]["outputText"].is_string());
    assert_eq!(sim.attempts_for(TITAN_TEXT), 3);
    let log = sim.request_log();
    let attempts: Vec<Option<u32>> = log.iter().map(|e| e.attempt).collect();
    assert_eq!(attempts, [Some(1), Some(2), Some(3)]);
    let statuses: Vec<u16> = log.iter().map(|e| e.outcome.status).collect();
    assert_eq!(statuses, [429, 429, 200]);
}

/// The requests whose answers must be reproducible, and a digest of what the emulator answers.
fn determinism_requests() -> Vec<(&'static str, Value)> {
    vec![
        (HAIKU, claude_messages_body(40)),
        (CLAUDE_V2, claude_legacy_body()),
        (TITAN_TEXT, titan_text_body()),
        (TITAN_EMBED_V2, titan_embed_body()),
        (TITAN_IMAGE, titan_image_body()),
        (SD3, sd3_body()),
    ]
}

/// 64-bit FNV-1a: stable across processes and builds, unlike the std hasher's contract.
fn fnv1a(state: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(state, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// Bodies and request ids a fresh emulator answers to [`determinism_requests`], in order.
async fn emulator_answers() -> Vec<(Vec<u8>, String)> {
    let (emulator, client, _) = emulator_and_runtime_client().await;
    let mut answers = Vec::new();
    for (model, body) in determinism_requests() {
        let out = invoke_ok(&client, model, &body).await;
        answers.push((
            out.body().as_ref().to_vec(),
            out.request_id().expect("a request id").to_owned(),
        ));
    }
    emulator.shutdown().await.expect("clean shutdown");
    answers
}

fn digest(answers: &[(Vec<u8>, String)]) -> String {
    let h = answers.iter().fold(FNV_OFFSET, |h, (body, id)| {
        fnv1a(fnv1a(fnv1a(h, body), b"\0"), id.as_bytes())
    });
    format!(
        "{h:016x}/{}",
        answers.iter().map(|(b, _)| b.len()).sum::<usize>()
    )
}

/// Not a check on its own: when [`CHILD_ROLE_VAR`] is set, this is the child process of
/// `bodies_are_identical_across_emulators_processes_and_the_mock` and prints its digest.
#[tokio::test]
async fn determinism_child_role() {
    if std::env::var_os(CHILD_ROLE_VAR).is_none() {
        return;
    }
    let answers = emulator_answers().await;
    #[allow(
        clippy::print_stdout,
        reason = "the parent test reads this line from the child's stdout"
    )]
    {
        println!("{DIGEST_PREFIX}{}", digest(&answers));
    }
}

#[tokio::test]
async fn bodies_are_identical_across_emulators_processes_and_the_mock() {
    let first = emulator_answers().await;
    let second = emulator_answers().await;
    assert_eq!(first.len(), determinism_requests().len());
    for (i, (a, b)) in first.iter().zip(&second).enumerate() {
        assert!(a.0 == b.0, "request {i}: the two emulators' bodies differ");
        assert_eq!(
            a.1, b.1,
            "request {i}: request ids follow the seed and the call sequence"
        );
    }

    // The in-process mock backend answers the same bytes and request ids.
    let mock = MockBackend::new(SimulatorConfig::default());
    for (i, (model, body)) in determinism_requests().into_iter().enumerate() {
        let request = InvokeModelRequest::json(
            ModelId::new(model).unwrap(),
            Region::UsEast1,
            body.to_string(),
        );
        let response = mock
            .invoke_model(request)
            .await
            .unwrap_or_else(|e| panic!("mock {model}: {e}"));
        assert!(
            response.body.as_ref() == first[i].0.as_slice(),
            "{model}: the emulator's body differs from the mock's"
        );
        assert_eq!(
            response.metadata.request_id.as_deref(),
            Some(first[i].1.as_str()),
            "{model}"
        );
    }

    // Another process, started fresh, answers the same.
    let exe = std::env::current_exe().expect("the test binary's path");
    let child = tokio::task::spawn_blocking(move || {
        std::process::Command::new(exe)
            .args([
                "--exact",
                "determinism_child_role",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ROLE_VAR, "1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()
    });
    let out = within("the child process", child)
        .await
        .expect("the child's waiter")
        .expect("the test binary runs again");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = stdout
        .lines()
        .find_map(|l| l.split_once(DIGEST_PREFIX).map(|(_, digest)| digest.trim()))
        .unwrap_or_else(|| panic!("no digest in: {stdout}"));
    assert_eq!(line, digest(&first));
}

/// Sends `request`, which must fail with a 400 ValidationException, and returns its message.
async fn validation_message(what: &str, request: InvokeModelFluentBuilder) -> String {
    let err = within(what, request.send()).await.expect_err(what);
    assert_eq!(
        err.raw_response().map(|r| r.status().as_u16()),
        Some(400),
        "{what}"
    );
    let e = expect_variant!(service_error(err), InvokeModelError::ValidationException);
    e.message().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_bedrock_errors_never_a_hang() {
    let (_emulator, client, _) = emulator_and_runtime_client().await;
    let json_request = |body: String| invoke_request(&client, HAIKU, "application/json", body);

    // Malformed JSON.
    let message = validation_message(
        "malformed JSON",
        json_request(
            r#"{"anthropic_version": "bedrock-2023-05-31", "max_tokens": 10, "messages": ["#
                .to_owned(),
        ),
    )
    .await;
    assert!(message.starts_with("Malformed input request:"), "{message}");

    // A key the model's schema does not have.
    let mut body = claude_messages_body(10);
    body["top_n"] = json!(3);
    let message = validation_message(
        "unknown field",
        json_request(body.to_string()).accept("application/json"),
    )
    .await;
    assert!(
        message.contains("extraneous key [top_n] is not permitted"),
        "{message}"
    );

    // A content type Bedrock's models do not take.
    let message = validation_message(
        "wrong content type",
        invoke_request(
            &client,
            HAIKU,
            "text/plain",
            claude_messages_body(10).to_string(),
        ),
    )
    .await;
    assert!(message.contains("text/plain"), "{message}");

    // One byte past Bedrock's 25,000,000-byte limit.
    let oversize = vec![b' '; 25_000_001];
    let message = validation_message(
        "oversize body",
        invoke_request(&client, HAIKU, "application/json", oversize),
    )
    .await;
    assert!(message.contains("25000000"), "{message}");

    // The emulator still serves normally afterwards.
    let out = invoke_ok(&client, HAIKU, &claude_messages_body(10)).await;
    assert_eq!(json_of(&out)["type"], "message");
}
