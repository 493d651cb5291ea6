//! Converse and CountTokens through the backend over mocked SDK clients: metadata, retries,
//! error kinds, decode errors and the response-size limit.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::{Response, StatusCode};
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::retry::RetryConfig;
use bedrock_core::converse::{
    ContentBlock, ConverseCall, ConverseRequest, ConverseStopReason, CountTokensCall,
    CountTokensInput, CountTokensRequest, InvokeModelTokensRequest,
};
use bedrock_core::{Backend as _, CallMetadata, ErrorKind, ModelId, Region};

use crate::{AwsBackend, AwsBackendConfig, ResponseTooLarge};

fn response(status: u16, body: &str, headers: &[(&'static str, &'static str)]) -> Response {
    let mut resp = Response::new(
        StatusCode::try_from(status).expect("status"),
        SdkBody::from(body.to_owned()),
    );
    for (k, v) in headers {
        resp.headers_mut().insert(*k, *v);
    }
    resp
}

const ANSWER: &str = r#"{
    "output": {"message": {"role": "assistant", "content": [
        {"reasoningContent": {"reasoningText": {"text": "short", "signature": "c2ln"}}},
        {"text": "Hello there."}
    ]}},
    "stopReason": "end_turn",
    "usage": {"inputTokens": 5, "outputTokens": 3, "totalTokens": 38,
              "cacheReadInputTokens": 20, "cacheWriteInputTokens": 10},
    "metrics": {"latencyMs": 123}
}"#;

fn ok() -> Response {
    response(
        200,
        ANSWER,
        &[
            ("content-type", "application/json"),
            ("x-amzn-requestid", "req-ok"),
        ],
    )
}

fn throttled() -> Response {
    response(
        429,
        r#"{"message":"Too many requests, please wait before trying again."}"#,
        &[
            ("x-amzn-errortype", "ThrottlingException"),
            ("x-amzn-requestid", "req-throttled"),
        ],
    )
}

fn backend_over(rule: &aws_smithy_mocks::Rule) -> AwsBackend {
    let runtime = mock_client!(aws_sdk_bedrockruntime, RuleMode::Sequential, [rule], |c| c
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(1))
        ));
    let control = mock_client!(aws_sdk_bedrock, [] as [&aws_smithy_mocks::Rule; 0]);
    AwsBackend::new(AwsBackendConfig::default()).with_clients(Region::UsEast1, control, runtime)
}

fn call() -> ConverseCall {
    ConverseCall::new(
        ModelId::new("anthropic.claude-3-7-sonnet-20250219-v1:0").expect("model id"),
        Region::UsEast1,
        ConverseRequest::new("Hello?").with_system("Be brief."),
    )
}

#[tokio::test]
async fn a_reply_has_the_body_and_metadata_from_body_and_interceptor() {
    let rule = mock!(aws_sdk_bedrockruntime::Client::converse)
        .sequence()
        .http_response(throttled)
        .times(2)
        .http_response(ok)
        .build();
    let reply = backend_over(&rule)
        .converse(call())
        .await
        .expect("the third attempt answers");
    assert_eq!(rule.num_calls(), 3);
    assert_eq!(reply.response.text(), "Hello there.");
    assert_eq!(reply.response.stop_reason, ConverseStopReason::EndTurn);
    assert!(matches!(
        &reply.response.message().content[0],
        ContentBlock::ReasoningContent(_)
    ));
    assert_eq!(
        reply.metadata,
        CallMetadata {
            request_id: Some("req-ok".to_owned()),
            latency: Duration::from_millis(123),
            input_tokens: Some(5),
            output_tokens: Some(3),
            cache_read_input_tokens: Some(20),
            cache_write_input_tokens: Some(10),
            attempts: Some(3),
        }
    );
    assert_eq!((reply.prompt_id, reply.history_error), (None, None));
}

