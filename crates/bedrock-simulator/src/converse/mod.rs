//! Converse, ConverseStream and CountTokens in the simulator: the same model resolution,
//! access checks, faults and request log as InvokeModel, Bedrock's per-model feature support
//! ([`features`]), deterministic answers with tool use, reasoning and prompt caching
//! ([`answer`], [`prompt`]), and the stream events of an answer.

mod answer;
mod check;
mod features;
mod prompt;
mod schema_gen;
mod signature;

use std::pin::Pin;

use bedrock_core::converse::{
    ContentBlock, ContentBlockDelta, ContentBlockDeltaEvent, ContentBlockStart,
    ContentBlockStartEvent, ContentBlockStopEvent, ConversationRole, ConverseMetrics,
    ConverseOutput, ConverseRequest, ConverseResponse, ConverseStreamEvent, ConverseStreamMetadata,
    CountTokensInput, CountTokensRequest, CountTokensResponse, Message, MessageStartEvent,
    MessageStopEvent, ReasoningBlock, ReasoningContentDelta, TokenUsage, ToolEntry,
    ToolUseBlockDelta, ToolUseBlockStart,
};
use bedrock_core::{ModelId, ModelIdError, ModelIdKind, Region, Result};
use futures::Stream;
use serde_json::Value;

pub use check::{
    MAX_CACHE_POINTS, NO_CACHING, NO_CHAT, NO_DOCUMENTS, NO_IMAGES, NO_STREAMING_TOOLS, NO_SYSTEM,
    NO_TOOL_CACHING, NO_TOOLS, NOT_ALTERNATING, NOT_USER_FIRST, TOOL_CONFIG_REQUIRED,
    invalid_signature, no_tool_choice,
};
pub use prompt::CACHE_ENTRIES_PER_MODEL;
pub(crate) use prompt::ConverseState;

use crate::families::{self, Family};
use crate::fault::{Fault, Operation};
use crate::rejection::{self, Rejection};
use crate::simulator::{CallInfo, Plan, Simulator, wait};

/// Converse on a model that is not a text or chat model (embeddings, images, video, speech,
/// rerank). Bedrock's wording.
pub const NOT_CHAT_MODEL: &str = "This action doesn't support the model that you provided. Try \
     again with a supported text or chat model.";
/// CountTokens on a model (or an inference profile) it does not count for. Bedrock's wording.
pub const NO_COUNT_TOKENS: &str = "The provided model doesn't support counting tokens.";

/// Words per text delta of a simulated ConverseStream.
const WORDS_PER_DELTA: usize = 4;
/// Bytes per tool-input fragment of a simulated ConverseStream (cut on character boundaries).
const INPUT_FRAGMENT_BYTES: usize = 24;

/// One Converse or ConverseStream call, as the transport received it.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConverseRequest {
    /// The model identifier as received (percent-decoded): a bare id, a profile id or an ARN.
    pub model_id: String,
    /// The region the call went to.
    pub region: Region,
    /// The request body.
    pub request: ConverseRequest,
    /// The attempt number from `amz-sdk-request`, when the call came over HTTP.
    pub attempt: Option<u32>,
    /// The body's length in bytes, for the request log.
    pub body_len: usize,
}

impl SimConverseRequest {
    /// A call of `request` to `model_id` in `region`.
    pub fn new(model_id: impl Into<String>, region: Region, request: ConverseRequest) -> Self {
        SimConverseRequest {
            model_id: model_id.into(),
            region,
            request,
            attempt: None,
            body_len: 0,
        }
    }
}

/// A successful Converse answer.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConverseResponse {
    /// The response body.
    pub response: ConverseResponse,
    /// `x-amzn-RequestId`.
    pub request_id: String,
}

/// One item of a simulated ConverseStream.
#[derive(Debug, Clone, PartialEq)]
pub enum SimConverseEvent {
    /// An event, in the SDKs' tagged form.
    Event(ConverseStreamEvent),
    /// A scripted fault: the transport should drop the connection here, without an end.
    Truncate,
}

/// A simulated ConverseStream: events in order; a mid-stream exception is an `Err` item, after
/// which the stream ends.
pub type SimConverseStream = Pin<Box<dyn Stream<Item = Result<SimConverseEvent>> + Send>>;

/// A successful ConverseStream answer: the events and the request id.
pub struct SimConverseStreamResponse {
    /// The events.
    pub stream: SimConverseStream,
    /// `x-amzn-RequestId`.
    pub request_id: String,
}

