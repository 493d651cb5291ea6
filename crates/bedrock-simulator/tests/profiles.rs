//! Listing agrees with invoking, and the connector's pre-flight check agrees with both, for
//! every (region, model) pair of the catalog; inference profiles as ListInferenceProfiles and
//! GetInferenceProfile describe them; application profiles reach their model.

mod common;

use bedrock_core::catalog::{self, CatalogModel};
use bedrock_core::{
    InferenceProfileType, InferenceType, ListFoundationModelsRequest, ListInferenceProfilesRequest,
    ModelId, Preflight, PreflightDecision, ProfileRouting, Region,
};
use bedrock_simulator::{ApplicationProfile, SimRequest, Simulator, SimulatorConfig};
use common::details;

/// How the simulator answered an InvokeModel call whose body is `{}`: it reaches the model
/// (which then refuses the empty body, or names the operation that serves it) or is refused
/// for its id.
async fn reaches(sim: &Simulator, id: &str, region: Region) -> bool {
    let e = sim
        .invoke(SimRequest::invoke(id, region, "{}"))
        .await
        .expect_err("an empty body never succeeds");
    let (kind, _, message) = details(&e);
    let reached = message.starts_with("Malformed input request")
        || message.contains("doesn't support InvokeModel");
    let refused_for_id = message == bedrock_simulator::INVALID_MODEL_ID
        || message == bedrock_simulator::MODEL_NOT_FOUND
        || message == bedrock_simulator::on_demand_not_supported(id);
    assert!(
        reached != refused_for_id,
        "{id} in {region}: unexpected answer {kind}: {message}"
    );
    reached
}

fn listed_types(
    sim: &Simulator,
    model: &CatalogModel,
    region: Region,
) -> Option<Vec<InferenceType>> {
    sim.list_foundation_models(region, &ListFoundationModelsRequest::default())
        .unwrap()
        .models
        .into_iter()
        .find(|s| s.model_id == model.model_id)
        .map(|s| s.inference_types_supported)
}

#[tokio::test]
async fn listing_invoking_and_preflight_agree_for_every_region_and_model() {
    let sim = Simulator::new(SimulatorConfig::with_seed(1));
    let manual = Preflight::default();
    let automatic = Preflight {
        routing: ProfileRouting::Automatic,
        ..Preflight::default()
    };
    let mut pairs = 0;
    let mut routed = 0;
    for &region in Region::ALL {
        for model in catalog::foundation_models() {
            pairs += 1;
            let at = format!("{} in {region}", model.model_id);
            let types = listed_types(&sim, model, region);
            let bare_ok = reaches(&sim, model.model_id, region).await;
            let mut profile_ok = false;
            for profile in model.inference_profiles() {
                let ok = reaches(&sim, profile.profile_id, region).await;
                assert_eq!(
                    ok,
                    profile.sources.contains(&region),
                    "{} in {region}",
                    profile.profile_id
                );
                profile_ok |= ok;
                // Profile ids are Bedrock's to judge: the check sends them as given.
                let pid = ModelId::new(profile.profile_id).unwrap();
                assert_eq!(
                    manual.check(&pid, region).unwrap(),
                    PreflightDecision::Send,
                    "pre-flight of {} in {region}",
                    profile.profile_id
                );
            }
            // The listing's inference types are what invoking answers.
            match &types {
                None => assert!(!bare_ok && !profile_ok, "{at}: not listed, yet it answers"),
                Some(t) => {
                    assert_eq!(t.contains(&InferenceType::OnDemand), bare_ok, "{at}: {t:?}");
                    assert_eq!(
                        t.contains(&InferenceType::InferenceProfile),
                        profile_ok,
                        "{at}: {t:?}"
                    );
                }
            }
            // The pre-flight decision is what the simulator answers when the call is sent.
            let bare = ModelId::new(model.model_id).unwrap();
            match manual.check(&bare, region) {
                Ok(decision) => {
                    assert_eq!(decision, PreflightDecision::Send, "{at}");
                    assert!(
                        bare_ok,
                        "{at}: pre-flight sends it, the simulator refuses it"
                    );
                }
                Err(e) => {
                    assert!(
                        !bare_ok,
                        "{at}: pre-flight refuses what the simulator serves: {e}"
                    );
                    let text = e.to_string();
                    if profile_ok {
                        let best = model.profile_id_for(region).unwrap();
                        assert!(text.contains(&format!("`{best}`")), "{at}: {text}");
                    } else if !model.regions.is_empty() {
                        assert!(text.contains("served on demand in"), "{at}: {text}");
                    }
                }
            }
            match automatic.check(&bare, region) {
                Ok(PreflightDecision::Send) => assert!(bare_ok, "{at}"),
                Ok(PreflightDecision::Route(profile)) => {
                    routed += 1;
                    assert!(!bare_ok, "{at}: routed although the bare id is served");
                    assert!(
                        reaches(&sim, profile.as_str(), region).await,
                        "{at}: routed through {profile}, which the simulator refuses"
                    );
                }
                Err(_) => assert!(!bare_ok && !profile_ok, "{at}: automatic routing gave up"),
            }
        }
    }
    assert!(pairs > 2000, "{pairs}");
    assert!(routed > 200, "{routed}");
}

