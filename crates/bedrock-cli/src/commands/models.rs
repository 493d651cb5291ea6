//! `bedrock models` (ListFoundationModels) and `bedrock model` (GetFoundationModel).

use bedrock_connector::catalog::find_model;
use bedrock_connector::{ListFoundationModelsRequest, ModelSummary, default_registry};
use serde_json::{Value, json};

use super::model_id;
use crate::cli::{GlobalArgs, ModelArgs, ModelsArgs};
use crate::failure::CliError;
use crate::output::{Printer, joined, table};
use crate::session::connect;
use crate::spinner::spin;

/// `bedrock models`.
pub async fn list(
    global: &GlobalArgs,
    args: &ModelsArgs,
    printer: &Printer,
) -> Result<(), CliError> {
    let session = connect(global, printer, false).await?;
    let request = ListFoundationModelsRequest {
        by_provider: args.provider.clone(),
        by_output_modality: args.output_modality.map(Into::into),
        by_inference_type: args.inference_type.map(Into::into),
        ..ListFoundationModelsRequest::default()
    };
    let mut models = spin(
        "listing models",
        session.connector.list_foundation_models(&request),
    )
    .await?
    .models;
    models.sort_by(|a, b| a.model_id.cmp(&b.model_id));
    if printer.is_json() {
        let list: Vec<Value> = models.iter().map(summary_json).collect();
        return printer.json(&json!({ "models": list }));
    }
    if models.is_empty() {
        printer.note("no models match these filters");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = models
        .iter()
        .map(|m| {
            vec![
                m.model_id.clone(),
                m.model_name.clone(),
                m.provider_name.clone(),
                joined(m.input_modalities.iter().map(|x| x.as_str())),
                joined(m.output_modalities.iter().map(|x| x.as_str())),
                yes_no(m.response_streaming_supported).to_owned(),
                m.lifecycle.as_str().to_owned(),
            ]
        })
        .collect();
    printer.line(&table(
        &[
            "MODEL ID",
            "NAME",
            "PROVIDER",
            "IN",
            "OUT",
            "STREAM",
            "LIFECYCLE",
        ],
        &rows,
    ))
}

/// `bedrock model MODEL_ID`.
pub async fn show(
    global: &GlobalArgs,
    args: &ModelArgs,
    printer: &Printer,
) -> Result<(), CliError> {
    let id = model_id(&args.model_id)?;
    let session = connect(global, printer, false).await?;
    let model = spin(
        "describing the model",
        session.connector.get_foundation_model(&id),
    )
    .await?;
    let catalog = find_model(&model.model_id);
    let adapter = default_registry()
        .resolve(&id)
        .ok()
        .map(|r| (r.adapter.name().to_owned(), r.route.api()));
    if printer.is_json() {
        let mut value = summary_json(&model);
        if let Value::Object(map) = &mut value {
            map.insert(
                "end_of_life".to_owned(),
                json!(catalog.and_then(|c| c.end_of_life)),
            );
            map.insert(
                "successor".to_owned(),
                json!(catalog.and_then(|c| c.successor)),
            );
            map.insert(
                "adapter".to_owned(),
                adapter
                    .as_ref()
                    .map_or(Value::Null, |(name, api)| json!({"name": name, "api": api})),
            );
        }
        return printer.json(&json!({ "model": value }));
    }
    let mut lines = vec![
        ("model id", model.model_id.clone()),
        ("name", model.model_name.clone()),
        ("provider", model.provider_name.clone()),
        ("arn", model.model_arn.clone()),
        (
            "input",
            joined(model.input_modalities.iter().map(|x| x.as_str())),
        ),
        (
            "output",
            joined(model.output_modalities.iter().map(|x| x.as_str())),
        ),
        (
            "streaming",
            yes_no(model.response_streaming_supported).to_owned(),
        ),
        (
            "inference types",
            joined(model.inference_types_supported.iter().map(|x| x.as_str())),
        ),
        (
            "customizations",
            joined(model.customizations_supported.iter().map(|x| x.as_str())),
        ),
        ("lifecycle", model.lifecycle.as_str().to_owned()),
    ];
    if let Some(eol) = catalog.and_then(|c| c.end_of_life) {
        lines.push(("end of life", eol.to_owned()));
    }
    if let Some(successor) = catalog.and_then(|c| c.successor) {
        lines.push(("successor", successor.to_owned()));
    }
    lines.push((
        "adapter",
        adapter.map_or_else(
            || "none (use `bedrock invoke` with a raw body)".to_owned(),
            |(name, api)| format!("{name} (API {api})"),
        ),
    ));
    let width = lines.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 1;
    let text: Vec<String> = lines
        .iter()
        .map(|(k, v)| format!("{:<width$} {v}", format!("{k}:")))
        .collect();
    printer.line(&text.join("\n"))
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// The JSON shape of one model, owned by the CLI so scripts can rely on it.
fn summary_json(m: &ModelSummary) -> Value {
    json!({
        "model_id": m.model_id,
        "model_name": m.model_name,
        "provider_name": m.provider_name,
        "model_arn": m.model_arn,
        "input_modalities": m.input_modalities.iter().map(|x| x.as_str()).collect::<Vec<_>>(),
        "output_modalities": m.output_modalities.iter().map(|x| x.as_str()).collect::<Vec<_>>(),
        "response_streaming_supported": m.response_streaming_supported,
        "inference_types_supported":
            m.inference_types_supported.iter().map(|x| x.as_str()).collect::<Vec<_>>(),
        "customizations_supported":
            m.customizations_supported.iter().map(|x| x.as_str()).collect::<Vec<_>>(),
        "lifecycle": m.lifecycle.as_str(),
    })
}
