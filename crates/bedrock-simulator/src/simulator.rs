//! `Simulator`: the deterministic Bedrock service (catalog, invocations, streams), its fault
//! rules, request log and attempt counters, shared by the in-process backend and the emulator.

use std::borrow::Cow;
use std::collections::{BTreeMap, VecDeque};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bedrock_core::catalog;
use bedrock_core::{
    Error, ListFoundationModelsRequest, ListFoundationModelsResponse, ModelId, ModelIdError,
    ModelSummary, Region, Result,
};
use bytes::Bytes;
use futures::Stream;
use serde::Serialize;
use serde_json::Value;

use crate::config::SimulatorConfig;
use crate::families::{self, Call, Completed, Family};
use crate::fault::{Fault, FaultRule, Operation};
use crate::models;
use crate::rejection::{self, Rejection};
use crate::rng::{SplitMix64, mix, stable_hash, uuid_like};

/// One call to the simulator, as the transport received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimRequest {
    /// The operation. [`Simulator::invoke`] and [`Simulator::invoke_stream`] answer as their
    /// name says; this field is what the request log records.
    pub operation: Operation,
    /// The model identifier as received (already percent-decoded): a bare id, a profile id or
    /// an ARN.
    pub model_id: String,
    /// The region the call went to.
    pub region: Region,
    /// The request body.
    pub body: Bytes,
    /// `Content-Type`; `None` is taken as `application/json`.
    pub content_type: Option<String>,
    /// `Accept` (`X-Amzn-Bedrock-Accept` when streaming); `None` is taken as `application/json`.
    pub accept: Option<String>,
    /// The attempt number from `amz-sdk-request`, when the call came over HTTP.
    pub attempt: Option<u32>,
}

impl SimRequest {
    /// An InvokeModel request with a JSON body.
    pub fn invoke(model_id: impl Into<String>, region: Region, body: impl Into<Bytes>) -> Self {
        SimRequest {
            operation: Operation::Invoke,
            model_id: model_id.into(),
            region,
            body: body.into(),
            content_type: Some("application/json".to_owned()),
            accept: None,
            attempt: None,
        }
    }

    /// An InvokeModelWithResponseStream request with a JSON body.
    pub fn invoke_stream(
        model_id: impl Into<String>,
        region: Region,
        body: impl Into<Bytes>,
    ) -> Self {
        SimRequest {
            operation: Operation::InvokeStream,
            ..SimRequest::invoke(model_id, region, body)
        }
    }

    /// Sets `Content-Type`.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// Sets `Accept`.
    pub fn accept(mut self, accept: impl Into<String>) -> Self {
        self.accept = Some(accept.into());
        self
    }

    /// Sets the attempt number.
    pub fn attempt(mut self, attempt: u32) -> Self {
        self.attempt = Some(attempt);
        self
    }
}

/// A successful InvokeModel answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimResponse {
    /// The model's response body.
    pub body: Bytes,
    /// Its content type (`application/json`).
    pub content_type: String,
    /// `X-Amzn-Bedrock-Input-Token-Count`.
    pub input_tokens: u32,
    /// `X-Amzn-Bedrock-Output-Token-Count`; `None` for embeddings and images.
    pub output_tokens: Option<u32>,
    /// `X-Amzn-Bedrock-Invocation-Latency`: the simulated latency plus any injected delay.
    pub latency: Duration,
    /// `x-amzn-RequestId`.
    pub request_id: String,
}

/// One item of a simulated response stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimChunk {
    /// A `chunk` event: the model's own JSON chunk (not base64-encoded).
    Chunk(Bytes),
    /// A scripted fault: the transport should drop the connection here, without an end.
    Truncate,
}

/// A simulated response stream: chunks in order; a mid-stream exception is an `Err` item, after
/// which the stream ends.
pub type SimStream = Pin<Box<dyn Stream<Item = Result<SimChunk>> + Send>>;

