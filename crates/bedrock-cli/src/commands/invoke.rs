//! `bedrock invoke`: the raw InvokeModelGeneric path, whole or streamed.

use std::io::Read;

use bedrock_connector::{Error, InvokeModelGenericRequest, PromptId};
use futures::StreamExt;
use serde_json::{Value, json};

use super::model_id;
use crate::cli::{GlobalArgs, InvokeArgs};
use crate::failure::CliError;
use crate::output::{Printer, body_text, millis, put_body};
use crate::session::connect;
use crate::spinner::spin;

/// `bedrock invoke`.
pub async fn run(
    global: &GlobalArgs,
    args: &InvokeArgs,
    printer: &Printer,
) -> Result<(), CliError> {
    let id = model_id(&args.model_id)?;
    let body = read_body(&args.body)?;
    if args.content_type.to_ascii_lowercase().contains("json") {
        check_json(&body)?;
    }
    let session = connect(global, printer, args.save_prompt).await?;
    let request = InvokeModelGenericRequest {
        content_type: args.content_type.clone(),
        accept: args.accept.clone(),
        ..InvokeModelGenericRequest::json(id, body).save_prompt(args.save_prompt)
    };
    if args.stream {
        return stream(&session.connector, request, printer).await;
    }
    let response = spin(
        "waiting for the model",
        session.connector.invoke_model_generic(request),
    )
    .await?;
    super::generate::note_history_error(printer, response.history_error.as_deref());
    if printer.is_json() {
        let mut out = json!({
            "content_type": response.content_type,
            "prompt_id": response.prompt_id.as_ref().map(PromptId::as_str),
            "input_tokens": response.metadata.input_tokens,
            "output_tokens": response.metadata.output_tokens,
            "latency_ms": millis(response.metadata.latency),
            "request_id": response.metadata.request_id,
        });
        put_body(&mut out, &response.content_type, &response.body);
        return printer.json(&out);
    }
    if let Some(id) = &response.prompt_id {
        printer.note(&format!("prompt id: {id}"));
    }
    if serde_json::from_slice::<Value>(&response.body).is_ok() {
        printer.line(&body_text(&response.content_type, &response.body))
    } else {
        // Raw bodies (images, plain text) go out unchanged so they can be redirected to a file.
        printer.raw(&response.body)
    }
}

async fn stream(
    connector: &bedrock_connector::Connector,
    request: InvokeModelGenericRequest,
    printer: &Printer,
) -> Result<(), CliError> {
    let (prompt_id, mut chunks) = spin(
        "waiting for the model",
        connector.invoke_model_generic_stream(request),
    )
    .await?;
    if let Some(id) = &prompt_id
        && !printer.is_json()
    {
        printer.note(&format!("prompt id: {id}"));
    }
    let mut count = 0usize;
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk?;
        count += 1;
        let value = serde_json::from_slice::<Value>(&chunk.bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&chunk.bytes).into_owned()));
        if printer.is_json() {
            printer.json_line(&json!({ "chunk": value }))?;
        } else {
            printer.json_line(&value)?;
        }
    }
    if printer.is_json() {
        printer.json_line(&json!({
            "done": true,
            "chunks": count,
            "prompt_id": prompt_id.as_ref().map(PromptId::as_str),
        }))?;
    }
    Ok(())
}

/// The body argument: inline text, `@FILE`, or `-` for stdin.
fn read_body(arg: &str) -> Result<Vec<u8>, CliError> {
    if arg == "-" {
        let mut body = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut body)
            .map_err(|e| CliError::io("cannot read the body from standard input", e))?;
        return Ok(body);
    }
    if let Some(path) = arg.strip_prefix('@') {
        return std::fs::read(path)
            .map_err(|e| CliError::io(format!("cannot read the body file `{path}`"), e));
    }
    Ok(arg.as_bytes().to_vec())
}

/// A JSON body must parse; checked here so that a typo fails before anything is sent.
fn check_json(body: &[u8]) -> Result<(), CliError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(_) => Ok(()),
        Err(e) => Err(Error::invalid(
            "body",
            String::from_utf8_lossy(body),
            format!("a JSON document (it does not parse: {e})"),
        )
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_inline_or_read_from_a_file() {
        assert_eq!(read_body("{\"a\":1}").unwrap(), b"{\"a\":1}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("body.json");
        std::fs::write(&path, b"{}").unwrap();
        assert_eq!(read_body(&format!("@{}", path.display())).unwrap(), b"{}");
        let missing = read_body("@/nonexistent/body.json").unwrap_err();
        assert_eq!(missing.kind(), "io");
        assert!(missing.message().contains("/nonexistent/body.json"));
    }

    #[test]
    fn a_body_that_is_not_json_names_the_field() {
        let err = check_json(b"{\"a\":").unwrap_err();
        assert_eq!(err.field(), Some("body"));
        assert_eq!(err.exit_code(), 2);
        assert!(
            err.message().contains("does not parse"),
            "{}",
            err.message()
        );
        assert!(check_json(b" {\"a\": [1, 2]} ").is_ok());
    }
}
