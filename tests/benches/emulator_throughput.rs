//! Benchmark: the emulator (SigV4 checked) serving InvokeModel to the real Rust SDK client,
//! against a bare axum handler that answers the same bytes, at concurrency 1 and 64; the
//! server-side cost of one call split into SigV4 verification and the simulator; then the
//! process's resident memory before and after 100,000 InvokeModel calls.
//!
//! Run with `cargo bench -p bedrock-e2e-tests --bench emulator_throughput` (add `-- --quick`
//! for a short run). Everything runs in this process on 127.0.0.1.

#![allow(
    clippy::print_stdout,
    reason = "a benchmark reports its figures on stdout"
)]

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use aws_sdk_bedrockruntime::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_bedrockruntime::config::retry::RetryConfig;
use aws_sdk_bedrockruntime::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_types::Blob;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Uri};
use bedrock_auth::{KnownCredential, verify_sigv4};
use bedrock_backend_mock::{SimRequest, Simulator, SimulatorConfig};
use bedrock_core::Region;
use bedrock_emulator::{
    EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY, Emulator, EmulatorConfig, EmulatorHandle,
};
use bytes::Bytes;

const MODEL: &str = "anthropic.claude-3-haiku-20240307-v1:0";

/// How many calls each part makes.
struct Plan {
    warmup: usize,
    sequential: usize,
    concurrent: usize,
    concurrency: usize,
    memory_calls: usize,
    component_calls: usize,
}

impl Plan {
    fn full() -> Self {
        Plan {
            warmup: 500,
            sequential: 5_000,
            concurrent: 20_000,
            concurrency: 64,
            memory_calls: 100_000,
            component_calls: 20_000,
        }
    }

    fn quick() -> Self {
        Plan {
            warmup: 50,
            sequential: 300,
            concurrent: 1_280,
            concurrency: 64,
            memory_calls: 5_000,
            component_calls: 2_000,
        }
    }
}

fn request_body() -> Bytes {
    Bytes::from(
        serde_json::json!({
            "anthropic_version": "bedrock-2023-05-31",
            "max_tokens": 16,
            "messages": [{"role": "user", "content": "Say hello in five words."}],
        })
        .to_string(),
    )
}

fn client(url: &str) -> aws_sdk_bedrockruntime::Client {
    let config = aws_sdk_bedrockruntime::Config::builder()
        .behavior_version_latest()
        .endpoint_url(url)
        .region(aws_sdk_bedrockruntime::config::Region::new("us-east-1"))
        .credentials_provider(aws_credential_types::Credentials::from_keys(
            EXAMPLE_ACCESS_KEY_ID,
            EXAMPLE_SECRET_ACCESS_KEY,
            None,
        ))
        .retry_config(RetryConfig::disabled())
        .build();
    aws_sdk_bedrockruntime::Client::from_conf(config)
}

