//! Tests of the backend suite itself: a small catalog-only backend that passes the listing
//! checks, then the same backend broken in one way per test, and the per-call checks fed
//! metadata, events and chunks with one flaw each; the suite must catch every flaw with a
//! message naming it.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use bedrock_core::catalog;
use bedrock_core::{
    Backend, CallMetadata, EmbeddingOutput, EmbeddingRequest, Error, ErrorKind, InvokeModelRequest,
    InvokeModelResponse, InvokeModelStreamResponse, ListFoundationModelsRequest,
    ListFoundationModelsResponse, ModelId, ModelInput, ModelOutput, ModelSummary, Region, Result,
    ServiceDetails, StopReason, StreamEvent, TextOutput, TextRequest, Usage,
};
use futures::executor::block_on;

use super::*;

/// The one thing a test breaks in the otherwise correct catalog backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flaw {
    None,
    IgnoresProviderFilter,
    DropsAModel,
    ArnInAnotherRegion,
    GetAnswersAnotherModel,
    UnknownModelIsValidation,
}

/// Answers ListFoundationModels and GetFoundationModel from the catalog, as Bedrock would for
/// the models offered in a region; refuses every invocation.
#[derive(Debug)]
struct CatalogBackend(Flaw);

const DROPPED: &str = "amazon.titan-text-express-v1";

impl CatalogBackend {
    fn models(&self, region: Region) -> Vec<ModelSummary> {
        catalog::foundation_models()
            .iter()
            .filter(|m| m.offered_in(region))
            .filter(|m| !(self.0 == Flaw::DropsAModel && m.model_id == DROPPED))
            .map(|m| {
                let mut s = ModelSummary::from_catalog(m, region);
                if self.0 == Flaw::ArnInAnotherRegion && m.provider == "Amazon" {
                    s.model_arn = m.arn(Region::EuWest1);
                }
                s
            })
            .collect()
    }
}

#[async_trait::async_trait]
impl Backend for CatalogBackend {
    fn name(&self) -> &str {
        "catalog"
    }

    async fn list_foundation_models(
        &self,
        region: Region,
        request: &ListFoundationModelsRequest,
    ) -> Result<ListFoundationModelsResponse> {
        let mut request = request.clone();
        if self.0 == Flaw::IgnoresProviderFilter {
            request.by_provider = None;
        }
        let models = self
            .models(region)
            .into_iter()
            .filter(|m| request.matches(m))
            .collect();
        Ok(ListFoundationModelsResponse { models })
    }

    async fn get_foundation_model(
        &self,
        region: Region,
        model_id: &ModelId,
    ) -> Result<ModelSummary> {
        let models = self.models(region);
        let base = model_id.base_model_id().unwrap_or_default();
        let found = models.iter().position(|m| m.model_id == base);
        match found {
            Some(i) if self.0 == Flaw::GetAnswersAnotherModel => {
                Ok(models[(i + 1) % models.len()].clone())
            }
            Some(i) => Ok(models[i].clone()),
            None if self.0 == Flaw::UnknownModelIsValidation => Err(Error::from_service(
                ErrorKind::Validation,
                ServiceDetails::new("no"),
            )),
            None => Err(Error::from_service(
                ErrorKind::NotFound,
                ServiceDetails::new(format!(
                    "The model with identifier {model_id} was not found."
                )),
            )),
        }
    }

    async fn invoke_model(&self, _: InvokeModelRequest) -> Result<InvokeModelResponse> {
        Err(Error::transport(
            "the catalog backend invokes nothing",
            None,
        ))
    }

    async fn invoke_model_stream(
        &self,
        _: InvokeModelRequest,
    ) -> Result<InvokeModelStreamResponse> {
        Err(Error::transport(
            "the catalog backend streams nothing",
            None,
        ))
    }
}

