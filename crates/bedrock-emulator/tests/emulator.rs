//! The emulator over real HTTP: routing, SigV4, Bedrock's headers and errors, streaming frames,
//! control endpoints and shutdown.

mod common;

use std::time::{Duration, SystemTime};

use bedrock_emulator::{
    Credentials, Emulator, EmulatorConfig, EmulatorHandle, Fault, FaultRule, Operation, Simulator,
    SimulatorConfig, StreamErrorKind,
};
use common::{Signer, chunk_json, control, encode_id, frame_header, plain, send};

const HAIKU: &str = "anthropic.claude-3-haiku-20240307-v1:0";
const EMBED: &str = "amazon.titan-embed-text-v2:0";
const CHAT: &str = r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":40,"messages":[{"role":"user","content":"Name three rivers."}]}"#;

async fn start() -> EmulatorHandle {
    Emulator::builder().start().await.expect("emulator starts")
}

fn invoke_path(model: &str) -> String {
    format!("/model/{}/invoke", encode_id(model))
}

#[tokio::test]
async fn signed_invoke_answers_with_bedrock_headers() {
    let emu = start().await;
    let signer = Signer::example();
    let reply = send(
        emu.addr(),
        signer.request(
            "POST",
            emu.addr(),
            &invoke_path(HAIKU),
            Some("application/json"),
            CHAT,
        ),
    )
    .await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let input: u32 = reply
        .header("x-amzn-bedrock-input-token-count")
        .unwrap()
        .parse()
        .unwrap();
    let output: u32 = reply
        .header("x-amzn-bedrock-output-token-count")
        .unwrap()
        .parse()
        .unwrap();
    assert!(input > 0 && (1..=40).contains(&output), "{input} {output}");
    assert!(
        reply
            .header("x-amzn-bedrock-invocation-latency")
            .unwrap()
            .parse::<u64>()
            .is_ok()
    );
    let request_id = reply.header("x-amzn-requestid").unwrap().to_owned();
    let body = reply.json();
    assert_eq!(body["type"], "message");
    assert_eq!(body["usage"]["output_tokens"], output);

    // The HTTP body is the simulator's body, byte for byte.
    let direct = Simulator::new(SimulatorConfig::default())
        .invoke(bedrock_simulator::SimRequest::invoke(
            HAIKU,
            bedrock_core::Region::UsEast1,
            CHAT,
        ))
        .await
        .unwrap();
    assert_eq!(reply.body, direct.body);

    let log = emu.simulator().request_log();
    assert_eq!(log.last().unwrap().request_id, request_id);
    emu.shutdown().await.unwrap();
}

#[tokio::test]
async fn embeddings_send_no_output_token_count() {
    let emu = start().await;
    let reply = send(
        emu.addr(),
        Signer::example().request(
            "POST",
            emu.addr(),
            &invoke_path(EMBED),
            Some("application/json"),
            r#"{"inputText":"hello","dimensions":256}"#,
        ),
    )
    .await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert!(reply.header("x-amzn-bedrock-input-token-count").is_some());
    assert_eq!(reply.header("x-amzn-bedrock-output-token-count"), None);
    assert_eq!(reply.json()["embedding"].as_array().unwrap().len(), 256);
}

#[tokio::test]
async fn profile_ids_and_arns_route_through_encoded_segments() {
    let emu = start().await;
    let signer = Signer::example().region("eu-west-1");
    for id in [
        format!("arn:aws:bedrock:eu-west-1::foundation-model/{HAIKU}"),
        format!("eu.{HAIKU}"),
        format!("arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.{HAIKU}"),
    ] {
        let reply = send(
            emu.addr(),
            signer.request(
                "POST",
                emu.addr(),
                &invoke_path(&id),
                Some("application/json"),
                CHAT,
            ),
        )
        .await;
        assert_eq!(
            reply.status,
            200,
            "{id}: {}",
            String::from_utf8_lossy(&reply.body)
        );
        let logged = emu.simulator().request_log().pop().unwrap();
        assert_eq!(logged.model_id.as_deref(), Some(id.as_str()));
        assert_eq!(logged.region.as_str(), "eu-west-1");
    }
    assert_eq!(emu.simulator().attempts_for(HAIKU), 3);
}

