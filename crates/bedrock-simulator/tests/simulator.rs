//! The simulator as a service: listing and getting models, resolving ids, access and lifecycle
//! errors, request checks, every fault kind, the request log and the `Backend` implementation.

mod common;

use std::sync::Arc;
use std::time::Duration;

use bedrock_core::{
    Backend, CustomizationType, Error, ErrorKind, InferenceType, InvokeModelRequest,
    ListFoundationModelsRequest, Modality, ModelId, Region,
};
use bedrock_simulator::{
    ACCESS_NOT_GRANTED, END_OF_LIFE, Fault, FaultRule, INVALID_MODEL_ID, MODEL_NOT_FOUND,
    MockBackend, Operation, SimChunk, SimRequest, Simulator, SimulatorConfig, StreamErrorKind,
    on_demand_not_supported,
};
use common::{HAIKU, details, invoke, sim};
use futures::StreamExt as _;
use serde_json::{Value, json};

fn titan_body() -> Value {
    json!({"inputText": "hello there"})
}
const TITAN: &str = "amazon.titan-text-express-v1";

fn ids(resp: &bedrock_core::ListFoundationModelsResponse) -> Vec<&str> {
    resp.models.iter().map(|m| m.model_id.as_str()).collect()
}

#[test]
fn listing_honours_every_filter_and_the_region() {
    let sim = sim();
    let all = sim
        .list_foundation_models(Region::UsEast1, &ListFoundationModelsRequest::default())
        .unwrap();
    assert!(all.models.len() > 40);
    assert!(ids(&all).contains(&HAIKU));
    assert!(
        all.models.iter().all(|m| m.model_arn
            == format!("arn:aws:bedrock:us-east-1::foundation-model/{}", m.model_id))
    );
    // Profile-only models are listed where a profile reaches them.
    assert!(ids(&all).contains(&"anthropic.claude-3-7-sonnet-20250219-v1:0"));
    // In-region only models elsewhere are not.
    assert!(!ids(&all).contains(&"stability.sd3-5-large-v1:0"));
    let west = sim
        .list_foundation_models(Region::UsWest2, &ListFoundationModelsRequest::default())
        .unwrap();
    assert!(ids(&west).contains(&"stability.sd3-5-large-v1:0"));

    let by = |req: ListFoundationModelsRequest| {
        sim.list_foundation_models(Region::UsEast1, &req).unwrap()
    };
    let anthropic = by(ListFoundationModelsRequest {
        by_provider: Some("anthropic".into()),
        ..Default::default()
    });
    assert!(!anthropic.models.is_empty());
    assert!(
        anthropic
            .models
            .iter()
            .all(|m| m.provider_name == "Anthropic")
    );
    let embeddings = by(ListFoundationModelsRequest {
        by_output_modality: Some(Modality::Embedding),
        ..Default::default()
    });
    assert!(ids(&embeddings).contains(&"amazon.titan-embed-text-v2:0"));
    assert!(
        embeddings
            .models
            .iter()
            .all(|m| m.output_modalities.contains(&Modality::Embedding))
    );
    let images = by(ListFoundationModelsRequest {
        by_output_modality: Some(Modality::Image),
        ..Default::default()
    });
    assert!(ids(&images).contains(&"amazon.titan-image-generator-v2:0"));
    assert!(!ids(&images).contains(&HAIKU));
    let provisioned = by(ListFoundationModelsRequest {
        by_inference_type: Some(InferenceType::Provisioned),
        ..Default::default()
    });
    assert!(provisioned.models.iter().all(|m| {
        m.inference_types_supported
            .contains(&InferenceType::Provisioned)
    }));
    assert!(!ids(&provisioned).contains(&"anthropic.claude-3-7-sonnet-20250219-v1:0"));
    let tuned = by(ListFoundationModelsRequest {
        by_customization_type: Some(CustomizationType::FineTuning),
        ..Default::default()
    });
    assert!(ids(&tuned).contains(&HAIKU));
    assert!(tuned.models.len() < all.models.len());
    let both = by(ListFoundationModelsRequest {
        by_provider: Some("Amazon".into()),
        by_output_modality: Some(Modality::Text),
        ..Default::default()
    });
    assert!(
        both.models
            .iter()
            .all(|m| m.provider_name == "Amazon" && m.output_modalities.contains(&Modality::Text))
    );
    assert!(
        by(ListFoundationModelsRequest {
            by_provider: Some("nobody".into()),
            ..Default::default()
        })
        .models
        .is_empty()
    );

    // Retired models disappear on the simulated date.
    let later = Simulator::new(SimulatorConfig::default().simulate_date("2026-07-01"));
    let listed = later
        .list_foundation_models(Region::UsEast1, &ListFoundationModelsRequest::default())
        .unwrap();
    assert!(!ids(&listed).contains(&"amazon.titan-image-generator-v2:0"));
    assert!(ids(&listed).contains(&HAIKU));
}

