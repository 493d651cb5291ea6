//! Benchmark: what the connector adds to a call over the raw `aws-sdk-bedrockruntime` client.
//! The connector is `Connector::builder().backend(AwsBackend).registry(..).build()`, so every
//! call goes through the core's `TracingLayer` and the AWS backend; the raw client is configured
//! as the backend configures its own (region, retry, timeouts) and shares its HTTP client (one
//! connection pool). Both call one emulator, which runs in a child process (this binary, started
//! again with `--emulator-child`), so this process's CPU time and memory are the clients' alone.
//! The clients run on a current-thread Tokio runtime.
//!
//! It reports, against budgets:
//!
//! - **Added CPU per InvokeModel call.** Blocks of sequential calls, one block of each side per
//!   pair, the order swapping every pair; the process's CPU time (the kernel's run time of each
//!   of its threads, `/proc/self/task/*/schedstat`) is read around each block. The figure is the
//!   median over pairs of the connector's CPU per call minus the raw client's. Budget: 10 µs.
//! - **Added latency to the first stream event.** InvokeModelWithResponseStream, one call of each
//!   side per pair (order swapping), timed from the call to the first chunk; the figure is the
//!   median over pairs of the connector's time minus the raw client's. Budget: 100 µs.
//! - **Peak RSS with 10,000 InvokeModel calls in flight through the connector**: 10,000 tasks
//!   call a model the emulator holds for a few seconds (a latency fault), so all are in flight
//!   at once (the backend's `max_concurrent_calls` lets 256 of them hold connections, the rest
//!   wait for a place); the peak is `VmHWM` of `/proc/self/status`, reset just before
//!   (`clear_refs`), read one hold time after the last call started. Budget: 200 MiB.
//! - **Added CPU per Converse call**, for information: as for InvokeModel, with Converse calls
//!   of one user message and an inference configuration. The raw client builds the SDK's
//!   message and configuration types for each call, as its callers do; the connector checks the
//!   request locally, converts it to the SDK's types and the answer back to its own.
//! - For information, as before: p50 latency and throughput ratios (connector over raw) at
//!   concurrency 1 (calls alternating one by one) and 64 (rounds alternating).
//!
//! Run with `cargo bench -p bedrock-e2e-tests --bench connector_overhead` (add `-- --quick` for
//! a short run, `-- --control` to put a second raw client in the connector's place, which shows
//! the harness's own noise: the added figures should come out near 0 and the ratios near 1). No
//! tracing subscriber is installed, as in an application that has none. Linux only (`/proc`).

#![allow(
    clippy::print_stdout,
    reason = "a benchmark reports its figures on stdout"
)]

mod support;

use std::io::{BufRead as _, BufReader, Read as _};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_bedrockruntime::config::retry::RetryConfig;
use aws_sdk_bedrockruntime::config::timeout::TimeoutConfig;
use aws_smithy_types::Blob;
use bedrock_backend_aws::{AwsBackend, AwsBackendConfig};
use bedrock_connector::{Connector, InvokeModelGenericRequest, ModelId, default_registry};
use bedrock_core::converse::ConverseRequest;
use bedrock_emulator::{
    EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY, Emulator, EmulatorConfig, Fault, FaultRule,
};
use bedrock_simulator::SimulatorConfig;
use bytes::Bytes;
use futures::StreamExt as _;
use support::{median, median_pair_ratio};

/// The model of every measured call.
const MODEL: &str = "amazon.titan-text-express-v1";
/// The model the emulator holds for [`HOLD`] on every call, for the in-flight memory figure.
const SLOW_MODEL: &str = "amazon.titan-text-lite-v1";
/// How long the emulator holds each call to [`SLOW_MODEL`]: long enough for every call of the
/// memory phase to be sent before the first is answered.
const HOLD: Duration = Duration::from_secs(6);
const BODY: &str =
    r#"{"inputText":"Say hello.","textGenerationConfig":{"maxTokenCount":16,"temperature":0}}"#;
/// The user message of every measured Converse call (with `maxTokens` 16, temperature 0).
const CONVERSE_PROMPT: &str = "Say hello.";