#[tokio::test]
async fn list_and_get_foundation_models() {
    let emu = start().await;
    let signer = Signer::example().region("us-west-2");
    let reply = send(
        emu.addr(),
        signer.request("GET", emu.addr(), "/foundation-models", None, ""),
    )
    .await;
    assert_eq!(reply.status, 200);
    let models = reply.json()["modelSummaries"].as_array().unwrap().clone();
    assert!(!models.is_empty());
    for m in &models {
        for key in [
            "modelArn",
            "modelId",
            "modelName",
            "providerName",
            "inputModalities",
            "outputModalities",
            "responseStreamingSupported",
            "customizationsSupported",
            "inferenceTypesSupported",
        ] {
            assert!(!m[key].is_null(), "{key} missing in {m}");
        }
        assert!(
            m["modelArn"]
                .as_str()
                .unwrap()
                .starts_with("arn:aws:bedrock:us-west-2::foundation-model/")
        );
        assert!(matches!(
            m["modelLifecycle"]["status"].as_str(),
            Some("ACTIVE" | "LEGACY")
        ));
    }

    let reply = send(
        emu.addr(),
        signer.request(
            "GET",
            emu.addr(),
            "/foundation-models?byOutputModality=EMBEDDING&byProvider=amazon",
            None,
            "",
        ),
    )
    .await;
    let embedders = reply.json()["modelSummaries"].as_array().unwrap().clone();
    assert!(!embedders.is_empty() && embedders.len() < models.len());
    for m in &embedders {
        assert!(
            m["outputModalities"]
                .as_array()
                .unwrap()
                .contains(&"EMBEDDING".into()),
            "{m}"
        );
        assert_eq!(
            m["providerName"].as_str().unwrap().to_ascii_lowercase(),
            "amazon"
        );
    }

    let reply = send(
        emu.addr(),
        signer.request(
            "GET",
            emu.addr(),
            "/foundation-models?byInferenceType=SOMETIMES",
            None,
            "",
        ),
    )
    .await;
    assert_eq!(
        (reply.status, reply.error_type()),
        (400, Some("ValidationException"))
    );
    assert!(
        reply.json()["message"]
            .as_str()
            .unwrap()
            .contains("ON_DEMAND")
    );

    let signer = Signer::example();
    for id in [
        HAIKU.to_owned(),
        format!("arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}"),
    ] {
        let path = format!("/foundation-models/{}", encode_id(&id));
        let reply = send(
            emu.addr(),
            signer.request("GET", emu.addr(), &path, None, ""),
        )
        .await;
        assert_eq!(
            reply.status,
            200,
            "{id}: {}",
            String::from_utf8_lossy(&reply.body)
        );
        let details = &reply.json()["modelDetails"];
        assert_eq!(details["modelId"], HAIKU);
        assert_eq!(
            details["modelArn"],
            format!("arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}")
        );
    }
    let reply = send(
        emu.addr(),
        signer.request(
            "GET",
            emu.addr(),
            "/foundation-models/acme.nothing-v1",
            None,
            "",
        ),
    )
    .await;
    assert_eq!(
        (reply.status, reply.error_type()),
        (404, Some("ResourceNotFoundException"))
    );
}