#[test]
fn get_by_id_and_arn() {
    let sim = sim();
    let by_id = sim.get_foundation_model(Region::UsEast1, HAIKU).unwrap();
    assert_eq!(by_id.model_id, HAIKU);
    assert_eq!(by_id.provider_name, "Anthropic");
    let arn = format!("arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}");
    assert_eq!(
        sim.get_foundation_model(Region::UsEast1, &arn).unwrap(),
        by_id
    );

    for missing in [
        "anthropic.claude-9",
        "not an id",
        "us.anthropic.claude-3-haiku-20240307-v1:0",
    ] {
        let e = sim
            .get_foundation_model(Region::UsEast1, missing)
            .unwrap_err();
        assert!(
            matches!(
                e,
                Error::Service {
                    kind: ErrorKind::NotFound,
                    ..
                }
            ),
            "{missing}: {e}"
        );
        let (t, status, _) = details(&e);
        assert_eq!((t.as_str(), status), ("ResourceNotFoundException", 404));
    }
    let e = sim
        .get_foundation_model(Region::UsEast1, "stability.sd3-5-large-v1:0")
        .unwrap_err();
    assert!(
        e.service_details()
            .unwrap()
            .hint
            .as_deref()
            .unwrap()
            .contains("us-west-2")
    );

    let later = Simulator::new(SimulatorConfig::default().simulate_date("2026-07-01"));
    let e = later
        .get_foundation_model(Region::UsEast1, "amazon.titan-image-generator-v2:0")
        .unwrap_err();
    assert_eq!(
        details(&e),
        (
            "ResourceNotFoundException".to_owned(),
            404,
            END_OF_LIFE.to_owned()
        )
    );
    assert!(e.hint().unwrap().contains("amazon.nova-canvas-v1:0"));
}

#[tokio::test]
async fn model_ids_resolve_like_bedrock() {
    let sim = sim();
    let body = json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]});
    // Bare id, profile id, foundation-model ARN and inference-profile ARN of one model.
    for id in [
        HAIKU.to_owned(),
        format!("us.{HAIKU}"),
        format!("arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}"),
        format!("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.{HAIKU}"),
    ] {
        invoke(&sim, &id, Region::UsEast1, &body)
            .await
            .unwrap_or_else(|e| panic!("{id}: {e}"));
    }
    assert_eq!(sim.attempts_for(HAIKU), 4);
    assert_eq!(sim.attempts_for(&format!("eu.{HAIKU}")), 4);

    let e = invoke(&sim, "anthropic.claude-99", Region::UsEast1, &body)
        .await
        .unwrap_err();
    assert_eq!(
        details(&e),
        (
            "ResourceNotFoundException".to_owned(),
            404,
            MODEL_NOT_FOUND.to_owned()
        )
    );
    let e = invoke(&sim, "nonsense", Region::UsEast1, &body)
        .await
        .unwrap_err();
    assert_eq!(details(&e).2, INVALID_MODEL_ID);
    // A profile for another geography.
    let e = invoke(&sim, &format!("eu.{HAIKU}"), Region::UsEast1, &body)
        .await
        .unwrap_err();
    assert_eq!(details(&e).2, INVALID_MODEL_ID);
    assert!(e.hint().unwrap().contains(&format!("us.{HAIKU}")));

    let sonnet = "anthropic.claude-3-7-sonnet-20250219-v1:0";
    let e = invoke(&sim, sonnet, Region::UsEast1, &body)
        .await
        .unwrap_err();
    let (t, status, message) = details(&e);
    assert_eq!((t.as_str(), status), ("ValidationException", 400));
    assert_eq!(
        message,
        "Invocation of model ID anthropic.claude-3-7-sonnet-20250219-v1:0 with on-demand throughput isn\u{2019}t supported. Retry your request with the ID or ARN of an inference profile that contains this model."
    );
    assert_eq!(message, on_demand_not_supported(sonnet));
    assert!(e.hint().unwrap().contains(&format!("us.{sonnet}")));
    invoke(&sim, &format!("us.{sonnet}"), Region::UsEast2, &body)
        .await
        .unwrap();
    invoke(
        &sim,
        "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
        Region::EuWest1,
        &body,
    )
    .await
    .unwrap();

    // Not offered in the region (Titan Text Premier is us-east-1 only).
    let e = invoke(
        &sim,
        "amazon.titan-text-premier-v1:0",
        Region::UsWest2,
        &titan_body(),
    )
    .await
    .unwrap_err();
    assert_eq!(details(&e).1, 404);
    assert_eq!(details(&e).2, MODEL_NOT_FOUND);
    assert!(
        e.hint().unwrap().contains("offered in: us-east-1"),
        "{:?}",
        e.hint()
    );
}

