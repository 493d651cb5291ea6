//! Refresh under load: Roles Anywhere credentials that live 2 s, 16 tasks invoking a model
//! through one AWS backend for 10 s. No call may fail, and the emulator must see about one
//! `CreateSession` per credential lifetime, not one per call.

mod credentials_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bedrock_auth::{CredentialsSpec, RolesAnywhereSettings, into_shared_provider};
use bedrock_backend_aws::{AwsBackend, AwsBackendConfig};
use bedrock_core::{Backend, InvokeModelRequest, ModelId, Region};
use bedrock_emulator::Emulator;
use bytes::Bytes;
use credentials_support::*;

const LIFETIME: Duration = Duration::from_secs(2);
const RUN_FOR: Duration = Duration::from_secs(10);
const TASKS: usize = 16;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_tasks_for_ten_seconds_on_two_second_credentials() {
    let root = Ca::root("Soak Root CA");
    let emulator = Emulator::builder()
        .config(emulator_config(&root, LIFETIME))
        .bind("127.0.0.1:0")
        .start()
        .await
        .expect("emulator starts");
    let url = emulator.url();
    let dir = tempfile::tempdir().unwrap();
    let files = root
        .client(&rcgen::PKCS_ECDSA_P256_SHA256, "soak")
        .write(dir.path(), "soak", None);
    let spec = CredentialsSpec::RolesAnywhere(RolesAnywhereSettings {
        certificate: files.certificate,
        private_key: files.private_key,
        trust_anchor_arn: TRUST_ANCHOR_ARN.to_owned(),
        profile_arn: PROFILE_ARN.to_owned(),
        role_arn: ROLE_ARN.to_owned(),
        endpoint_url: Some(url.clone()),
        ..RolesAnywhereSettings::default()
    });
    // The source refreshes 1 s before expiry; the backend's cache asks it 0.5 s (plus up to
    // half of that as jitter) before expiry, so each ask lands inside the source's margin.
    let source = spec.source(REGION, Duration::from_secs(1)).await.unwrap();
    let backend = Arc::new(AwsBackend::new(AwsBackendConfig {
        endpoint_url: Some(url),
        credentials: Some(into_shared_provider(source)),
        credentials_refresh_buffer: Duration::from_millis(500),
        max_attempts: 1,
        ..AwsBackendConfig::default()
    }));

    let calls = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(std::sync::Mutex::new(Vec::new()));
    let started = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let (backend, calls, failures) = (backend.clone(), calls.clone(), failures.clone());
            tokio::spawn(async move {
                while started.elapsed() < RUN_FOR {
                    let request = InvokeModelRequest::json(
                        ModelId::new(MODEL).unwrap(),
                        Region::UsEast1,
                        Bytes::from_static(br#"{"inputText":"soak"}"#),
                    );
                    if let Err(e) = backend.invoke_model(request).await {
                        failures.lock().unwrap().push(e.to_string());
                    }
                    calls.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let elapsed = started.elapsed();
    let calls = calls.load(Ordering::Relaxed);
    let failures = failures.lock().unwrap();
    let sessions = emulator.credential_requests().create_session;
    println!(
        "soak: {calls} calls by {TASKS} tasks in {elapsed:?}, {} failed, {sessions} CreateSession",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} failed calls: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    // About one session per lifetime: at most twice that, plus the first and one spare.
    let bound = (elapsed.as_secs_f64() / LIFETIME.as_secs_f64() * 2.0).ceil() as u64 + 2;
    assert!(
        sessions <= bound,
        "{sessions} CreateSession requests for {calls} calls (bound {bound})"
    );
    assert!(
        sessions >= 2,
        "credentials of 2 s were refreshed over 10 s: {sessions}"
    );
    assert!(calls > sessions * 10, "{calls} calls, {sessions} sessions");
}