impl std::fmt::Debug for SimConverseStreamResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimConverseStreamResponse")
            .field("request_id", &self.request_id)
            .finish_non_exhaustive()
    }
}

/// One CountTokens call.
#[derive(Debug, Clone, PartialEq)]
pub struct SimCountTokensRequest {
    /// The model identifier as received.
    pub model_id: String,
    /// The region the call went to.
    pub region: Region,
    /// What to count.
    pub request: CountTokensRequest,
    /// The attempt number, when known.
    pub attempt: Option<u32>,
    /// The body's length in bytes, for the request log.
    pub body_len: usize,
}

impl SimCountTokensRequest {
    /// A count of `request` for `model_id` in `region`.
    pub fn new(model_id: impl Into<String>, region: Region, request: CountTokensRequest) -> Self {
        SimCountTokensRequest {
            model_id: model_id.into(),
            region,
            request,
            attempt: None,
            body_len: 0,
        }
    }
}

fn call_info(
    operation: Operation,
    model_id: &str,
    region: Region,
    attempt: Option<u32>,
    body_len: usize,
) -> CallInfo<'_> {
    CallInfo {
        operation,
        model_id: Some(model_id),
        region,
        attempt,
        body_len,
    }
}

impl Simulator {
    /// Converse: Bedrock's checks, then the deterministic answer.
    pub async fn converse(&self, req: SimConverseRequest) -> Result<SimConverseResponse> {
        let (plan, response) = self.converse_call(&req, Operation::Converse).await?;
        Ok(SimConverseResponse {
            response,
            request_id: plan.request_id,
        })
    }

    /// ConverseStream: the same answer as [`Simulator::converse`] (for a model that streams
    /// tool use), as stream events; stream faults apply.
    pub async fn converse_stream(
        &self,
        req: SimConverseRequest,
    ) -> Result<SimConverseStreamResponse> {
        let (plan, response) = self.converse_call(&req, Operation::ConverseStream).await?;
        let mut items: Vec<Result<SimConverseEvent>> = stream_events(&response)
            .into_iter()
            .map(|e| Ok(SimConverseEvent::Event(e)))
            .collect();
        match plan.stream_fault {
            Some(Fault::TruncateStream { after_chunks }) => {
                items.truncate(after_chunks);
                items.push(Ok(SimConverseEvent::Truncate));
            }
            Some(Fault::StreamError { after_chunks, kind }) => {
                items.truncate(after_chunks);
                items.push(Err(kind.rejection().into_error(
                    &plan.request_id,
                    Some(&req.model_id),
                    Some(req.region),
                )));
            }
            _ => {}
        }
        Ok(SimConverseStreamResponse {
            stream: Box::pin(futures::stream::iter(items)),
            request_id: plan.request_id,
        })
    }

    async fn converse_call(
        &self,
        req: &SimConverseRequest,
        operation: Operation,
    ) -> Result<(Plan, ConverseResponse)> {
        let id = ModelId::new(req.model_id.as_str());
        let plan = self.begin(operation, Some((&req.model_id, &id)));
        wait(plan.delay).await;
        let info = call_info(
            operation,
            &req.model_id,
            req.region,
            req.attempt,
            req.body_len,
        );
        let answered = match plan.error.clone() {
            Some(r) => Err(r),
            None => self.answer_converse(req, &id, operation == Operation::ConverseStream),
        };
        match answered {
            Ok(response) => {
                self.log(&plan, &info, 200, None);
                Ok((plan, response))
            }
            Err(r) => Err(self.fail(&plan, &info, r)),
        }
    }

    fn answer_converse(
        &self,
        req: &SimConverseRequest,
        id: &std::result::Result<ModelId, ModelIdError>,
        streaming: bool,
    ) -> std::result::Result<ConverseResponse, Rejection> {
        let config = self.config();
        let model = crate::models::resolve_runtime(config, id, req.region)?;
        let features = features::features(model.model_id)
            .ok_or_else(|| Rejection::validation(NOT_CHAT_MODEL))?;
        if streaming && !model.response_streaming {
            return Err(Rejection::validation(rejection::UNSUPPORTED_FOR_STREAMING));
        }
        let request = &req.request;
        check::check(request, &features, streaming, config.seed)?;
        let answer = answer::answer(config.seed, model, &features, request);
        let tools: &[ToolEntry] = request
            .tool_config
            .as_ref()
            .map_or(&[], |t| t.tools.as_slice());
        let prompt = prompt::count(tools, &request.system, &request.messages);
        let cache = self
            .converse_state()
            .account(model.model_id, &prompt.checkpoints);
        let cached = !prompt.checkpoints.is_empty();
        let input_tokens = prompt.tokens.saturating_sub(cache.cached_prefix);
        let usage = TokenUsage {
            input_tokens,
            output_tokens: answer.output_tokens,
            total_tokens: prompt.tokens.saturating_add(answer.output_tokens),
            cache_read_input_tokens: cached.then_some(cache.read),
            cache_write_input_tokens: cached.then_some(cache.written),
        };
        let metrics = families::simulated_metrics(prompt.tokens, answer.output_tokens);
        let additional = response_fields(request, &answer);
        Ok(ConverseResponse {
            output: ConverseOutput::Message(Message {
                role: ConversationRole::Assistant,
                content: answer.content,
            }),
            stop_reason: answer.stop_reason,
            usage,
            metrics: ConverseMetrics {
                latency_ms: metrics.invocation_latency,
            },
            additional_model_response_fields: additional,
            trace: None,
            performance_config: request.performance_config,
            service_tier: request.service_tier,
        })
    }