#[tokio::test]
async fn access_and_lifecycle() {
    let sim = Simulator::new(
        SimulatorConfig::default()
            .not_granted(TITAN)
            .simulate_date("2026-06-30"),
    );
    let e = invoke(&sim, TITAN, Region::UsEast1, &titan_body())
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        Error::Service {
            kind: ErrorKind::AccessDenied,
            ..
        }
    ));
    assert_eq!(
        details(&e),
        (
            "AccessDeniedException".to_owned(),
            403,
            ACCESS_NOT_GRANTED.to_owned()
        )
    );
    assert!(e.hint().unwrap().contains("Model access"));
    assert!(!e.is_retryable());

    // End of life on 2026-06-30 exactly.
    let image = json!({"taskType": "TEXT_IMAGE", "textToImageParams": {"text": "x"}, "imageGenerationConfig": {"width": 320, "height": 320}});
    let e = invoke(
        &sim,
        "amazon.titan-image-generator-v2:0",
        Region::UsEast1,
        &image,
    )
    .await
    .unwrap_err();
    assert_eq!(
        details(&e),
        (
            "ResourceNotFoundException".to_owned(),
            404,
            END_OF_LIFE.to_owned()
        )
    );
    assert!(e.hint().unwrap().contains("use `amazon.nova-canvas-v1:0`"));
    let day_before = Simulator::new(SimulatorConfig::default().simulate_date("2026-06-29"));
    invoke(
        &day_before,
        "amazon.titan-image-generator-v2:0",
        Region::UsEast1,
        &image,
    )
    .await
    .unwrap();

    assert!(Simulator::try_new(SimulatorConfig::default().simulate_date("June 30")).is_err());
}