/// The panic message of `f`, which must panic.
fn panic_message(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("the suite should have failed");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

fn listing_fails(flaw: Flaw) -> String {
    panic_message(|| {
        block_on(listing_and_filters(&CatalogBackend(flaw), Region::UsEast1));
    })
}

fn get_fails(flaw: Flaw) -> String {
    panic_message(|| {
        block_on(get_agrees_with_listing(
            &CatalogBackend(flaw),
            Region::UsEast1,
        ));
    })
}

#[test]
fn a_correct_backend_passes_the_listing_checks() {
    for region in [Region::UsEast1, Region::EuWest1, Region::ApNortheast1] {
        block_on(listing_and_filters(&CatalogBackend(Flaw::None), region));
        block_on(get_agrees_with_listing(&CatalogBackend(Flaw::None), region));
    }
}

#[test]
fn the_listing_checks_catch_each_flaw() {
    let msg = listing_fails(Flaw::IgnoresProviderFilter);
    assert!(
        msg.contains("backend `catalog`: listing in us-east-1: filter")
            && msg.contains("by_provider: Some("),
        "{msg}"
    );
    let msg = listing_fails(Flaw::DropsAModel);
    assert!(
        msg.contains("catalog models offered in us-east-1 are not listed") && msg.contains(DROPPED),
        "{msg}"
    );
    let msg = listing_fails(Flaw::ArnInAnotherRegion);
    assert!(
        msg.contains("has an ARN that does not name the region and model"),
        "{msg}"
    );
    let msg = get_fails(Flaw::GetAnswersAnotherModel);
    assert!(
        msg.contains("GetFoundationModel in us-east-1: model `")
            && msg.contains("the answer differs from the listing's entry"),
        "{msg}"
    );
    let msg = get_fails(Flaw::UnknownModelIsValidation);
    assert!(
        msg.contains("unknown model `amazon.no-such-model-v9:0`"),
        "{msg}"
    );
}

#[test]
fn the_filters_tried_include_case_and_a_provider_that_does_not_exist() {
    let all = ListFoundationModelsResponse {
        models: CatalogBackend(Flaw::None).models(Region::UsEast1),
    };
    let filters = listing_filters(&all);
    let providers: Vec<Option<&str>> = filters.iter().map(|f| f.by_provider.as_deref()).collect();
    assert!(providers.contains(&Some("Anthropic")));
    assert!(providers.contains(&Some("anthropic")));
    assert!(providers.contains(&Some("No Such Provider")));
    assert!(filters.iter().any(|f| f.by_output_modality.is_some()));
    assert!(filters.iter().any(|f| f.by_inference_type.is_some()));
    assert!(filters.iter().any(|f| f.by_customization_type.is_some()));
}

#[test]
fn the_model_not_offered_is_missing_from_the_region_asked_for() {
    let (model, region) = not_offered_model(Region::UsEast1);
    assert_eq!(region, Region::UsEast1);
    assert!(!model.offered_in(region) && !model.needs_profile());
}

fn text_input() -> ModelInput {
    ModelInput::Text(TextRequest::new("x").max_tokens(MAX_TOKENS))
}

fn clean_metadata() -> CallMetadata {
    CallMetadata {
        request_id: Some("req-1".to_owned()),
        latency: Duration::from_millis(120),
        input_tokens: Some(5),
        output_tokens: Some(9),
        attempts: Some(1),
        ..CallMetadata::default()
    }
}

fn text_output(usage: Option<Usage>) -> ModelOutput {
    ModelOutput::Text(TextOutput {
        text: "Hello.".to_owned(),
        stop_reason: Some(StopReason::EndTurn),
        usage,
        content: Vec::new(),
    })
}

fn metadata_fails(input: &ModelInput, m: CallMetadata, output: Option<&ModelOutput>) -> String {
    panic_message(|| check_metadata("at", input, &m, output))
}

#[test]
fn the_metadata_check_catches_each_missing_or_wrong_field() {
    let usage = Usage {
        input_tokens: 5,
        output_tokens: 9,
    };
    check_metadata(
        "at",
        &text_input(),
        &clean_metadata(),
        Some(&text_output(Some(usage))),
    );
    let text = text_input();
    let cases: [(CallMetadata, &str); 6] = [
        (
            CallMetadata {
                request_id: None,
                ..clean_metadata()
            },
            "no request id",
        ),
        (
            CallMetadata {
                latency: Duration::ZERO,
                ..clean_metadata()
            },
            "zero latency",
        ),
        (
            CallMetadata {
                attempts: Some(2),
                ..clean_metadata()
            },
            "exactly one attempt",
        ),
        (
            CallMetadata {
                input_tokens: None,
                ..clean_metadata()
            },
            "no input token count",
        ),
        (
            CallMetadata {
                output_tokens: None,
                ..clean_metadata()
            },
            "no output token count",
        ),
        (
            CallMetadata {
                output_tokens: Some(MAX_TOKENS + 1),
                ..clean_metadata()
            },
            "output tokens for max_tokens",
        ),
    ];
    for (m, expected) in cases {
        let msg = metadata_fails(&text, m, None);
        assert!(msg.contains(expected), "{expected}: {msg}");
    }
    let other_usage = Usage {
        input_tokens: 5,
        output_tokens: 8,
    };
    let msg = metadata_fails(
        &text,
        clean_metadata(),
        Some(&text_output(Some(other_usage))),
    );
    assert!(msg.contains("differ from the output's usage"), "{msg}");

    let embedding = ModelInput::Embedding(EmbeddingRequest::new("x"));
    let msg = metadata_fails(&embedding, clean_metadata(), None);
    assert!(
        msg.contains("an output token count for a call that produces no text"),
        "{msg}"
    );
    let vector = ModelOutput::Embedding(EmbeddingOutput {
        embedding: vec![0.5],
        input_tokens: Some(4),
    });
    let m = CallMetadata {
        output_tokens: None,
        ..clean_metadata()
    };
    let msg = metadata_fails(&embedding, m, Some(&vector));
    assert!(
        msg.contains("input token count differs from the embedding's"),
        "{msg}"
    );
}

#[test]
fn the_output_check_catches_the_wrong_kind_and_empty_text() {
    let msg = panic_message(|| {
        check_output(
            "at",
            &ModelInput::Embedding(EmbeddingRequest::new("x")),
            &text_output(None),
        );
    });
    assert!(
        msg.contains("at: expected an embedding for embedding input, got text"),
        "{msg}"
    );
    let msg = panic_message(|| {
        check_output(
            "at",
            &text_input(),
            &ModelOutput::Text(TextOutput {
                text: " ".to_owned(),
                ..TextOutput::default()
            }),
        );
    });
    assert!(msg.contains("the text is empty"), "{msg}");
}

#[test]
fn the_stream_checks_catch_a_short_stream_and_missing_metrics() {
    let delta = |t: &str| StreamEvent::TextDelta { text: t.to_owned() };
    let stop = StreamEvent::Stop {
        reason: StopReason::EndTurn,
    };
    let usage = StreamEvent::Usage {
        input_tokens: Some(3),
        output_tokens: Some(4),
    };
    check_events("at", &[delta("a"), delta("b"), stop.clone(), usage.clone()]);
    let msg = panic_message(|| check_events("at", &[delta("ab"), stop.clone(), usage.clone()]));
    assert!(msg.contains("1 text deltas; expected several"), "{msg}");
    let msg = panic_message(|| check_events("at", &[delta("a"), delta("b"), usage.clone()]));
    assert!(msg.contains("no stop event"), "{msg}");
    let msg = panic_message(|| check_events("at", &[delta("a"), delta("b"), stop.clone()]));
    assert!(msg.contains("the fold reports no output tokens"), "{msg}");

    let metrics = br#"{"amazon-bedrock-invocationMetrics":{"inputTokenCount":3,"outputTokenCount":4,"invocationLatency":10,"firstByteLatency":5}}"#;
    check_raw_chunks("at", &[br#"{"a":1}"#.to_vec(), metrics.to_vec()]);
    let msg =
        panic_message(|| check_raw_chunks("at", &[br#"{"a":1}"#.to_vec(), br#"{"b":2}"#.to_vec()]));
    assert!(
        msg.contains("the last chunk carries no `amazon-bedrock-invocationMetrics`"),
        "{msg}"
    );
    let msg = panic_message(|| check_raw_chunks("at", &[b"not json".to_vec(), metrics.to_vec()]));
    assert!(msg.contains("chunk 0 is not a JSON object"), "{msg}");
}