#[tokio::test]
async fn sigv4_failures_answer_403_with_bedrock_errors() {
    let emu = start().await;
    let path = invoke_path(HAIKU);

    let unknown = Signer {
        access_key_id: "AKIDUNKNOWN".into(),
        ..Signer::example()
    };
    let reply = send(
        emu.addr(),
        unknown.request("POST", emu.addr(), &path, Some("application/json"), CHAT),
    )
    .await;
    assert_eq!(
        (reply.status, reply.error_type()),
        (403, Some("UnrecognizedClientException"))
    );
    assert_eq!(
        reply.json()["message"],
        "The security token included in the request is invalid."
    );
    assert_eq!(
        reply.header("x-amzn-errortype"),
        Some("UnrecognizedClientException:http://internal.amazon.com/coral/com.amazon.bedrock/")
    );
    assert!(reply.header("x-amzn-requestid").is_some());

    let wrong_secret = Signer {
        secret: "not-the-secret".into(),
        ..Signer::example()
    };
    let reply = send(
        emu.addr(),
        wrong_secret.request("POST", emu.addr(), &path, Some("application/json"), CHAT),
    )
    .await;
    assert_eq!(
        (reply.status, reply.error_type()),
        (403, Some("InvalidSignatureException"))
    );
    assert!(
        reply.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("The request signature we calculated does not match")
    );

    // A body changed after signing breaks the payload hash.
    let mut tampered =
        Signer::example().request("POST", emu.addr(), &path, Some("application/json"), CHAT);
    let changed = CHAT.replace("three", "seven");
    *tampered.body_mut() = http_body_util::Full::new(bytes::Bytes::from(changed));
    let reply = send(emu.addr(), tampered).await;
    assert_eq!(reply.error_type(), Some("InvalidSignatureException"));

    let reply = send(
        emu.addr(),
        plain("POST", emu.addr(), &path, Some("application/json"), CHAT),
    )
    .await;
    assert_eq!(
        (reply.status, reply.error_type()),
        (403, Some("MissingAuthenticationTokenException"))
    );
    assert!(
        emu.simulator().request_log().is_empty(),
        "refused calls never reach the simulator"
    );
}

#[tokio::test]
async fn session_tokens_and_expiry() {
    let session = Credentials::new("ASIAEXAMPLE", "session-secret").with_session_token("token-1");
    let emu = Emulator::builder()
        .credentials(session.clone())
        .start()
        .await
        .unwrap();
    let signer = Signer {
        access_key_id: "ASIAEXAMPLE".into(),
        secret: "session-secret".into(),
        session_token: Some("token-1".into()),
        region: "us-east-1".into(),
    };
    let reply = send(
        emu.addr(),
        signer.request("GET", emu.addr(), "/foundation-models", None, ""),
    )
    .await;
    assert_eq!(reply.status, 200);
    let no_token = Signer {
        session_token: None,
        ..signer.clone()
    };
    let reply = send(
        emu.addr(),
        no_token.request("GET", emu.addr(), "/foundation-models", None, ""),
    )
    .await;
    assert_eq!(
        (reply.status, reply.error_type()),
        (403, Some("UnrecognizedClientException"))
    );
    // The example pair is not accepted once other credentials are configured.
    let reply = send(
        emu.addr(),
        Signer::example().request("GET", emu.addr(), "/foundation-models", None, ""),
    )
    .await;
    assert_eq!(reply.error_type(), Some("UnrecognizedClientException"));
    emu.shutdown().await.unwrap();

    let expired = session.with_expiry(SystemTime::now() - Duration::from_secs(60));
    let emu = Emulator::builder()
        .credentials(expired)
        .start()
        .await
        .unwrap();
    let reply = send(
        emu.addr(),
        signer.request("GET", emu.addr(), "/foundation-models", None, ""),
    )
    .await;
    assert_eq!(
        (reply.status, reply.error_type()),
        (403, Some("ExpiredTokenException"))
    );
    assert_eq!(
        reply.json()["message"],
        "The security token included in the request is expired"
    );
}

#[tokio::test]
async fn no_auth_serves_unsigned_requests_in_the_default_region() {
    let emu = Emulator::builder().no_auth(true).start().await.unwrap();
    let reply = send(
        emu.addr(),
        plain(
            "POST",
            emu.addr(),
            &invoke_path(HAIKU),
            Some("application/json"),
            CHAT,
        ),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        emu.simulator().request_log()[0].region.as_str(),
        "us-east-1"
    );
}

