//! `bedrock history list` and `bedrock history show`: the saved prompts in the SQLite history.

use bedrock_connector::{
    Error, ErrorKind, PromptHistory, PromptId, PromptOutcome, PromptRecord, ServiceDetails,
};
use serde_json::{Value, json};

use crate::cli::{GlobalArgs, HistoryCommand};
use crate::failure::CliError;
use crate::output::{Printer, body_text, capped, millis, put_body, rfc3339, table};
use crate::session::{history_path, open_history};

/// `bedrock history ...`.
pub async fn run(
    global: &GlobalArgs,
    command: &HistoryCommand,
    printer: &Printer,
) -> Result<(), CliError> {
    match command {
        HistoryCommand::List(args) => match &args.conversation {
            Some(conversation) => {
                list_conversation(global, conversation, args.limit, printer).await
            }
            None => list(global, args.limit, printer).await,
        },
        HistoryCommand::Show(args) => show(global, &args.prompt_id, printer).await,
    }
}

async fn list(global: &GlobalArgs, limit: usize, printer: &Printer) -> Result<(), CliError> {
    let history = open_history(global)?;
    let records = history.list(limit).await?;
    print_list(global, &records, printer)
}

/// `history list --conversation ID`: the turns `bedrock chat` saved under that id, oldest
/// first (at most `limit`, the first ones).
async fn list_conversation(
    global: &GlobalArgs,
    conversation: &str,
    limit: usize,
    printer: &Printer,
) -> Result<(), CliError> {
    let history = open_history(global)?;
    let mut records = history.list_conversation(conversation).await?;
    records.truncate(limit);
    if records.is_empty() && !printer.is_json() {
        printer.note(&format!(
            "no saved turns of conversation `{conversation}` in {}; `bedrock chat` prints its \
             conversation id when it starts",
            history_path(global)?.display()
        ));
        return Ok(());
    }
    print_list(global, &records, printer)
}

fn print_list(
    global: &GlobalArgs,
    records: &[PromptRecord],
    printer: &Printer,
) -> Result<(), CliError> {
    if printer.is_json() {
        let list: Vec<Value> = records.iter().map(summary_json).collect();
        return printer.json(&json!({ "prompts": list }));
    }
    if records.is_empty() {
        printer.note(&format!(
            "no saved prompts in {}; pass --save-prompt to save some",
            history_path(global)?.display()
        ));
        return Ok(());
    }
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|r| {
            let (tokens, latency) = match &r.outcome {
                Some(PromptOutcome::Completed {
                    input_tokens,
                    output_tokens,
                    latency,
                    ..
                }) => (
                    format!("{}/{}", count(*input_tokens), count(*output_tokens)),
                    format!("{} ms", millis(*latency)),
                ),
                Some(PromptOutcome::Failed { kind, .. }) => {
                    (kind.as_str().to_owned(), "-".to_owned())
                }
                None => ("-".to_owned(), "-".to_owned()),
            };
            vec![
                r.id.to_string(),
                rfc3339(r.created_at),
                r.status.as_str().to_owned(),
                r.prompt.model_id.clone(),
                tokens,
                latency,
            ]
        })
        .collect();
    printer.line(&table(
        &[
            "ID",
            "CREATED",
            "STATUS",
            "MODEL",
            "TOKENS IN/OUT",
            "LATENCY",
        ],
        &rows,
    ))
}