/// Budgets of issue 11.
const CPU_BUDGET: Duration = Duration::from_micros(10);
const FIRST_EVENT_BUDGET: Duration = Duration::from_micros(100);
const RSS_BUDGET_BYTES: u64 = 200 * 1024 * 1024;
const MIB: f64 = 1024.0 * 1024.0;

struct Plan {
    warmup: usize,
    /// Block pairs of the CPU figure.
    cpu_pairs: usize,
    /// Calls per block of the CPU figure.
    cpu_block: usize,
    /// Call pairs of the first-event figure.
    stream_pairs: usize,
    /// Calls in flight for the memory figure.
    in_flight: usize,
    /// Call pairs at concurrency 1.
    pairs: usize,
    /// Call pairs per throughput block at concurrency 1.
    block: usize,
    /// Rounds per side at concurrency 64.
    rounds: usize,
    /// Calls per round at concurrency 64.
    concurrent: usize,
}

impl Plan {
    fn new(quick: bool) -> Self {
        if quick {
            Plan {
                warmup: 200,
                cpu_pairs: 20,
                cpu_block: 200,
                stream_pairs: 300,
                in_flight: 10_000,
                pairs: 1_000,
                block: 50,
                rounds: 8,
                concurrent: 640,
            }
        } else {
            Plan {
                warmup: 1_000,
                cpu_pairs: 200,
                cpu_block: 250,
                stream_pairs: 5_000,
                in_flight: 10_000,
                pairs: 12_000,
                block: 100,
                rounds: 60,
                concurrent: 1_280,
            }
        }
    }
}

/// One way of making the calls under test.
#[derive(Clone)]
enum Caller {
    Raw(aws_sdk_bedrockruntime::Client),
    Connector(Connector),
}

impl Caller {
    /// InvokeModel; the length of the answer.
    async fn call(&self, model: &ModelId, body: &Bytes) -> usize {
        match self {
            Caller::Raw(client) => {
                let out = client
                    .invoke_model()
                    .model_id(model.as_str())
                    .body(Blob::new(body.to_vec()))
                    .content_type("application/json")
                    .accept("application/json")
                    .send()
                    .await
                    .expect("raw invoke_model");
                out.body.as_ref().len()
            }
            Caller::Connector(connector) => {
                let out = connector
                    .invoke_model_generic(InvokeModelGenericRequest::json(
                        model.clone(),
                        body.clone(),
                    ))
                    .await
                    .expect("connector invoke_model_generic");
                out.body.len()
            }
        }
    }

    /// Converse of one user message; the length of the answer's text.
    async fn converse(&self, model: &ModelId, request: &ConverseRequest) -> usize {
        use aws_sdk_bedrockruntime::types::{
            ContentBlock, ConversationRole, ConverseOutput, InferenceConfiguration, Message,
        };
        match self {
            Caller::Raw(client) => {
                let message = Message::builder()
                    .role(ConversationRole::User)
                    .content(ContentBlock::Text(CONVERSE_PROMPT.to_owned()))
                    .build()
                    .expect("a message");
                let out = client
                    .converse()
                    .model_id(model.as_str())
                    .messages(message)
                    .inference_config(
                        InferenceConfiguration::builder()
                            .max_tokens(16)
                            .temperature(0.0)
                            .build(),
                    )
                    .send()
                    .await
                    .expect("raw converse");
                match out.output {
                    Some(ConverseOutput::Message(m)) => m
                        .content
                        .iter()
                        .filter_map(|b| b.as_text().ok())
                        .map(String::len)
                        .sum(),
                    other => panic!("raw converse answered {other:?}"),
                }
            }
            Caller::Connector(connector) => connector
                .converse(model, request.clone())
                .await
                .expect("connector converse")
                .response
                .text()
                .len(),
        }
    }

