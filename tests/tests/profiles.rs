//! Inference profiles end to end: ListInferenceProfiles and GetInferenceProfile through the AWS
//! SDK backend over the emulator agree with the simulator; the pre-flight check fails locally
//! or routes through a profile, and what it lets through the emulator serves; an application
//! inference profile ARN, and a provisioned model ARN, gets a typed Claude call through the
//! Claude adapter.

mod support;

use bedrock_connector::{
    ChatMessage, ChatRequest, Connector, ConnectorBuilderExt as _, InferenceProfileType,
    InvokeOptions, ListInferenceProfilesRequest, ModelId, ModelInput, ProfileRouting, Region,
    TextRequest,
};
use std::sync::Arc;

use bedrock_emulator::{ApplicationProfile, ProvisionedModel, SimulatorConfig};
use bedrock_simulator::{MockBackend, Simulator};
use support::{aws_backend_config, example_credentials, start_emulator, with_simulator, within};

const SONNET_37: &str = "anthropic.claude-3-7-sonnet-20250219-v1:0";
const HAIKU: &str = "anthropic.claude-3-haiku-20240307-v1:0";

fn app_profile() -> ApplicationProfile {
    ApplicationProfile {
        id: "team-a-haiku".into(),
        name: "Team A Haiku".into(),
        copy_from: format!("us.{HAIKU}"),
        region: Region::UsEast1,
    }
}

