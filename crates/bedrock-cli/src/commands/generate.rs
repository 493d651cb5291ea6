//! The typed commands that go through a model family's adapter: `text` (whole or streamed),
//! `embed` and `image`.

use std::path::{Path, PathBuf};

use bedrock_connector::{
    EmbeddingRequest, Error, GeneratedImage, ImageFormat, ImageRequest, InferenceParams,
    Invocation, InvokeOptions, ModelId, ModelInput, ModelOutput, PreparedCall, PromptId,
    StopReason, StreamEvent, TextAccumulator, TextOutput, TextRequest,
};
use futures::StreamExt;
use serde_json::{Value, json};

use super::{model_id, prepare_offline};
use crate::cli::{EmbedArgs, GlobalArgs, ImageArgs, TextArgs};
use crate::failure::CliError;
use crate::output::{Printer, millis};
use crate::session::{Session, connect};
use crate::spinner::spin;

/// How many values of a vector the text output shows.
const SHOWN_VALUES: usize = 8;

/// What the spinner says while a text or embedding call runs.
const WAITING: &str = "waiting for the model";

/// Prepares a typed call offline (resolved, checked, its body built once), then connects:
/// the session and the call to send through it.
async fn prepare(
    global: &GlobalArgs,
    printer: &Printer,
    id: &ModelId,
    input: &ModelInput,
    save_prompt: bool,
    stream: bool,
) -> Result<(Session, PreparedCall), CliError> {
    let options = InvokeOptions {
        save_prompt,
        ..InvokeOptions::default()
    };
    let call = prepare_offline(id, input, options)?;
    if stream {
        call.check_streaming()?;
    }
    let session = connect(global, printer, save_prompt).await?;
    Ok((session, call))
}

/// A whole (not streamed) typed call, with a spinner saying `waiting`. The session comes back
/// with the answer so that an emulator it started outlives the printing.
async fn call(
    global: &GlobalArgs,
    printer: &Printer,
    id: &ModelId,
    input: &ModelInput,
    save_prompt: bool,
    waiting: &str,
) -> Result<(Session, Invocation), CliError> {
    let (session, prepared) = prepare(global, printer, id, input, save_prompt, false).await?;
    let invocation = spin(waiting, session.connector.send(prepared)).await?;
    note_history_error(printer, invocation.history_error.as_deref());
    Ok((session, invocation))
}

/// Warns on stderr that the answer arrived but its history row could not be completed.
pub(super) fn note_history_error(printer: &Printer, history_error: Option<&str>) {
    if let Some(e) = history_error {
        printer.note(&format!(
            "warning: the answer is shown, but its history row could not be completed: {e}"
        ));
    }
}

/// Says on stderr which prompt id the call saved (text output only: JSON carries it).
fn note_prompt_id(printer: &Printer, prompt_id: Option<&PromptId>) {
    if let Some(id) = prompt_id
        && !printer.is_json()
    {
        printer.note(&format!("prompt id: {id}"));
    }
}

/// `bedrock text`.
pub async fn text(global: &GlobalArgs, args: &TextArgs, printer: &Printer) -> Result<(), CliError> {
    let id = model_id(&args.model_id)?;
    let max_tokens = match args.max_tokens {
        None => None,
        Some(n) => Some(u32::try_from(n).map_err(|_| {
            Error::invalid(
                "max_tokens",
                n,
                format!("a whole number in 1..={}", u32::MAX),
            )
        })?),
    };
    let input = ModelInput::Text(TextRequest {
        prompt: args.prompt.clone(),
        system: args.system.clone(),
        params: InferenceParams {
            max_tokens,
            temperature: args.temperature,
            top_p: args.top_p,
            top_k: None,
            stop_sequences: args.stop_sequences.clone(),
        },
        extra: Default::default(),
    });
    // Invalid input (max tokens out of range, ...) fails in `prepare`, before anything starts.
    if args.stream {
        let (session, prepared) =
            prepare(global, printer, &id, &input, args.save_prompt, true).await?;
        let stream = spin(WAITING, session.connector.send_stream(prepared)).await?;
        note_prompt_id(printer, stream.prompt_id.as_ref());
        let mut events = stream.events;
        let mut acc = TextAccumulator::new();
        while let Some(event) = events.next().await {
            let event = match event {
                Ok(e) => e,
                Err(e) => {
                    if !printer.is_json() && !acc.text().is_empty() {
                        printer.partial("\n")?;
                    }
                    return Err(e.into());
                }
            };
            acc.push(&event);
            if printer.is_json() {
                printer.json_line(&event_json(&event))?;
            } else if let StreamEvent::TextDelta { text } = &event {
                printer.partial(text)?;
            }
        }
        let output = acc.finish();
        if printer.is_json() {
            let mut done = text_json(&output, stream.prompt_id.as_ref());
            if let Value::Object(map) = &mut done {
                map.insert("event".to_owned(), json!("done"));
            }
            printer.json_line(&done)?;
        } else {
            printer.partial("\n")?;
        }
        return Ok(());
    }
    let (_session, invocation) =
        call(global, printer, &id, &input, args.save_prompt, WAITING).await?;
    let output = match &invocation.output {
        ModelOutput::Text(t) => t,
        other => return Err(unexpected("text", other)),
    };
    if printer.is_json() {
        let mut value = text_json(output, invocation.prompt_id.as_ref());
        add_call_metadata(&mut value, &invocation);
        return printer.json(&value);
    }
    note_prompt_id(printer, invocation.prompt_id.as_ref());
    printer.line(&output.text)
}