async fn call(client: &aws_sdk_bedrockruntime::Client, body: &Bytes) -> usize {
    let out = client
        .invoke_model()
        .model_id(MODEL)
        .content_type("application/json")
        .accept("application/json")
        .body(Blob::new(body.to_vec()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("InvokeModel failed during the benchmark: {e:?}"));
    out.body().as_ref().len()
}

/// Throughput and latency of one run.
struct Run {
    calls: usize,
    elapsed: Duration,
    /// CPU time of the whole process (client and server) during the run.
    cpu: Duration,
    p50: Duration,
    p99: Duration,
}

impl Run {
    fn calls_per_sec(&self) -> f64 {
        self.calls as f64 / self.elapsed.as_secs_f64()
    }

    fn cpu_per_call(&self) -> Duration {
        self.cpu / self.calls.max(1) as u32
    }
}

/// CPU time (user + system) this process has used so far, from /proc/self/stat.
fn process_cpu() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // Fields after the command name (which may hold spaces) start at field 3; utime and stime
    // are fields 14 and 15, in clock ticks of 1/100 s on Linux.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

/// `calls` InvokeModel calls spread over `concurrency` tasks sharing one client.
async fn run(client: &aws_sdk_bedrockruntime::Client, calls: usize, concurrency: usize) -> Run {
    let body = request_body();
    let per_task = calls.div_ceil(concurrency);
    let cpu_before = process_cpu();
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let client = client.clone();
        let body = body.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_task);
            for _ in 0..per_task {
                let t = Instant::now();
                call(&client, &body).await;
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::with_capacity(per_task * concurrency);
    for task in tasks {
        latencies.extend(task.await.expect("a benchmark task"));
    }
    let elapsed = started.elapsed();
    let cpu = process_cpu().saturating_sub(cpu_before);
    latencies.sort_unstable();
    Run {
        calls: latencies.len(),
        elapsed,
        cpu,
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
    }
}

/// One request exactly as the SDK put it on the wire (after signing).
#[derive(Debug, Clone, Default)]
struct WireRequest {
    method: String,
    uri: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Records the last request the SDK transmitted.
#[derive(Debug, Clone, Default)]
struct CaptureRequest(Arc<Mutex<WireRequest>>);

impl Intercept for CaptureRequest {
    fn name(&self) -> &'static str {
        "CaptureRequest"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let request = context.request();
        let wire = WireRequest {
            method: request.method().to_owned(),
            uri: request.uri().to_owned(),
            headers: request
                .headers()
                .iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            body: request.body().bytes().unwrap_or_default().to_vec(),
        };
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = wire;
        Ok(())
    }
}

/// Mean time of one call of `f` over `n` calls.
fn mean_of(n: usize, mut f: impl FnMut()) -> Duration {
    let started = Instant::now();
    for _ in 0..n {
        f();
    }
    started.elapsed() / n.max(1) as u32
}

/// The server-side work of one InvokeModel, measured without HTTP: SigV4 verification of a
/// request the SDK really signed, and the simulator's answer to its body.
async fn server_side_costs(url: &str, calls: usize) -> (Duration, Duration) {
    let capture = CaptureRequest::default();
    let config = aws_sdk_bedrockruntime::Config::builder()
        .behavior_version_latest()
        .endpoint_url(url)
        .region(aws_sdk_bedrockruntime::config::Region::new("us-east-1"))
        .credentials_provider(aws_credential_types::Credentials::from_keys(
            EXAMPLE_ACCESS_KEY_ID,
            EXAMPLE_SECRET_ACCESS_KEY,
            None,
        ))
        .retry_config(RetryConfig::disabled())
        .interceptor(capture.clone())
        .build();
    let capturing = aws_sdk_bedrockruntime::Client::from_conf(config);
    call(&capturing, &request_body()).await;
    let wire = capture
        .0
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();

    let uri: Uri = wire.uri.parse().expect("the SDK's URI");
    let path_and_query = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let mut headers = HeaderMap::new();
    for (name, value) in &wire.headers {
        headers.append(
            HeaderName::from_bytes(name.as_bytes()).expect("header name"),
            HeaderValue::from_str(value).expect("header value"),
        );
    }
    // The HTTP client adds `Host` from the URI when it writes the request.
    if !headers.contains_key("host") {
        let authority = uri.authority().expect("the SDK's URI has a host").as_str();
        headers.insert(
            "host",
            HeaderValue::from_str(authority).expect("host header"),
        );
    }
    let lookup = |key: &str| {
        (key == EXAMPLE_ACCESS_KEY_ID)
            .then(|| KnownCredential::long_term(EXAMPLE_SECRET_ACCESS_KEY))
    };
    let now = SystemTime::now();
    verify_sigv4(
        &wire.method,
        &path_and_query,
        &headers,
        &wire.body,
        lookup,
        now,
        Duration::MAX,
    )
    .expect("the SDK's signature verifies");
    let sigv4 = mean_of(calls, || {
        let verified = verify_sigv4(
            &wire.method,
            &path_and_query,
            &headers,
            &wire.body,
            lookup,
            now,
            Duration::MAX,
        );
        std::hint::black_box(verified).expect("verifies");
    });

    let simulator = Simulator::new(SimulatorConfig::default());
    let body = Bytes::from(wire.body);
    let started = Instant::now();
    for _ in 0..calls {
        let answer = simulator
            .invoke(SimRequest::invoke(MODEL, Region::UsEast1, body.clone()))
            .await
            .expect("the simulator answers");
        std::hint::black_box(answer);
    }
    let simulate = started.elapsed() / calls.max(1) as u32;
    (sigv4, simulate)
}

/// A bare axum server on 127.0.0.1 that reads the request and answers `body` as JSON.
async fn start_bare(body: Bytes) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind bare server");
    let addr = listener.local_addr().expect("bare server address");
    let body = Arc::new(body);
    let app = axum::Router::new().fallback(move |request_body: Bytes| {
        let body = Arc::clone(&body);
        async move {
            std::hint::black_box(request_body);
            ([("content-type", "application/json")], Bytes::clone(&body))
        }
    });
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.expect("bare server runs");
    });
    (format!("http://{addr}"), task)
}