    /// CountTokens: the input tokens a Converse request or an InvokeModel body would use, for
    /// the models that count them (by bare id or foundation-model ARN, as Bedrock counts).
    pub async fn count_tokens(&self, req: SimCountTokensRequest) -> Result<CountTokensResponse> {
        let operation = Operation::CountTokens;
        let id = ModelId::new(req.model_id.as_str());
        let plan = self.begin(operation, Some((&req.model_id, &id)));
        wait(plan.delay).await;
        let info = call_info(
            operation,
            &req.model_id,
            req.region,
            req.attempt,
            req.body_len,
        );
        let counted = match plan.error.clone() {
            Some(r) => Err(r),
            None => self.count(&req, &id),
        };
        match counted {
            Ok(input_tokens) => {
                self.log(&plan, &info, 200, None);
                Ok(CountTokensResponse { input_tokens })
            }
            Err(r) => Err(self.fail(&plan, &info, r)),
        }
    }

    fn count(
        &self,
        req: &SimCountTokensRequest,
        id: &std::result::Result<ModelId, ModelIdError>,
    ) -> std::result::Result<u32, Rejection> {
        let config = self.config();
        // CountTokens takes the foundation model itself: a bare id (even of a model served
        // on demand only through profiles) or its ARN; profiles are refused.
        let model = match id {
            Ok(parsed)
                if matches!(
                    parsed.kind(),
                    ModelIdKind::Bare | ModelIdKind::FoundationModelArn
                ) =>
            {
                match parsed
                    .base_model_id()
                    .and_then(bedrock_core::catalog::find_model)
                {
                    Some(model) => model,
                    None => crate::models::resolve_runtime(config, id, req.region)?,
                }
            }
            Ok(_) => return Err(Rejection::validation(NO_COUNT_TOKENS)),
            Err(_) => crate::models::resolve_runtime(config, id, req.region)?,
        };
        let counts = features::features(model.model_id).is_some_and(|f| f.count_tokens);
        if !counts {
            return Err(Rejection::validation(NO_COUNT_TOKENS));
        }
        match &req.request.input {
            CountTokensInput::Converse(c) => {
                if c.messages.is_empty() {
                    return Err(Rejection::validation(
                        "1 validation error detected: Value at 'input.converse.messages' failed \
                         to satisfy constraint: Member must have length greater than or equal to 1",
                    ));
                }
                Ok(prompt::count(&[], &c.system, &c.messages).tokens)
            }
            CountTokensInput::InvokeModel(body) => {
                let family = Family::of(model.model_id)
                    .ok_or_else(|| Rejection::validation(NO_COUNT_TOKENS))?;
                // The InvokeModel body is checked and counted exactly as InvokeModel would.
                let mut call = families::Call {
                    model,
                    seed: config.seed,
                    body: &Value::Null,
                    streaming: false,
                };
                if let Some(done) = families::invoke_plain(family, &call, &body.body) {
                    return Ok(done.input_tokens);
                }
                let parsed: Value = serde_json::from_slice(&body.body).map_err(|e| {
                    Rejection::malformed(&format!("#: the request body is not valid JSON ({e})"))
                })?;
                call.body = &parsed;
                Ok(families::invoke(family, &call)?.input_tokens)
            }
        }
    }
}