/// A successful InvokeModelWithResponseStream answer: the stream plus its headers.
pub struct SimStreamResponse {
    /// The chunks.
    pub stream: SimStream,
    /// `X-Amzn-Bedrock-Content-Type` (`application/json`).
    pub content_type: String,
    /// `x-amzn-RequestId`.
    pub request_id: String,
}

impl std::fmt::Debug for SimStreamResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimStreamResponse")
            .field("content_type", &self.content_type)
            .field("request_id", &self.request_id)
            .finish_non_exhaustive()
    }
}

/// How a logged call ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoggedOutcome {
    /// HTTP status answered (200 for a stream that started, even if a fault cut it later).
    pub status: u16,
    /// The exception name for an error answer (`ThrottlingException`).
    pub error_type: Option<String>,
    /// Names of the scripted faults that fired on this call (`latency`, `truncate_stream`).
    pub faults: Vec<String>,
}

/// One entry of the request log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoggedRequest {
    /// Position of the call since the simulator started or was reset (0, 1, ...).
    pub sequence: u64,
    /// The request id answered.
    pub request_id: String,
    /// The operation.
    pub operation: Operation,
    /// The model identifier as received; `None` for ListFoundationModels. An identifier longer
    /// than 2,048 bytes (Bedrock's limit, so Bedrock refuses it) is kept as its first 2,048
    /// bytes followed by `…`.
    pub model_id: Option<String>,
    /// The region.
    pub region: Region,
    /// The attempt number, when the transport knew it.
    pub attempt: Option<u32>,
    /// Request body length in bytes.
    pub body_len: usize,
    /// How it ended.
    pub outcome: LoggedOutcome,
}

/// A deterministic, in-process Amazon Bedrock: the catalog, simulated model outputs for every
/// family, scripted faults, a bounded request log and per-model attempt counters.
///
/// Cloning is cheap and clones share state. The same configuration and the same sequence of
/// calls give the same bodies, request ids and fault dice on every run.
#[derive(Clone, Debug)]
pub struct Simulator {
    inner: Arc<Inner>,
}

struct Inner {
    config: SimulatorConfig,
    state: Mutex<State>,
    /// Converse's prompt cache, kept apart from `state` so a Converse call holds one lock at a
    /// time.
    converse: crate::converse::ConverseState,
}

impl std::fmt::Debug for Inner {
    // The log can hold thousands of entries: show its size, not its content.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f.debug_struct("Simulator")
            .field("config", &self.config)
            .field("fault_rules", &state.rules.len())
            .field("logged_requests", &state.log.len())
            .field("log_bytes", &state.log_bytes)
            .field("next_sequence", &state.next_sequence)
            .finish()
    }
}

/// How much state a [`Simulator`] holds, as its bounds count it ([`Simulator::footprint`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateFootprint {
    /// Entries in the request log: at most `log_capacity`.
    pub log_entries: usize,
    /// Bytes the request log's entries count for: at most `log_max_bytes`.
    pub log_bytes: usize,
    /// Attempt counters held: one per catalog model called, plus at most 256 for well-formed
    /// identifiers that name no catalog model.
    pub attempt_counters: usize,
    /// Fault rules installed.
    pub fault_rules: usize,
}

struct State {
    rules: Vec<ArmedRule>,
    dice: SplitMix64,
    next_sequence: u64,
    log: VecDeque<LogEntry>,
    /// The sum of the log's [`LogEntry::bytes`].
    log_bytes: usize,
    /// Calls per catalog model, under its bare id.
    attempts: BTreeMap<&'static str, usize>,
    /// Calls per well-formed identifier that names no catalog model (an unknown id, a custom
    /// model's ARN): at most [`OTHER_ID_COUNTERS`] of them, each at most 2,048 bytes.
    other_attempts: BTreeMap<Box<str>, usize>,
}