    /// InvokeModelWithResponseStream; the time until the first chunk arrived. The rest of the
    /// stream is read to its end.
    async fn first_event(&self, model: &ModelId, body: &Bytes) -> Duration {
        let started = Instant::now();
        match self {
            Caller::Raw(client) => {
                let mut out = client
                    .invoke_model_with_response_stream()
                    .model_id(model.as_str())
                    .body(Blob::new(body.to_vec()))
                    .content_type("application/json")
                    .accept("application/json")
                    .send()
                    .await
                    .expect("raw invoke_model_with_response_stream");
                let first = out.body.recv().await.expect("raw first event");
                let elapsed = started.elapsed();
                assert!(first.is_some(), "the raw stream has a first event");
                while out.body.recv().await.expect("raw event").is_some() {}
                elapsed
            }
            Caller::Connector(connector) => {
                let (_, mut chunks) = connector
                    .invoke_model_generic_stream(InvokeModelGenericRequest::json(
                        model.clone(),
                        body.clone(),
                    ))
                    .await
                    .expect("connector invoke_model_generic_stream");
                let first = chunks.next().await;
                let elapsed = started.elapsed();
                assert!(
                    matches!(first, Some(Ok(_))),
                    "the connector's stream has a first chunk"
                );
                while let Some(chunk) = chunks.next().await {
                    chunk.expect("connector chunk");
                }
                elapsed
            }
        }
    }
}

/// CPU time used by this process so far: the kernel's run time of each of its threads (in
/// nanoseconds, the first field of `schedstat`). Coarser sources would not do: `/proc/self/stat`
/// counts in 10 ms ticks. The client thread waits for every response, and the kernel brings a
/// thread's run time up to date whenever it stops running, so the figure is current to within
/// the last few microseconds of work.
fn process_cpu() -> Duration {
    let mut nanos = 0u64;
    for task in std::fs::read_dir("/proc/self/task").expect("/proc/self/task") {
        let path = task
            .expect("a thread of this process")
            .path()
            .join("schedstat");
        // A thread that ended since the directory was read has no file any more.
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        nanos += text
            .split_whitespace()
            .next()
            .and_then(|n| n.parse::<u64>().ok())
            .expect("schedstat starts with the run time in nanoseconds");
    }
    Duration::from_nanos(nanos)
}

/// A `kB` field of `/proc/self/status` (`VmRSS`, `VmHWM`), in bytes.
fn status_bytes(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .unwrap_or_else(|| panic!("{field} in /proc/self/status"));
    let kb: u64 = line
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .expect("a number of kB");
    kb * 1024
}

/// The median and the interquartile range of `values`.
fn spread(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_unstable_by(f64::total_cmp);
    let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.25), at(0.75))
}

fn micros(seconds: f64) -> String {
    format!("{:.2} µs", seconds * 1e6)
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}

/// Added CPU per InvokeModel: block pairs, one block of sequential calls per side.
async fn cpu_per_call(
    raw: &Caller,
    connector: &Caller,
    model: &ModelId,
    body: &Bytes,
    plan: &Plan,
) -> bool {
    let (mut raw_per_call, mut connector_per_call, mut added) = (vec![], vec![], vec![]);
    for pair in 0..plan.cpu_pairs {
        let mut per_call = [0.0; 2];
        let order = if pair % 2 == 0 { [0, 1] } else { [1, 0] };
        for side in order {
            let caller = if side == 0 { raw } else { connector };
            let before = process_cpu();
            for _ in 0..plan.cpu_block {
                assert!(caller.call(model, body).await > 0);
            }
            per_call[side] = (process_cpu() - before).as_secs_f64() / plan.cpu_block as f64;
        }
        raw_per_call.push(per_call[0]);
        connector_per_call.push(per_call[1]);
        added.push(per_call[1] - per_call[0]);
    }
    let (added, q1, q3) = spread(added);
    println!(
        "CPU per InvokeModel ({} block pairs of {} calls): raw {}, connector {}; added {} \
         (interquartile {} to {}); budget {}: {}",
        plan.cpu_pairs,
        plan.cpu_block,
        micros(median(raw_per_call)),
        micros(median(connector_per_call)),
        micros(added),
        micros(q1),
        micros(q3),
        micros(CPU_BUDGET.as_secs_f64()),
        verdict(added <= CPU_BUDGET.as_secs_f64()),
    );
    added <= CPU_BUDGET.as_secs_f64()
}

