//! `bedrock schema MODEL_ID`: the JSON Schema of the request body of the adapter API that serves
//! the model.

use bedrock_connector::{Error, default_registry};

use super::model_id;
use crate::cli::ModelArgs;
use crate::failure::CliError;
use crate::output::Printer;

/// `bedrock schema`. The schema is a JSON document, printed as is in both output formats.
pub fn run(args: &ModelArgs, printer: &Printer) -> Result<(), CliError> {
    let id = model_id(&args.model_id)?;
    let resolved = default_registry().resolve(&id)?;
    let Some(schema) = resolved.adapter.request_schema(resolved.route.api()) else {
        return Err(resolved.route.unsupported("request schemas").into());
    };
    let value = serde_json::to_value(&schema)
        .map_err(|e| Error::decode_json("the adapter's request schema", e))?;
    printer.json(&value)
}
