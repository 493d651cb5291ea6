//! Converse, ConverseStream and CountTokens over the SDK's runtime client, with what InvokeModel
//! has: the backend's limit on calls in flight, the SDK's one retry loop (with the retry
//! classifier every runtime client carries), the response-size limit of the clients the backend
//! builds, the interceptor that counts attempts and reads the request id, and the same error
//! mapping, mid-stream exceptions included.
//!
//! Converse answers its token counts and latency in the body (`usage`, `metrics`), not in
//! Bedrock's `X-Amzn-Bedrock-*` headers as InvokeModel does, so the call's metadata takes them
//! from there; the request id and attempts come from the interceptor.

use std::time::Instant;

use aws_sdk_bedrockruntime::operation::RequestId as _;
use bedrock_core::converse::{
    ConverseCall, ConverseEventStream, ConverseReply, ConverseStreamReply, CountTokensCall,
    CountTokensResponse,
};
use bedrock_core::{Error, Result};

use crate::converse_convert::{self, SdkRequest, fill_converse};
use crate::{AwsBackend, errors, metadata};

impl AwsBackend {
    /// Converse (see [`bedrock_core::Backend::converse`]).
    pub(crate) async fn send_converse(&self, call: ConverseCall) -> Result<ConverseReply> {
        let ConverseCall {
            model_id,
            region,
            request,
            // The history layer's business, not Bedrock's.
            save_prompt: _,
            conversation_id: _,
        } = call;
        // Converted before a place is taken: a request the SDK cannot carry fails at once.
        let parts = SdkRequest::new(request)?;
        let _place = self.place().await;
        let recorder = metadata::CallRecorder::default();
        let started = Instant::now();
        let builder = self
            .clients(region)
            .runtime
            .converse()
            .model_id(model_id.as_str());
        let out = fill_converse!(builder, parts, converse_convert::guardrail)
            .customize()
            .interceptor(recorder.clone())
            .send()
            .await
            .map_err(|e| {
                self.explain(errors::map_sdk_error(e).with_attempts(recorder.attempts()))
            })?;
        let request_id = out.request_id().map(str::to_owned);
        let recorded = recorder.metadata(started.elapsed());
        let response = converse_convert::converse_response(out)
            .map_err(|e| with_request_id(e, recorded.request_id.as_deref()))?;
        let mut reply = ConverseReply::new(response);
        let m = &mut reply.metadata;
        m.request_id = recorded.request_id.or(request_id);
        m.attempts = recorded.attempts;
        // Bedrock answers cache counts in the body; a header, where one came, fills a gap.
        m.cache_read_input_tokens = m
            .cache_read_input_tokens
            .or(recorded.cache_read_input_tokens);
        m.cache_write_input_tokens = m
            .cache_write_input_tokens
            .or(recorded.cache_write_input_tokens);
        Ok(reply)
    }

    /// ConverseStream (see [`bedrock_core::Backend::converse_stream`]).
    pub(crate) async fn send_converse_stream(
        &self,
        call: ConverseCall,
    ) -> Result<ConverseStreamReply> {
        let ConverseCall {
            model_id,
            region,
            request,
            save_prompt: _,
            conversation_id: _,
        } = call;
        let parts = SdkRequest::new(request)?;
        // The place is held by the stream until it ends or is dropped.
        let place = self.place().await;
        let recorder = metadata::CallRecorder::default();
        let builder = self
            .clients(region)
            .runtime
            .converse_stream()
            .model_id(model_id.as_str());
        let output = fill_converse!(builder, parts, converse_convert::stream_guardrail)
            .customize()
            .interceptor(recorder.clone())
            .send()
            .await
            .map_err(|e| {
                self.explain(errors::map_sdk_error(e).with_attempts(recorder.attempts()))
            })?;
        // Errors inside the stream carry the request id of the response that opened it.
        let request_id = output.request_id().map(str::to_owned);
        let state = Some((output.stream, request_id.clone(), place));
        let events = futures::stream::unfold(state, |state| async move {
            let (mut rx, request_id, place) = state?;
            loop {
                match rx.recv().await {
                    Ok(Some(event)) => match converse_convert::stream_event(event) {
                        Ok(Some(event)) => {
                            return Some((Ok(event), Some((rx, request_id, place))));
                        }
                        // Event types newer than this SDK knows are skipped, as Bedrock intends.
                        Ok(None) => continue,
                        Err(e) => {
                            return Some((Err(with_request_id(e, request_id.as_deref())), None));
                        }
                    },
                    Ok(None) => return None,
                    Err(e) => {
                        let err = errors::map_stream_error_for(e, request_id.as_deref());
                        return Some((Err(err), None));
                    }
                }
            }
        });
        let events: ConverseEventStream = Box::pin(events);
        let mut reply = ConverseStreamReply::new(events);
        reply.request_id = request_id;
        Ok(reply)
    }

    /// CountTokens (see [`bedrock_core::Backend::count_tokens`]).
    pub(crate) async fn send_count_tokens(
        &self,
        call: CountTokensCall,
    ) -> Result<CountTokensResponse> {
        let CountTokensCall {
            model_id,
            region,
            request,
        } = call;
        let input = converse_convert::count_tokens_input(request)?;
        let _place = self.place().await;
        let recorder = metadata::CallRecorder::default();
        let out = self
            .clients(region)
            .runtime
            .count_tokens()
            .model_id(model_id.as_str())
            .input(input)
            .customize()
            .interceptor(recorder.clone())
            .send()
            .await
            .map_err(|e| {
                self.explain(errors::map_sdk_error(e).with_attempts(recorder.attempts()))
            })?;
        let input_tokens = u32::try_from(out.input_tokens).map_err(|_| {
            Error::decode(format!(
                "CountTokens response field `inputTokens` has {}; a count of 0 or more",
                out.input_tokens
            ))
        })?;
        Ok(CountTokensResponse { input_tokens })
    }
}

/// A decode error naming the request whose answer it could not read.
fn with_request_id(error: Error, request_id: Option<&str>) -> Error {
    match (error, request_id) {
        (Error::Decode { message, source }, Some(id)) => Error::Decode {
            message: format!("{message} (request id {id})"),
            source,
        },
        (other, _) => other,
    }
}

#[cfg(test)]
mod tests;