/// Added CPU per Converse call: block pairs, one block of sequential calls per side. For
/// information (no budget).
async fn converse_cpu_per_call(raw: &Caller, connector: &Caller, model: &ModelId, plan: &Plan) {
    let request = converse_request();
    let (mut raw_per_call, mut connector_per_call, mut added) = (vec![], vec![], vec![]);
    for pair in 0..plan.cpu_pairs {
        let mut per_call = [0.0; 2];
        let order = if pair % 2 == 0 { [0, 1] } else { [1, 0] };
        for side in order {
            let caller = if side == 0 { raw } else { connector };
            let before = process_cpu();
            for _ in 0..plan.cpu_block {
                assert!(caller.converse(model, &request).await > 0);
            }
            per_call[side] = (process_cpu() - before).as_secs_f64() / plan.cpu_block as f64;
        }
        raw_per_call.push(per_call[0]);
        connector_per_call.push(per_call[1]);
        added.push(per_call[1] - per_call[0]);
    }
    let (added, q1, q3) = spread(added);
    println!(
        "CPU per Converse ({} block pairs of {} calls): raw {}, connector {}; added {} \
         (interquartile {} to {}); for information",
        plan.cpu_pairs,
        plan.cpu_block,
        micros(median(raw_per_call)),
        micros(median(connector_per_call)),
        micros(added),
        micros(q1),
        micros(q3),
    );
}

/// The connector's side of every measured Converse call.
fn converse_request() -> ConverseRequest {
    ConverseRequest::new(CONVERSE_PROMPT)
        .with_max_tokens(16)
        .with_temperature(0.0)
}

/// Added latency to the first stream event: call pairs, order swapping.
async fn first_event_latency(
    raw: &Caller,
    connector: &Caller,
    model: &ModelId,
    body: &Bytes,
    plan: &Plan,
) -> bool {
    let (mut raw_times, mut connector_times, mut added) = (vec![], vec![], vec![]);
    for pair in 0..plan.stream_pairs {
        let (r, c) = if pair % 2 == 0 {
            let r = raw.first_event(model, body).await;
            (r, connector.first_event(model, body).await)
        } else {
            let c = connector.first_event(model, body).await;
            (raw.first_event(model, body).await, c)
        };
        raw_times.push(r.as_secs_f64());
        connector_times.push(c.as_secs_f64());
        added.push(c.as_secs_f64() - r.as_secs_f64());
    }
    let (added, q1, q3) = spread(added);
    println!(
        "first stream event ({} call pairs): raw p50 {}, connector p50 {}; added {} \
         (interquartile {} to {}); budget {}: {}",
        plan.stream_pairs,
        micros(median(raw_times)),
        micros(median(connector_times)),
        micros(added),
        micros(q1),
        micros(q3),
        micros(FIRST_EVENT_BUDGET.as_secs_f64()),
        verdict(added <= FIRST_EVENT_BUDGET.as_secs_f64()),
    );
    added <= FIRST_EVENT_BUDGET.as_secs_f64()
}

/// Peak RSS while `plan.in_flight` calls to the slow model are in flight through `caller`.
async fn peak_rss_in_flight(caller: &Caller, body: &Bytes, plan: &Plan) -> bool {
    let model = ModelId::new(SLOW_MODEL).expect("model id");
    let before = status_bytes("VmRSS");
    // Makes VmHWM start again from the current RSS.
    std::fs::write("/proc/self/clear_refs", "5").expect("reset the peak RSS");
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..plan.in_flight {
        let (caller, model, body) = (caller.clone(), model.clone(), body.clone());
        let (in_flight, most) = (Arc::clone(&in_flight), Arc::clone(&most));
        tasks.spawn(async move {
            let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            assert!(caller.call(&model, &body).await > 0);
            in_flight.fetch_sub(1, Ordering::SeqCst);
        });
    }
    // Every call has started once the counter reaches the plan; the emulator then holds each
    // for HOLD, so after one HOLD every call is, or has been, in flight: the calls the
    // connector lets through (`max_concurrent_calls`) holding connections, the rest waiting
    // for a place. The remaining calls are then dropped rather than waited out.
    while most.load(Ordering::SeqCst) < plan.in_flight && !tasks.is_empty() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(HOLD).await;
    let elapsed = started.elapsed();
    let peak = status_bytes("VmHWM");
    tasks.abort_all();
    while let Some(done) = tasks.join_next().await {
        if let Err(e) = done
            && !e.is_cancelled()
        {
            panic!("in-flight call: {e}");
        }
    }
    let most = most.load(Ordering::SeqCst);
    let met = peak <= RSS_BUDGET_BYTES && most == plan.in_flight;
    println!(
        "peak RSS with {most} InvokeModel calls in flight (each held {} s by the emulator; \
         measured {:.1} s after the first started): {:.1} MiB (RSS before: {:.1} MiB; {:.1} KiB \
         per call above it); budget {} MiB: {}",
        HOLD.as_secs(),
        elapsed.as_secs_f64(),
        peak as f64 / MIB,
        before as f64 / MIB,
        peak.saturating_sub(before) as f64 / 1024.0 / most.max(1) as f64,
        RSS_BUDGET_BYTES / 1024 / 1024,
        verdict(met),
    );
    met
}