/// How many identifiers outside the catalog get an attempt counter: enough for tests that
/// count calls to made-up ids, few enough that distinct ids cannot grow the map (256 ids of
/// at most 2,048 bytes: about 0.5 MiB).
const OTHER_ID_COUNTERS: usize = 256;

/// The longest model identifier the request log keeps whole: Bedrock's own limit, so every id
/// Bedrock accepts is logged as received.
const LOGGED_ID_MAX_BYTES: usize = 2048;

/// A request-log entry as kept: what [`LoggedRequest`] shows, without a heap allocation per
/// call. The request id is not stored (it follows from the seed and the sequence number), a
/// model identifier is shared with the recent entries that named the same one, and names of
/// error types and faults are the simulator's own constants.
struct LogEntry {
    sequence: u64,
    operation: Operation,
    model_id: Option<Arc<str>>,
    region: Region,
    attempt: Option<u32>,
    body_len: usize,
    status: u16,
    error_type: Option<&'static str>,
    faults: Vec<&'static str>,
}

/// How many of the latest log entries are searched for a model identifier to share.
const SHARED_ID_LOOKBACK: usize = 8;

/// A model identifier as the log keeps it: whole up to [`LOGGED_ID_MAX_BYTES`], else cut there
/// (on a character boundary) and marked with `…`.
fn logged_id(id: &str) -> Cow<'_, str> {
    if id.len() <= LOGGED_ID_MAX_BYTES {
        return Cow::Borrowed(id);
    }
    let end = (0..=LOGGED_ID_MAX_BYTES)
        .rev()
        .find(|&i| id.is_char_boundary(i))
        .unwrap_or(0);
    Cow::Owned(format!("{}…", id.get(..end).unwrap_or_default()))
}

impl LogEntry {
    /// What the entry counts for against `log_max_bytes`: its own size, its model id (counted
    /// in full for every entry, even when entries share one copy, so the sum never falls short
    /// of what is held) and its list of fault names.
    fn bytes(&self) -> usize {
        let id = self.model_id.as_ref().map_or(0, |m| {
            // An `Arc<str>` allocation holds two counters before the text.
            m.len().saturating_add(std::mem::size_of::<[usize; 2]>())
        });
        let faults = self
            .faults
            .capacity()
            .saturating_mul(std::mem::size_of::<&str>());
        std::mem::size_of::<LogEntry>()
            .saturating_add(id)
            .saturating_add(faults)
    }

    fn to_logged(&self, seed: u64) -> LoggedRequest {
        LoggedRequest {
            sequence: self.sequence,
            request_id: request_id(seed, self.sequence),
            operation: self.operation,
            model_id: self.model_id.as_deref().map(str::to_owned),
            region: self.region,
            attempt: self.attempt,
            body_len: self.body_len,
            outcome: LoggedOutcome {
                status: self.status,
                error_type: self.error_type.map(str::to_owned),
                faults: self.faults.iter().map(|f| (*f).to_owned()).collect(),
            },
        }
    }
}

/// The request id of call number `sequence`.
fn request_id(seed: u64, sequence: u64) -> String {
    let a = mix(seed ^ mix(sequence.wrapping_add(0x5eed)));
    uuid_like(a, mix(a ^ sequence))
}

struct ArmedRule {
    rule: FaultRule,
    fired: u32,
}

/// What the fault rules decided for one call.
pub(crate) struct Plan {
    pub(crate) sequence: u64,
    pub(crate) request_id: String,
    pub(crate) delay: Duration,
    pub(crate) error: Option<Rejection>,
    pub(crate) stream_fault: Option<Fault>,
    pub(crate) malformed: bool,
    pub(crate) faults: Vec<&'static str>,
}

/// What the log needs about a call.
pub(crate) struct CallInfo<'a> {
    pub(crate) operation: Operation,
    pub(crate) model_id: Option<&'a str>,
    pub(crate) region: Region,
    pub(crate) attempt: Option<u32>,
    pub(crate) body_len: usize,
}

