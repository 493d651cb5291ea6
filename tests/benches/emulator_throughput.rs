//! Benchmark: the emulator (SigV4 checked) serving InvokeModel to the real Rust SDK client,
//! against a bare axum handler that answers the same bytes, at concurrency 1 and 64; the
//! server-side cost of one call split into SigV4 verification and the simulator; then the
//! process's resident memory before and after 100,000 InvokeModel calls.
//!
//! Short rounds of the two servers alternate (and swap which goes first) so machine load drifts
//! onto both alike. The throughput ratio is the median, over adjacent round pairs, of the
//! emulator's calls per second divided by the bare handler's; latency percentiles are over every
//! call of a side.
//!
//! Run with `cargo bench -p bedrock-e2e-tests --bench emulator_throughput` (add `-- --quick`
//! for a short run). Everything runs in this process on 127.0.0.1.

#![allow(
    clippy::print_stdout,
    reason = "a benchmark reports its figures on stdout"
)]

mod support;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use aws_sdk_bedrockruntime::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_bedrockruntime::config::retry::RetryConfig;
use aws_sdk_bedrockruntime::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_types::Blob;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Uri};
use bedrock_auth::{KnownCredential, SigningKeyCache, verify_sigv4, verify_sigv4_scope};
use bedrock_core::Region;
use bedrock_emulator::{
    EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY, Emulator, EmulatorConfig, EmulatorHandle,
};
use bedrock_simulator::{SimRequest, Simulator, SimulatorConfig};
use bytes::Bytes;
use support::{median, median_pair_ratio};

const MODEL: &str = "anthropic.claude-3-haiku-20240307-v1:0";

/// The throughput target: the emulator's calls per second at least this share of the bare
/// handler's, at concurrency 1.
const RATIO_TARGET: f64 = 0.85;

/// How many calls each part makes.
struct Plan {
    warmup: usize,
    /// Rounds per side in each comparison.
    rounds: usize,
    /// Calls per round at concurrency 1.
    sequential: usize,
    /// Calls per round at `concurrency`.
    concurrent: usize,
    concurrency: usize,
    memory_calls: usize,
    component_calls: usize,
}

impl Plan {
    fn full() -> Self {
        Plan {
            warmup: 500,
            rounds: 24,
            sequential: 250,
            concurrent: 1_280,
            concurrency: 64,
            memory_calls: 100_000,
            component_calls: 20_000,
        }
    }