#[tokio::test]
async fn service_errors_keep_their_kind_message_request_id_and_attempts() {
    let rule = mock!(aws_sdk_bedrockruntime::Client::converse)
        .sequence()
        .http_response(|| {
            response(
                400,
                r#"{"message":"This model doesn't support tool use."}"#,
                &[
                    (
                        "x-amzn-errortype",
                        "ValidationException:http://internal.amazon.com/",
                    ),
                    ("x-amzn-requestid", "req-bad"),
                ],
            )
        })
        .repeatedly()
        .build();
    let err = backend_over(&rule)
        .converse(call())
        .await
        .expect_err("validation fails");
    assert_eq!(err.kind(), ErrorKind::Validation, "{err}");
    assert_eq!(
        err.service_message(),
        Some("This model doesn't support tool use.")
    );
    assert_eq!(err.request_id(), Some("req-bad"));
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(rule.num_calls(), 1, "not retried");

    let rule = mock!(aws_sdk_bedrockruntime::Client::converse)
        .sequence()
        .http_response(throttled)
        .repeatedly()
        .build();
    let err = backend_over(&rule)
        .converse(call())
        .await
        .expect_err("always throttled");
    assert_eq!(err.kind(), ErrorKind::Throttling);
    assert!(err.is_retryable());
    assert_eq!(err.attempts(), Some(3));
}

#[tokio::test]
async fn a_model_timeout_is_retried_for_converse_and_count_tokens() {
    let timeout = || {
        response(
            408,
            r#"{"message":"Model has timed out in processing the request."}"#,
            &[("x-amzn-errortype", "ModelTimeoutException")],
        )
    };
    let rule = mock!(aws_sdk_bedrockruntime::Client::converse)
        .sequence()
        .http_response(timeout)
        .http_response(ok)
        .build();
    let reply = backend_over(&rule).converse(call()).await.expect("retried");
    assert_eq!(reply.metadata.attempts, Some(2));

    let rule = mock!(aws_sdk_bedrockruntime::Client::count_tokens)
        .sequence()
        .http_response(timeout)
        .http_response(|| response(200, r#"{"inputTokens": 12}"#, &[]))
        .build();
    let counted = backend_over(&rule)
        .count_tokens(count_call())
        .await
        .expect("retried");
    assert_eq!(counted.input_tokens, 12);
    assert_eq!(rule.num_calls(), 2);
}

fn count_call() -> CountTokensCall {
    CountTokensCall {
        model_id: ModelId::new("anthropic.claude-3-5-haiku-20241022-v1:0").expect("id"),
        region: Region::UsEast1,
        request: CountTokensRequest {
            input: CountTokensInput::InvokeModel(InvokeModelTokensRequest {
                body: br#"{"messages":[]}"#.to_vec(),
            }),
        },
    }
}

#[tokio::test]
async fn a_negative_token_count_is_a_decode_error() {
    let rule = mock!(aws_sdk_bedrockruntime::Client::count_tokens)
        .then_http_response(|| response(200, r#"{"inputTokens": -4}"#, &[]));
    let err = backend_over(&rule)
        .count_tokens(count_call())
        .await
        .expect_err("negative");
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert!(err.to_string().contains("`inputTokens` has -4"), "{err}");
}

#[tokio::test]
async fn an_unknown_block_or_stop_reason_is_a_decode_error_naming_it_and_the_request() {
    let rule = mock!(aws_sdk_bedrockruntime::Client::converse).then_http_response(|| {
        response(
            200,
            r#"{"output":{"message":{"role":"assistant","content":[{"text":"a"},
                {"hologram":{"frames":3}}]}},"stopReason":"end_turn",
                "usage":{"inputTokens":1,"outputTokens":1,"totalTokens":2},
                "metrics":{"latencyMs":1}}"#,
            &[("x-amzn-requestid", "req-new")],
        )
    });
    let err = backend_over(&rule)
        .converse(call())
        .await
        .expect_err("a block this SDK does not know");
    assert_eq!(err.kind(), ErrorKind::Decode);
    let message = err.to_string();
    assert!(
        message.contains("field `output.message.content[1]` has an unknown block")
            && message.contains("req-new"),
        "{message}"
    );

    let rule = mock!(aws_sdk_bedrockruntime::Client::converse).then_http_response(|| {
        response(
            200,
            &ANSWER.replace("end_turn", "a_reason_from_the_future"),
            &[],
        )
    });
    let err = backend_over(&rule)
        .converse(call())
        .await
        .expect_err("a stop reason the core does not have");
    assert!(
        err.to_string()
            .contains("field `stopReason` has `a_reason_from_the_future`"),
        "{err}"
    );
}

