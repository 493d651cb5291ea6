//! Every foundation model in the catalog answers the CLI's typed command for what it produces
//! (`text`, `embed` or `image`) on the embedded emulator: no catalog model is left without an
//! adapter, and every adapter's bodies are ones the simulator (and so Bedrock's format) accepts.

mod support;

use bedrock_connector::Region;
use bedrock_connector::catalog::{self, CatalogModel, Modality};
use support::TestEnv;

/// The region to call `model` in, and the id to call it by there: the bare id in us-east-1
/// when it is served on demand there, else in the first region that offers it; through the
/// region's inference profile when the bare id is not served on demand at all.
fn target(model: &CatalogModel) -> (Region, String) {
    let region = if model.offered_in(Region::UsEast1) || model.regions.is_empty() {
        Region::UsEast1
    } else {
        model.regions[0]
    };
    let id = if model.needs_profile() {
        model
            .profile_id_for(region)
            .unwrap_or_else(|| panic!("{}: no profile serves it from {region}", model.model_id))
    } else {
        model.model_id.to_owned()
    };
    (region, id)
}

#[test]
fn every_catalog_model_answers_its_typed_command() {
    let env = TestEnv::new();
    let image_path = env.path().join("image.png");
    let image_path = image_path.to_str().expect("a UTF-8 temp path");
    let mut failures = Vec::new();
    let mut called = 0;
    for model in catalog::foundation_models() {
        let (region, id) = target(model);
        let outputs = model.output_modalities;
        let command: Vec<&str> = if outputs.contains(&Modality::Text) {
            vec!["text", &id, "Say hello in five words."]
        } else if outputs.contains(&Modality::Embedding) {
            vec!["embed", &id, "hello world"]
        } else if outputs.contains(&Modality::Image) {
            vec!["image", &id, "a lighthouse at dusk", "-o", image_path]
        } else {
            continue;
        };
        let mut args = vec!["--region", region.as_str()];
        args.extend(&command);
        let out = env.run(&args);
        called += 1;
        if out.code != 0 {
            failures.push(format!(
                "bedrock {} -> exit {}: {}",
                args.join(" "),
                out.code,
                out.stderr.trim()
            ));
        } else if out.stdout.trim().is_empty() {
            failures.push(format!("bedrock {} printed nothing", args.join(" ")));
        }
    }
    assert!(
        called > 50,
        "the catalog has text, embedding and image models: {called}"
    );
    assert!(
        failures.is_empty(),
        "{} of {called} catalog models failed their typed command:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
