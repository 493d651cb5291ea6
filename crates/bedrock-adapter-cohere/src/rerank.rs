//! The `cohere-rerank` API of Rerank 3.5: a query and documents in, the documents' indices by
//! relevance out.

use bedrock_core::{Error, RerankOutput, RerankRequest, RerankResult, Result, check_extra_keys};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::extra;
use crate::models::{
    RERANK_API, RERANK_API_VERSION, RERANK_MAX_DOCUMENTS, RERANK_MAX_TOKENS_PER_DOC,
};

/// The keys of a neutral input's `extra` map this API takes, copied into the body fields of the
/// same name.
pub const EXTRA_FIELDS: &[&str] = &["max_tokens_per_doc"];

/// The body of an InvokeModel call to Rerank 3.5.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "CohereRerankRequest")]
pub struct CohereRerankRequest {
    /// What the documents are ranked against; at least one non-whitespace character.
    #[schemars(regex(pattern = r"\S"))]
    pub query: String,
    /// The documents, 1 to 1000 of them.
    #[schemars(length(min = 1, max = RERANK_MAX_DOCUMENTS))]
    pub documents: Vec<String>,
    /// How many of the most relevant documents to return, `1..=1000` (default: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = RERANK_MAX_DOCUMENTS))]
    pub top_n: Option<u32>,
    /// The Rerank API version Bedrock serves: 2.
    #[schemars(range(min = 2, max = 2))]
    pub api_version: u32,
    /// The most tokens read of each document, `1..=4096` (default 4096).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = RERANK_MAX_TOKENS_PER_DOC))]
    pub max_tokens_per_doc: Option<u32>,
}

impl CohereRerankRequest {
    /// The validated body for a neutral rerank request.
    pub fn from_neutral(request: &RerankRequest) -> Result<Self> {
        check_extra_keys(&request.extra, EXTRA_FIELDS, RERANK_API)?;
        let body = CohereRerankRequest {
            query: request.query.clone(),
            documents: request.documents.clone(),
            top_n: request.top_n,
            api_version: RERANK_API_VERSION,
            max_tokens_per_doc: extra::option(
                &request.extra,
                "max_tokens_per_doc",
                "a whole number in 1..=4096",
            )?,
        };
        body.validate()
            .map_err(|e| extra::rename(e, &request.extra))?;
        Ok(body)
    }

    /// Checks every field; the error names the body field, the value and what is allowed.
    pub fn validate(&self) -> Result<()> {
        if self.query.trim().is_empty() {
            let query = format!("{:?}", self.query);
            return Err(Error::invalid("query", query, "a non-blank string"));
        }
        let n = self.documents.len();
        if !(1..=RERANK_MAX_DOCUMENTS as usize).contains(&n) {
            let allowed = format!("1..={RERANK_MAX_DOCUMENTS} documents");
            return Err(Error::invalid(
                "documents",
                format!("{n} documents"),
                allowed,
            ));
        }
        if let Some(top_n) = self
            .top_n
            .filter(|t| !(1..=RERANK_MAX_DOCUMENTS).contains(t))
        {
            let allowed = format!("1..={RERANK_MAX_DOCUMENTS}");
            return Err(Error::invalid("top_n", top_n, allowed));
        }
        if self.api_version != RERANK_API_VERSION {
            let allowed = format!("{RERANK_API_VERSION}");
            return Err(Error::invalid("api_version", self.api_version, allowed));
        }
        if let Some(m) = self
            .max_tokens_per_doc
            .filter(|m| !(1..=RERANK_MAX_TOKENS_PER_DOC).contains(m))
        {
            let allowed = format!("1..={RERANK_MAX_TOKENS_PER_DOC}");
            return Err(Error::invalid("max_tokens_per_doc", m, allowed));
        }
        Ok(())
    }
}

/// The body of a Rerank response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohereRerankResponse {
    /// The response's id.
    #[serde(default)]
    pub id: Option<String>,
    /// The documents, most relevant first.
    pub results: Vec<CohereRerankResult>,
}

/// One ranked document.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CohereRerankResult {
    /// Its index in the request's `documents`.
    pub index: usize,
    /// Its relevance to the query, `0.0..=1.0`.
    pub relevance_score: f64,
}

impl CohereRerankResponse {
    /// The neutral output, in the model's order (most relevant first).
    pub fn into_output(self) -> RerankOutput {
        RerankOutput {
            results: self
                .results
                .into_iter()
                .map(|r| RerankResult {
                    index: r.index,
                    relevance_score: r.relevance_score,
                })
                .collect(),
        }
    }
}