#[tokio::test]
async fn request_checks() {
    let sim = Simulator::new(SimulatorConfig {
        max_body_bytes: 64,
        ..SimulatorConfig::default()
    });
    let text = SimRequest::invoke(TITAN, Region::UsEast1, r#"{"inputText":"hi"}"#)
        .content_type("text/plain");
    let e = sim.invoke(text).await.unwrap_err();
    assert_eq!(details(&e).1, 400);
    assert!(details(&e).2.contains("text/plain"));
    let charset = SimRequest::invoke(TITAN, Region::UsEast1, r#"{"inputText":"hi"}"#)
        .content_type("application/json; charset=utf-8");
    sim.invoke(charset).await.unwrap();
    let big = SimRequest::invoke(TITAN, Region::UsEast1, vec![b' '; 65]);
    let e = sim.invoke(big).await.unwrap_err();
    assert!(details(&e).2.contains("less than or equal to 64"));
    let e = sim
        .invoke(SimRequest::invoke(TITAN, Region::UsEast1, "{not json"))
        .await
        .unwrap_err();
    let (t, _, m) = details(&e);
    assert_eq!(t, "ValidationException");
    assert!(
        m.starts_with("Malformed input request: #: the request body is not valid JSON"),
        "{m}"
    );
    let e = sim
        .invoke(SimRequest::invoke(TITAN, Region::UsEast1, "[1]"))
        .await
        .unwrap_err();
    assert!(
        details(&e)
            .2
            .contains("#: expected type: JSONObject, found: JSONArray")
    );
}

#[tokio::test]
async fn every_error_fault_answers_with_its_exception() {
    let cases = [
        (
            Fault::Throttling,
            "ThrottlingException",
            429,
            ErrorKind::Throttling,
        ),
        (
            Fault::ServiceUnavailable,
            "ServiceUnavailableException",
            503,
            ErrorKind::ServiceUnavailable,
        ),
        (
            Fault::InternalServer,
            "InternalServerException",
            500,
            ErrorKind::Internal,
        ),
        (
            Fault::ModelNotReady,
            "ModelNotReadyException",
            429,
            ErrorKind::ModelNotReady,
        ),
        (
            Fault::ModelTimeout,
            "ModelTimeoutException",
            408,
            ErrorKind::ModelTimeout,
        ),
        (
            Fault::ModelError,
            "ModelErrorException",
            424,
            ErrorKind::ModelError,
        ),
        (
            Fault::AccessDenied,
            "AccessDeniedException",
            403,
            ErrorKind::AccessDenied,
        ),
        (
            Fault::ExpiredToken,
            "ExpiredTokenException",
            403,
            ErrorKind::Credentials,
        ),
        (
            Fault::ServiceQuotaExceeded,
            "ServiceQuotaExceededException",
            400,
            ErrorKind::ServiceQuotaExceeded,
        ),
        (
            Fault::Validation {
                message: "bad things".into(),
            },
            "ValidationException",
            400,
            ErrorKind::Validation,
        ),
    ];
    for (fault, name, status, kind) in cases {
        let sim = sim();
        sim.add_fault(FaultRule::new(fault.clone()));
        let e = invoke(&sim, TITAN, Region::UsEast1, &titan_body())
            .await
            .unwrap_err();
        let d = e.service_details().unwrap();
        assert_eq!(d.error_type.as_deref(), Some(name));
        assert_eq!(d.status, Some(status));
        assert!(!d.message.is_empty());
        assert!(d.request_id.is_some());
        assert_eq!(d.model_id.as_deref(), Some(TITAN));
        assert_eq!(e.kind(), kind, "{name}");
        let log = sim.request_log();
        assert_eq!(log[0].outcome.status, status);
        assert_eq!(log[0].outcome.error_type.as_deref(), Some(name));
        assert_eq!(log[0].outcome.faults, vec![fault.name().to_owned()]);
        // Faults also apply to the control plane.
        assert!(
            sim.list_foundation_models(Region::UsEast1, &ListFoundationModelsRequest::default())
                .is_err()
        );
    }
}

#[tokio::test]
async fn fault_rules_select_by_model_operation_and_times() {
    let sim = sim();
    sim.set_faults(vec![
        FaultRule::new(Fault::Throttling)
            .model(TITAN)
            .operation(Operation::Invoke)
            .times(2),
    ]);
    for _ in 0..2 {
        assert!(matches!(
            invoke(&sim, TITAN, Region::UsEast1, &titan_body()).await,
            Err(Error::Service {
                kind: ErrorKind::Throttling,
                ..
            })
        ));
    }
    invoke(&sim, TITAN, Region::UsEast1, &titan_body())
        .await
        .unwrap();
    assert_eq!(sim.attempts_for(TITAN), 3);
    // Other models and operations are untouched.
    sim.set_faults(vec![
        FaultRule::new(Fault::InternalServer)
            .model(TITAN)
            .operation(Operation::InvokeStream),
    ]);
    invoke(&sim, TITAN, Region::UsEast1, &titan_body())
        .await
        .unwrap();
    invoke(
        &sim,
        "amazon.titan-text-lite-v1",
        Region::UsEast1,
        &titan_body(),
    )
    .await
    .unwrap();
    let e = sim
        .invoke_stream(SimRequest::invoke_stream(
            TITAN,
            Region::UsEast1,
            titan_body().to_string(),
        ))
        .await
        .err()
        .unwrap();
    assert!(matches!(
        e,
        Error::Service {
            kind: ErrorKind::Internal,
            ..
        }
    ));
    assert_eq!(sim.faults().len(), 1);
    // Faults are checked before the model: even an invalid id can be throttled.
    sim.set_faults(vec![FaultRule::new(Fault::Throttling)]);
    assert!(matches!(
        invoke(&sim, "no.such-model", Region::UsEast1, &titan_body()).await,
        Err(Error::Service {
            kind: ErrorKind::Throttling,
            ..
        })
    ));
}

#[tokio::test]
async fn probability_uses_the_seeded_dice() {
    async fn pattern(seed: u64) -> Vec<bool> {
        let sim = Simulator::new(SimulatorConfig::with_seed(seed));
        sim.add_fault(FaultRule::new(Fault::ServiceUnavailable).probability(0.5));
        let mut out = Vec::new();
        for _ in 0..64 {
            out.push(
                invoke(&sim, TITAN, Region::UsEast1, &titan_body())
                    .await
                    .is_err(),
            );
        }
        out
    }
    let a = pattern(1).await;
    assert_eq!(a, pattern(1).await, "same seed, same dice");
    assert_ne!(a, pattern(2).await);
    let failures = a.iter().filter(|f| **f).count();
    assert!((16..=48).contains(&failures), "{failures} of 64");
    let sim = sim();
    sim.add_fault(FaultRule::new(Fault::Throttling).probability(0.0));
    invoke(&sim, TITAN, Region::UsEast1, &titan_body())
        .await
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn latency_faults_wait_then_answer() {
    let sim = sim();
    let (_, plain) = common::ok(&sim, TITAN, titan_body()).await;
    sim.set_faults(vec![
        FaultRule::new(Fault::Latency { millis: 1500 }),
        FaultRule::new(Fault::Latency { millis: 500 }).model(TITAN),
    ]);
    let started = tokio::time::Instant::now();
    let (_, slow) = common::ok(&sim, TITAN, titan_body()).await;
    assert!(started.elapsed() >= Duration::from_millis(2000));
    assert_eq!(slow.body, plain.body);
    assert_eq!(slow.latency, plain.latency + Duration::from_millis(2000));
    let log = sim.request_log();
    assert_eq!(
        log.last().unwrap().outcome.faults,
        vec!["latency", "latency"]
    );
    assert_eq!(log.last().unwrap().outcome.status, 200);
    let started = tokio::time::Instant::now();
    MockBackend::from(sim.clone())
        .list_foundation_models(Region::UsEast1, &ListFoundationModelsRequest::default())
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(1500));
}

async fn stream_items(sim: &Simulator) -> Vec<Result<SimChunk, Error>> {
    let body = json!({"inputText": "hello there", "textGenerationConfig": {"maxTokenCount": 40}});
    sim.invoke_stream(SimRequest::invoke_stream(
        TITAN,
        Region::UsEast1,
        body.to_string(),
    ))
    .await
    .unwrap()
    .collect()
    .await
}

#[tokio::test]
async fn stream_faults_truncate_or_fail_mid_stream() {
    let sim = sim();
    let clean = stream_items(&sim).await;
    assert!(clean.len() > 3);
    assert!(clean.iter().all(|i| matches!(i, Ok(SimChunk::Chunk(_)))));

    sim.set_faults(vec![FaultRule::new(Fault::TruncateStream {
        after_chunks: 2,
    })]);
    // Stream-only faults leave InvokeModel alone.
    invoke(&sim, TITAN, Region::UsEast1, &titan_body())
        .await
        .unwrap();
    let cut = stream_items(&sim).await;
    assert_eq!(cut.len(), 3);
    assert_eq!(cut[0].as_ref().unwrap(), clean[0].as_ref().unwrap());
    assert_eq!(cut[2].as_ref().unwrap(), &SimChunk::Truncate);

    for (kind, name, status) in [
        (
            StreamErrorKind::ModelStreamError,
            "ModelStreamErrorException",
            424,
        ),
        (StreamErrorKind::Throttling, "ThrottlingException", 429),
        (
            StreamErrorKind::InternalServer,
            "InternalServerException",
            500,
        ),
        (
            StreamErrorKind::ServiceUnavailable,
            "ServiceUnavailableException",
            503,
        ),
        (StreamErrorKind::ModelTimeout, "ModelTimeoutException", 408),
        (StreamErrorKind::Validation, "ValidationException", 400),
    ] {
        sim.set_faults(vec![FaultRule::new(Fault::StreamError {
            after_chunks: 1,
            kind,
        })]);
        let items = stream_items(&sim).await;
        assert_eq!(items.len(), 2);
        assert!(items[0].is_ok());
        let e = items[1].as_ref().unwrap_err();
        assert_eq!(details(e).0, name);
        assert_eq!(details(e).1, status);
        assert_eq!(
            kind.event_name().to_ascii_lowercase(),
            name.to_ascii_lowercase()
        );
    }
}

#[tokio::test]
async fn malformed_body_faults() {
    let sim = sim();
    sim.add_fault(FaultRule::new(Fault::MalformedBody).times(2));
    let resp = invoke(&sim, TITAN, Region::UsEast1, &titan_body())
        .await
        .unwrap();
    assert!(serde_json::from_slice::<Value>(&resp.body).is_err());
    let items = stream_items(&sim).await;
    match &items[0] {
        Ok(SimChunk::Chunk(b)) => assert!(serde_json::from_slice::<Value>(b).is_err()),
        other => panic!("{other:?}"),
    }
    let resp = invoke(&sim, TITAN, Region::UsEast1, &titan_body())
        .await
        .unwrap();
    assert!(serde_json::from_slice::<Value>(&resp.body).is_ok());
}

#[tokio::test]
async fn request_log_is_a_bounded_ring_and_reset_clears_everything() {
    let sim = Simulator::new(SimulatorConfig {
        log_capacity: 3,
        ..SimulatorConfig::with_seed(7)
    });
    sim.add_fault(FaultRule::new(Fault::Throttling).times(1));
    for _ in 0..5 {
        let _ = sim
            .invoke(SimRequest::invoke(TITAN, Region::UsEast1, titan_body().to_string()).attempt(2))
            .await;
    }
    let log = sim.request_log();
    assert_eq!(log.len(), 3);
    assert_eq!(
        log.iter().map(|l| l.sequence).collect::<Vec<_>>(),
        vec![2, 3, 4]
    );
    assert!(
        log.iter()
            .all(|l| l.operation == Operation::Invoke && l.attempt == Some(2))
    );
    assert_eq!(log[0].model_id.as_deref(), Some(TITAN));
    assert_eq!(log[0].body_len, titan_body().to_string().len());
    assert_eq!(sim.attempts_for(TITAN), 5);
    let first_ids: Vec<String> = log.iter().map(|l| l.request_id.clone()).collect();

    sim.reset();
    assert!(sim.request_log().is_empty());
    assert!(sim.faults().is_empty());
    assert_eq!(sim.attempts_for(TITAN), 0);
    // Request ids restart from the seed: the same calls give the same ids.
    for _ in 0..5 {
        sim.invoke(SimRequest::invoke(
            TITAN,
            Region::UsEast1,
            titan_body().to_string(),
        ))
        .await
        .unwrap();
    }
    let again: Vec<String> = sim
        .request_log()
        .iter()
        .map(|l| l.request_id.clone())
        .collect();
    assert_eq!(again, first_ids);
    let unique: std::collections::BTreeSet<&String> = again.iter().collect();
    assert_eq!(unique.len(), 3);

    let silent = Simulator::new(SimulatorConfig {
        log_capacity: 0,
        ..SimulatorConfig::default()
    });
    silent
        .list_foundation_models(Region::UsEast1, &ListFoundationModelsRequest::default())
        .unwrap();
    assert!(silent.request_log().is_empty());
}

#[tokio::test]
async fn the_request_log_names_each_call_as_it_was_answered() {
    let sim = Simulator::new(SimulatorConfig::with_seed(11));
    let haiku_body = json!({
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 8,
        "messages": [{"role": "user", "content": "Hi"}],
    });
    let mut answered = Vec::new();
    // Models alternate and repeat, and one call fails: each entry keeps its own model id,
    // request id and outcome.
    for i in 0..12 {
        let (model, body) = if i % 3 == 0 {
            (TITAN, titan_body())
        } else {
            (HAIKU, haiku_body.clone())
        };
        let model = if i == 7 { "anthropic.claude-9" } else { model };
        let request_id = match sim
            .invoke(SimRequest::invoke(model, Region::UsEast1, body.to_string()))
            .await
        {
            Ok(resp) => resp.request_id,
            Err(e) => e.service_details().unwrap().request_id.clone().unwrap(),
        };
        answered.push((model, request_id));
    }
    let log = sim.request_log();
    assert_eq!(log.len(), answered.len());
    for (entry, (model, request_id)) in log.iter().zip(&answered) {
        assert_eq!(entry.model_id.as_deref(), Some(*model));
        assert_eq!(&entry.request_id, request_id);
    }
    assert_eq!(log[7].outcome.status, 404);
    assert_eq!(
        log[7].outcome.error_type.as_deref(),
        Some("ResourceNotFoundException")
    );
    assert!(
        log.iter()
            .enumerate()
            .all(|(i, e)| i == 7 || e.outcome.status == 200)
    );
}

#[tokio::test]
async fn mock_backend_implements_the_backend_seam() {
    let backend: Arc<dyn Backend> = Arc::new(MockBackend::default());
    assert_eq!(backend.name(), "mock");
    let id = ModelId::new(TITAN).unwrap();
    let summary = backend
        .get_foundation_model(Region::UsEast1, &id)
        .await
        .unwrap();
    assert_eq!(summary.model_id, TITAN);
    let listed = backend
        .list_foundation_models(Region::UsEast1, &ListFoundationModelsRequest::default())
        .await
        .unwrap();
    assert!(!listed.models.is_empty());

    let request = InvokeModelRequest::json(id.clone(), Region::UsEast1, titan_body().to_string());
    let resp = backend.invoke_model(request.clone()).await.unwrap();
    assert_eq!(resp.metadata.input_tokens, Some(2));
    assert!(resp.metadata.output_tokens.is_some());
    assert!(resp.metadata.latency > std::time::Duration::ZERO);
    assert_eq!(resp.metadata.attempts, Some(1));
    assert!(resp.metadata.request_id.is_some());
    let chunks: Vec<_> = backend
        .invoke_model_stream(request.clone())
        .await
        .unwrap()
        .chunks
        .collect()
        .await;
    assert!(chunks.iter().all(Result::is_ok));

    let mock = MockBackend::new(SimulatorConfig::default());
    mock.simulator()
        .add_fault(FaultRule::new(Fault::TruncateStream { after_chunks: 1 }));
    let items: Vec<_> = mock
        .invoke_model_stream(request.clone())
        .await
        .unwrap()
        .chunks
        .collect()
        .await;
    assert_eq!(items.len(), 2);
    assert!(items[0].is_ok());
    assert!(matches!(&items[1], Err(Error::Transport { .. })));

    mock.simulator()
        .set_faults(vec![FaultRule::new(Fault::StreamError {
            after_chunks: 0,
            kind: StreamErrorKind::ModelStreamError,
        })]);
    let items: Vec<_> = mock
        .invoke_model_stream(request.clone())
        .await
        .unwrap()
        .chunks
        .collect()
        .await;
    assert_eq!(items.len(), 1);
    assert!(matches!(
        &items[0],
        Err(Error::Service {
            kind: ErrorKind::ModelError,
            ..
        })
    ));
    assert_eq!(mock.simulator().request_log().len(), 2);

    let e = mock
        .invoke_model(InvokeModelRequest::json(
            ModelId::new("amazon.titan-embed-text-v2:0").unwrap(),
            Region::UsEast1,
            "{}",
        ))
        .await
        .unwrap_err();
    assert!(details(&e).2.contains("required key [inputText] not found"));
}

#[test]
fn config_file_shape() {
    let config: SimulatorConfig = serde_json::from_str(
        r#"{"seed": 3, "not_granted": ["a.b"], "simulate_date": "2026-01-01", "log_capacity": 5, "max_body_bytes": 10}"#,
    )
    .unwrap();
    assert_eq!(config.seed, 3);
    assert!(config.not_granted.contains("a.b"));
    assert_eq!(SimulatorConfig::default().max_body_bytes, 25_000_000);
    assert!(serde_json::from_str::<SimulatorConfig>(r#"{"sede": 1}"#).is_err());
    assert!(Simulator::try_new(config).is_ok());
}