/// The p50 of `latencies` (sorted in place).
fn p50(latencies: &mut [Duration]) -> Duration {
    latencies.sort_unstable();
    latencies[latencies.len() / 2]
}

/// Runs `calls` calls with `concurrency` in flight; returns each call's latency and the wall time.
async fn round(
    caller: &Caller,
    model: &ModelId,
    body: &Bytes,
    calls: usize,
    concurrency: usize,
) -> (Vec<Duration>, Duration) {
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..concurrency {
        let share = calls / concurrency + usize::from(worker < calls % concurrency);
        let (caller, model, body) = (caller.clone(), model.clone(), body.clone());
        tasks.spawn(async move {
            let mut latencies = Vec::with_capacity(share);
            for _ in 0..share {
                let t = Instant::now();
                let n = caller.call(&model, &body).await;
                latencies.push(t.elapsed());
                assert!(n > 0);
            }
            latencies
        });
    }
    let mut latencies = Vec::with_capacity(calls);
    while let Some(done) = tasks.join_next().await {
        latencies.extend(done.expect("worker"));
    }
    (latencies, started.elapsed())
}

struct Comparison {
    concurrency: usize,
    raw_p50: Duration,
    connector_p50: Duration,
    /// Median calls per second of each side.
    raw_rate: f64,
    connector_rate: f64,
    /// Connector's calls per second over the raw client's.
    rate_ratio: f64,
    /// Connector's p50 over the raw client's.
    p50_ratio: f64,
}

/// Concurrency 1, call by call: pair `i` makes one raw call and one connector call, in an order
/// that swaps every pair. The throughput ratio is the median over blocks of pairs of each side's
/// calls per second of its own call time.
async fn compare_sequential(
    raw: &Caller,
    connector: &Caller,
    model: &ModelId,
    body: &Bytes,
    plan: &Plan,
) -> Comparison {
    let mut raw_latencies = Vec::with_capacity(plan.pairs);
    let mut connector_latencies = Vec::with_capacity(plan.pairs);
    for i in 0..plan.pairs {
        let order = if i % 2 == 0 {
            [
                (raw, &mut raw_latencies),
                (connector, &mut connector_latencies),
            ]
        } else {
            [
                (connector, &mut connector_latencies),
                (raw, &mut raw_latencies),
            ]
        };
        for (caller, latencies) in order {
            let t = Instant::now();
            let n = caller.call(model, body).await;
            latencies.push(t.elapsed());
            assert!(n > 0);
        }
    }
    let rates = |latencies: &[Duration]| -> Vec<f64> {
        latencies
            .chunks_exact(plan.block)
            .map(|block| block.len() as f64 / block.iter().sum::<Duration>().as_secs_f64())
            .collect()
    };
    let (raw_rates, connector_rates) = (rates(&raw_latencies), rates(&connector_latencies));
    let raw_p50 = p50(&mut raw_latencies);
    let connector_p50 = p50(&mut connector_latencies);
    Comparison {
        concurrency: 1,
        raw_p50,
        connector_p50,
        raw_rate: median(raw_rates.clone()),
        connector_rate: median(connector_rates.clone()),
        rate_ratio: median_pair_ratio(&connector_rates, &raw_rates),
        p50_ratio: connector_p50.as_secs_f64() / raw_p50.as_secs_f64(),
    }
}

