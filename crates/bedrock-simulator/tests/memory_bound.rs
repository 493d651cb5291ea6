//! Simulator state stays bounded under distinct hostile model ids (issue 17): 12,000 calls with
//! 16 KB invalid ids once took the emulator from 1 MB to 350 MB. Alone in its own test binary so
//! the resident-memory reading is not disturbed by other tests.

use bedrock_core::Region;
use bedrock_simulator::{SimRequest, Simulator, SimulatorConfig};

const CALLS: usize = 12_000;
const ID_BYTES: usize = 16 * 1024;

/// Resident memory of this process in KiB, from `/proc/self/status`.
#[cfg(target_os = "linux")]
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// A distinct invalid identifier of `ID_BYTES` bytes (a space is not allowed in model ids).
fn hostile_id(i: usize) -> String {
    let mut id = format!("x {i:08} ");
    id.push_str(&"y".repeat(ID_BYTES - id.len()));
    id
}

#[tokio::test]
async fn distinct_hostile_model_ids_keep_simulator_memory_bounded() {
    let sim = Simulator::new(SimulatorConfig::with_seed(1));
    let body = br#"{"inputText": "hello"}"#;
    let good = "amazon.titan-text-express-v1";
    #[cfg(target_os = "linux")]
    let rss_before = rss_kib();

    for i in 0..CALLS {
        let err = sim
            .invoke(SimRequest::invoke(
                hostile_id(i),
                Region::UsEast1,
                &body[..],
            ))
            .await
            .unwrap_err();
        assert_eq!(err.service_details().unwrap().status, Some(400));
        if i % 1000 == 0 {
            // A good request still gets a good answer, and is counted.
            sim.invoke(SimRequest::invoke(good, Region::UsEast1, &body[..]))
                .await
                .unwrap();
        }
    }
    assert_eq!(sim.attempts_for(good), CALLS / 1000);
    assert_eq!(
        sim.attempts_for(&hostile_id(0)),
        0,
        "invalid ids are not counted"
    );

    // The log keeps whole entries, newest last, but cuts each id to 2,048 bytes and keeps at
    // most `log_max_bytes` (4 MiB by default) of entries in all.
    let log = sim.request_log();
    let logged_id_bytes: usize = log
        .iter()
        .filter_map(|e| e.model_id.as_ref())
        .map(String::len)
        .sum();
    assert!(
        log.iter()
            .filter_map(|e| e.model_id.as_ref())
            .all(|id| id.len() <= 2048 + '…'.len_utf8()),
        "ids are cut to 2,048 bytes"
    );
    assert!(
        logged_id_bytes <= 4 << 20,
        "{logged_id_bytes} bytes of ids logged"
    );
    let footprint = sim.footprint();
    assert!(
        footprint.log_bytes <= sim.config().log_max_bytes,
        "{footprint:?}"
    );
    assert!(
        footprint.log_entries <= sim.config().log_capacity,
        "{footprint:?}"
    );
    assert_eq!(footprint.log_entries, log.len());
    assert!(
        footprint.attempt_counters <= 1,
        "only the good model is counted: {footprint:?}"
    );
    let last = log.last().unwrap();
    assert!(
        last.model_id
            .as_ref()
            .unwrap()
            .starts_with(&hostile_id(CALLS - 1)[..2048])
    );

    // Resident memory: before the fix it grew by about 505 MiB here (196 MB of ids in the
    // attempt counters, 164 MB in the log). Now about 9 MiB (the 4 MiB log budget plus
    // allocator slack); the bound is 16 MiB because RSS includes the test harness.
    #[cfg(target_os = "linux")]
    {
        let grown_kib = rss_kib().saturating_sub(rss_before);
        assert!(
            grown_kib < 16 * 1024,
            "resident memory grew by {grown_kib} KiB over {CALLS} calls (bound 16 MiB)"
        );
    }
}