/// `bedrock embed`.
pub async fn embed(
    global: &GlobalArgs,
    args: &EmbedArgs,
    printer: &Printer,
) -> Result<(), CliError> {
    let id = model_id(&args.model_id)?;
    let input = ModelInput::Embedding(EmbeddingRequest {
        text: args.text.clone(),
        dimensions: args.dimensions,
        normalize: args.normalize.then_some(true),
        extra: Default::default(),
    });
    let (_session, invocation) =
        call(global, printer, &id, &input, args.save_prompt, WAITING).await?;
    let output = match &invocation.output {
        ModelOutput::Embedding(e) => e,
        other => return Err(unexpected("an embedding", other)),
    };
    if printer.is_json() {
        let mut value = json!({
            "dimensions": output.embedding.len(),
            "embedding": output.embedding,
            "prompt_id": invocation.prompt_id.as_ref().map(PromptId::as_str),
        });
        add_call_metadata(&mut value, &invocation);
        if let (Value::Object(map), Some(n)) = (&mut value, output.input_tokens) {
            map.insert("input_tokens".to_owned(), json!(n));
        }
        return printer.json(&value);
    }
    note_prompt_id(printer, invocation.prompt_id.as_ref());
    let shown: Vec<String> = output
        .embedding
        .iter()
        .take(SHOWN_VALUES)
        .map(|v| format!("{v:.6}"))
        .collect();
    let more = if output.embedding.len() > SHOWN_VALUES {
        ", ..."
    } else {
        ""
    };
    printer.line(&format!(
        "dimensions: {}\n[{}{more}]",
        output.embedding.len(),
        shown.join(", ")
    ))
}

/// `bedrock image`.
pub async fn image(
    global: &GlobalArgs,
    args: &ImageArgs,
    printer: &Printer,
) -> Result<(), CliError> {
    let id = model_id(&args.model_id)?;
    let input = ModelInput::Image(ImageRequest {
        prompt: args.prompt.clone(),
        negative_prompt: args.negative.clone(),
        width: args.width,
        height: args.height,
        count: args.count,
        seed: args.seed,
        cfg_scale: args.cfg_scale,
        steps: None,
        output_format: None,
        extra: Default::default(),
    });
    let (_session, invocation) = call(
        global,
        printer,
        &id,
        &input,
        args.save_prompt,
        "generating images",
    )
    .await?;
    let images = match &invocation.output {
        ModelOutput::Images(i) => &i.images,
        other => return Err(unexpected("images", other)),
    };
    if images.is_empty() {
        return Err(Error::decode("the response holds no images").into());
    }
    let formats: Vec<ImageFormat> = images.iter().map(|i| i.format).collect();
    let paths = image_paths(&args.out, &formats);
    for (image, path) in images.iter().zip(&paths) {
        std::fs::write(path, &image.data)
            .map_err(|e| CliError::io(format!("cannot write `{}`", path.display()), e))?;
    }
    if printer.is_json() {
        let list: Vec<Value> = images
            .iter()
            .zip(&paths)
            .map(|(image, path)| image_json(image, path))
            .collect();
        let mut value = json!({
            "images": list,
            "prompt_id": invocation.prompt_id.as_ref().map(PromptId::as_str),
        });
        add_call_metadata(&mut value, &invocation);
        return printer.json(&value);
    }
    note_prompt_id(printer, invocation.prompt_id.as_ref());
    let lines: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    printer.line(&lines.join("\n"))
}

