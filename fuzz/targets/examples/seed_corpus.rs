//! Writes the seed inputs of every fuzz target from the test data already in the repository:
//! the adapters' request inputs, responses and streams, bodies the simulator answers, Converse
//! requests, batch output objects, requests signed like the SDK signs them (for Bedrock, S3 and
//! STS), and every catalog model id. `fuzz/run seed` runs it and then
//! merges the seeds into `fuzz/corpus/` (minimised by libFuzzer).
//!
//! `cargo run -p bedrock-fuzz-targets --example seed_corpus -- OUT_DIR` writes
//! `OUT_DIR/<target>/<name>`.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a developer tool run by fuzz/run: it reports what it wrote"
)]

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use aws_smithy_eventstream::frame::write_message_to;
use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use base64::Engine as _;
use bedrock_auth::{Credentials, StaticCredentials, sign_request};
use bedrock_core::catalog::foundation_models;
use bedrock_core::{InvokeOptions, ModelId, ModelInput, Region};
use bedrock_fuzz_targets::request_text::write;
use bedrock_simulator::{SimChunk, SimRequest, Simulator, SimulatorConfig};
use futures::StreamExt as _;
use serde_json::Value;

type Seeds = Vec<(String, Vec<u8>)>;

/// What the simulator answered to one valid input.
struct Simulated {
    name: String,
    model: String,
    body: Vec<u8>,
    chunks: Vec<Vec<u8>>,
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The names of the adapters of the default registry whose crate has test data
/// (`crates/bedrock-adapter-<name>/tests/data`), so a new adapter's data seeds the corpus too.
fn adapters_with_data() -> Vec<String> {
    bedrock_connector::default_registry()
        .adapters()
        .iter()
        .map(|a| a.name().to_owned())
        .filter(|name| data_dir(name).is_dir())
        .collect()
}

fn data_dir(adapter: &str) -> PathBuf {
    repo().join(format!("crates/bedrock-adapter-{adapter}/tests/data"))
}

fn files_under(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            files_under(&p, ext, out);
        } else if p.extension().is_some_and(|e| e == ext) {
            out.push(p);
        }
    }
}

