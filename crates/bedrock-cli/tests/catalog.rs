//! Every foundation model in the catalog answers the CLI's typed command for what it produces
//! (`text`, `embed`, `image`, or `rerank` for a model whose adapter ranks documents) on the
//! embedded emulator: no catalog model is left without an adapter, and every adapter's bodies
//! are ones the simulator (and so Bedrock's format) accepts.
//!
//! Models that produce video (Nova Reel) or speech (Nova Sonic) have no InvokeModel path on
//! Bedrock at all: Reel answers through StartAsyncInvoke, Sonic through
//! InvokeModelWithBidirectionalStream, so no adapter can serve them and no typed command
//! applies. They are not skipped: each is sent a raw InvokeModel body with `bedrock invoke`,
//! and Bedrock's own refusal, a ValidationException naming the operation that does serve the
//! model, is what the test expects.

mod support;

use bedrock_connector::catalog::{self, CatalogModel, Modality};
use bedrock_connector::{ModelId, Region, default_registry};
use support::TestEnv;

/// For a model InvokeModel does not serve: the operation Bedrock names when it refuses
/// InvokeModel, and a body of the model's own format to send anyway. `None` when InvokeModel
/// serves the model.
fn other_operation(model: &CatalogModel) -> Option<(&'static str, &'static str)> {
    let outputs = model.output_modalities;
    if outputs.contains(&Modality::Video) {
        let body = r#"{"taskType":"TEXT_VIDEO","textToVideoParams":{"text":"a lighthouse"}}"#;
        Some(("StartAsyncInvoke", body))
    } else if outputs.contains(&Modality::Speech) {
        let body = r#"{"event":{"sessionStart":{"inferenceConfiguration":{"maxTokens":64}}}}"#;
        Some(("InvokeModelWithBidirectionalStream", body))
    } else {
        None
    }
}

/// Whether the adapter serving `id` ranks documents (its output modality is TEXT in the
/// catalog, as ListFoundationModels says, but `text` is not what it does).
fn reranks(id: &str) -> bool {
    let id = ModelId::new(id).unwrap_or_else(|e| panic!("{id}: {e}"));
    default_registry()
        .resolve(&id)
        .is_ok_and(|resolved| resolved.route.capabilities().rerank)
}

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
    let mut refused = 0;
    for model in catalog::foundation_models() {
        let (region, id) = target(model);
        if let Some((operation, body)) = other_operation(model) {
            let args = [
                "--output",
                "json",
                "--region",
                region.as_str(),
                "invoke",
                &id,
                "--body",
                body,
            ];
            let out = env.run(&args);
            refused += 1;
            // Bedrock's refusal, not a local one: it went out (a request id came back) and came
            // back as a 400 validation error naming the operation that serves the model.
            let error = (out.code != 0).then(|| out.json_error());
            let refused_by_bedrock = error.as_ref().is_some_and(|e| {
                let message = e["message"].as_str().unwrap_or_default();
                e["kind"] == "validation"
                    && e["request_id"].is_string()
                    && message.contains("(HTTP 400)")
                    && message.contains(operation)
            });
            if !refused_by_bedrock {
                failures.push(format!(
                    "bedrock {} -> exit {}, expected Bedrock's 400 naming {operation}: {}",
                    args.join(" "),
                    out.code,
                    out.stderr.trim()
                ));
            }
            continue;
        }
        let outputs = model.output_modalities;
        let command: Vec<&str> = if reranks(&id) {
            vec![
                "rerank",
                &id,
                "Which is a lighthouse?",
                "--document",
                "A tower with a light that guides ships.",
                "--document",
                "A loaf of bread.",
            ]
        } else if outputs.contains(&Modality::Text) {
            vec!["text", &id, "Say hello in five words."]
        } else if outputs.contains(&Modality::Embedding) {
            vec!["embed", &id, "hello world"]
        } else if outputs.contains(&Modality::Image) {
            vec!["image", &id, "a lighthouse at dusk", "-o", image_path]
        } else {
            failures.push(format!("{id}: no typed command for {outputs:?}"));
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
        refused >= 3,
        "the catalog has Nova Reel v1:0 and v1:1 and Nova Sonic: {refused}"
    );
    assert!(
        failures.is_empty(),
        "{} of {called} catalog models failed their typed command:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