#[tokio::test]
async fn a_request_the_sdk_cannot_carry_never_leaves() {
    let rule = mock!(aws_sdk_bedrockruntime::Client::converse).then_http_response(ok);
    let mut call = call();
    call.request = call.request.with_max_tokens(u32::MAX);
    let err = backend_over(&rule)
        .converse(call)
        .await
        .expect_err("too large for the SDK");
    assert_eq!(err.field(), Some("inferenceConfig.maxTokens"));
    assert_eq!(rule.num_calls(), 0);
}

/// An HTTP client answering every request with `body` and counting requests.
#[derive(Debug, Clone)]
struct Fixed {
    body: String,
    requests: Arc<AtomicUsize>,
}

impl HttpConnector for Fixed {
    fn call(&self, _request: HttpRequest) -> HttpConnectorFuture {
        self.requests.fetch_add(1, Ordering::SeqCst);
        HttpConnectorFuture::ready(Ok(response(
            200,
            &self.body,
            &[("content-type", "application/json")],
        )))
    }
}

impl HttpClient for Fixed {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

#[tokio::test]
async fn the_response_size_limit_applies_to_converse() {
    // The answer with a long text: larger than 1 KiB.
    let long = ANSWER.replace("Hello there.", &"x".repeat(4096));
    let fixed = Fixed {
        body: long,
        requests: Arc::default(),
    };
    let backend = |limit| {
        AwsBackend::new(AwsBackendConfig {
            endpoint_url: Some("http://127.0.0.1:9".to_owned()),
            credentials: Some(SharedCredentialsProvider::new(
                aws_credential_types::Credentials::new("AKID", "SECRET", None, None, "test"),
            )),
            http_client: Some(SharedHttpClient::new(fixed.clone())),
            max_response_bytes: limit,
            ..AwsBackendConfig::default()
        })
    };
    let err = backend(Some(1024))
        .converse(call())
        .await
        .expect_err("over the limit");
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    let too_large = std::iter::successors(Some(&err as &(dyn std::error::Error + 'static)), |e| {
        e.source()
    })
    .find_map(|e| e.downcast_ref::<ResponseTooLarge>());
    assert!(too_large.is_some(), "{err}");
    assert_eq!(fixed.requests.load(Ordering::SeqCst), 1, "not retried");

    let reply = backend(Some(64 * 1024))
        .converse(call())
        .await
        .expect("within the limit");
    assert_eq!(reply.response.text().len(), 4096);
}

/// One event-stream frame: an event of `event_type`, or an exception of that type.
fn frame(message_type: &str, kind: &str, payload: &str) -> Vec<u8> {
    use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
    let type_header = if message_type == "event" {
        ":event-type"
    } else {
        ":exception-type"
    };
    let message = Message::new_from_parts(
        vec![
            Header::new(
                ":message-type",
                HeaderValue::String(message_type.to_owned().into()),
            ),
            Header::new(type_header, HeaderValue::String(kind.to_owned().into())),
            Header::new(
                ":content-type",
                HeaderValue::String("application/json".to_owned().into()),
            ),
        ],
        payload.as_bytes().to_vec(),
    );
    let mut out = Vec::new();
    aws_smithy_eventstream::frame::write_message_to(&message, &mut out).expect("a frame");
    out
}

/// An HTTP client answering every request with an event stream of these frames.
#[derive(Debug, Clone)]
struct Streamed {
    frames: Vec<u8>,
}

impl HttpConnector for Streamed {
    fn call(&self, _request: HttpRequest) -> HttpConnectorFuture {
        let mut answer = Response::new(
            StatusCode::try_from(200).expect("status"),
            SdkBody::from(self.frames.clone()),
        );
        answer
            .headers_mut()
            .insert("content-type", "application/vnd.amazon.eventstream");
        answer
            .headers_mut()
            .insert("x-amzn-requestid", "req-stream");
        HttpConnectorFuture::ready(Ok(answer))
    }
}

impl HttpClient for Streamed {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

fn streamed_backend(frames: Vec<Vec<u8>>, max_concurrent_calls: Option<usize>) -> AwsBackend {
    AwsBackend::new(AwsBackendConfig {
        endpoint_url: Some("http://127.0.0.1:9".to_owned()),
        credentials: Some(SharedCredentialsProvider::new(
            aws_credential_types::Credentials::new("AKID", "SECRET", None, None, "test"),
        )),
        http_client: Some(SharedHttpClient::new(Streamed {
            frames: frames.concat(),
        })),
        max_concurrent_calls,
        ..AwsBackendConfig::default()
    })
}

#[tokio::test]
async fn a_stream_converts_its_events_skips_unknown_ones_and_holds_its_place_until_done() {
    use bedrock_core::converse::{ConverseAccumulator, ConverseStreamEvent};
    use futures::StreamExt as _;

    let backend = streamed_backend(
        vec![
            frame("event", "messageStart", r#"{"role":"assistant"}"#),
            frame(
                "event",
                "contentBlockDelta",
                r#"{"delta":{"reasoningContent":{"text":"hmm"}},"contentBlockIndex":0}"#,
            ),
            frame(
                "event",
                "contentBlockDelta",
                r#"{"delta":{"reasoningContent":{"signature":"c2ln"}},"contentBlockIndex":0}"#,
            ),
            frame("event", "contentBlockStop", r#"{"contentBlockIndex":0}"#),
            frame("event", "eventFromTheFuture", r#"{"x":1}"#),
            frame(
                "event",
                "contentBlockDelta",
                r#"{"delta":{"text":"Hi"},"contentBlockIndex":1}"#,
            ),
            frame("event", "contentBlockStop", r#"{"contentBlockIndex":1}"#),
            frame("event", "messageStop", r#"{"stopReason":"end_turn"}"#),
            frame(
                "event",
                "metadata",
                r#"{"usage":{"inputTokens":4,"outputTokens":2,"totalTokens":6,
                    "cacheReadInputTokens":0},"metrics":{"latencyMs":9}}"#,
            ),
        ],
        Some(1),
    );
    let permits = || {
        backend
            .in_flight
            .as_ref()
            .expect("a limit")
            .available_permits()
    };
    let reply = backend
        .converse_stream(call())
        .await
        .expect("the stream opens");
    assert_eq!(reply.request_id.as_deref(), Some("req-stream"));
    assert_eq!(permits(), 0, "the open stream holds the one place");
    let events: Vec<_> = reply.events.collect().await;
    assert_eq!(permits(), 1, "the ended stream gave its place back");
    let events: Vec<ConverseStreamEvent> = events
        .into_iter()
        .collect::<bedrock_core::Result<_>>()
        .expect("no errors");
    assert_eq!(
        events.len(),
        8,
        "the unknown event was skipped: {events:#?}"
    );
    let mut acc = ConverseAccumulator::default();
    for e in events {
        acc.push(&e).expect("in order");
    }
    let response = acc.finish().expect("a whole response");
    assert_eq!(response.text(), "Hi");
    assert_eq!(response.usage.total_tokens, 6);
}

#[tokio::test]
async fn a_mid_stream_exception_is_a_typed_error_with_the_request_id_and_ends_the_stream() {
    use futures::StreamExt as _;
    for (exception, kind) in [
        ("throttlingException", ErrorKind::Throttling),
        ("modelStreamErrorException", ErrorKind::ModelError),
        ("validationException", ErrorKind::Validation),
        ("internalServerException", ErrorKind::Internal),
        ("serviceUnavailableException", ErrorKind::ServiceUnavailable),
    ] {
        let backend = streamed_backend(
            vec![
                frame("event", "messageStart", r#"{"role":"assistant"}"#),
                frame("exception", exception, r#"{"message":"it broke"}"#),
                frame("event", "messageStop", r#"{"stopReason":"end_turn"}"#),
            ],
            None,
        );
        let reply = backend.converse_stream(call()).await.expect("opens");
        let items: Vec<_> = reply.events.collect().await;
        assert_eq!(items.len(), 2, "{exception}: the stream ends at the error");
        assert!(items[0].is_ok());
        let err = items[1].as_ref().expect_err("an error");
        assert_eq!(err.kind(), kind, "{exception}: {err}");
        assert_eq!(err.service_message(), Some("it broke"));
        assert_eq!(err.request_id(), Some("req-stream"));
    }
}