fn connector(url: String, region: Region, routing: ProfileRouting) -> Connector {
    Connector::builder()
        .default_adapters()
        .region(region)
        .profile_routing(routing)
        .aws_backend(aws_backend_config(url, example_credentials()))
        .build()
        .expect("the connector builds")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profiles_listed_over_the_emulator_are_the_simulators() {
    let config = SimulatorConfig {
        application_profiles: vec![app_profile()],
        ..SimulatorConfig::default()
    };
    let sim = Simulator::new(config.clone());
    let emulator = start_emulator(with_simulator(config)).await;
    for region in [
        Region::UsEast1,
        Region::ApNortheast1,
        Region::EuWest1,
        Region::SaEast1,
    ] {
        let c = connector(emulator.url(), region, ProfileRouting::Manual);
        let listed = within(
            "list",
            c.list_inference_profiles(&ListInferenceProfilesRequest::default()),
        )
        .await
        .expect("ListInferenceProfiles");
        let expected =
            sim.list_inference_profiles(region, &ListInferenceProfilesRequest::default());
        assert_eq!(listed, expected, "{region}");
        if region == Region::ApNortheast1 {
            assert!(
                listed
                    .profiles
                    .iter()
                    .any(|p| p.inference_profile_id == format!("apac.{SONNET_37}"))
            );
        }
        for p in listed.profiles.iter().take(5) {
            let got = c
                .get_inference_profile(&p.inference_profile_id)
                .await
                .expect("get");
            assert_eq!(&got, p);
        }
    }
    let c = connector(emulator.url(), Region::UsEast1, ProfileRouting::Manual);
    let apps = c
        .list_inference_profiles(&ListInferenceProfilesRequest {
            type_equals: Some(InferenceProfileType::Application),
            region: None,
        })
        .await
        .unwrap();
    assert_eq!(apps.profiles.len(), 1);
    assert_eq!(apps.profiles[0].inference_profile_arn, app_profile().arn());
    let missing = c
        .get_inference_profile("eu.nope.model-v1:0")
        .await
        .unwrap_err();
    assert_eq!(missing.kind().as_str(), "not_found", "{missing}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_application_profile_arn_gets_a_typed_claude_call_on_the_emulator() {
    let config = SimulatorConfig {
        application_profiles: vec![app_profile()],
        ..SimulatorConfig::default()
    };
    let emulator = start_emulator(with_simulator(config)).await;
    let c = connector(emulator.url(), Region::UsEast1, ProfileRouting::Manual);
    let arn = ModelId::new(app_profile().arn()).unwrap();
    // Nothing resolves it offline: the registry sees no foundation model in the ARN.
    assert!(c.resolve(&arn).is_err());
    let request = ChatRequest {
        messages: vec![ChatMessage::user("Say hello.")],
        ..ChatRequest::default()
    };
    let out = within("chat", c.chat(&arn, request.clone()))
        .await
        .expect("a typed call");
    assert!(!out.text.is_empty());
    // The second call uses the cached resolution; both went to the emulator by the ARN.
    let again = c.chat(&arn, request).await.expect("again");
    assert_eq!(again.text, out.text);
    assert_eq!(emulator.simulator().attempts_for(arn.as_str()), 2);
    let sent: Vec<Option<String>> = emulator
        .simulator()
        .request_log()
        .into_iter()
        .map(|l| l.model_id)
        .collect();
    assert_eq!(sent, [Some(arn.to_string()), Some(arn.to_string())]);
    assert_eq!(
        c.application_profile_model(&arn, Region::UsEast1)
            .await
            .unwrap(),
        HAIKU
    );
}

fn provisioned_haiku() -> ProvisionedModel {
    ProvisionedModel {
        id: "pt7haiku0001".into(),
        name: "team-a-haiku-pt".into(),
        model: HAIKU.into(),
        region: Region::UsEast1,
    }
}

/// A typed chat to a provisioned model ARN goes through the Claude adapter after one
/// GetProvisionedModelThroughput, and is sent by the ARN.
async fn provisioned_chat_is_claudes(c: &Connector, sim: &Simulator) {
    let arn = ModelId::new(provisioned_haiku().arn()).unwrap();
    // Nothing resolves it offline: the registry sees no foundation model in the ARN.
    assert!(c.resolve(&arn).is_err());
    let request = ChatRequest {
        messages: vec![ChatMessage::user("Say hello.")],
        ..ChatRequest::default()
    };
    let out = within("chat", c.chat(&arn, request.clone()))
        .await
        .expect("a typed call");
    assert!(!out.text.is_empty());
    let again = c.chat(&arn, request).await.expect("again");
    assert_eq!(again.text, out.text);
    assert_eq!(sim.attempts_for(arn.as_str()), 2);
    let sent: Vec<Option<String>> = sim.request_log().into_iter().map(|l| l.model_id).collect();
    assert_eq!(sent, [Some(arn.to_string()), Some(arn.to_string())]);
    assert_eq!(
        c.provisioned_model(&arn, Region::UsEast1).await.unwrap(),
        HAIKU
    );
    // Bedrock also takes the provisioned model's name.
    let described = c
        .get_provisioned_model_throughput(&provisioned_haiku().name)
        .await
        .expect("described by name");
    assert_eq!(described.provisioned_model_arn, arn.as_str());
    assert_eq!(described.foundation_model_id().as_deref(), Some(HAIKU));
    assert_eq!(described.status, "InService");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provisioned_model_arn_gets_a_typed_claude_call_on_the_emulator() {
    let config = SimulatorConfig {
        provisioned_models: vec![provisioned_haiku()],
        ..SimulatorConfig::default()
    };
    let emulator = start_emulator(with_simulator(config)).await;
    let c = connector(emulator.url(), Region::UsEast1, ProfileRouting::Manual);
    provisioned_chat_is_claudes(&c, emulator.simulator()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provisioned_model_arn_gets_a_typed_claude_call_through_the_simulator_backend() {
    let mock = Arc::new(MockBackend::new(SimulatorConfig {
        provisioned_models: vec![provisioned_haiku()],
        ..SimulatorConfig::default()
    }));
    let c = Connector::builder()
        .default_adapters()
        .region(Region::UsEast1)
        .backend(mock.clone())
        .build()
        .expect("the connector builds");
    provisioned_chat_is_claudes(&c, mock.simulator()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_provisioned_model_arn_fails_not_found_before_any_invocation() {
    let config = SimulatorConfig {
        provisioned_models: vec![provisioned_haiku()],
        ..SimulatorConfig::default()
    };
    let emulator = start_emulator(with_simulator(config.clone())).await;
    let mock = Arc::new(MockBackend::new(config));
    let over_emulator = connector(emulator.url(), Region::UsEast1, ProfileRouting::Manual);
    let in_process = Connector::builder()
        .default_adapters()
        .region(Region::UsEast1)
        .backend(mock.clone())
        .build()
        .expect("the connector builds");
    let unknown = ModelId::new(format!(
        "arn:aws:bedrock:us-east-1:{}:provisioned-model/nosuchmodel1",
        bedrock_simulator::ACCOUNT_ID
    ))
    .unwrap();
    // Known, but it lives in us-east-1: from us-west-2 it is not there.
    let elsewhere = ModelId::new(provisioned_haiku().arn()).unwrap();
    for (c, sim) in [
        (&over_emulator, emulator.simulator()),
        (&in_process, mock.simulator()),
    ] {
        for (arn, region) in [(&unknown, Region::UsEast1), (&elsewhere, Region::UsWest2)] {
            let request = ChatRequest {
                messages: vec![ChatMessage::user("Say hello.")],
                ..ChatRequest::default()
            };
            let options = InvokeOptions {
                region: Some(region),
                ..InvokeOptions::default()
            };
            let err = within("chat", c.invoke(arn, &ModelInput::Chat(request), options))
                .await
                .expect_err("no such provisioned model");
            assert_eq!(err.kind().as_str(), "not_found", "{err}");
            assert!(err.to_string().contains(arn.as_str()), "{err}");
            assert_eq!(sim.attempts_for(arn.as_str()), 0);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokyo_fails_locally_or_routes_through_apac() {
    let emulator = start_emulator(with_simulator(SimulatorConfig::default())).await;
    let bare = ModelId::new(SONNET_37).unwrap();
    let text = || TextRequest::new("Say hello.");
    let manual = connector(emulator.url(), Region::ApNortheast1, ProfileRouting::Manual);
    let err = manual.generate_text(&bare, text()).await.unwrap_err();
    assert!(
        err.to_string().contains(&format!("`apac.{SONNET_37}`")),
        "{err}"
    );
    assert_eq!(
        emulator.simulator().request_log().len(),
        0,
        "nothing was sent"
    );

    let routed = connector(
        emulator.url(),
        Region::ApNortheast1,
        ProfileRouting::Automatic,
    );
    let out = routed
        .generate_text(&bare, text())
        .await
        .expect("routed through apac.");
    assert!(!out.text.is_empty());
    let log = emulator.simulator().request_log();
    assert_eq!(
        log.last().and_then(|l| l.model_id.clone()),
        Some(format!("apac.{SONNET_37}"))
    );

    // With the check off, the bare id goes out and Bedrock's own answer comes back.
    let unchecked = Connector::builder()
        .default_adapters()
        .region(Region::ApNortheast1)
        .preflight(false)
        .aws_backend(aws_backend_config(emulator.url(), example_credentials()))
        .build()
        .unwrap();
    let err = unchecked.generate_text(&bare, text()).await.unwrap_err();
    assert!(err.to_string().contains("on-demand throughput"), "{err}");
}

#[test]
fn provisioned_models_are_read_from_the_emulator_configuration() {
    let config = bedrock_emulator::EmulatorConfig::from_toml(
        r#"
provisioned_models = [
  { id = "pt7haiku0001", name = "team-a-haiku-pt", model = "anthropic.claude-3-haiku-20240307-v1:0", region = "us-east-1" },
]
"#,
    )
    .expect("the configuration parses");
    assert_eq!(config.simulator.provisioned_models, [provisioned_haiku()]);
}