#[tokio::test]
async fn bad_input_answers_400_validation_exception() {
    let config = EmulatorConfig {
        simulator: SimulatorConfig {
            max_body_bytes: 1000,
            ..SimulatorConfig::default()
        },
        ..EmulatorConfig::default()
    };
    let emu = Emulator::builder().config(config).start().await.unwrap();
    let signer = Signer::example();
    let path = invoke_path(HAIKU);

    let reply = send(
        emu.addr(),
        signer.request(
            "POST",
            emu.addr(),
            &path,
            Some("application/json"),
            "{not json",
        ),
    )
    .await;
    assert_eq!(
        (reply.status, reply.error_type()),
        (400, Some("ValidationException"))
    );
    assert!(
        reply.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("Malformed input request"),
        "{}",
        reply.json()
    );

    let reply = send(
        emu.addr(),
        signer.request("POST", emu.addr(), &path, Some("text/plain"), CHAT),
    )
    .await;
    assert_eq!(
        (reply.status, reply.error_type()),
        (400, Some("ValidationException"))
    );
    assert!(
        reply.json()["message"]
            .as_str()
            .unwrap()
            .contains("text/plain")
    );

    let extra = CHAT.replacen('{', r#"{"top_n":3,"#, 1);
    let reply = send(
        emu.addr(),
        signer.request("POST", emu.addr(), &path, Some("application/json"), extra),
    )
    .await;
    assert_eq!(
        (reply.status, reply.error_type()),
        (400, Some("ValidationException"))
    );
    assert!(
        reply.json()["message"].as_str().unwrap().contains("top_n"),
        "{}",
        reply.json()
    );

    // Past the limit: refused before authentication, and the client receives the answer.
    let big = format!(r#"{{"prompt":"{}"}}"#, "x".repeat(2000));
    let reply = send(
        emu.addr(),
        plain("POST", emu.addr(), &path, Some("application/json"), big),
    )
    .await;
    assert_eq!(
        (reply.status, reply.error_type()),
        (400, Some("ValidationException"))
    );
    assert!(
        reply.json()["message"]
            .as_str()
            .unwrap()
            .contains("less than or equal to 1000")
    );

    let reply = send(
        emu.addr(),
        signer.request(
            "POST",
            emu.addr(),
            "/model/acme.nothing-v1/invoke",
            Some("application/json"),
            CHAT,
        ),
    )
    .await;
    assert!(matches!(reply.status, 400 | 404), "{}", reply.status);
    assert!(reply.json()["message"].is_string());
}

#[tokio::test]
async fn default_limit_refuses_a_25_megabyte_body() {
    let emu = start().await;
    let body = vec![b'x'; 25_000_001];
    let reply = send(
        emu.addr(),
        plain(
            "POST",
            emu.addr(),
            &invoke_path(HAIKU),
            Some("application/json"),
            body,
        ),
    )
    .await;
    assert_eq!(
        (reply.status, reply.error_type()),
        (400, Some("ValidationException"))
    );
    assert!(
        reply.json()["message"]
            .as_str()
            .unwrap()
            .contains("25000000")
    );
}

#[tokio::test]
async fn unknown_routes_and_methods() {
    let emu = start().await;
    let signer = Signer::example();
    let reply = send(
        emu.addr(),
        signer.request("GET", emu.addr(), "/no/such/thing", None, ""),
    )
    .await;
    assert_eq!(
        (reply.status, reply.error_type()),
        (404, Some("UnknownOperationException"))
    );
    assert!(reply.json()["message"].is_string());
    let reply = send(
        emu.addr(),
        signer.request("GET", emu.addr(), &invoke_path(HAIKU), None, ""),
    )
    .await;
    assert_eq!((reply.status, reply.header("allow")), (405, Some("POST")));
    let reply = send(
        emu.addr(),
        signer.request(
            "POST",
            emu.addr(),
            "/guardrail/g1/version/1/apply",
            Some("application/json"),
            "{}",
        ),
    )
    .await;
    assert_eq!(reply.status, 404);
    assert!(
        reply.json()["message"]
            .as_str()
            .unwrap()
            .contains("ApplyGuardrail")
    );
    // Converse is served: an empty body is Bedrock's 400, not an unknown operation.
    let reply = send(
        emu.addr(),
        signer.request(
            "POST",
            emu.addr(),
            &format!("/model/{}/converse", encode_id(HAIKU)),
            Some("application/json"),
            "{}",
        ),
    )
    .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error_type(), Some("ValidationException"));
}

#[tokio::test]
async fn streaming_decodes_into_chunk_events() {
    let emu = start().await;
    let path = format!("/model/{}/invoke-with-response-stream", encode_id(HAIKU));
    let reply = send(
        emu.addr(),
        Signer::example().request("POST", emu.addr(), &path, Some("application/json"), CHAT),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type"),
        Some("application/vnd.amazon.eventstream")
    );
    assert_eq!(
        reply.header("x-amzn-bedrock-content-type"),
        Some("application/json")
    );
    assert!(reply.header("x-amzn-requestid").is_some());
    assert!(reply.body_error.is_none());
    let frames = reply.frames();
    assert!(frames.len() >= 3, "{} frames", frames.len());
    for f in &frames {
        assert_eq!(frame_header(f, ":message-type"), Some("event"));
        assert_eq!(frame_header(f, ":event-type"), Some("chunk"));
        assert_eq!(frame_header(f, ":content-type"), Some("application/json"));
    }
    assert_eq!(chunk_json(&frames[0])["type"], "message_start");
    let last = chunk_json(frames.last().unwrap());
    assert!(
        last["amazon-bedrock-invocationMetrics"]["outputTokenCount"]
            .as_u64()
            .unwrap()
            > 0,
        "{last}"
    );

    let reply = send(
        emu.addr(),
        Signer::example().request(
            "POST",
            emu.addr(),
            &format!("/model/{}/invoke-with-response-stream", encode_id(EMBED)),
            Some("application/json"),
            r#"{"inputText":"x"}"#,
        ),
    )
    .await;
    assert_eq!(
        (reply.status, reply.error_type()),
        (400, Some("ValidationException"))
    );
}

#[tokio::test]
async fn mid_stream_faults_become_exception_frames_or_a_dropped_connection() {
    let emu = start().await;
    let path = format!("/model/{}/invoke-with-response-stream", encode_id(HAIKU));
    emu.simulator().set_faults(vec![
        FaultRule::new(Fault::StreamError {
            after_chunks: 2,
            kind: StreamErrorKind::ModelStreamError,
        })
        .times(1),
    ]);
    let reply = send(
        emu.addr(),
        Signer::example().request("POST", emu.addr(), &path, Some("application/json"), CHAT),
    )
    .await;
    assert_eq!(reply.status, 200);
    let frames = reply.frames();
    assert_eq!(frames.len(), 3);
    let exception = &frames[2];
    assert_eq!(frame_header(exception, ":message-type"), Some("exception"));
    assert_eq!(
        frame_header(exception, ":exception-type"),
        Some("modelStreamErrorException")
    );
    let payload: serde_json::Value = serde_json::from_slice(exception.payload()).unwrap();
    assert!(payload["message"].is_string());

    emu.simulator()
        .set_faults(vec![FaultRule::new(Fault::TruncateStream {
            after_chunks: 1,
        })]);
    let reply = send(
        emu.addr(),
        Signer::example().request("POST", emu.addr(), &path, Some("application/json"), CHAT),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert!(reply.body_error.is_some(), "the connection drops mid-body");
    assert_eq!(reply.frames().len(), 1);
}

#[tokio::test]
async fn control_endpoints_manage_faults_log_and_counters() {
    let emu = start().await;
    let addr = emu.addr();
    let path = invoke_path(HAIKU);
    let faults = r#"[{"model":"anthropic.claude-3-haiku-20240307-v1:0","operation":"invoke","fault":{"type":"throttling"},"times":1}]"#;
    let reply = send(addr, control(&emu, "POST", "/_emulator/faults", faults)).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json().as_array().unwrap().len(), 1);
    let reply = send(addr, control(&emu, "GET", "/_emulator/faults", "")).await;
    assert_eq!(reply.json()[0]["fault"]["type"], "throttling");

    let mut throttled =
        Signer::example().request("POST", addr, &path, Some("application/json"), CHAT);
    throttled
        .headers_mut()
        .insert("amz-sdk-request", "attempt=1; max=3".parse().unwrap());
    let reply = send(addr, throttled).await;
    assert_eq!(
        (reply.status, reply.error_type()),
        (429, Some("ThrottlingException"))
    );
    let mut retried =
        Signer::example().request("POST", addr, &path, Some("application/json"), CHAT);
    retried
        .headers_mut()
        .insert("amz-sdk-request", "attempt=2; max=3".parse().unwrap());
    assert_eq!(send(addr, retried).await.status, 200);
    assert_eq!(emu.simulator().attempts_for(HAIKU), 2);

    let log = send(addr, control(&emu, "GET", "/_emulator/requests", ""))
        .await
        .json();
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["attempt"], 1);
    assert_eq!(log[0]["outcome"]["error_type"], "ThrottlingException");
    assert_eq!(log[1]["attempt"], 2);
    assert_eq!(log[1]["outcome"]["status"], 200);

    // One object appends; DELETE clears the faults only.
    let one = r#"{"fault":{"type":"latency","millis":1}}"#;
    let reply = send(addr, control(&emu, "POST", "/_emulator/faults", one)).await;
    assert_eq!(reply.json().as_array().unwrap().len(), 2);
    let reply = send(addr, control(&emu, "DELETE", "/_emulator/faults", "")).await;
    assert_eq!(reply.json(), serde_json::json!([]));
    assert_eq!(emu.simulator().request_log().len(), 2);

    let reply = send(
        addr,
        control(
            &emu,
            "POST",
            "/_emulator/faults",
            r#"[{"fault":{"type":"nope"}}]"#,
        ),
    )
    .await;
    assert_eq!(
        (reply.status, reply.error_type()),
        (400, Some("ValidationException"))
    );

    emu.simulator()
        .add_fault(FaultRule::new(Fault::InternalServer).operation(Operation::List));
    let reply = send(addr, control(&emu, "POST", "/_emulator/reset", "")).await;
    assert_eq!(reply.status, 200);
    assert!(emu.simulator().request_log().is_empty() && emu.simulator().faults().is_empty());
    assert_eq!(emu.simulator().attempts_for(HAIKU), 0);
}