/// The model-specific response fields asked for with `additionalModelResponseFieldPaths`,
/// read from the model's native answer (`stop_reason`, `stop_sequence`).
fn response_fields(request: &ConverseRequest, answer: &answer::Answer) -> Option<Value> {
    if request.additional_model_response_field_paths.is_empty() {
        return None;
    }
    let native = serde_json::json!({
        "stop_reason": answer.stop_reason.as_str(),
        "stop_sequence": answer.stop_sequence,
    });
    let mut out = serde_json::Map::new();
    for path in &request.additional_model_response_field_paths {
        if let Some(value) = native.pointer(path) {
            let key = path.trim_start_matches('/').to_owned();
            out.insert(key, value.clone());
        }
    }
    Some(Value::Object(out))
}

/// A response as ConverseStream events: `messageStart`; per block its deltas (a tool use
/// opens with `contentBlockStart`; reasoning sends its text, then its signature) and
/// `contentBlockStop`; `messageStop`; `metadata`. The events accumulate back into the response.
pub fn stream_events(response: &ConverseResponse) -> Vec<ConverseStreamEvent> {
    let mut events = vec![ConverseStreamEvent::MessageStart(MessageStartEvent {
        role: ConversationRole::Assistant,
    })];
    for (i, block) in response.message().content.iter().enumerate() {
        let index = u32::try_from(i).unwrap_or(u32::MAX);
        let delta = |delta| {
            ConverseStreamEvent::ContentBlockDelta(ContentBlockDeltaEvent {
                delta,
                content_block_index: index,
            })
        };
        match block {
            ContentBlock::Text(text) => {
                events.extend(
                    crate::text::deltas(text, WORDS_PER_DELTA)
                        .into_iter()
                        .map(|piece| delta(ContentBlockDelta::Text(piece.to_owned()))),
                );
            }
            ContentBlock::ReasoningContent(ReasoningBlock::ReasoningText(r)) => {
                events.extend(
                    crate::text::deltas(&r.text, WORDS_PER_DELTA)
                        .into_iter()
                        .map(|piece| {
                            delta(ContentBlockDelta::ReasoningContent(
                                ReasoningContentDelta::Text(piece.to_owned()),
                            ))
                        }),
                );
                if let Some(signature) = &r.signature {
                    events.push(delta(ContentBlockDelta::ReasoningContent(
                        ReasoningContentDelta::Signature(signature.clone()),
                    )));
                }
            }
            ContentBlock::ReasoningContent(ReasoningBlock::RedactedContent(bytes)) => {
                events.push(delta(ContentBlockDelta::ReasoningContent(
                    ReasoningContentDelta::RedactedContent(bytes.clone()),
                )));
            }
            ContentBlock::ToolUse(tool) => {
                events.push(ConverseStreamEvent::ContentBlockStart(
                    ContentBlockStartEvent {
                        start: ContentBlockStart::ToolUse(ToolUseBlockStart {
                            tool_use_id: tool.tool_use_id.clone(),
                            name: tool.name.clone(),
                        }),
                        content_block_index: index,
                    },
                ));
                let input = tool.input.to_string();
                events.extend(
                    fragments(&input, INPUT_FRAGMENT_BYTES)
                        .into_iter()
                        .map(|f| {
                            delta(ContentBlockDelta::ToolUse(ToolUseBlockDelta {
                                input: f.to_owned(),
                            }))
                        }),
                );
            }
            // The simulated model writes no other block.
            _ => continue,
        }
        events.push(ConverseStreamEvent::ContentBlockStop(
            ContentBlockStopEvent {
                content_block_index: index,
            },
        ));
    }
    events.push(ConverseStreamEvent::MessageStop(MessageStopEvent {
        stop_reason: response.stop_reason,
        additional_model_response_fields: response.additional_model_response_fields.clone(),
    }));
    events.push(ConverseStreamEvent::Metadata(ConverseStreamMetadata {
        usage: response.usage,
        metrics: response.metrics,
        trace: response.trace.clone(),
        performance_config: response.performance_config,
        service_tier: response.service_tier,
    }));
    events
}

/// `text` in pieces of at most `max` bytes (more when one character is longer), cut on
/// character boundaries.
fn fragments(text: &str, max: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        if i > start && i.saturating_sub(start).saturating_add(c.len_utf8()) > max {
            out.extend(text.get(start..i));
            start = i;
        }
        end = i.saturating_add(c.len_utf8());
    }
    if end > start {
        out.extend(text.get(start..end));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_concatenate_and_respect_characters() {
        let text = r#"{"city":"Zürich","days":3}"#;
        let parts = fragments(text, 5);
        assert_eq!(parts.concat(), text);
        assert!(parts.iter().all(|p| p.len() <= 5));
        assert!(fragments("", 5).is_empty());
    }
}
