//! Every text model in the catalog answers `bedrock chat MODEL "hi"` on the embedded emulator,
//! called as Bedrock takes it (its inference profile when it has no on-demand throughput), or
//! fails with Bedrock's own error where Bedrock would: a model Converse does not serve, and a
//! profile-only model called by its bare id.

mod support;

use bedrock_connector::Region;
use bedrock_connector::catalog::{self, CatalogModel, Modality};
use support::TestEnv;

/// The region to call `model` in: us-east-1 when it is offered there, else its first region.
fn region(model: &CatalogModel) -> Region {
    if model.offered_in(Region::UsEast1) || model.regions.is_empty() {
        Region::UsEast1
    } else {
        model.regions[0]
    }
}

#[test]
fn every_catalog_text_model_answers_chat_or_gets_bedrocks_refusal() {
    let env = TestEnv::new();
    let mut failures = Vec::new();
    let (mut answered, mut refused, mut profile_only) = (0, 0, 0);
    for model in catalog::foundation_models() {
        if !model.output_modalities.contains(&Modality::Text) {
            continue;
        }
        let region = region(model);
        let id = if model.needs_profile() {
            model
                .profile_id_for(region)
                .unwrap_or_else(|| panic!("{}: no profile serves it from {region}", model.model_id))
        } else {
            model.model_id.to_owned()
        };
        let out = env.run(&[
            "--region",
            region.as_str(),
            "--output",
            "json",
            "chat",
            &id,
            "hi",
            "--no-save",
        ]);
        match out.code {
            0 => {
                let doc = out.json();
                if doc["messages"].as_array().map(Vec::len) != Some(2) {
                    failures.push(format!("{id}: not one exchange: {}", out.stdout));
                }
                answered += 1;
            }
            2 if out.json_error()["message"]
                .as_str()
                .is_some_and(|m| m.contains(bedrock_simulator::NOT_CHAT_MODEL)) =>
            {
                refused += 1;
            }
            code => failures.push(format!(
                "{id} in {region}: exit {code}: {}",
                out.stderr.trim()
            )),
        }
        if model.needs_profile() {
            profile_only += 1;
            // Sent anyway (`--no-preflight`), Bedrock refuses the bare id; by default the
            // pre-flight check refuses it first, naming the profile that serves it here.
            let profile = model.profile_id_for(region).unwrap_or_default();
            let local = env.run(&[
                "--region",
                region.as_str(),
                "chat",
                model.model_id,
                "hi",
                "--no-save",
            ]);
            if local.code != 2 || !local.stderr.contains(&profile) {
                failures.push(format!(
                    "{} by its bare id, pre-flight: exit {}: {}",
                    model.model_id,
                    local.code,
                    local.stderr.trim()
                ));
            }
            let bare = env.run(&[
                "--region",
                region.as_str(),
                "--no-preflight",
                "--output",
                "json",
                "chat",
                model.model_id,
                "hi",
                "--no-save",
            ]);
            let message = if bare.code == 2 {
                bare.json_error()["message"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned()
            } else {
                String::new()
            };
            if !message.contains("on-demand throughput isn\u{2019}t supported") {
                failures.push(format!(
                    "{} by its bare id: exit {}: {}",
                    model.model_id,
                    bare.code,
                    bare.stderr.trim()
                ));
            }
        }
    }
    eprintln!(
        "chat over the catalog: {answered} text models answered, {refused} refused as not chat \
         models, {profile_only} profile-only models refused by their bare id"
    );
    assert!(
        answered > 30 && profile_only > 5,
        "the catalog has many chat models, some profile-only: {answered} answered, {refused} \
         refused, {profile_only} profile-only"
    );
    assert!(
        failures.is_empty(),
        "{} text models failed `bedrock chat` ({answered} answered, {refused} refused as \
         Bedrock does):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
