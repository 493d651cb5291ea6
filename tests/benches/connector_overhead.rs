//! Benchmark: what the connector adds to an InvokeModel call. `Connector::invoke_model_generic`
//! over the AWS SDK backend against the raw `aws-sdk-bedrockruntime` client's `invoke_model`,
//! both against the same in-process emulator, over one shared HTTP client (one connection pool),
//! at concurrency 1 and 64. The figures are ratios, connector to raw client, measured in one run:
//!
//! - Concurrency 1: one task alternates the two call by call (raw then connector, then the other
//!   way round), so both see the same machine at the same moments. p50 ratio: of the p50s over
//!   every call of each side. Throughput ratio: the median over blocks of consecutive call pairs
//!   of each side's calls per second of its own call time in the block.
//! - Concurrency 64: 64 tasks call one side for a short round, then the other side (the order
//!   swaps every round). Both ratios are medians over adjacent round pairs (load that comes and
//!   goes hits both halves of a pair alike): of the rounds' p50 latencies and of their calls per
//!   second.
//!
//! Run with `cargo bench -p bedrock-e2e-tests --bench connector_overhead` (add `-- --quick` for
//! a short run, `-- --control` to put a second raw client in the connector's place, which shows
//! the harness's own noise: both ratios should come out near 1.000). Everything runs in this
//! process on 127.0.0.1; no tracing subscriber is installed, as in an application that has none.

#![allow(
    clippy::print_stdout,
    reason = "a benchmark reports its figures on stdout"
)]

mod support;

use std::time::{Duration, Instant};

use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_bedrockruntime::config::retry::RetryConfig;
use aws_sdk_bedrockruntime::config::timeout::TimeoutConfig;
use aws_smithy_types::Blob;
use bedrock_backend_aws::AwsBackendConfig;
use bedrock_backend_mock::SimulatorConfig;
use bedrock_connector::{Connector, ConnectorBuilderExt as _, InvokeModelGenericRequest, ModelId};
use bedrock_emulator::{
    EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY, Emulator, EmulatorConfig, EmulatorHandle,
};
use bytes::Bytes;
use support::{median, median_pair_ratio};

const MODEL: &str = "amazon.titan-text-express-v1";
const BODY: &str =
    r#"{"inputText":"Say hello.","textGenerationConfig":{"maxTokenCount":16,"temperature":0}}"#;

/// Targets: the connector's p50 at most 3% above the raw client's, its throughput at least 97%.
const P50_TARGET: f64 = 1.03;
const THROUGHPUT_TARGET: f64 = 0.97;

struct Plan {
    warmup: usize,
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
                pairs: 1_000,
                block: 50,
                rounds: 8,
                concurrent: 640,
            }
        } else {
            Plan {
                warmup: 1_000,
                pairs: 12_000,
                block: 100,
                rounds: 60,
                concurrent: 1_280,
            }
        }
    }
}

/// One way of making the call under test.
#[derive(Clone)]
enum Caller {
    Raw(aws_sdk_bedrockruntime::Client),
    Connector(Connector),
}

impl Caller {
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
/// that swaps every pair.
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
    // Calls per second of each side's own call time, block by block.
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
/// first swaps every pair of rounds.
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

/// The raw client, configured as the AWS backend configures its own (same region, retry,
/// timeouts and HTTP client), so the difference is the connector's code alone.
fn raw_client(url: &str, backend: &AwsBackendConfig) -> aws_sdk_bedrockruntime::Client {
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
    let config = config.build();
    aws_sdk_bedrockruntime::Client::from_conf(config)
}

async fn start_emulator() -> EmulatorHandle {
    Emulator::builder()
        .config(EmulatorConfig {
            simulator: SimulatorConfig {
                // Keep the emulator's own per-call work small and constant.
                log_capacity: 0,
                ..SimulatorConfig::default()
            },
            ..EmulatorConfig::default()
        })
        .start()
        .await
        .expect("emulator starts")
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let control = std::env::args().any(|a| a == "--control");
    let plan = Plan::new(quick);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async move {
        let emulator = start_emulator().await;
        let url = emulator.url();
        let backend_config = AwsBackendConfig {
            endpoint_url: Some(url.clone()),
            credentials: Some(credentials()),
            // One connection pool for both sides: each call, whichever side makes it, goes out
            // on the same kept-alive connections to the same server tasks.
            http_client: bedrock_backend_aws::default_http_client(),
            ..AwsBackendConfig::default()
        };
        let raw = Caller::Raw(raw_client(&url, &backend_config));
        let connector = if control {
            Caller::Raw(raw_client(&url, &backend_config))
        } else {
            Caller::Connector(
                Connector::builder()
                    .default_adapters()
                    .aws_backend(backend_config)
                    .build()
                    .expect("connector"),
            )
        };
        let model = ModelId::new(MODEL).expect("model id");
        let body = Bytes::from_static(BODY.as_bytes());

        // Warm up both: connections, credentials cache, endpoint resolution, allocator.
        for caller in [&raw, &connector] {
            round(caller, &model, &body, plan.warmup, 16).await;
        }

        println!(
            "connector_overhead: InvokeModel; concurrency 1: {} call pairs; concurrency 64: {} \
             rounds of {} calls per side{}",
            plan.pairs,
            plan.rounds,
            plan.concurrent,
            match (quick, control) {
                (false, false) => "",
                (true, false) => " (--quick)",
                (false, true) => " (--control: raw client on both sides)",
                (true, true) => " (--quick --control: raw client on both sides)",
            }
        );
        println!(
            "{:>11} | {:>12} {:>12} {:>9} | {:>11} {:>11} {:>9}",
            "concurrency", "raw p50", "conn p50", "ratio", "raw call/s", "conn call/s", "ratio"
        );
        let mut met = true;
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
            met &= c.p50_ratio <= P50_TARGET && c.rate_ratio >= THROUGHPUT_TARGET;
        }
        println!(
            "target: p50 ratio <= {P50_TARGET}, throughput ratio >= {THROUGHPUT_TARGET}: {}",
            if met { "met" } else { "MISSED" }
        );
        emulator.shutdown().await.expect("emulator stops");
    });
}