impl<'a> CallInfo<'a> {
    /// The log's view of an invocation of `operation`.
    fn of(operation: Operation, req: &'a SimRequest) -> Self {
        CallInfo {
            operation,
            model_id: Some(&req.model_id),
            region: req.region,
            attempt: req.attempt,
            body_len: req.body.len(),
        }
    }
}

impl State {
    fn new(seed: u64) -> Self {
        State {
            rules: Vec::new(),
            dice: SplitMix64::new(stable_hash(&[&seed.to_le_bytes(), b"fault dice"])),
            next_sequence: 0,
            log: VecDeque::new(),
            log_bytes: 0,
            attempts: BTreeMap::new(),
            other_attempts: BTreeMap::new(),
        }
    }
}

/// Which counter counts calls naming an identifier.
enum AttemptKey<'a> {
    /// A catalog model, however it was addressed.
    Catalog(&'static str),
    /// A well-formed identifier that names no catalog model: its bare id, else itself.
    Other(&'a str),
    /// A malformed identifier: not counted, since distinct ones would grow the counters
    /// without bound and Bedrock refuses them all alike.
    Uncounted,
}

/// The counter for `model_id`, already parsed into `id`.
fn attempt_key<'a>(
    model_id: &'a str,
    id: &'a std::result::Result<ModelId, ModelIdError>,
) -> AttemptKey<'a> {
    let Ok(parsed) = id else {
        return AttemptKey::Uncounted;
    };
    let key = parsed.base_model_id().unwrap_or(model_id);
    match catalog::find_model(key) {
        Some(model) => AttemptKey::Catalog(model.model_id),
        None => AttemptKey::Other(key),
    }
}

/// The bare foundation-model id behind a parsed identifier, if any.
fn base_of(id: &std::result::Result<ModelId, ModelIdError>) -> Option<&str> {
    id.as_ref().ok().and_then(ModelId::base_model_id)
}

fn is_json(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json")
}

impl Simulator {
    /// A simulator with `config`. The simulated date is not checked here; use
    /// [`Simulator::try_new`] for configuration read from a file.
    pub fn new(config: SimulatorConfig) -> Self {
        let state = State::new(config.seed);
        Simulator {
            inner: Arc::new(Inner {
                config,
                state: Mutex::new(state),
                converse: crate::converse::ConverseState::default(),
            }),
        }
    }

    /// A simulator with `config`, after checking it.
    pub fn try_new(config: SimulatorConfig) -> Result<Self> {
        config.validate()?;
        Ok(Simulator::new(config))
    }

    /// The configuration.
    pub fn config(&self) -> &SimulatorConfig {
        &self.inner.config
    }