/// Concurrency `concurrency`, round by round: the two sides alternate rounds, and which goes
/// first swaps every pair of rounds. Both ratios are medians over adjacent round pairs.
async fn compare_concurrent(
    raw: &Caller,
    connector: &Caller,
    model: &ModelId,
    body: &Bytes,
    plan: &Plan,
    concurrency: usize,
) -> Comparison {
    let (mut raw_side, mut connector_side) = (Rounds::default(), Rounds::default());
    for r in 0..plan.rounds {
        let order = if r % 2 == 0 {
            [(raw, &mut raw_side), (connector, &mut connector_side)]
        } else {
            [(connector, &mut connector_side), (raw, &mut raw_side)]
        };
        for (caller, side) in order {
            let (mut latencies, wall) =
                round(caller, model, body, plan.concurrent, concurrency).await;
            side.rates.push(latencies.len() as f64 / wall.as_secs_f64());
            side.p50s.push(p50(&mut latencies).as_secs_f64());
            side.latencies.extend(latencies);
        }
    }
    Comparison {
        concurrency,
        raw_p50: p50(&mut raw_side.latencies),
        connector_p50: p50(&mut connector_side.latencies),
        raw_rate: median(raw_side.rates.clone()),
        connector_rate: median(connector_side.rates.clone()),
        rate_ratio: median_pair_ratio(&connector_side.rates, &raw_side.rates),
        p50_ratio: median_pair_ratio(&connector_side.p50s, &raw_side.p50s),
    }
}

/// What the rounds of one side measured.
#[derive(Default)]
struct Rounds {
    /// Every call's latency.
    latencies: Vec<Duration>,
    /// Calls per second of each round.
    rates: Vec<f64>,
    /// p50 latency of each round, in seconds.
    p50s: Vec<f64>,
}

fn credentials() -> SharedCredentialsProvider {
    SharedCredentialsProvider::new(Credentials::new(
        EXAMPLE_ACCESS_KEY_ID,
        EXAMPLE_SECRET_ACCESS_KEY,
        None,
        None,
        "connector-overhead",
    ))
}

/// The backend's settings: the emulator, and one connection pool for both sides, so each call,
/// whichever side makes it, goes out on the same kept-alive connections.
fn backend_config(url: &str) -> AwsBackendConfig {
    AwsBackendConfig {
        endpoint_url: Some(url.to_owned()),
        credentials: Some(credentials()),
        http_client: bedrock_backend_aws::default_http_client(),
        ..AwsBackendConfig::default()
    }
}

/// The raw client, configured as the AWS backend configures its own (same region, retry,
/// timeouts and HTTP client), so the difference is the connector's code alone.
fn raw_client(url: &str, backend: &AwsBackendConfig) -> Caller {
    let mut timeouts = TimeoutConfig::builder();
    if let Some(t) = backend.connect_timeout {
        timeouts = timeouts.connect_timeout(t);
    }
    let mut config = aws_sdk_bedrockruntime::Config::builder()
        .behavior_version(aws_sdk_bedrockruntime::config::BehaviorVersion::latest())
        .region(aws_sdk_bedrockruntime::config::Region::new("us-east-1"))
        .credentials_provider(credentials())
        .endpoint_url(url)
        .retry_config(RetryConfig::standard().with_max_attempts(backend.max_attempts))
        .timeout_config(timeouts.build());
    if let Some(http) = &backend.http_client {
        config = config.http_client(http.clone());
    }
    Caller::Raw(aws_sdk_bedrockruntime::Client::from_conf(config.build()))
}

/// The side under test: the connector over the AWS backend, or (`--control`) another raw client.
fn under_test(url: &str, backend: AwsBackendConfig, control: bool) -> Caller {
    if control {
        return raw_client(url, &backend);
    }
    Caller::Connector(
        Connector::builder()
            .backend(Arc::new(AwsBackend::new(backend)))
            .registry(Arc::new(default_registry()))
            .build()
            .expect("connector"),
    )
}

