//! What only the AWS SDK backend over the emulator shows: every call reaches the emulator once,
//! signed for the region the connector or the call names, with the SDK's attempt header; and
//! typed outputs keep the shape they were asked for (vector length and norm, image size) after
//! the HTTP round trip.
//!
//! The behaviours every backend shares (listing and filters, invoke and stream for each family,
//! metadata, errors by kind, history rows) and the answers being identical to the in-process
//! simulator's are checked by the backend conformance suite (`backend_conformance.rs`).

mod support;

use bedrock_connector::{
    EmbeddingRequest, ImageFormat, ImageRequest, InvokeModelGenericRequest, InvokeOptions,
    ListFoundationModelsRequest, ModelInput, Region, TextRequest,
};
use bedrock_simulator::{Operation, SimulatorConfig};
use futures::TryStreamExt as _;
use serde_json::json;
use support::{
    example_aws_connector, model_id as id, png_size, start_emulator, with_simulator, within,
};

const SEED: u64 = 20_240_307;

const TITAN_TEXT: &str = "amazon.titan-text-express-v1";
const TITAN_EMBED_V1: &str = "amazon.titan-embed-text-v1";
const TITAN_EMBED_V2: &str = "amazon.titan-embed-text-v2:0";
const TITAN_IMAGE: &str = "amazon.titan-image-generator-v2:0";
const SDXL: &str = "stability.stable-diffusion-xl-v1";
const SD3: &str = "stability.sd3-large-v1:0";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_call_reaches_the_emulator_once_signed_for_its_region() {
    let emulator = start_emulator(with_simulator(SimulatorConfig::with_seed(SEED))).await;
    let aws = example_aws_connector(emulator.url());
    let titan = id(TITAN_TEXT);
    let in_eu = InvokeOptions {
        region: Some(Region::EuWest1),
        ..InvokeOptions::default()
    };

    // The connector's region, then regions named by the request.
    let mut expected = Vec::new();
    for region in [None, Some(Region::EuWest1), Some(Region::UsWest2)] {
        let request = ListFoundationModelsRequest {
            region,
            ..ListFoundationModelsRequest::default()
        };
        let listed = within("list", aws.list_foundation_models(&request))
            .await
            .unwrap();
        let region = region.unwrap_or(Region::UsEast1);
        assert!(
            listed.models.iter().all(|m| m
                .model_arn
                .starts_with(&format!("arn:aws:bedrock:{region}::"))),
            "ARNs name the region the list ran in ({region})"
        );
        expected.push((Operation::List, region));
    }
    within("get", aws.get_foundation_model(&titan))
        .await
        .unwrap();
    expected.push((Operation::Get, Region::UsEast1));

    let body = json!({"inputText": "A line about the wind.", "textGenerationConfig": {"maxTokenCount": 32}});
    let mut raw = InvokeModelGenericRequest::json(titan.clone(), body.to_string());
    within("raw invoke", aws.invoke_model_generic(raw.clone()))
        .await
        .unwrap();
    expected.push((Operation::Invoke, Region::UsEast1));
    raw.region = Some(Region::EuWest1);
    within("raw invoke in eu-west-1", aws.invoke_model_generic(raw))
        .await
        .unwrap();
    expected.push((Operation::Invoke, Region::EuWest1));

    let input = ModelInput::Text(TextRequest::new("A line about the sea.").max_tokens(32));
    within(
        "typed invoke in eu-west-1",
        aws.invoke(&titan, &input, in_eu.clone()),
    )
    .await
    .unwrap();
    expected.push((Operation::Invoke, Region::EuWest1));
    let stream = within(
        "typed stream in eu-west-1",
        aws.invoke_stream(&titan, &input, in_eu),
    )
    .await
    .unwrap();
    within("the stream's events", stream.events.try_collect::<Vec<_>>())
        .await
        .unwrap();
    expected.push((Operation::InvokeStream, Region::EuWest1));

    let log = emulator.simulator().request_log();
    let seen: Vec<(Operation, Region)> = log.iter().map(|e| (e.operation, e.region)).collect();
    assert_eq!(
        seen, expected,
        "each call reached the emulator once, signed for its region"
    );
    for entry in log
        .iter()
        .filter(|e| e.model_id.is_some() && e.operation != Operation::Get)
    {
        assert_eq!(
            entry.attempt,
            Some(1),
            "the SDK's attempt header reached the emulator: {entry:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_outputs_keep_their_requested_shape() {
    let emulator = start_emulator(with_simulator(SimulatorConfig::with_seed(SEED))).await;
    let aws = example_aws_connector(emulator.url());

    let mut v2 = EmbeddingRequest::new("Tides follow the moon.");
    v2.dimensions = Some(256);
    v2.normalize = Some(true);
    let out = within(TITAN_EMBED_V2, aws.embed(&id(TITAN_EMBED_V2), v2))
        .await
        .unwrap();
    assert_eq!(out.embedding.len(), 256);
    let norm: f32 = out.embedding.iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-3, "normalised, got {norm}");

    let v1 = EmbeddingRequest::new("Tides follow the moon.");
    let out = within(TITAN_EMBED_V1, aws.embed(&id(TITAN_EMBED_V1), v1))
        .await
        .unwrap();
    assert_eq!(out.embedding.len(), 1536);

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
        let out = within(model, aws.generate_image(&id(model), request))
            .await
            .unwrap_or_else(|e| panic!("{model}: {e}"));
        assert_eq!(out.images.len(), 1, "{model}");
        let image = &out.images[0];
        assert_eq!(image.format, ImageFormat::Png, "{model}");
        assert_eq!(png_size(&image.data), size, "{model}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_beyond_the_in_flight_limit_wait_for_a_place() {
    let emulator = start_emulator(with_simulator(SimulatorConfig::with_seed(SEED))).await;
    // Every call to Titan Text takes at least 300 ms on the emulator.
    emulator.simulator().add_fault(
        bedrock_simulator::FaultRule::new(bedrock_simulator::Fault::Latency { millis: 300 })
            .model(TITAN_TEXT),
    );
    let config = bedrock_backend_aws::AwsBackendConfig {
        max_concurrent_calls: Some(2),
        ..support::aws_backend_config(emulator.url(), support::example_credentials())
    };
    let connector = support::aws_connector(config);
    let body = json!({"inputText": "Hello", "textGenerationConfig": {"maxTokenCount": 8}});
    let started = std::time::Instant::now();
    let calls = (0..6).map(|_| {
        connector.invoke_model_generic(InvokeModelGenericRequest::json(
            id(TITAN_TEXT),
            body.to_string(),
        ))
    });
    for result in futures::future::join_all(calls).await {
        result.expect("every call succeeds once it has a place");
    }
    // Six 300 ms calls, two at a time, cannot finish in under three rounds; without the limit
    // they would all run at once and finish in about one.
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(900),
        "six calls with two places finished in {:?}",
        started.elapsed()
    );
}