    /// Converse's prompt-cache state.
    pub(crate) fn converse_state(&self) -> &crate::converse::ConverseState {
        &self.inner.converse
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while the lock was held cannot leave the state half-updated in a way that
        // matters to a simulator: keep serving.
        self.inner
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Replaces the fault rules (their counters start from zero).
    pub fn set_faults(&self, rules: Vec<FaultRule>) {
        self.state().rules = rules
            .into_iter()
            .map(|rule| ArmedRule { rule, fired: 0 })
            .collect();
    }

    /// Appends a fault rule.
    pub fn add_fault(&self, rule: FaultRule) {
        self.state().rules.push(ArmedRule { rule, fired: 0 });
    }

    /// The fault rules in force.
    pub fn faults(&self) -> Vec<FaultRule> {
        self.state().rules.iter().map(|r| r.rule.clone()).collect()
    }

    /// Clears the fault rules, the attempt counters and the request log, and restarts request
    /// ids and fault dice from the seed: afterwards the simulator behaves as if new.
    pub fn reset(&self) {
        *self.state() = State::new(self.inner.config.seed);
        self.inner.converse.clear();
    }

    /// The request log, oldest first: at most `config.log_capacity` entries, whose
    /// [`StateFootprint::log_bytes`] add up to at most `config.log_max_bytes`.
    pub fn request_log(&self) -> Vec<LoggedRequest> {
        let seed = self.inner.config.seed;
        self.state().log.iter().map(|e| e.to_logged(seed)).collect()
    }

    /// How many calls named this model (InvokeModel, InvokeModelWithResponseStream and
    /// GetFoundationModel, however the model was addressed: bare id, profile id or ARN).
    ///
    /// Every catalog model is counted. Well-formed identifiers outside the catalog are counted
    /// for the first 256 distinct ones since the last [`Simulator::reset`]; malformed ones
    /// (which Bedrock refuses) are not counted and read 0.
    pub fn attempts_for(&self, model_id: &str) -> usize {
        let id = ModelId::new(model_id);
        let state = self.state();
        let count = match attempt_key(model_id, &id) {
            AttemptKey::Catalog(key) => state.attempts.get(key),
            AttemptKey::Other(key) => state.other_attempts.get(key),
            AttemptKey::Uncounted => None,
        };
        count.copied().unwrap_or(0)
    }

    /// How much state the simulator holds now, as its limits count it: log entries and bytes,
    /// attempt counters, fault rules.
    pub fn footprint(&self) -> StateFootprint {
        let state = self.state();
        StateFootprint {
            log_entries: state.log.len(),
            log_bytes: state.log_bytes,
            attempt_counters: state
                .attempts
                .len()
                .saturating_add(state.other_attempts.len()),
            fault_rules: state.rules.len(),
        }
    }

    /// Numbers the call, counts the attempt and runs the fault rules. `model` is the model
    /// identifier as received and parsed, for the calls that name one.
    pub(crate) fn begin(
        &self,
        operation: Operation,
        model: Option<(&str, &std::result::Result<ModelId, ModelIdError>)>,
    ) -> Plan {
        let seed = self.inner.config.seed;
        let mut state = self.state();
        let sequence = state.next_sequence;
        state.next_sequence = sequence.wrapping_add(1);
        let request_id = request_id(seed, sequence);
        let model_id = model.map(|(raw, _)| raw);
        let base = model.and_then(|(_, id)| base_of(id));
        if let Some((raw, id)) = model {
            match attempt_key(raw, id) {
                AttemptKey::Catalog(key) => {
                    let n = state.attempts.entry(key).or_insert(0);
                    *n = n.saturating_add(1);
                }
                AttemptKey::Other(key) => {
                    let room = state.other_attempts.len() < OTHER_ID_COUNTERS;
                    match state.other_attempts.get_mut(key) {
                        Some(n) => *n = n.saturating_add(1),
                        None if room => {
                            state.other_attempts.insert(key.into(), 1);
                        }
                        None => {}
                    }
                }
                AttemptKey::Uncounted => {}
            }
        }
        let mut plan = Plan {
            sequence,
            request_id,
            delay: Duration::ZERO,
            error: None,
            stream_fault: None,
            malformed: false,
            faults: Vec::new(),
        };
        let State { rules, dice, .. } = &mut *state;
        for armed in rules.iter_mut() {
            let rule = &armed.rule;
            if !rule.selects(operation, model_id, base) {
                continue;
            }
            if rule.times.is_some_and(|n| armed.fired >= n) {
                continue;
            }
            if let Some(p) = rule.probability
                && dice.unit() >= p
            {
                continue;
            }
            armed.fired = armed.fired.saturating_add(1);
            plan.faults.push(rule.fault.name());
            match &rule.fault {
                // Rules can ask for any number of u64::MAX-millisecond waits: saturate.
                Fault::Latency { millis } => {
                    plan.delay = plan.delay.saturating_add(Duration::from_millis(*millis));
                }
                Fault::MalformedBody => plan.malformed = true,
                Fault::TruncateStream { .. } | Fault::StreamError { .. } => {
                    if plan.stream_fault.is_none() {
                        plan.stream_fault = Some(rule.fault.clone());
                    }
                }
                other => {
                    plan.error = other.rejection();
                    break;
                }
            }
        }
        plan
    }

    pub(crate) fn log(
        &self,
        plan: &Plan,
        call: &CallInfo<'_>,
        status: u16,
        error_type: Option<&'static str>,
    ) {
        let capacity = self.inner.config.log_capacity;
        let budget = self.inner.config.log_max_bytes;
        if capacity == 0 || budget == 0 {
            return;
        }
        let mut state = self.state();
        // Calls mostly name the model of a call just before: share that entry's copy of the id.
        let model_id = call.model_id.map(|id| {
            let id = logged_id(id);
            state
                .log
                .iter()
                .rev()
                .take(SHARED_ID_LOOKBACK)
                .find_map(|e| e.model_id.as_ref().filter(|m| ***m == *id))
                .map_or_else(|| Arc::from(id.as_ref()), Arc::clone)
        });
        let entry = LogEntry {
            sequence: plan.sequence,
            operation: call.operation,
            model_id,
            region: call.region,
            attempt: call.attempt,
            body_len: call.body_len,
            status,
            error_type,
            faults: plan.faults.clone(),
        };
        state.log_bytes = state.log_bytes.saturating_add(entry.bytes());
        state.log.push_back(entry);
        // Oldest first, until both bounds hold (an entry bigger than the whole budget, from
        // thousands of fault rules firing at once, is dropped too).
        while state.log.len() > capacity || state.log_bytes > budget {
            let Some(oldest) = state.log.pop_front() else {
                break;
            };
            state.log_bytes = state.log_bytes.saturating_sub(oldest.bytes());
        }
    }

    /// Logs and converts a rejection.
    /// The error for `rejection` outside any logged call (a background step of a call that
    /// was logged when it started), with a request id of its own.
    pub(crate) fn unlogged_error(
        &self,
        rejection: Rejection,
        model_id: &str,
        region: Region,
    ) -> Error {
        let sequence = {
            let mut state = self.state();
            let sequence = state.next_sequence;
            state.next_sequence = sequence.wrapping_add(1);
            sequence
        };
        let request_id = request_id(self.inner.config.seed, sequence);
        rejection.into_error(&request_id, Some(model_id), Some(region))
    }

    pub(crate) fn fail(&self, plan: &Plan, call: &CallInfo<'_>, rejection: Rejection) -> Error {
        self.log(plan, call, rejection.status, Some(rejection.error_type));
        rejection.into_error(&plan.request_id, call.model_id, Some(call.region))
    }

    /// ListFoundationModels in `region` with Bedrock's filters. Error faults apply; latency
    /// faults are skipped here (this call cannot wait), see
    /// [`Simulator::list_foundation_models_async`].
    pub fn list_foundation_models(
        &self,
        region: Region,
        request: &ListFoundationModelsRequest,
    ) -> Result<ListFoundationModelsResponse> {
        let plan = self.begin(Operation::List, None);
        self.finish_list(&plan, region, request)
    }

    /// ListFoundationModels, waiting out latency faults first.
    pub async fn list_foundation_models_async(
        &self,
        region: Region,
        request: &ListFoundationModelsRequest,
    ) -> Result<ListFoundationModelsResponse> {
        let plan = self.begin(Operation::List, None);
        wait(plan.delay).await;
        self.finish_list(&plan, region, request)
    }

    fn finish_list(
        &self,
        plan: &Plan,
        region: Region,
        request: &ListFoundationModelsRequest,
    ) -> Result<ListFoundationModelsResponse> {
        let call = CallInfo {
            operation: Operation::List,
            model_id: None,
            region,
            attempt: None,
            body_len: 0,
        };
        if let Some(r) = plan.error.clone() {
            return Err(self.fail(plan, &call, r));
        }
        let models = models::list(&self.inner.config, region, request);
        self.log(plan, &call, 200, None);
        Ok(ListFoundationModelsResponse { models })
    }

    /// GetFoundationModel: a bare id or a foundation-model ARN; unknown ids, models not listed
    /// in `region` and retired models answer 404 `ResourceNotFoundException`. Latency faults are
    /// skipped here, see [`Simulator::get_foundation_model_async`].
    pub fn get_foundation_model(
        &self,
        region: Region,
        model_identifier: &str,
    ) -> Result<ModelSummary> {
        let id = ModelId::new(model_identifier);
        let plan = self.begin(Operation::Get, Some((model_identifier, &id)));
        self.finish_get(&plan, region, model_identifier)
    }

    /// GetFoundationModel, waiting out latency faults first.
    pub async fn get_foundation_model_async(
        &self,
        region: Region,
        model_identifier: &str,
    ) -> Result<ModelSummary> {
        let id = ModelId::new(model_identifier);
        let plan = self.begin(Operation::Get, Some((model_identifier, &id)));
        wait(plan.delay).await;
        self.finish_get(&plan, region, model_identifier)
    }

    fn finish_get(
        &self,
        plan: &Plan,
        region: Region,
        model_identifier: &str,
    ) -> Result<ModelSummary> {
        let call = CallInfo {
            operation: Operation::Get,
            model_id: Some(model_identifier),
            region,
            attempt: None,
            body_len: 0,
        };
        if let Some(r) = plan.error.clone() {
            return Err(self.fail(plan, &call, r));
        }
        match models::get(&self.inner.config, region, model_identifier) {
            Ok(summary) => {
                self.log(plan, &call, 200, None);
                Ok(summary)
            }
            Err(r) => Err(self.fail(plan, &call, r)),
        }
    }

    /// Checks the request and runs the model: everything but faults. `id` is the request's
    /// model identifier, parsed.
    fn process(
        &self,
        req: &SimRequest,
        id: &std::result::Result<ModelId, ModelIdError>,
        operation: Operation,
    ) -> Result<Completed, Rejection> {
        let config = &self.inner.config;
        if req.body.len() > config.max_body_bytes {
            return Err(Rejection::validation(format!(
                "1 validation error detected: Value at 'body' failed to satisfy constraint: Member \
                 must have length less than or equal to {}",
                config.max_body_bytes
            )));
        }
        if let Some(ct) = req.content_type.as_deref()
            && !is_json(ct)
        {
            return Err(Rejection::validation(format!(
                "The provided content type {ct} is not supported; the model accepts application/json."
            )));
        }
        if let Some(accept) = req.accept.as_deref()
            && !(is_json(accept) || accept.trim() == "*/*")
        {
            return Err(Rejection::validation(format!(
                "The provided accept type {accept} is not supported; the model answers application/json."
            )));
        }
        let model = models::resolve_runtime(config, id, req.region)?;
        if operation == Operation::InvokeStream && !model.response_streaming {
            return Err(Rejection::validation(rejection::UNSUPPORTED_FOR_STREAMING));
        }
        let Some(family) = Family::of(model.model_id) else {
            return Err(Rejection::validation(format!(
                "The simulator has no request format for model {}.",
                model.model_id
            )));
        };
        let mut call = Call {
            model,
            seed: config.seed,
            body: &Value::Null,
            streaming: operation == Operation::InvokeStream,
        };
        let completed = match families::invoke_plain(family, &call, &req.body) {
            Some(completed) => completed,
            None => {
                let body: Value = serde_json::from_slice(&req.body).map_err(|e| {
                    Rejection::malformed(&format!("#: the request body is not valid JSON ({e})"))
                })?;
                call.body = &body;
                families::invoke(family, &call)?
            }
        };
        if operation == Operation::InvokeStream && completed.chunks.is_none() {
            return Err(Rejection::validation(rejection::UNSUPPORTED_FOR_STREAMING));
        }
        Ok(completed)
    }

    /// InvokeModel.
    pub async fn invoke(&self, req: SimRequest) -> Result<SimResponse> {
        let operation = Operation::Invoke;
        let id = ModelId::new(req.model_id.as_str());
        let plan = self.begin(operation, Some((&req.model_id, &id)));
        wait(plan.delay).await;
        let processed = match plan.error.clone() {
            Some(r) => Err(r),
            None => self.process(&req, &id, operation),
        };
        let completed = match processed {
            Ok(c) => c,
            Err(r) => return Err(self.fail(&plan, &CallInfo::of(operation, &req), r)),
        };
        let mut body = completed.body;
        if plan.malformed {
            body.truncate(body.len() / 2);
        }
        self.log(&plan, &CallInfo::of(operation, &req), 200, None);
        Ok(SimResponse {
            body: Bytes::from(body),
            content_type: "application/json".to_owned(),
            input_tokens: completed.input_tokens,
            output_tokens: completed.output_tokens,
            latency: Duration::from_millis(completed.latency_ms).saturating_add(plan.delay),
            request_id: plan.request_id,
        })
    }

    /// InvokeModelWithResponseStream.
    pub async fn invoke_stream(&self, req: SimRequest) -> Result<SimStream> {
        Ok(self.invoke_stream_with_headers(req).await?.stream)
    }

    /// InvokeModelWithResponseStream, with the response headers the transport sends.
    pub async fn invoke_stream_with_headers(&self, req: SimRequest) -> Result<SimStreamResponse> {
        let operation = Operation::InvokeStream;
        let id = ModelId::new(req.model_id.as_str());
        let plan = self.begin(operation, Some((&req.model_id, &id)));
        wait(plan.delay).await;
        let processed = match plan.error.clone() {
            Some(r) => Err(r),
            None => self.process(&req, &id, operation),
        };
        let completed = match processed {
            Ok(c) => c,
            Err(r) => return Err(self.fail(&plan, &CallInfo::of(operation, &req), r)),
        };
        let mut chunks = completed.chunks.unwrap_or_default();
        if plan.malformed
            && let Some(first) = chunks.first_mut()
        {
            first.truncate(first.len() / 2);
        }
        let mut items: Vec<Result<SimChunk>> = chunks
            .into_iter()
            .map(|c| Ok(SimChunk::Chunk(Bytes::from(c))))
            .collect();
        match plan.stream_fault {
            Some(Fault::TruncateStream { after_chunks }) => {
                items.truncate(after_chunks);
                items.push(Ok(SimChunk::Truncate));
            }
            Some(Fault::StreamError { after_chunks, kind }) => {
                items.truncate(after_chunks);
                let err = kind.rejection().into_error(
                    &plan.request_id,
                    Some(&req.model_id),
                    Some(req.region),
                );
                items.push(Err(err));
            }
            _ => {}
        }
        self.log(&plan, &CallInfo::of(operation, &req), 200, None);
        Ok(SimStreamResponse {
            stream: Box::pin(futures::stream::iter(items)),
            content_type: "application/json".to_owned(),
            request_id: plan.request_id,
        })
    }
}

pub(crate) async fn wait(delay: Duration) {
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_entries_are_as_small_as_the_readme_says() {
        // The README's limits table says an entry counts about 100 bytes before its id.
        let size = std::mem::size_of::<LogEntry>();
        assert!((64..=112).contains(&size), "{size} bytes");
    }

    #[test]
    fn logged_ids_are_cut_on_a_character_boundary() {
        assert_eq!(
            logged_id("amazon.titan-text-express-v1"),
            "amazon.titan-text-express-v1"
        );
        let exact = "a".repeat(LOGGED_ID_MAX_BYTES);
        assert!(matches!(logged_id(&exact), Cow::Borrowed(_)));
        // A two-byte character straddling the limit is left out whole.
        let straddling = format!("{}é", "a".repeat(LOGGED_ID_MAX_BYTES - 1));
        assert_eq!(
            logged_id(&straddling),
            format!("{}…", "a".repeat(LOGGED_ID_MAX_BYTES - 1))
        );
    }
}