    fn quick() -> Self {
        Plan {
            warmup: 50,
            rounds: 6,
            sequential: 100,
            concurrent: 640,
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

/// The client configuration every part of the bench uses: the emulator's example credentials,
/// no retries.
fn client_config(url: &str) -> aws_sdk_bedrockruntime::config::Builder {
    aws_sdk_bedrockruntime::Config::builder()
        .behavior_version_latest()
        .endpoint_url(url)
        .region(aws_sdk_bedrockruntime::config::Region::new("us-east-1"))
        .credentials_provider(aws_credential_types::Credentials::from_keys(
            EXAMPLE_ACCESS_KEY_ID,
            EXAMPLE_SECRET_ACCESS_KEY,
            None,
        ))
        .retry_config(RetryConfig::disabled())
}

fn client(url: &str) -> aws_sdk_bedrockruntime::Client {
    aws_sdk_bedrockruntime::Client::from_conf(client_config(url).build())
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

/// Throughput and latency of one run of calls.
struct Run {
    calls: usize,
    elapsed: Duration,
    /// CPU time of the whole process (client and server) during the run.
    cpu: Duration,
    /// Every call's latency, unsorted.
    latencies: Vec<Duration>,
}

impl Run {
    fn calls_per_sec(&self) -> f64 {
        self.calls as f64 / self.elapsed.as_secs_f64()
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
    let cpu_before = process_cpu();
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..concurrency {
        let share = calls / concurrency + usize::from(worker < calls % concurrency);
        let client = client.clone();
        let body = body.clone();
        tasks.spawn(async move {
            let mut latencies = Vec::with_capacity(share);
            for _ in 0..share {
                let t = Instant::now();
                call(&client, &body).await;
                latencies.push(t.elapsed());
            }
            latencies
        });
    }
    let mut latencies = Vec::with_capacity(calls);
    while let Some(done) = tasks.join_next().await {
        latencies.extend(done.expect("a benchmark task"));
    }
    let elapsed = started.elapsed();
    Run {
        calls: latencies.len(),
        elapsed,
        cpu: process_cpu().saturating_sub(cpu_before),
        latencies,
    }
}

/// Every round of one side of a comparison.
#[derive(Default)]
struct Side {
    calls: usize,
    cpu: Duration,
    latencies: Vec<Duration>,
    /// Calls per second of each round.
    rates: Vec<f64>,
}

impl Side {
    fn add(&mut self, run: Run) {
        self.rates.push(run.calls_per_sec());
        self.calls += run.calls;
        self.cpu += run.cpu;
        self.latencies.extend(run.latencies);
    }

    /// Sorts the latencies; call before [`Side::p`].
    fn finish(&mut self) {
        self.latencies.sort_unstable();
    }

    fn p(&self, p: f64) -> Duration {
        percentile(&self.latencies, p)
    }

    fn calls_per_sec(&self) -> f64 {
        median(self.rates.clone())
    }

    fn cpu_per_call(&self) -> Duration {
        self.cpu / self.calls.max(1) as u32
    }
}

/// The emulator against the bare handler at one concurrency, in interleaved rounds.
struct Comparison {
    label: String,
    emu: Side,
    bare: Side,
    /// Median over round pairs of the emulator's rate divided by the bare handler's.
    ratio: f64,
}

async fn compare(
    label: String,
    emulator: &aws_sdk_bedrockruntime::Client,
    bare: &aws_sdk_bedrockruntime::Client,
    rounds: usize,
    calls: usize,
    concurrency: usize,
) -> Comparison {
    let (mut emu_side, mut bare_side) = (Side::default(), Side::default());
    for r in 0..rounds {
        // Alternate which side goes first, so neither always follows the other.
        if r % 2 == 0 {
            bare_side.add(run(bare, calls, concurrency).await);
            emu_side.add(run(emulator, calls, concurrency).await);
        } else {
            emu_side.add(run(emulator, calls, concurrency).await);
            bare_side.add(run(bare, calls, concurrency).await);
        }
    }
    emu_side.finish();
    bare_side.finish();
    let ratio = median_pair_ratio(&emu_side.rates, &bare_side.rates);
    Comparison {
        label,
        emu: emu_side,
        bare: bare_side,
        ratio,
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

/// The server-side work of one InvokeModel, measured without HTTP and with hot caches.
struct ServerSideCosts {
    /// SigV4 verification as the emulator runs it: signing key from a warm cache, scope
    /// borrowed from the request.
    sigv4: Duration,
    /// SigV4 verification from scratch (`verify_sigv4`: signing key derived every time).
    sigv4_uncached: Duration,
    /// The simulator's answer.
    simulate: Duration,
}

/// The server-side work of one InvokeModel, measured without HTTP: SigV4 verification of a
/// request the SDK really signed, and the simulator's answer to its body.
async fn server_side_costs(url: &str, calls: usize) -> ServerSideCosts {
    let capture = CaptureRequest::default();
    let capturing = aws_sdk_bedrockruntime::Client::from_conf(
        client_config(url).interceptor(capture.clone()).build(),
    );
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
    let known = KnownCredential::long_term(EXAMPLE_SECRET_ACCESS_KEY);
    let cache = SigningKeyCache::new();
    let sigv4 = mean_of(calls, || {
        let verified = verify_sigv4_scope(
            &wire.method,
            &path_and_query,
            &headers,
            &wire.body,
            |key| (key == EXAMPLE_ACCESS_KEY_ID).then_some(&known),
            now,
            Duration::MAX,
            &cache,
        );
        std::hint::black_box(verified).expect("the SDK's signature verifies");
    });
    let sigv4_uncached = mean_of(calls, || {
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
    ServerSideCosts {
        sigv4,
        sigv4_uncached,
        simulate,
    }
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
        rows.push(
            compare(
                format!("emulator, {concurrency}"),
                &emulator_client,
                &bare_client,
                plan.rounds,
                calls,
                concurrency,
            )
            .await,
        );
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
    rows.push(
        compare(
            "emulator no SigV4, 1".to_owned(),
            &unchecked_client,
            &bare_client,
            plan.rounds,
            plan.sequential,
            1,
        )
        .await,
    );
    unchecked.shutdown().await.expect("emulator stops");

    println!();
    println!(
        "InvokeModel {MODEL}, max_tokens 16, response body {} bytes, real aws-sdk-bedrockruntime client",
        fixed.len()
    );
    println!(
        "rounds per side: {} ({} calls each at concurrency 1, {} at {}), interleaved",
        plan.rounds, plan.sequential, plan.concurrent, plan.concurrency
    );
    println!(
        "{:<22} {:>6} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7} {:>7} {:>7} {:>7}",
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
        "p50 r",
        "ratio"
    );
    for row in &rows {
        print_row(row);
    }
    println!(
        "(calls/s: median of the rounds; p50/p99: latency per call in ms over every call; cpu: \
         process CPU per call in us, client and server; p50 r: bare p50 / emulator p50; ratio: \
         median over round pairs of emulator calls/s / bare calls/s)"
    );
    let ratio_1 = rows[0].ratio;
    println!(
        "ratio emulator/bare at concurrency 1: {ratio_1:.3} (target >= {RATIO_TARGET}: {}); at {}: {:.3}",
        if ratio_1 >= RATIO_TARGET {
            "met"
        } else {
            "missed"
        },
        plan.concurrency,
        rows[1].ratio
    );
    let costs = server_side_costs(&emulator.url(), plan.component_calls).await;
    // Per call, from the same median pair ratio as above and the bare handler's median rate.
    let bare_rate = rows[0].bare.calls_per_sec();
    let extra = Duration::from_secs_f64(((1.0 / ratio_1 - 1.0) / bare_rate).max(0.0));
    let budget = Duration::from_secs_f64((1.0 / RATIO_TARGET - 1.0) / bare_rate);
    println!();
    println!(
        "server-side cost of one call, without HTTP ({} calls each):",
        plan.component_calls
    );
    println!(
        "  SigV4 verification as the emulator runs it        {:>8.1} us (verify_sigv4_scope, cached signing key)",
        us(costs.sigv4)
    );
    println!(
        "  SigV4 verification from scratch                   {:>8.1} us (verify_sigv4, key derived each time)",
        us(costs.sigv4_uncached)
    );
    println!(
        "  simulator answer (Simulator::invoke)              {:>8.1} us",
        us(costs.simulate)
    );
    println!(
        "  emulator minus bare at concurrency 1, per call   {:>8.1} us (budget for ratio {RATIO_TARGET}: {:.1} us)",
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
    // Only the counts are kept, so the runs' latency lists do not show up as growth.
    let first_half = run(&memory_client, plan.memory_calls / 2, plan.concurrency)
        .await
        .calls;
    let middle = rss_kib();
    let second_half = run(&memory_client, plan.memory_calls / 2, plan.concurrency)
        .await
        .calls;
    let after = rss_kib();
    let memory_calls = first_half + second_half;
    let elapsed = started.elapsed();
    let log_len = emulator.simulator().request_log().len();
    println!();
    println!(
        "memory: {memory_calls} InvokeModel calls at concurrency {} in {:.1}s ({:.0}/s); request log holds {log_len} of capacity {log_capacity}",
        plan.concurrency,
        elapsed.as_secs_f64(),
        memory_calls as f64 / elapsed.as_secs_f64()
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

/// One line of the table: the emulator's rounds against the bare server's.
fn print_row(row: &Comparison) {
    let (emu, bare) = (&row.emu, &row.bare);
    println!(
        "{:<22} {:>6} {:>8.0} {:>8.0} {:>8.3} {:>8.3} {:>8.3} {:>8.3} {:>7.1} {:>7.1} {:>7.3} {:>7.3}",
        row.label,
        emu.calls,
        emu.calls_per_sec(),
        bare.calls_per_sec(),
        ms(emu.p(0.50)),
        ms(bare.p(0.50)),
        ms(emu.p(0.99)),
        ms(bare.p(0.99)),
        us(emu.cpu_per_call()),
        us(bare.cpu_per_call()),
        bare.p(0.50).as_secs_f64() / emu.p(0.50).as_secs_f64(),
        row.ratio
    );
}
