//! The backend conformance suite of `bedrock_testkit::backend`, run against both backends: the
//! in-process simulator (`MockBackend`) and the AWS SDK backend over the emulator, each with
//! its own in-memory prompt history; then `same_answers` between the two, with the same
//! simulator seed.

mod support;

use std::sync::Arc;

use bedrock_connector::{Connector, ConnectorBuilderExt as _, Region};
use bedrock_emulator::EmulatorHandle;
use bedrock_history::SqliteHistory;
use bedrock_simulator::{MockBackend, Simulator, SimulatorConfig};
use bedrock_testkit::{
    BackendSuite, Sweep, listing_and_filters, run_backend_conformance, same_answers,
};
use support::{aws_backend_config, example_credentials, start_emulator, with_simulator, within};

const SEED: u64 = 20_240_307;

/// Regions whose listing is checked besides the suite's own (`us-east-1`).
const OTHER_LISTING_REGIONS: [Region; 2] = [Region::EuWest1, Region::UsWest2];

/// A connector with every adapter over the in-process simulator, and the simulator.
fn mock_connector(history: bool) -> (Connector, Simulator) {
    let backend = MockBackend::new(SimulatorConfig::with_seed(SEED));
    let simulator = backend.simulator().clone();
    // The suite checks what the backend answers, errors included: the connector's own
    // pre-flight check (tested in profiles.rs) would answer some of them locally first.
    let mut builder = Connector::builder()
        .default_adapters()
        .preflight(false)
        .backend(Arc::new(backend));
    if history {
        builder = builder.history(in_memory_history());
    }
    (
        builder.build().expect("the mock connector builds"),
        simulator,
    )
}

/// An emulator over a simulator with the suite's seed, and a connector with every adapter over
/// the AWS SDK backend pointed at it.
async fn aws_connector(history: bool) -> (Connector, EmulatorHandle) {
    let emulator = start_emulator(with_simulator(SimulatorConfig::with_seed(SEED))).await;
    let mut builder = Connector::builder()
        .default_adapters()
        .preflight(false)
        .aws_backend(aws_backend_config(emulator.url(), example_credentials()));
    if history {
        builder = builder.history(in_memory_history());
    }
    (builder.build().expect("the AWS connector builds"), emulator)
}

fn in_memory_history() -> Arc<SqliteHistory> {
    Arc::new(SqliteHistory::open_in_memory().expect("an in-memory history opens"))
}

/// The suite, then the listing in other regions.
async fn conformance(connector: &Connector, simulator: &Simulator) {
    let calls_seen = |model: &str| simulator.attempts_for(model);
    let suite = BackendSuite::new(Region::UsEast1).calls_seen(&calls_seen);
    run_backend_conformance(connector, &suite).await;
    for region in OTHER_LISTING_REGIONS {
        listing_and_filters(connector.backend().as_ref(), region).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mock_backend_conforms() {
    let (connector, simulator) = mock_connector(true);
    within(
        "the suite over the mock",
        conformance(&connector, &simulator),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_aws_backend_over_the_emulator_conforms() {
    let (connector, emulator) = aws_connector(true).await;
    within(
        "the suite over AWS",
        conformance(&connector, emulator.simulator()),
    )
    .await;
}

/// Every model in the connectors' region; then, with a region named by each call, one model
/// per adapter API.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_aws_backend_answers_as_the_mock_does() {
    let (aws, _emulator) = aws_connector(false).await;
    let (mock, _) = mock_connector(false);
    within("same answers", async {
        same_answers(&aws, &mock, Region::UsEast1, &Sweep::every_model()).await;
        same_answers(
            &aws,
            &mock,
            Region::EuWest1,
            &Sweep::every_model().per_api(1),
        )
        .await;
    })
    .await;
}