async fn start_emulator(log_capacity: usize) -> EmulatorHandle {
    let config = EmulatorConfig {
        simulator: SimulatorConfig {
            log_capacity,
            ..SimulatorConfig::default()
        },
        ..EmulatorConfig::default()
    };
    assert!(
        !config.no_auth,
        "the benchmark measures the emulator with SigV4 checking on"
    );
    Emulator::builder()
        .config(config)
        .bind("127.0.0.1:0")
        .start()
        .await
        .expect("emulator starts")
}

/// Resident set size of this process in KiB (`VmRSS` in /proc/self/status).
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000_000.0
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let plan = if quick { Plan::quick() } else { Plan::full() };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    runtime.block_on(bench(plan, quick));
}

async fn bench(plan: Plan, quick: bool) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "emulator_throughput{}: {cores} cores, {} build",
        if quick { " (quick)" } else { "" },
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );

    // The emulator's answer fixes the bare server's body: same bytes, same size.
    let emulator = start_emulator(SimulatorConfig::default().log_capacity).await;
    let emulator_client = client(&emulator.url());
    let answer = emulator_client
        .invoke_model()
        .model_id(MODEL)
        .content_type("application/json")
        .body(Blob::new(request_body().to_vec()))
        .send()
        .await
        .expect("the emulator answers");
    let fixed = Bytes::copy_from_slice(answer.body().as_ref());
    let (bare_url, bare_task) = start_bare(fixed.clone()).await;
    let bare_client = client(&bare_url);
    assert_eq!(call(&bare_client, &request_body()).await, fixed.len());

    // Warm up both paths (connection pools, allocator, caches).
    run(&emulator_client, plan.warmup, 8).await;
    run(&bare_client, plan.warmup, 8).await;

    let mut rows = Vec::new();
    for concurrency in [1, plan.concurrency] {
        let calls = if concurrency == 1 {
            plan.sequential
        } else {
            plan.concurrent
        };
        // Alternate so drift (thermal, other load) hits both sides alike.
        let bare_a = run(&bare_client, calls / 2, concurrency).await;
        let emu_a = run(&emulator_client, calls / 2, concurrency).await;
        let bare_b = run(&bare_client, calls / 2, concurrency).await;
        let emu_b = run(&emulator_client, calls / 2, concurrency).await;
        rows.push((concurrency, merge(emu_a, emu_b), merge(bare_a, bare_b)));
    }
    // The same emulator with SigV4 checking off, at concurrency 1, to see what checking costs
    // in place (the client still signs).
    let unchecked = Emulator::builder()
        .no_auth(true)
        .bind("127.0.0.1:0")
        .start()
        .await
        .expect("emulator starts");
    let unchecked_client = client(&unchecked.url());
    run(&unchecked_client, plan.warmup, 8).await;
    let unchecked_a = run(&unchecked_client, plan.sequential / 2, 1).await;
    let bare_a = run(&bare_client, plan.sequential / 2, 1).await;
    let unchecked_b = run(&unchecked_client, plan.sequential / 2, 1).await;
    let bare_b = run(&bare_client, plan.sequential / 2, 1).await;
    let (unchecked_run, unchecked_bare) = (merge(unchecked_a, unchecked_b), merge(bare_a, bare_b));
    unchecked.shutdown().await.expect("emulator stops");

    println!();
    println!(
        "InvokeModel {MODEL}, max_tokens 16, response body {} bytes, real aws-sdk-bedrockruntime client",
        fixed.len()
    );
    println!(
        "{:<24} {:>6} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>7}",
        "server, concurrency",
        "calls",
        "emu/s",
        "bare/s",
        "emu p50",
        "bare p50",
        "emu p99",
        "bare p99",
        "emu cpu",
        "bare cpu",
        "ratio"
    );
    for (concurrency, emu, bare) in &rows {
        print_row(&format!("emulator, {concurrency}"), emu, bare);
    }
    print_row("emulator no SigV4, 1", &unchecked_run, &unchecked_bare);
    println!(
        "(p50/p99: latency per call in ms; cpu: process CPU per call in us, client and server)"
    );
    let ratio_1 = rows[0].1.calls_per_sec() / rows[0].2.calls_per_sec();
    println!(
        "ratio emulator/bare at concurrency 1: {ratio_1:.3} (target >= 0.85: {})",
        if ratio_1 >= 0.85 { "met" } else { "missed" }
    );
    let (sigv4, simulate) = server_side_costs(&emulator.url(), plan.component_calls).await;
    let (emu, bare) = (&rows[0].1, &rows[0].2);
    let extra =
        Duration::from_secs_f64((1.0 / emu.calls_per_sec() - 1.0 / bare.calls_per_sec()).max(0.0));
    let budget = Duration::from_secs_f64((1.0 / 0.85 - 1.0) / bare.calls_per_sec());
    println!();
    println!(
        "server-side cost of one call, without HTTP ({} calls each):",
        plan.component_calls
    );
    println!(
        "  SigV4 verification (bedrock_auth::verify_sigv4)   {:>8.1} us",
        us(sigv4)
    );
    println!(
        "  simulator answer (Simulator::invoke)              {:>8.1} us",
        us(simulate)
    );
    println!(
        "  emulator minus bare at concurrency 1, per call   {:>8.1} us (budget for ratio 0.85: {:.1} us)",
        us(extra),
        us(budget)
    );
    bare_task.abort();
    emulator.shutdown().await.expect("emulator stops");

    // Memory: a fresh emulator with the default bounded log, many calls, RSS before and after.
    let log_capacity = SimulatorConfig::default().log_capacity;
    let emulator = start_emulator(log_capacity).await;
    let memory_client = client(&emulator.url());
    run(&memory_client, plan.warmup, plan.concurrency).await;
    let before = rss_kib();
    let started = Instant::now();
    // Two halves: once the log's ring buffer is full, the second half must not grow further.
    let first_half = run(&memory_client, plan.memory_calls / 2, plan.concurrency).await;
    let middle = rss_kib();
    let second_half = run(&memory_client, plan.memory_calls / 2, plan.concurrency).await;
    let after = rss_kib();
    let memory_run = merge(first_half, second_half);
    let log_len = emulator.simulator().request_log().len();
    println!();
    println!(
        "memory: {} InvokeModel calls at concurrency {} in {:.1}s ({:.0}/s); request log holds {log_len} of capacity {log_capacity}",
        memory_run.calls,
        plan.concurrency,
        started.elapsed().as_secs_f64(),
        memory_run.calls_per_sec()
    );
    match (before, middle, after) {
        (Some(b), Some(m), Some(a)) => println!(
            "memory: VmRSS before {:.1} MiB, after half the calls {:.1} MiB, after all {:.1} MiB; \
             delta {:+.1} MiB (second half {:+.1} MiB)",
            mib(b),
            mib(m),
            mib(a),
            mib(a) - mib(b),
            mib(a) - mib(m)
        ),
        _ => println!("memory: /proc/self/status has no VmRSS on this system"),
    }
    assert!(log_len <= log_capacity, "the request log is bounded");
    emulator.shutdown().await.expect("emulator stops");
}

/// One line of the table: the emulator's run against the bare server's.
fn print_row(label: &str, emu: &Run, bare: &Run) {
    println!(
        "{:<24} {:>6} {:>9.0} {:>9.0} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.1} {:>9.1} {:>7.3}",
        label,
        emu.calls,
        emu.calls_per_sec(),
        bare.calls_per_sec(),
        ms(emu.p50),
        ms(bare.p50),
        ms(emu.p99),
        ms(bare.p99),
        us(emu.cpu_per_call()),
        us(bare.cpu_per_call()),
        emu.calls_per_sec() / bare.calls_per_sec()
    );
}

fn merge(a: Run, b: Run) -> Run {
    // Calls per second over both halves; latency percentiles as the mean of the halves'.
    Run {
        calls: a.calls + b.calls,
        elapsed: a.elapsed + b.elapsed,
        cpu: a.cpu + b.cpu,
        p50: (a.p50 + b.p50) / 2,
        p99: (a.p99 + b.p99) / 2,
    }
}