/// The emulator's side of the benchmark, in the child process: serves until its standard input
/// closes (which also happens when the parent dies), after printing its URL on the first line.
fn emulator_child() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        let emulator = Emulator::builder()
            .config(EmulatorConfig {
                simulator: SimulatorConfig {
                    // Keep the emulator's own per-call work small and constant.
                    log_capacity: 0,
                    ..SimulatorConfig::default()
                },
                faults: vec![
                    FaultRule::new(Fault::Latency {
                        millis: HOLD.as_millis() as u64,
                    })
                    .model(SLOW_MODEL),
                ],
                // The raw client of a `--control` run opens one connection per call in flight.
                max_connections: 12_000,
                ..EmulatorConfig::default()
            })
            .start()
            .await
            .expect("emulator starts");
        println!("{}", emulator.url());
        tokio::task::spawn_blocking(|| {
            let _ = std::io::stdin().read_to_end(&mut Vec::new());
        })
        .await
        .expect("stdin watcher");
        emulator.shutdown().await.expect("emulator stops");
    });
}

/// Starts the emulator child; its URL.
fn start_emulator() -> (Child, String) {
    let mut child = Command::new(std::env::current_exe().expect("this benchmark's path"))
        .arg("--emulator-child")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("emulator child starts");
    let mut url = String::new();
    BufReader::new(child.stdout.take().expect("child stdout"))
        .read_line(&mut url)
        .expect("emulator URL");
    (child, url.trim().to_owned())
}

fn main() {
    if std::env::args().any(|a| a == "--emulator-child") {
        return emulator_child();
    }
    let quick = std::env::args().any(|a| a == "--quick");
    let control = std::env::args().any(|a| a == "--control");
    let plan = Plan::new(quick);
    let (mut emulator, url) = start_emulator();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let met = runtime.block_on(async {
        let config = backend_config(&url);
        let raw = raw_client(&url, &config);
        let connector = under_test(&url, config, control);
        let model = ModelId::new(MODEL).expect("model id");
        let body = Bytes::from_static(BODY.as_bytes());

        // Warm up both: connections, credentials cache, endpoint resolution, allocator.
        for caller in [&raw, &connector] {
            round(caller, &model, &body, plan.warmup, 16).await;
            caller.first_event(&model, &body).await;
            for _ in 0..plan.warmup / 4 {
                caller.converse(&model, &converse_request()).await;
            }
        }

        println!(
            "connector_overhead: {} against the raw aws-sdk-bedrockruntime client, emulator in \
             a child process, current-thread runtime{}",
            if control {
                "a second raw client"
            } else {
                "Connector (TracingLayer + AwsBackend)"
            },
            match (quick, control) {
                (false, false) => "",
                (true, false) => " (--quick)",
                (false, true) => " (--control)",
                (true, true) => " (--quick --control)",
            }
        );
        let mut met = cpu_per_call(&raw, &connector, &model, &body, &plan).await;
        met &= first_event_latency(&raw, &connector, &model, &body, &plan).await;
        converse_cpu_per_call(&raw, &connector, &model, &plan).await;

        println!(
            "for information, InvokeModel latency and throughput; concurrency 1: {} call pairs; \
             concurrency 64: {} rounds of {} calls per side",
            plan.pairs, plan.rounds, plan.concurrent
        );
        println!(
            "{:>11} | {:>12} {:>12} {:>9} | {:>11} {:>11} {:>9}",
            "concurrency", "raw p50", "conn p50", "ratio", "raw call/s", "conn call/s", "ratio"
        );
        for concurrency in [1, 64] {
            let c = if concurrency == 1 {
                compare_sequential(&raw, &connector, &model, &body, &plan).await
            } else {
                compare_concurrent(&raw, &connector, &model, &body, &plan, concurrency).await
            };
            println!(
                "{:>11} | {:>12?} {:>12?} {:>9.3} | {:>11.0} {:>11.0} {:>9.3}",
                c.concurrency,
                c.raw_p50,
                c.connector_p50,
                c.p50_ratio,
                c.raw_rate,
                c.connector_rate,
                c.rate_ratio
            );
        }

        // Last, since it raises the process's memory for good: its own connection pool, as
        // every call needs a connection of its own.
        let in_flight = under_test(&url, backend_config(&url), control);
        met &= peak_rss_in_flight(&in_flight, &body, &plan).await;
        met
    });
    drop(emulator.stdin.take());
    emulator.wait().expect("emulator child ends");
    println!("budgets: {}", if met { "all met" } else { "MISSED" });
}