fn stem(p: &Path) -> String {
    p.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `(name, model id, input)` of every valid input of every adapter.
fn valid_inputs() -> Vec<(String, String, ModelInput)> {
    let mut out = Vec::new();
    for adapter in &adapters_with_data() {
        let Ok(text) = std::fs::read_to_string(data_dir(adapter).join("valid_inputs.json")) else {
            continue;
        };
        let cases: Vec<Value> = serde_json::from_str(&text).expect("a JSON array");
        for case in cases {
            let (Some(name), Some(model)) = (case["name"].as_str(), case["model_id"].as_str())
            else {
                continue;
            };
            match serde_json::from_value::<ModelInput>(case["input"].clone()) {
                Ok(input) => out.push((name.to_owned(), model.to_owned(), input)),
                Err(e) => eprintln!("skipping {adapter}/{name}: {e}"),
            }
        }
    }
    out
}

/// `(name, model id, body)`: the body the connector sends for every valid input.
fn request_bodies() -> Vec<(String, String, Vec<u8>)> {
    let registry = bedrock_connector::default_registry();
    valid_inputs()
        .into_iter()
        .filter_map(|(name, model, input)| {
            let id = ModelId::new(model.as_str()).ok()?;
            let call = registry
                .prepare(&id, &input, InvokeOptions::default())
                .ok()?;
            Some((name, model, call.body.body.to_vec()))
        })
        .collect()
}

fn route_index(model_id: &str) -> Option<u8> {
    let id = ModelId::new(model_id).ok()?;
    let registry = bedrock_connector::default_registry();
    let route = registry.resolve(&id).ok()?.route;
    let index = bedrock_fuzz_targets::routes()
        .iter()
        .position(|r| r.route.pattern == route.pattern && r.route.adapter == route.adapter)?;
    u8::try_from(index).ok()
}

fn adapter_of_route(index: usize) -> String {
    bedrock_fuzz_targets::routes()
        .get(index)
        .map(|r| r.route.adapter.clone())
        .unwrap_or_default()
}

fn prefixed(prefix: &[u8], rest: &[u8]) -> Vec<u8> {
    let mut v = prefix.to_vec();
    v.extend_from_slice(rest);
    v
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

/// What the simulator answers to every valid input: `(name, model id, body, stream chunks)`.
fn simulated(bodies: &[(String, String, Vec<u8>)]) -> Vec<Simulated> {
    let sim = Simulator::new(SimulatorConfig::default());
    let mut out = Vec::new();
    for (name, model, body) in bodies {
        let whole = block_on(sim.invoke(SimRequest::invoke(
            model.as_str(),
            Region::UsEast1,
            body.clone(),
        )));
        let Ok(whole) = whole else { continue };
        let mut chunks = Vec::new();
        if let Ok(mut stream) = block_on(sim.invoke_stream(SimRequest::invoke_stream(
            model.as_str(),
            Region::UsEast1,
            body.clone(),
        ))) {
            block_on(async {
                while let Some(Ok(SimChunk::Chunk(c))) = stream.next().await {
                    chunks.push(c.to_vec());
                }
            });
        }
        out.push(Simulated {
            name: name.clone(),
            model: model.clone(),
            body: whole.body.to_vec(),
            chunks,
        });
    }
    out
}

fn adapter_seeds(sim: &[Simulated]) -> (Seeds, Seeds) {
    let (mut output, mut chunks) = (Seeds::new(), Seeds::new());
    let routes = bedrock_fuzz_targets::routes().len();
    for adapter in &adapters_with_data() {
        let adapter = adapter.as_str();
        let mut responses = Vec::new();
        files_under(&data_dir(adapter).join("responses"), "json", &mut responses);
        let mut streams = Vec::new();
        files_under(&data_dir(adapter).join("streams"), "jsonl", &mut streams);
        for i in (0..routes).filter(|&i| adapter_of_route(i) == adapter) {
            let pick = [u8::try_from(i).unwrap_or_default()];
            for p in &responses {
                let body = std::fs::read(p).expect("response file");
                output.push((
                    format!("r{i}-{adapter}-{}", stem(p)),
                    prefixed(&pick, &body),
                ));
            }
            for p in &streams {
                let text = std::fs::read(p).expect("stream file");
                for (n, line) in text
                    .split(|&b| b == b'\n')
                    .filter(|l| !l.is_empty())
                    .enumerate()
                {
                    chunks.push((
                        format!("r{i}-{adapter}-{}-{n}", stem(p)),
                        prefixed(&pick, line),
                    ));
                }
            }
        }
    }
    for s in sim {
        let Some(pick) = route_index(&s.model) else {
            continue;
        };
        output.push((format!("sim-{}", s.name), prefixed(&[pick], &s.body)));
        for (n, c) in s.chunks.iter().enumerate() {
            chunks.push((format!("sim-{}-{n}", s.name), prefixed(&[pick], c)));
        }
    }
    (output, chunks)
}

fn frame(headers: &[(&'static str, &str)], payload: String) -> Vec<u8> {
    let message = Message::new_from_parts(
        headers
            .iter()
            .map(|(n, v)| Header::new(*n, HeaderValue::String(v.to_string().into())))
            .collect(),
        payload,
    );
    let mut out = Vec::new();
    write_message_to(&message, &mut out).expect("a small frame encodes");
    out
}

/// A `chunk` frame as the emulator (and Bedrock) sends it.
fn chunk_frame(chunk: &[u8]) -> Vec<u8> {
    let payload = serde_json::json!({
        "bytes": base64::engine::general_purpose::STANDARD.encode(chunk),
    });
    frame(
        &[
            (":event-type", "chunk"),
            (":content-type", "application/json"),
            (":message-type", "event"),
        ],
        payload.to_string(),
    )
}

fn event_stream_seeds(sim: &[Simulated]) -> Seeds {
    let mut seeds = Seeds::new();
    let mut streams = Vec::new();
    for adapter in &adapters_with_data() {
        files_under(&data_dir(adapter).join("streams"), "jsonl", &mut streams);
    }
    for (k, p) in streams.iter().enumerate() {
        let text = std::fs::read(p).expect("stream file");
        let mut wire = vec![if k % 2 == 0 { 255 } else { 6 }];
        for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            wire.extend(chunk_frame(line));
        }
        seeds.push((format!("{}-{}", k, stem(p)), wire));
    }
    for s in sim.iter().filter(|s| !s.chunks.is_empty()).take(6) {
        let mut wire = vec![63];
        for c in &s.chunks {
            wire.extend(chunk_frame(c));
        }
        seeds.push((format!("sim-{}", s.name), wire));
    }
    let mut exception = vec![255];
    exception.extend(chunk_frame(br#"{"completion":"Hi","stop_reason":null}"#));
    exception.extend(frame(
        &[
            (":exception-type", "modelStreamErrorException"),
            (":content-type", "application/json"),
            (":message-type", "exception"),
        ],
        r#"{"message":"The model stopped"}"#.to_owned(),
    ));
    seeds.push(("exception".to_owned(), exception));
    seeds
}

/// The SDK's path encoding of a model id: only `A-Za-z0-9-._~` stay bare.
fn path_segment(id: &str) -> String {
    id.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A request signed at `time` like the Rust SDK signs it, in the text form.
fn signed_text(
    method: &str,
    target: &str,
    body: &[u8],
    credentials: &Credentials,
    time: SystemTime,
    extra: &[(&str, &str)],
) -> Vec<u8> {
    let mut builder = http::Request::builder()
        .method(method)
        .uri(format!(
            "https://bedrock-runtime.us-east-1.amazonaws.com{target}"
        ))
        .header("content-type", "application/json")
        .header("content-length", body.len().to_string())
        .header(
            "x-amz-user-agent",
            "aws-sdk-rust/1.3 api/bedrockruntime/1.153",
        )
        .header("amz-sdk-request", "attempt=1; max=3");
    for (n, v) in extra {
        builder = builder.header(*n, *v);
    }
    let mut request = builder.body(body.to_vec()).expect("a request");
    sign_request(&mut request, credentials, "us-east-1", "bedrock", time).expect("signs");
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                v.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    write(method, target, &[], &refs, body)
}

fn credentials(akid: &str, token: Option<&str>) -> Credentials {
    let c = StaticCredentials::new(akid, bedrock_fuzz_targets::SECRET_ACCESS_KEY).expect("valid");
    Credentials::Static(match token {
        Some(t) => c.with_session_token(t).expect("valid token"),
        None => c,
    })
}

fn sigv4_seeds(bodies: &[(String, String, Vec<u8>)]) -> Seeds {
    let at = bedrock_fuzz_targets::signed_at();
    let example = credentials(bedrock_fuzz_targets::ACCESS_KEY_ID, None);
    let temporary = credentials(
        bedrock_fuzz_targets::TEMPORARY_ACCESS_KEY_ID,
        Some(bedrock_fuzz_targets::SESSION_TOKEN),
    );
    let mut seeds = Seeds::new();
    for (name, model, body) in bodies.iter().step_by(4) {
        let target = format!("/model/{}/invoke", path_segment(model));
        seeds.push((
            format!("signed-{name}"),
            signed_text("POST", &target, body, &example, at, &[]),
        ));
    }
    let (_, model, body) = &bodies[0];
    let stream = format!("/model/{}/invoke-with-response-stream", path_segment(model));
    seeds.push((
        "signed-stream".to_owned(),
        signed_text(
            "POST",
            &stream,
            body,
            &example,
            at,
            &[("x-amzn-bedrock-accept", "*/*")],
        ),
    ));
    seeds.push((
        "signed-temporary".to_owned(),
        signed_text("POST", &stream, body, &temporary, at, &[]),
    ));
    seeds.push((
        "signed-late".to_owned(),
        signed_text(
            "POST",
            &stream,
            body,
            &example,
            at - Duration::from_secs(3600),
            &[],
        ),
    ));
    seeds.push((
        "signed-list".to_owned(),
        signed_text(
            "GET",
            "/foundation-models?byProvider=Anthropic&byOutputModality=TEXT",
            b"",
            &example,
            at,
            &[],
        ),
    ));
    seeds.push((
        "signed-arn".to_owned(),
        signed_text(
            "GET",
            &format!(
                "/foundation-models/{}",
                path_segment(
                    "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0"
                )
            ),
            b"",
            &example,
            at,
            &[],
        ),
    ));
    seeds.push((
        "sign-flag".to_owned(),
        write(
            "POST",
            &stream,
            &["sign"],
            &[
                ("content-type", "application/json"),
                ("x-amz-content-sha256", "UNSIGNED-PAYLOAD"),
            ],
            body,
        ),
    ));
    seeds.push((
        "presigned".to_owned(),
        write(
            "GET",
            "/foundation-models?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc",
            &[],
            &[],
            b"",
        ),
    ));
    seeds.push((
        "malformed".to_owned(),
        write(
            "POST",
            "/model/x.y/invoke",
            &[],
            &[
                ("authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/2024050/us-east-1/bedrock/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"),
                ("x-amz-date", "20240501T101500Z"),
            ],
            b"{}",
        ),
    ));
    seeds
}

fn model_id_seeds() -> Seeds {
    let mut seeds = Seeds::new();
    for (i, m) in foundation_models().iter().enumerate() {
        seeds.push((format!("bare-{i}"), m.model_id.as_bytes().to_vec()));
        if let Some(profile) = m.profile_id_for(Region::UsEast1) {
            seeds.push((format!("profile-{i}"), profile.into_bytes()));
        }
        if i % 5 == 0 {
            seeds.push((format!("arn-{i}"), m.arn(Region::EuWest1).into_bytes()));
        }
    }
    for (name, id) in [
        (
            "ip-arn",
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-haiku-20240307-v1:0",
        ),
        (
            "aip-arn",
            "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123",
        ),
        (
            "pm-arn",
            "arn:aws-us-gov:bedrock:us-gov-west-1:123456789012:provisioned-model/xyz",
        ),
        ("bad-char", "anthropic.claude v2"),
        ("no-provider", "claude-v2"),
    ] {
        seeds.push((name.to_owned(), id.as_bytes().to_vec()));
    }
    seeds
}

fn simulator_seeds(bodies: &[(String, String, Vec<u8>)]) -> Seeds {
    let models = foundation_models();
    let mut seeds = Seeds::new();
    for (name, model, body) in bodies {
        let Some(index) = models.iter().position(|m| m.model_id == model.as_str()) else {
            continue;
        };
        let Ok(pick) = u8::try_from(index) else {
            continue;
        };
        let streams = models.get(index).is_some_and(|m| m.response_streaming);
        seeds.push((format!("invoke-{name}"), prefixed(&[pick, 0], body)));
        if streams {
            seeds.push((format!("stream-{name}"), prefixed(&[pick, 0b101], body)));
        }
    }
    seeds
}

fn emulator_seeds(bodies: &[(String, String, Vec<u8>)]) -> Seeds {
    let json = [("content-type", "application/json")];
    let mut seeds = Seeds::new();
    for (name, model, body) in bodies.iter().step_by(3) {
        let target = format!("/model/{}/invoke", path_segment(model));
        seeds.push((
            format!("invoke-{name}"),
            write("POST", &target, &[], &json, body),
        ));
    }
    for (name, model, body) in bodies.iter().filter(|b| b.0.contains("text")).take(4) {
        let target = format!("/model/{}/invoke-with-response-stream", path_segment(model));
        seeds.push((
            format!("stream-{name}"),
            write(
                "POST",
                &target,
                &[],
                &[
                    ("content-type", "application/json"),
                    ("x-amzn-bedrock-accept", "*/*"),
                ],
                body,
            ),
        ));
    }
    let fault = br#"{"operation":"invoke","model":"anthropic.claude-v2","fault":{"type":"throttle"},"count":1}"#;
    for (name, method, target, flags, body) in [
        (
            "list",
            "GET",
            "/foundation-models?byProvider=Amazon&byOutputModality=EMBEDDING",
            &[][..],
            &b""[..],
        ),
        (
            "get",
            "GET",
            "/foundation-models/anthropic.claude-3-haiku-20240307-v1%3A0",
            &[],
            b"",
        ),
        (
            "unsigned-invoke",
            "POST",
            "/model/amazon.titan-text-express-v1/invoke",
            &["unsigned"],
            br#"{"inputText":"hi"}"#,
        ),
        ("faults-get", "GET", "/_emulator/faults", &[], b""),
        ("faults-post", "POST", "/_emulator/faults", &[], fault),
        ("faults-delete", "DELETE", "/_emulator/faults", &[], b""),
        ("reset", "POST", "/_emulator/reset", &[], b""),
        ("requests", "GET", "/_emulator/requests", &[], b""),
        ("unknown", "PUT", "/model/a.b/converse", &[], b"{}"),
        (
            "sign-rolesanywhere",
            "POST",
            "/sessions",
            &["sign-rolesanywhere"],
            b"{}",
        ),
    ] {
        seeds.push((name.to_owned(), write(method, target, flags, &json, body)));
    }
    seeds
}

/// `(name, model id, request JSON)` of every Converse request in the adapters' test data
/// (`tests/data/converse_requests.json`, `invalid_converse_requests.json`), then a few of
/// every kind the simulator answers: plain text, a system prompt, tools, an image, a document.
fn converse_requests() -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    let mut adapters: Vec<String> = bedrock_connector::default_registry()
        .adapters()
        .iter()
        .map(|a| a.name().to_owned())
        .collect();
    adapters.sort();
    for adapter in &adapters {
        for file in ["converse_requests.json", "invalid_converse_requests.json"] {
            let Ok(text) = std::fs::read_to_string(data_dir(adapter).join(file)) else {
                continue;
            };
            let cases: Vec<Value> = serde_json::from_str(&text).expect("a JSON array");
            for case in cases {
                let (Some(name), Some(model)) = (case["name"].as_str(), case["model_id"].as_str())
                else {
                    continue;
                };
                let name: String = name
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                    .collect();
                out.push((
                    format!("{adapter}-{name}"),
                    model.to_owned(),
                    case["request"].clone(),
                ));
            }
        }
    }
    let user = |content: Value| serde_json::json!([{"role": "user", "content": content}]);
    // A 1×1 PNG: the smallest image Bedrock's formats accept.
    let png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
    let weather = serde_json::json!({"tools": [{"toolSpec": {
        "name": "get_weather",
        "description": "The weather in a city",
        "inputSchema": {"json": {"type": "object", "properties": {"city": {"type": "string"}},
            "required": ["city"]}}}}],
        "toolChoice": {"auto": {}}});
    for (name, model, request) in [
        (
            "text",
            "amazon.nova-lite-v1:0",
            serde_json::json!({"messages": user(serde_json::json!([{"text": "Hello there"}])),
                "inferenceConfig": {"maxTokens": 64, "temperature": 0.5}}),
        ),
        (
            "system",
            "meta.llama3-8b-instruct-v1:0",
            serde_json::json!({"messages": user(serde_json::json!([{"text": "Name a colour"}])),
                "system": [{"text": "Answer in one word."}],
                "inferenceConfig": {"maxTokens": 16, "topP": 0.9, "stopSequences": ["."]}}),
        ),
        (
            "tools",
            "anthropic.claude-3-haiku-20240307-v1:0",
            serde_json::json!({"messages": user(serde_json::json!([{"text": "Weather in Paris?"}])),
                "toolConfig": weather}),
        ),
        (
            "image",
            "anthropic.claude-3-haiku-20240307-v1:0",
            serde_json::json!({"messages": user(serde_json::json!([
                {"image": {"format": "png", "source": {"bytes": png}}},
                {"text": "What is in this image?"}]))}),
        ),
        (
            "document",
            "amazon.nova-pro-v1:0",
            serde_json::json!({"messages": user(serde_json::json!([
                {"document": {"format": "txt", "name": "notes", "source": {"bytes": "aGVsbG8="}}},
                {"text": "Summarise the notes."}]))}),
        ),
        (
            "mistral",
            "mistral.mistral-large-2407-v1:0",
            serde_json::json!({"messages": user(serde_json::json!([{"text": "Hi"}])),
                "additionalModelRequestFields": {"top_k": 5},
                "additionalModelResponseFieldPaths": ["/stop_sequence"]}),
        ),
    ] {
        out.push((name.to_owned(), model.to_owned(), request));
    }
    out
}

fn converse_seeds(requests: &[(String, String, Value)]) -> Seeds {
    let models = bedrock_fuzz_targets::converse_text_models();
    let mut seeds = Seeds::new();
    for (name, model, request) in requests {
        // A US profile id is byte 1's bit 1 over its bare model.
        let (bare, profile) = match model.strip_prefix("us.") {
            Some(bare) => (bare, 0b10),
            None => (model.as_str(), 0),
        };
        let Some(pick) = models
            .iter()
            .position(|m| m.model_id == bare)
            .and_then(|i| u8::try_from(i).ok())
        else {
            eprintln!("converse seed {name}: {model} is not a catalog text model");
            continue;
        };
        let body = serde_json::to_vec(request).expect("JSON");
        seeds.push((
            format!("converse-{name}"),
            prefixed(&[pick, profile], &body),
        ));
        seeds.push((
            format!("stream-{name}"),
            prefixed(&[pick, profile | 0b01], &body),
        ));
        if profile == 0 {
            seeds.push((format!("profile-{name}"), prefixed(&[pick, 0b10], &body)));
        }
    }
    seeds
}

/// A batch job's output as Bedrock writes it for the model of each simulated answer: the
/// record's input, then its output or an error; blank and CRLF lines; a manifest.
fn batch_output_seeds(sim: &[Simulated], bodies: &[(String, String, Vec<u8>)]) -> Seeds {
    let models = foundation_models();
    let mut seeds = Seeds::new();
    for s in sim {
        let Some(pick) = models
            .iter()
            .position(|m| m.model_id == s.model.as_str())
            .and_then(|i| u8::try_from(i).ok())
        else {
            continue;
        };
        let input = bodies
            .iter()
            .find(|b| b.0 == s.name)
            .and_then(|b| serde_json::from_slice::<Value>(&b.2).ok())
            .unwrap_or(Value::Null);
        let Ok(output) = serde_json::from_slice::<Value>(&s.body) else {
            continue;
        };
        let ok =
            serde_json::json!({"recordId": "rec-1", "modelInput": input, "modelOutput": output});
        let failed = serde_json::json!({"recordId": "rec-2", "modelInput": input,
            "error": {"errorCode": 400, "errorMessage": "Malformed input request"}});
        let jsonl =
            format!("{ok}\n\n{failed}\r\n  \n{{\"recordId\":\"rec-3\",\"modelInput\":{{}}}}\n");
        seeds.push((
            format!("jsonl-{}", s.name),
            prefixed(&[pick], jsonl.as_bytes()),
        ));
    }
    let manifest = serde_json::json!({"totalRecordCount": 3, "processedRecordCount": 3,
        "successRecordCount": 1, "errorRecordCount": 2, "inputTokenCount": 42,
        "outputTokenCount": 7});
    seeds.push((
        "manifest".to_owned(),
        prefixed(&[0], manifest.to_string().as_bytes()),
    ));
    seeds.push((
        "not-json".to_owned(),
        prefixed(&[1], b"{\"recordId\":\"x\",\n[1,2]\nnull\n"),
    ));
    seeds
}

/// An S3 seed: name, method, target, headers, body.
type S3Request<'a> = (
    &'a str,
    &'a str,
    &'a str,
    &'a [(&'a str, &'a str)],
    &'a [u8],
);

/// Emulator requests for the Converse, S3, credentials and batch routes.
fn emulator_service_seeds(requests: &[(String, String, Value)]) -> Seeds {
    let json = [("content-type", "application/json")];
    let mut seeds = Seeds::new();
    for (name, model, request) in requests
        .iter()
        .filter(|r| ["text", "tools", "image", "system"].contains(&r.0.as_str()))
    {
        let body = serde_json::to_vec(request).expect("JSON");
        let id = path_segment(model);
        seeds.push((
            format!("converse-{name}"),
            write("POST", &format!("/model/{id}/converse"), &[], &json, &body),
        ));
        seeds.push((
            format!("converse-stream-{name}"),
            write(
                "POST",
                &format!("/model/{id}/converse-stream"),
                &[],
                &json,
                &body,
            ),
        ));
    }
    let count = serde_json::json!({"input": {"converse": {
        "messages": [{"role": "user", "content": [{"text": "How many tokens is this?"}]}],
        "system": [{"text": "Be brief."}]}}});
    let count_invoke = serde_json::json!({"input": {"invokeModel": {
        "body": "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"}}});
    let claude = path_segment("anthropic.claude-3-5-haiku-20241022-v1:0");
    for (name, body) in [
        ("count-tokens", count),
        ("count-tokens-invoke", count_invoke),
    ] {
        seeds.push((
            name.to_owned(),
            write(
                "POST",
                &format!("/model/{claude}/count-tokens"),
                &[],
                &json,
                body.to_string().as_bytes(),
            ),
        ));
    }

    let records = "{\"recordId\":\"r1\",\"modelInput\":{\"inputText\":\"hello\"}}\n\
                   {\"recordId\":\"r2\",\"modelInput\":{\"inputText\":\"\"}}\nnot json\n";
    let s3: [S3Request<'_>; 8] = [
        ("s3-create-bucket", "PUT", "/fuzz-in", &[], b""),
        ("s3-create-out-bucket", "PUT", "/fuzz-out", &[], b""),
        (
            "s3-put",
            "PUT",
            "/fuzz-in/records.jsonl",
            &[("content-type", "application/x-ndjson")],
            records.as_bytes(),
        ),
        ("s3-get", "GET", "/fuzz-in/records.jsonl", &[], b""),
        ("s3-head", "HEAD", "/fuzz-in/records.jsonl", &[], b""),
        (
            "s3-list-v2",
            "GET",
            "/fuzz-in?list-type=2&prefix=rec&max-keys=10",
            &[],
            b"",
        ),
        (
            "s3-multipart-start",
            "POST",
            "/fuzz-in/large.bin?uploads",
            &[],
            b"",
        ),
        ("s3-delete", "DELETE", "/fuzz-in/records.jsonl", &[], b""),
    ];
    for (name, method, target, headers, body) in s3 {
        seeds.push((
            name.to_owned(),
            write(method, target, &["sign-s3"], headers, body),
        ));
    }

    let form = [("content-type", "application/x-www-form-urlencoded")];
    let assume = format!(
        "Action=AssumeRole&Version=2011-06-15&RoleArn={}&RoleSessionName=fuzz-session&DurationSeconds=900",
        "arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fbedrock-invoker"
    );
    for (name, body) in [
        ("sts-assume-role", assume.as_str()),
        (
            "sts-get-caller-identity",
            "Action=GetCallerIdentity&Version=2011-06-15",
        ),
    ] {
        seeds.push((
            name.to_owned(),
            write("POST", "/", &["sign-sts"], &form, body.as_bytes()),
        ));
    }
    seeds.push(("create-session".to_owned(), create_session_text()));

    let account = bedrock_simulator::ACCOUNT_ID;
    let job = bedrock_core::batch::CreateModelInvocationJobRequest::new(
        "fuzz-job",
        "amazon.titan-text-express-v1",
        format!("arn:aws:iam::{account}:role/batch"),
        "s3://fuzz-in/records.jsonl",
        "s3://fuzz-out/results/",
    );
    let job_arn = path_segment(&format!(
        "arn:aws:bedrock:us-east-1:{account}:model-invocation-job/abcd1234efgh"
    ));
    let invoke = bedrock_core::batch::StartAsyncInvokeRequest::new(
        "amazon.titan-text-express-v1",
        serde_json::json!({"inputText": "hello"}),
        "s3://fuzz-out/async",
    );
    let invoke_arn = path_segment(&format!(
        "arn:aws:bedrock:us-east-1:{account}:async-invoke/abcd1234efgh"
    ));
    let batch: [(&str, &str, String, Vec<u8>); 7] = [
        (
            "batch-create",
            "POST",
            "/model-invocation-job".to_owned(),
            serde_json::to_vec(&job).expect("JSON"),
        ),
        (
            "batch-list",
            "GET",
            "/model-invocation-jobs?maxResults=5&statusEquals=InProgress&sortOrder=Ascending"
                .to_owned(),
            Vec::new(),
        ),
        (
            "batch-get",
            "GET",
            format!("/model-invocation-job/{job_arn}"),
            Vec::new(),
        ),
        (
            "batch-stop",
            "POST",
            format!("/model-invocation-job/{job_arn}/stop"),
            Vec::new(),
        ),
        (
            "async-invoke",
            "POST",
            "/async-invoke".to_owned(),
            serde_json::to_vec(&invoke).expect("JSON"),
        ),
        (
            "async-list",
            "GET",
            "/async-invoke?maxResults=3&statusEquals=Completed".to_owned(),
            Vec::new(),
        ),
        (
            "async-get",
            "GET",
            format!("/async-invoke/{invoke_arn}"),
            Vec::new(),
        ),
    ];
    for (name, method, target, body) in batch {
        seeds.push((name.to_owned(), write(method, &target, &[], &json, &body)));
    }
    seeds
}

/// A Roles Anywhere `CreateSession` request signed with the test certificate of
/// `bedrock-auth`, in the text form with the flag `unsigned` (the target keeps its X.509
/// `Authorization`). Its date is the seed's, so the emulator refuses it: it exercises the
/// header and certificate parsers and the refusal.
fn create_session_text() -> Vec<u8> {
    let data = repo().join("crates/bedrock-auth/tests/data");
    let read = |name: &str| std::fs::read_to_string(data.join(name)).expect("test PEM");
    let signer =
        bedrock_auth::PrivateKeyX509Signer::from_pem(&read("rsa-cert.pem"), &read("rsa-key.pem"))
            .expect("the test certificate and key load");
    let config = bedrock_auth::RolesAnywhereConfig::new(
        "us-east-1",
        "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/a1b2c3d4-0000-4000-8000-000000000001",
        "arn:aws:rolesanywhere:us-east-1:123456789012:profile/a1b2c3d4-0000-4000-8000-000000000002",
        "arn:aws:iam::123456789012:role/bedrock-invoker",
    );
    let source = bedrock_auth::RolesAnywhereSource::new(config, std::sync::Arc::new(signer))
        .expect("a Roles Anywhere source");
    let request = block_on(source.create_session_request(SystemTime::now())).expect("signs");
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .filter(|(n, _)| *n != http::header::HOST)
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                v.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    write("POST", "/sessions", &["unsigned"], &refs, request.body())
}

fn main() {
    let out = PathBuf::from(std::env::args().nth(1).expect("usage: seed_corpus OUT_DIR"));
    let bodies = request_bodies();
    assert!(!bodies.is_empty(), "no valid inputs built a body");
    let sim = simulated(&bodies);
    let (output, chunks) = adapter_seeds(&sim);
    let converse = converse_requests();
    let mut emulator = emulator_seeds(&bodies);
    emulator.extend(emulator_service_seeds(&converse));
    let all: [(&str, Seeds); 9] = [
        ("model_id", model_id_seeds()),
        ("adapter_output", output),
        ("adapter_stream_chunk", chunks),
        ("event_stream", event_stream_seeds(&sim)),
        ("sigv4", sigv4_seeds(&bodies)),
        ("simulator", simulator_seeds(&bodies)),
        ("converse", converse_seeds(&converse)),
        ("batch_output", batch_output_seeds(&sim, &bodies)),
        ("emulator", emulator),
    ];
    for (target, seeds) in all {
        let dir = out.join(target);
        std::fs::create_dir_all(&dir).expect("create the seed directory");
        for (name, data) in &seeds {
            std::fs::write(dir.join(format!("seed-{name}")), data).expect("write a seed");
        }
        println!("{target}: {} seeds", seeds.len());
    }
}