#[tokio::test]
async fn tokyo_callers_reach_claude_3_7_sonnet_through_apac() {
    let sim = Simulator::new(SimulatorConfig::default());
    let id = "apac.anthropic.claude-3-7-sonnet-20250219-v1:0";
    assert!(reaches(&sim, id, Region::ApNortheast1).await);
    assert!(!reaches(&sim, id, Region::UsEast1).await);
    let e = sim
        .invoke(SimRequest::invoke(
            "anthropic.claude-3-7-sonnet-20250219-v1:0",
            Region::ApNortheast1,
            "{}",
        ))
        .await
        .unwrap_err();
    assert_eq!(
        e.hint().as_deref(),
        Some(&*format!(
            "`anthropic.claude-3-7-sonnet-20250219-v1:0` is invoked through an inference profile: use `{id}`"
        ))
    );
    // Tokyo is in `jp` and in `apac`: both kinds of profile are listed there.
    let listed = sim.list_inference_profiles(
        Region::ApNortheast1,
        &ListInferenceProfilesRequest::default(),
    );
    let ids: Vec<&str> = listed
        .profiles
        .iter()
        .map(|p| p.inference_profile_id.as_str())
        .collect();
    assert!(ids.contains(&id), "{ids:?}");
    assert!(ids.iter().any(|p| p.starts_with("jp.")), "{ids:?}");
    assert!(ids.iter().any(|p| p.starts_with("global.")), "{ids:?}");
}

#[tokio::test]
async fn us_east_1_lists_profile_only_models_as_such() {
    let sim = Simulator::new(SimulatorConfig::default());
    for id in [
        "anthropic.claude-3-opus-20240229-v1:0",
        "anthropic.claude-3-5-sonnet-20241022-v2:0",
        "anthropic.claude-3-5-haiku-20241022-v1:0",
    ] {
        let model = catalog::find_model(id).unwrap();
        assert_eq!(
            listed_types(&sim, model, Region::UsEast1),
            Some(vec![InferenceType::InferenceProfile]),
            "{id}"
        );
        assert!(!reaches(&sim, id, Region::UsEast1).await, "{id}");
        assert!(
            reaches(&sim, &format!("us.{id}"), Region::UsEast1).await,
            "{id}"
        );
        assert!(reaches(&sim, id, Region::UsWest2).await, "{id}");
    }
}

#[test]
fn profiles_are_listed_in_their_source_regions_and_described_by_id_or_arn() {
    let sim = Simulator::new(SimulatorConfig::default());
    for &region in Region::ALL {
        let listed = sim.list_inference_profiles(region, &ListInferenceProfilesRequest::default());
        let expected: Vec<&str> = catalog::inference_profiles()
            .iter()
            .filter(|p| p.sources.contains(&region))
            .map(|p| p.profile_id)
            .collect();
        let got: Vec<&str> = listed
            .profiles
            .iter()
            .map(|p| p.inference_profile_id.as_str())
            .collect();
        assert_eq!(got, expected, "{region}");
        for p in &listed.profiles {
            assert_eq!(p.profile_type, InferenceProfileType::SystemDefined);
            let by_arn = sim
                .get_inference_profile(region, &p.inference_profile_arn)
                .unwrap();
            assert_eq!(&by_arn, p);
            let model = catalog::find_profile(&p.inference_profile_id).unwrap();
            assert_eq!(p.model_ids(), [model.model_id]);
            assert_eq!(p.destination_regions(), model.destinations);
        }
    }
    let e = sim
        .get_inference_profile(Region::UsEast1, "eu.anthropic.claude-3-haiku-20240307-v1:0")
        .unwrap_err();
    assert_eq!(details(&e).1, 404);
    assert!(
        e.hint().unwrap().contains("can be used from"),
        "{:?}",
        e.hint()
    );
}

#[tokio::test]
async fn application_profiles_reach_their_model_from_their_region() {
    let app = ApplicationProfile {
        id: "team-a-haiku".into(),
        name: "Team A Haiku".into(),
        copy_from: "us.anthropic.claude-3-haiku-20240307-v1:0".into(),
        region: Region::UsEast1,
    };
    let arn = app.arn();
    let sim = Simulator::new(SimulatorConfig {
        application_profiles: vec![app],
        ..SimulatorConfig::default()
    });
    let described = sim.get_inference_profile(Region::UsEast1, &arn).unwrap();
    assert_eq!(described.profile_type, InferenceProfileType::Application);
    assert_eq!(
        described.model_ids(),
        ["anthropic.claude-3-haiku-20240307-v1:0"]
    );
    assert_eq!(described.inference_profile_arn, arn);
    let only_apps = sim.list_inference_profiles(
        Region::UsEast1,
        &ListInferenceProfilesRequest {
            type_equals: Some(InferenceProfileType::Application),
            region: None,
        },
    );
    assert_eq!(only_apps.profiles, [described]);
    assert!(reaches(&sim, &arn, Region::UsEast1).await);
    assert!(!reaches(&sim, &arn, Region::UsWest2).await);
    let body = serde_json::json!({
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 5,
        "messages": [{"role": "user", "content": "hi"}]
    });
    let resp = common::invoke(&sim, &arn, Region::UsEast1, &body)
        .await
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&resp.body).unwrap();
    assert_eq!(json["model"], "claude-3-haiku-20240307");
}