#[tokio::test]
async fn config_files_install_faults_and_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("emulator.toml");
    std::fs::write(
        &path,
        r#"
seed = 3
max_clock_skew_secs = 0

[[credentials]]
access_key_id = "AKIDFILE"
secret_access_key = "file-secret"

[[faults]]
operation = "ListFoundationModels"
fault = { type = "service_unavailable" }
times = 1
"#,
    )
    .unwrap();
    let config = EmulatorConfig::from_file(&path).unwrap();
    let emu = Emulator::from_config(config).start().await.unwrap();
    let signer = Signer {
        access_key_id: "AKIDFILE".into(),
        secret: "file-secret".into(),
        ..Signer::example()
    };
    let reply = send(
        emu.addr(),
        signer.request("GET", emu.addr(), "/foundation-models", None, ""),
    )
    .await;
    assert_eq!(
        (reply.status, reply.error_type()),
        (503, Some("ServiceUnavailableException"))
    );
    let reply = send(
        emu.addr(),
        signer.request("GET", emu.addr(), "/foundation-models", None, ""),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(emu.simulator().config().seed, 3);
}

#[tokio::test]
async fn shutdown_stops_listening_and_drop_does_too() {
    let emu = start().await;
    let addr = emu.addr();
    assert_eq!(emu.url(), format!("http://{addr}"));
    emu.shutdown().await.unwrap();
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());

    let emu = start().await;
    let addr = emu.addr();
    drop(emu);
    let mut refused = false;
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refused, "the dropped emulator still accepts connections");
}

#[tokio::test]
async fn start_refuses_unusable_configurations() {
    let config = EmulatorConfig {
        credentials: Vec::new(),
        ..EmulatorConfig::default()
    };
    let err = Emulator::builder()
        .config(config)
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("`credentials` is empty"), "{err}");
    let taken = start().await;
    let err = Emulator::builder()
        .bind(taken.addr().to_string())
        .start()
        .await
        .unwrap_err();
    assert!(
        matches!(err, bedrock_emulator::EmulatorError::Bind { .. }),
        "{err}"
    );
}

#[tokio::test]
async fn serve_until_runs_until_the_future_completes() {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let config = EmulatorConfig {
        bind: "127.0.0.1:0".into(),
        ..EmulatorConfig::default()
    };
    let server = tokio::spawn(bedrock_emulator::serve_until(config, async move {
        let _ = rx.await;
    }));
    tokio::time::sleep(Duration::from_millis(50)).await;
    tx.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}