/// Where images go: `out` itself for one image (with the format's extension added when `out`
/// has none); `out`'s stem + `-1`, `-2`, ... + the format's extension for several.
fn image_paths(out: &Path, formats: &[ImageFormat]) -> Vec<PathBuf> {
    if let [format] = formats {
        return if out.extension().is_some() {
            vec![out.to_path_buf()]
        } else {
            vec![out.with_extension(format.extension())]
        };
    }
    let stem = out
        .file_stem()
        .map_or_else(|| "image".into(), |s| s.to_string_lossy().into_owned());
    formats
        .iter()
        .enumerate()
        .map(|(i, format)| out.with_file_name(format!("{stem}-{}.{}", i + 1, format.extension())))
        .collect()
}

fn image_json(image: &GeneratedImage, path: &Path) -> Value {
    let (width, height) = png_size(&image.data).unzip();
    json!({
        "path": path.display().to_string(),
        "format": image.format.extension(),
        "media_type": image.format.media_type(),
        "bytes": image.data.len(),
        "width": width,
        "height": height,
        "seed": image.seed,
        "finish_reason": image.finish_reason,
    })
}

/// Width and height from a PNG's IHDR chunk, which the format puts first.
fn png_size(data: &[u8]) -> Option<(u32, u32)> {
    if ImageFormat::sniff(data) != Some(ImageFormat::Png)
        || data.len() < 24
        || &data[12..16] != b"IHDR"
    {
        return None;
    }
    let width = u32::from_be_bytes(data[16..20].try_into().ok()?);
    let height = u32::from_be_bytes(data[20..24].try_into().ok()?);
    Some((width, height))
}

fn stop_reason(reason: &StopReason) -> String {
    match reason {
        StopReason::EndTurn => "end_turn".to_owned(),
        StopReason::MaxTokens => "max_tokens".to_owned(),
        StopReason::StopSequence => "stop_sequence".to_owned(),
        StopReason::ContentFiltered => "content_filtered".to_owned(),
        StopReason::Other(other) => other.clone(),
    }
}

fn text_json(output: &TextOutput, prompt_id: Option<&PromptId>) -> Value {
    json!({
        "text": output.text,
        "stop_reason": output.stop_reason.as_ref().map(stop_reason),
        "usage": output.usage.map(|u| json!({
            "input_tokens": u.input_tokens,
            "output_tokens": u.output_tokens,
        })),
        "prompt_id": prompt_id.map(PromptId::as_str),
    })
}

fn event_json(event: &StreamEvent) -> Value {
    match event {
        StreamEvent::TextDelta { text } => json!({"event": "text_delta", "text": text}),
        StreamEvent::Stop { reason } => json!({"event": "stop", "reason": stop_reason(reason)}),
        StreamEvent::Usage {
            input_tokens,
            output_tokens,
        } => json!({
            "event": "usage",
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
        }),
        other => json!({"event": "other", "debug": format!("{other:?}")}),
    }
}

/// Adds `input_tokens`, `output_tokens` (from the response headers), `latency_ms` and
/// `request_id` to a JSON object.
fn add_call_metadata(value: &mut Value, invocation: &Invocation) {
    if let Value::Object(map) = value {
        let m = &invocation.metadata;
        map.insert("input_tokens".to_owned(), json!(m.input_tokens));
        map.insert("output_tokens".to_owned(), json!(m.output_tokens));
        map.insert("latency_ms".to_owned(), json!(millis(m.latency)));
        map.insert("request_id".to_owned(), json!(m.request_id));
    }
}

fn unexpected(expected: &str, got: &ModelOutput) -> CliError {
    Error::decode(format!(
        "expected {expected} from the model, got {}",
        got.describe()
    ))
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_image_goes_to_the_path_given_several_get_numbered() {
        let png = ImageFormat::Png;
        assert_eq!(
            image_paths(Path::new("out/cat.png"), &[png]),
            vec![PathBuf::from("out/cat.png")]
        );
        assert_eq!(
            image_paths(Path::new("out/cat"), &[png]),
            vec![PathBuf::from("out/cat.png")]
        );
        assert_eq!(
            image_paths(Path::new("out/cat.png"), &[png, ImageFormat::Jpeg]),
            vec![
                PathBuf::from("out/cat-1.png"),
                PathBuf::from("out/cat-2.jpg")
            ]
        );
        assert_eq!(
            image_paths(Path::new("cat"), &[png, png]),
            vec![PathBuf::from("cat-1.png"), PathBuf::from("cat-2.png")]
        );
    }

    #[test]
    fn png_sizes_come_from_the_header() {
        let mut header = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        header.extend_from_slice(&640u32.to_be_bytes());
        header.extend_from_slice(&480u32.to_be_bytes());
        assert_eq!(png_size(&header), Some((640, 480)));
        assert_eq!(png_size(b"GIF89a"), None);
    }
}