async fn show(global: &GlobalArgs, id: &str, printer: &Printer) -> Result<(), CliError> {
    let id: PromptId = id.parse().map_err(|e: bedrock_connector::PromptIdError| {
        CliError::usage(
            e.to_string(),
            "copy the id from `bedrock history list` or from --save-prompt's output",
        )
    })?;
    let history = open_history(global)?;
    let Some(record) = history.get(&id).await? else {
        let path = history_path(global)?;
        return Err(Error::from_service(
            ErrorKind::NotFound,
            ServiceDetails::new(format!(
                "no saved prompt `{id}` in the history {}",
                path.display()
            ))
            .with_hint(
                "list saved prompts with `bedrock history list`; --history or BEDROCK_HISTORY \
                 picks another file",
            ),
        )
        .into());
    };
    if printer.is_json() {
        return printer.json(&json!({ "prompt": record_json(&record) }));
    }
    let prompt = &record.prompt;
    let mut lines = vec![
        format!("id:        {}", record.id),
        format!("status:    {}", record.status.as_str()),
        format!("model:     {}", prompt.model_id),
        format!("region:    {}", prompt.region),
        format!("created:   {}", rfc3339(record.created_at)),
    ];
    if let Some(conversation) = &prompt.conversation_id {
        lines.push(format!("conversation: {conversation}"));
    }
    if let Some(finished) = record.finished_at {
        lines.push(format!("finished:  {}", rfc3339(finished)));
    }
    lines.push(format!(
        "stream:    {}",
        if prompt.stream { "yes" } else { "no" }
    ));
    lines.push(format!("request ({}):", prompt.content_type));
    lines.push(body_text(&prompt.content_type, &prompt.body));
    match &record.outcome {
        Some(PromptOutcome::Completed {
            content_type,
            body,
            input_tokens,
            output_tokens,
            latency,
        }) => {
            lines.push(format!(
                "tokens:    {} in, {} out",
                count(*input_tokens),
                count(*output_tokens)
            ));
            lines.push(format!("latency:   {} ms", millis(*latency)));
            lines.push(format!("response ({content_type}):"));
            lines.push(body_text(content_type, body));
        }
        Some(PromptOutcome::Failed { kind, message }) => {
            let message = capped(message, printer.max_error_bytes());
            lines.push(format!("error ({kind}): {message}"));
        }
        None => {}
    }
    printer.line(&lines.join("\n"))
}

fn count(n: Option<u32>) -> String {
    n.map_or_else(|| "-".to_owned(), |n| n.to_string())
}

fn summary_json(r: &PromptRecord) -> Value {
    let (input_tokens, output_tokens, latency_ms, error_kind) = match &r.outcome {
        Some(PromptOutcome::Completed {
            input_tokens,
            output_tokens,
            latency,
            ..
        }) => (*input_tokens, *output_tokens, Some(millis(*latency)), None),
        Some(PromptOutcome::Failed { kind, .. }) => (None, None, None, Some(kind.as_str())),
        None => (None, None, None, None),
    };
    json!({
        "id": r.id.as_str(),
        "created_at": rfc3339(r.created_at),
        "finished_at": r.finished_at.map(rfc3339),
        "status": r.status.as_str(),
        "model_id": r.prompt.model_id,
        "region": r.prompt.region.as_str(),
        "stream": r.prompt.stream,
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "latency_ms": latency_ms,
        "error_kind": error_kind,
        "conversation_id": r.prompt.conversation_id,
    })
}

fn record_json(r: &PromptRecord) -> Value {
    let mut value = summary_json(r);
    let mut request = json!({
        "content_type": r.prompt.content_type,
        "accept": r.prompt.accept,
    });
    put_body(&mut request, &r.prompt.content_type, &r.prompt.body);
    let (response, error) = match &r.outcome {
        Some(PromptOutcome::Completed {
            content_type, body, ..
        }) => {
            let mut response = json!({ "content_type": content_type });
            put_body(&mut response, content_type, body);
            (response, Value::Null)
        }
        Some(PromptOutcome::Failed { kind, message }) => (
            Value::Null,
            json!({ "kind": kind.as_str(), "message": message }),
        ),
        None => (Value::Null, Value::Null),
    };
    if let Value::Object(map) = &mut value {
        map.insert("request".to_owned(), request);
        map.insert("response".to_owned(), response);
        map.insert("error".to_owned(), error);
    }
    value
}
