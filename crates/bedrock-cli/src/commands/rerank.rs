//! `bedrock rerank`: order documents by their relevance to a query, through the model family's
//! adapter (Cohere Rerank).

use bedrock_connector::{
    Error, InvokeOptions, ModelInput, ModelOutput, PromptId, RerankOutput, RerankRequest,
};
use clap::Args;
use serde_json::{Value, json};

use super::generate::note_history_error;
use super::{model_id, prepare_offline};
use crate::cli::GlobalArgs;
use crate::failure::CliError;
use crate::output::{Printer, millis, table};
use crate::session::connect;
use crate::spinner::spin;

/// `bedrock rerank`.
#[derive(Debug, Args)]
pub struct RerankArgs {
    /// Model id, inference profile id (`us.…`) or ARN.
    pub model_id: String,
    /// What the documents are ranked against.
    pub query: String,
    /// A document to rank (repeatable, in order; results name them by index).
    #[arg(long = "document", value_name = "TEXT", required = true)]
    pub documents: Vec<String>,
    /// Return only the N most relevant documents.
    #[arg(long, value_name = "N")]
    pub top_n: Option<u32>,
    /// Save the prompt to the history and print its id.
    #[arg(long)]
    pub save_prompt: bool,
}

/// `bedrock rerank`.
pub async fn run(
    global: &GlobalArgs,
    args: &RerankArgs,
    printer: &Printer,
) -> Result<(), CliError> {
    let id = model_id(&args.model_id)?;
    let input = ModelInput::Rerank(RerankRequest {
        top_n: args.top_n,
        ..RerankRequest::new(args.query.clone(), args.documents.clone())
    });
    let options = InvokeOptions {
        save_prompt: args.save_prompt,
        ..InvokeOptions::default()
    };
    // An unknown model or a bad input fails here, before anything starts or is sent.
    let prepared = prepare_offline(&id, &input, options)?;
    let session = connect(global, printer, args.save_prompt).await?;
    let invocation = spin("ranking documents", session.connector.send(prepared)).await?;
    note_history_error(printer, invocation.history_error.as_deref());
    let ranking = match &invocation.output {
        ModelOutput::Rerank(r) => r,
        other => {
            let message = format!(
                "expected a ranking from the model, got {}",
                other.describe()
            );
            return Err(Error::decode(message).into());
        }
    };
    let prompt_id = invocation.prompt_id.as_ref().map(PromptId::as_str);
    if printer.is_json() {
        let m = &invocation.metadata;
        let mut value = ranking_json(ranking, &args.documents);
        if let Value::Object(map) = &mut value {
            map.insert("prompt_id".to_owned(), json!(prompt_id));
            map.insert("input_tokens".to_owned(), json!(m.input_tokens));
            map.insert("latency_ms".to_owned(), json!(millis(m.latency)));
            map.insert("request_id".to_owned(), json!(m.request_id));
        }
        return printer.json(&value);
    }
    if let Some(id) = prompt_id {
        printer.note(&format!("prompt id: {id}"));
    }
    printer.line(
        table(
            &["RANK", "INDEX", "SCORE", "DOCUMENT"],
            &rows(ranking, &args.documents),
        )
        .trim_end(),
    )
}

/// The ranking with each result's document text, as `--output json` prints it.
fn ranking_json(ranking: &RerankOutput, documents: &[String]) -> Value {
    let results: Vec<Value> = ranking
        .results
        .iter()
        .map(|r| {
            json!({
                "index": r.index,
                "relevance_score": r.relevance_score,
                "document": documents.get(r.index),
            })
        })
        .collect();
    json!({ "results": results })
}

/// One table row per result, most relevant first.
fn rows(ranking: &RerankOutput, documents: &[String]) -> Vec<Vec<String>> {
    ranking
        .results
        .iter()
        .enumerate()
        .map(|(rank, r)| {
            vec![
                rank.saturating_add(1).to_string(),
                r.index.to_string(),
                format!("{:.4}", r.relevance_score),
                // A model could name an index the request never had; say so rather than panic.
                documents
                    .get(r.index)
                    .cloned()
                    .unwrap_or_else(|| "(no such document)".to_owned()),
            ]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use bedrock_connector::RerankResult;

    #[test]
    fn rows_keep_the_model_order_and_name_unknown_indices() {
        let ranking = RerankOutput {
            results: vec![
                RerankResult {
                    index: 1,
                    relevance_score: 0.9,
                },
                RerankResult {
                    index: 5,
                    relevance_score: 0.1,
                },
            ],
        };
        let docs = vec!["a".to_owned(), "b".to_owned()];
        assert_eq!(
            rows(&ranking, &docs),
            vec![
                vec!["1", "1", "0.9000", "b"],
                vec!["2", "5", "0.1000", "(no such document)"],
            ]
        );
        let json = ranking_json(&ranking, &docs);
        assert_eq!(json["results"][0]["document"], "b");
        assert!(json["results"][1]["document"].is_null());
    }
}
