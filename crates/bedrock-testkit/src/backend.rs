//! The backend conformance suite: free async functions over `&dyn Backend` and `&Connector`
//! that every backend's tests call, so the in-process simulator, the AWS SDK backend over the
//! emulator (and any backend of your own) are held to one list of behaviours.
//!
//! Each check panics with a message naming the backend, the behaviour, the model and what
//! differed. The checks need no runtime of their own: await them from any async test.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Debug};
use std::time::Duration;

use bedrock_core::catalog::{self, CatalogModel};
use bedrock_core::{
    Backend, CallMetadata, Capabilities, ChatMessage, ChatRequest, Connector, EmbeddingRequest,
    Error, ErrorKind, ImageFormat, ImageRequest, InferenceParams, InferenceType, InvocationMetrics,
    InvokeModelGenericRequest, InvokeOptions, ListFoundationModelsRequest,
    ListFoundationModelsResponse, ModelId, ModelInput, ModelOutput, ModelSummary, PreparedCall,
    PromptOutcome, PromptRecord, PromptStatus, Region, Registry, RerankRequest, Result,
    StreamEvent, TextAccumulator, TextRequest,
};
use futures::TryStreamExt as _;

/// The `max_tokens` of every text and chat sample; outputs must not report more.
const MAX_TOKENS: u32 = 48;

/// A model id no catalog has: GetFoundationModel must answer `NotFound` for it.
const UNKNOWN_MODEL: &str = "amazon.no-such-model-v9:0";

/// A body no model accepts: every family requires at least one field.
const REJECTED_BODY: &str = "{}";

/// Which catalog models the invoke and stream sweeps call.
///
/// The default is every catalog model offered on demand in the region that the connector's
/// registry resolves. [`Sweep::per_api`] keeps the first few models of each adapter API (so every
/// family the registry serves is still covered) and [`Sweep::only`] filters models.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sweep {
    per_api: Option<usize>,
    only: Option<fn(&CatalogModel) -> bool>,
}

impl Sweep {
    /// Every model the registry resolves (the default).
    pub fn every_model() -> Self {
        Sweep::default()
    }

    /// At most `n` models (at least one) per adapter API, in catalog order.
    pub fn per_api(mut self, n: usize) -> Self {
        self.per_api = Some(n.max(1));
        self
    }

    /// Only the catalog models `keep` accepts.
    pub fn only(mut self, keep: fn(&CatalogModel) -> bool) -> Self {
        self.only = Some(keep);
        self
    }
}

/// How many calls naming a model (bare id, profile id or ARN) the service behind a backend has
/// seen, retries included: the simulator's `attempts_for`, for instance.
pub type CallsSeen<'a> = &'a (dyn Fn(&str) -> usize + Sync);

/// The settings of [`run_backend_conformance`].
#[derive(Clone, Copy)]
pub struct BackendSuite<'a> {
    /// The region every call goes to.
    pub region: Region,
    /// Which models the invoke and stream sweeps call.
    pub sweep: Sweep,
    /// Where the test can see the service's side: lets [`errors_by_kind`] prove that a failed
    /// call was sent once and not retried, and that a call refused locally was not sent.
    pub calls_seen: Option<CallsSeen<'a>>,
}

impl<'a> BackendSuite<'a> {
    /// The whole suite in `region`: every model, no view of the service.
    pub fn new(region: Region) -> Self {
        BackendSuite {
            region,
            sweep: Sweep::every_model(),
            calls_seen: None,
        }
    }

    /// Sets the sweep.
    pub fn sweep(mut self, sweep: Sweep) -> Self {
        self.sweep = sweep;
        self
    }

    /// Sets the view of the service's call counts.
    pub fn calls_seen(mut self, calls_seen: CallsSeen<'a>) -> Self {
        self.calls_seen = Some(calls_seen);
        self
    }
}

impl Debug for BackendSuite<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackendSuite")
            .field("region", &self.region)
            .field("sweep", &self.sweep)
            .field("calls_seen", &self.calls_seen.is_some())
            .finish()
    }
}

/// Runs every behaviour against one connector, which must have a prompt history
/// ([`bedrock_core::ConnectorBuilder::history`]) that only this suite writes to.
///
/// In order: [`listing_and_filters`], [`get_agrees_with_listing`], [`invoke_every_family`],
/// [`stream_every_family`], [`call_metadata`], [`errors_by_kind`] and [`history_rows`].
/// [`same_answers`] compares two backends and is run on its own.
///
/// # Panics
/// On the first behaviour that fails, naming it.
pub async fn run_backend_conformance(connector: &Connector, suite: &BackendSuite<'_>) {
    let region = suite.region;
    let backend = connector.backend().as_ref();
    listing_and_filters(backend, region).await;
    get_agrees_with_listing(backend, region).await;
    invoke_every_family(connector, region, &suite.sweep).await;
    stream_every_family(connector, region, &suite.sweep).await;
    call_metadata(connector, region).await;
    errors_by_kind(connector, region, suite.calls_seen).await;
    history_rows(connector, region).await;
}

// ---------------------------------------------------------------------------------------------
// Listing

/// ListFoundationModels in `region`: every catalog model offered in the region is listed, once,
/// with an ARN naming the region; each filter (every provider, spelled as listed and in lower
/// case, every output modality, inference type and customization type the listing shows, a
/// combination, and a provider that does not exist) answers exactly the unfiltered entries that
/// satisfy it, unchanged; a provider filter leaves models out when several providers are listed.
///
/// # Panics
/// On a missing, duplicated or misplaced model, or a filter that answers something else.
pub async fn listing_and_filters(backend: &dyn Backend, region: Region) {
    let at = format!("backend `{}`: listing in {region}", backend.name());
    let all = list(
        backend,
        region,
        &ListFoundationModelsRequest::default(),
        &at,
    )
    .await;
    let mut ids = BTreeSet::new();
    for m in &all.models {
        assert!(
            ids.insert(m.model_id.as_str()),
            "{at}: model `{}` is listed twice",
            m.model_id
        );
        let arn = format!("arn:aws:bedrock:{region}::foundation-model/{}", m.model_id);
        assert_eq!(
            m.model_arn, arn,
            "{at}: model `{}` has an ARN that does not name the region and model",
            m.model_id
        );
    }
    let missing: Vec<&str> = catalog::foundation_models()
        .iter()
        .filter(|m| m.offered_in(region) && !ids.contains(m.model_id))
        .map(|m| m.model_id)
        .collect();
    assert!(
        missing.is_empty(),
        "{at}: catalog models offered in {region} are not listed: {missing:?}"
    );

    for filter in listing_filters(&all) {
        let got = list(backend, region, &filter, &at).await;
        let expected: Vec<&ModelSummary> =
            all.models.iter().filter(|m| filter.matches(m)).collect();
        let got_ids: BTreeSet<&str> = got.models.iter().map(|m| m.model_id.as_str()).collect();
        let expected_ids: BTreeSet<&str> = expected.iter().map(|m| m.model_id.as_str()).collect();
        assert_eq!(
            got_ids, expected_ids,
            "{at}: filter {filter:?} answers other models than the unfiltered listing filtered by it"
        );
        for m in &got.models {
            assert!(
                filter.matches(m),
                "{at}: filter {filter:?} answers `{}`, which does not satisfy it",
                m.model_id
            );
            let unfiltered = all.models.iter().find(|u| u.model_id == m.model_id);
            assert_eq!(
                Some(m),
                unfiltered,
                "{at}: filter {filter:?} describes `{}` differently from the unfiltered listing",
                m.model_id
            );
        }
    }

    let providers: BTreeSet<&str> = all
        .models
        .iter()
        .map(|m| m.provider_name.as_str())
        .collect();
    if providers.len() > 1
        && let Some(provider) = providers.first()
    {
        let filter = ListFoundationModelsRequest {
            by_provider: Some((*provider).to_owned()),
            ..ListFoundationModelsRequest::default()
        };
        let got = list(backend, region, &filter, &at).await;
        assert!(
            !got.models.is_empty() && got.models.len() < all.models.len(),
            "{at}: filter by provider `{provider}` should keep some models and leave others out; \
             it kept {} of {}",
            got.models.len(),
            all.models.len()
        );
    }
}

/// The filters [`listing_and_filters`] and [`same_answers`] try, from what a listing shows.
fn listing_filters(all: &ListFoundationModelsResponse) -> Vec<ListFoundationModelsRequest> {
    let base = ListFoundationModelsRequest::default;
    let mut filters = Vec::new();
    let providers: BTreeSet<&str> = all
        .models
        .iter()
        .map(|m| m.provider_name.as_str())
        .collect();
    for p in &providers {
        filters.push(ListFoundationModelsRequest {
            by_provider: Some((*p).to_owned()),
            ..base()
        });
        filters.push(ListFoundationModelsRequest {
            by_provider: Some(p.to_ascii_lowercase()),
            ..base()
        });
    }
    let outputs: BTreeSet<_> = all
        .models
        .iter()
        .flat_map(|m| m.output_modalities.iter().copied())
        .collect();
    for o in &outputs {
        filters.push(ListFoundationModelsRequest {
            by_output_modality: Some(*o),
            ..base()
        });
    }
    let inference: BTreeSet<_> = all
        .models
        .iter()
        .flat_map(|m| m.inference_types_supported.iter().copied())
        .collect();
    for t in &inference {
        filters.push(ListFoundationModelsRequest {
            by_inference_type: Some(*t),
            ..base()
        });
    }
    let customizations: BTreeSet<_> = all
        .models
        .iter()
        .flat_map(|m| m.customizations_supported.iter().copied())
        .collect();
    for c in &customizations {
        filters.push(ListFoundationModelsRequest {
            by_customization_type: Some(*c),
            ..base()
        });
    }
    if let Some(m) = all.models.first() {
        filters.push(ListFoundationModelsRequest {
            by_provider: Some(m.provider_name.clone()),
            by_output_modality: m.output_modalities.first().copied(),
            by_inference_type: m.inference_types_supported.first().copied(),
            ..base()
        });
    }
    filters.push(ListFoundationModelsRequest {
        by_provider: Some("No Such Provider".to_owned()),
        ..base()
    });
    filters
}

async fn list(
    backend: &dyn Backend,
    region: Region,
    filter: &ListFoundationModelsRequest,
    at: &str,
) -> ListFoundationModelsResponse {
    backend
        .list_foundation_models(region, filter)
        .await
        .unwrap_or_else(|e| panic!("{at}: ListFoundationModels with {filter:?} failed: {e}"))
}

/// GetFoundationModel in `region` answers, for every listed model, by bare id and by ARN,
/// exactly the listing's entry; an unknown model id is [`ErrorKind::NotFound`].
///
/// # Panics
/// On a failed call or an answer that differs from the listing.
pub async fn get_agrees_with_listing(backend: &dyn Backend, region: Region) {
    let at = format!(
        "backend `{}`: GetFoundationModel in {region}",
        backend.name()
    );
    let all = list(
        backend,
        region,
        &ListFoundationModelsRequest::default(),
        &at,
    )
    .await;
    assert!(!all.models.is_empty(), "{at}: the listing is empty");
    for listed in &all.models {
        let id = model_id(&listed.model_id);
        let got = backend
            .get_foundation_model(region, &id)
            .await
            .unwrap_or_else(|e| panic!("{at}: model `{id}`: {e}"));
        assert_eq!(
            &got, listed,
            "{at}: model `{id}`: the answer differs from the listing's entry"
        );
    }
    let first = &all.models[0];
    let by_arn = backend
        .get_foundation_model(region, &model_id(&first.model_arn))
        .await
        .unwrap_or_else(|e| panic!("{at}: model `{}` by ARN: {e}", first.model_arn));
    assert_eq!(
        &by_arn, first,
        "{at}: model `{}` by ARN differs from the listing's entry",
        first.model_arn
    );
    let err = backend
        .get_foundation_model(region, &model_id(UNKNOWN_MODEL))
        .await
        .expect_err(&format!("{at}: unknown model `{UNKNOWN_MODEL}` was found"));
    assert_eq!(
        err.kind(),
        ErrorKind::NotFound,
        "{at}: unknown model `{UNKNOWN_MODEL}`: {err}"
    );
}

// ---------------------------------------------------------------------------------------------
// The sweep's plan

/// One catalog model of the sweep, the API the registry serves it by, and its sample calls.
#[derive(Debug)]
struct Planned {
    model: &'static CatalogModel,
    id: ModelId,
    api: &'static str,
    capabilities: Capabilities,
    /// One prepared call per capability of the route (text, chat, embedding, image).
    calls: Vec<(ModelInput, PreparedCall)>,
}

impl Planned {
    /// The calls that can be streamed: text and chat, when both the route and the model stream.
    fn streamable(&self) -> impl Iterator<Item = &(ModelInput, PreparedCall)> {
        let streams = self.capabilities.streaming && self.model.response_streaming;
        self.calls
            .iter()
            .filter(move |(i, _)| streams && matches!(i, ModelInput::Text(_) | ModelInput::Chat(_)))
    }
}

/// Every catalog model offered on demand in `region` that `registry` resolves (as `sweep` keeps
/// them), with a small prepared call for each capability of its route.
fn plan(registry: &Registry, region: Region, sweep: &Sweep) -> Vec<Planned> {
    let mut per_api: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut planned = Vec::new();
    for model in catalog::foundation_models() {
        let on_demand = model.inference_types.contains(&InferenceType::OnDemand);
        if !model.offered_in(region) || !on_demand || sweep.only.is_some_and(|keep| !keep(model)) {
            continue;
        }
        let id = model_id(model.model_id);
        let Ok(resolved) = registry.resolve(&id) else {
            continue;
        };
        let api = resolved.route.api();
        let count = per_api.entry(api).or_default();
        if sweep.per_api.is_some_and(|max| *count >= max) {
            continue;
        }
        *count += 1;
        let capabilities = resolved.route.capabilities();
        let calls = sample_inputs(capabilities)
            .into_iter()
            .map(|input| prepare_sample(registry, region, &id, api, input))
            .collect();
        planned.push(Planned {
            model,
            id,
            api,
            capabilities,
            calls,
        });
    }
    planned
}

/// The plan, which must not be empty.
fn plan_for(connector: &Connector, region: Region, sweep: &Sweep, at: &str) -> Vec<Planned> {
    let planned = plan(connector.registry(), region, sweep);
    assert!(
        !planned.is_empty(),
        "{at}: the registry resolves no catalog model offered on demand in {region}: nothing to call"
    );
    planned
}

/// A small input for each capability.
fn sample_inputs(c: Capabilities) -> Vec<ModelInput> {
    let mut inputs = Vec::new();
    if c.text {
        inputs.push(ModelInput::Text(
            TextRequest::new("Write two sentences about the tide.")
                .max_tokens(MAX_TOKENS)
                .temperature(0.3),
        ));
    }
    if c.chat {
        inputs.push(ModelInput::Chat(ChatRequest {
            system: Some("You are terse.".to_owned()),
            messages: vec![
                ChatMessage::user("What is the capital of France?"),
                ChatMessage::assistant("Paris."),
                ChatMessage::user("And of Italy?"),
            ],
            params: InferenceParams {
                max_tokens: Some(MAX_TOKENS),
                ..InferenceParams::default()
            },
            extra: Default::default(),
        }));
    }
    if c.embedding {
        inputs.push(ModelInput::Embedding(EmbeddingRequest::new(
            "The river runs to the sea.",
        )));
    }
    if c.image {
        inputs.push(ModelInput::Image(ImageRequest {
            width: Some(512),
            height: Some(512),
            seed: Some(7),
            ..ImageRequest::new("a paper boat on a pond")
        }));
    }
    if c.rerank {
        inputs.push(ModelInput::Rerank(RerankRequest {
            top_n: Some(2),
            ..RerankRequest::new(
                "Where does the river go?",
                vec![
                    "The river runs to the sea.".to_owned(),
                    "Bread rises in a warm oven.".to_owned(),
                    "Rivers carry water downhill to the ocean.".to_owned(),
                ],
            )
        }));
    }
    inputs
}

/// The prepared call of a sample input. An image model that does not offer 512×512 gets its
/// default size instead; any other refusal is a failure.
fn prepare_sample(
    registry: &Registry,
    region: Region,
    id: &ModelId,
    api: &str,
    input: ModelInput,
) -> (ModelInput, PreparedCall) {
    let options = InvokeOptions {
        region: Some(region),
        ..InvokeOptions::default()
    };
    let input = match (registry.prepare(id, &input, options.clone()), input) {
        (Ok(call), input) => return (input, call),
        (Err(e), ModelInput::Image(request)) if matches!(e.field(), Some("width" | "height")) => {
            ModelInput::Image(ImageRequest {
                width: None,
                height: None,
                ..request
            })
        }
        (Err(e), input) => panic!(
            "sweep: model `{id}` (API `{api}`) refuses the suite's sample {} input: {e}",
            input.operation()
        ),
    };
    match registry.prepare(id, &input, options) {
        Ok(call) => (input, call),
        Err(e) => panic!(
            "sweep: model `{id}` (API `{api}`) refuses the suite's sample {} input at its default size: {e}",
            input.operation()
        ),
    }
}

/// What a sample call is about, for messages.
fn what(backend: &str, behaviour: &str, planned: &Planned, input: &ModelInput) -> String {
    format!(
        "backend `{backend}`: {behaviour}: model `{}` (API `{}`), {} input",
        planned.id,
        planned.api,
        input.operation()
    )
}

fn max_tokens(input: &ModelInput) -> Option<u32> {
    match input {
        ModelInput::Text(r) => r.params.max_tokens,
        ModelInput::Chat(r) => r.params.max_tokens,
        _ => None,
    }
}

/// The raw request of a prepared call, in `region`.
fn raw_request(call: &PreparedCall, region: Region) -> InvokeModelGenericRequest {
    let mut request = InvokeModelGenericRequest::json(
        call.resolved.route.model_id.clone(),
        call.body.body.clone(),
    );
    call.body.content_type.clone_into(&mut request.content_type);
    call.body.accept.clone_into(&mut request.accept);
    request.region = Some(region);
    request
}

// ---------------------------------------------------------------------------------------------
// Invoke and stream

/// For every model of the sweep, a typed call ([`Connector::invoke`]) of a small input for each
/// capability of its route answers the right output kind (text for text and chat, an
/// embedding, images), with non-empty content: text with a stop reason and no more than the
/// tokens asked for, a finite vector, images whose bytes are in the format they claim. Every
/// call's metadata passes the checks of [`call_metadata`]. The shortcuts (`generate_text`,
/// `chat`, `embed`, `generate_image`), which take no options, are called once per input kind in
/// the connector's own region.
///
/// # Panics
/// On a failed call, an output of the wrong kind or shape, or incomplete metadata.
pub async fn invoke_every_family(connector: &Connector, region: Region, sweep: &Sweep) {
    let backend = connector.backend().name();
    let at = format!("backend `{backend}`: invoke in {region}");
    for planned in plan_for(connector, region, sweep, &at) {
        for (input, call) in &planned.calls {
            let at = what(backend, "invoke", &planned, input);
            let invocation = connector
                .invoke(&planned.id, input, call.options.clone())
                .await
                .unwrap_or_else(|e| panic!("{at}: {e}"));
            assert!(
                invocation.prompt_id.is_none() && invocation.history_error.is_none(),
                "{at}: a call that saved no prompt has a prompt id or history error: {invocation:?}"
            );
            check_output(&at, input, &invocation.output);
            check_metadata(&at, input, &invocation.metadata, Some(&invocation.output));
        }
    }
    for (planned, input) in
        first_of_each_kind(&plan(connector.registry(), connector.region(), sweep))
    {
        let at = what(backend, "shortcut", planned, input);
        let id = &planned.id;
        let output = match input {
            ModelInput::Text(r) => connector
                .generate_text(id, r.clone())
                .await
                .map(ModelOutput::Text),
            ModelInput::Chat(r) => connector.chat(id, r.clone()).await.map(ModelOutput::Text),
            ModelInput::Embedding(r) => connector
                .embed(id, r.clone())
                .await
                .map(ModelOutput::Embedding),
            ModelInput::Image(r) => connector
                .generate_image(id, r.clone())
                .await
                .map(ModelOutput::Images),
            ModelInput::Rerank(r) => connector
                .rerank(id, r.clone())
                .await
                .map(ModelOutput::Rerank),
            other => panic!("{at}: the suite has no shortcut for {}", other.operation()),
        };
        check_output(&at, input, &output.unwrap_or_else(|e| panic!("{at}: {e}")));
    }
}

/// The first planned model taking each input kind (text, chat, embedding, image), with that
/// input.
fn first_of_each_kind(planned: &[Planned]) -> Vec<(&Planned, &ModelInput)> {
    let mut seen = BTreeSet::new();
    planned
        .iter()
        .flat_map(|p| p.calls.iter().map(move |(input, _)| (p, input)))
        .filter(|(_, input)| seen.insert(input.operation()))
        .collect()
}

/// The output of a sample input has the right kind and shape.
fn check_output(at: &str, input: &ModelInput, output: &ModelOutput) {
    match (input, output) {
        (ModelInput::Text(_) | ModelInput::Chat(_), ModelOutput::Text(t)) => {
            assert!(!t.text.trim().is_empty(), "{at}: the text is empty");
            assert!(t.stop_reason.is_some(), "{at}: no stop reason");
            if let (Some(usage), Some(max)) = (t.usage, max_tokens(input)) {
                assert!(
                    usage.output_tokens <= max,
                    "{at}: {} output tokens for max_tokens {max}",
                    usage.output_tokens
                );
            }
        }
        (ModelInput::Embedding(_), ModelOutput::Embedding(e)) => {
            assert!(!e.embedding.is_empty(), "{at}: the embedding is empty");
            assert!(
                e.embedding.iter().all(|x| x.is_finite()),
                "{at}: the embedding has a value that is not finite"
            );
        }
        (ModelInput::Image(request), ModelOutput::Images(out)) => {
            let count = request.count.unwrap_or(1) as usize;
            assert_eq!(out.images.len(), count, "{at}: image count");
            for (i, image) in out.images.iter().enumerate() {
                assert!(!image.data.is_empty(), "{at}: image {i} is empty");
                assert_eq!(
                    ImageFormat::sniff(&image.data),
                    Some(image.format),
                    "{at}: image {i}'s bytes are not the {:?} it claims",
                    image.format
                );
            }
        }
        (ModelInput::Rerank(request), ModelOutput::Rerank(out)) => {
            let n = request.documents.len();
            let expected = request.top_n.map_or(n, |top| n.min(top as usize));
            assert_eq!(out.results.len(), expected, "{at}: result count");
            let mut seen = BTreeSet::new();
            for r in &out.results {
                assert!(r.index < n, "{at}: index {} of {n} documents", r.index);
                assert!(seen.insert(r.index), "{at}: document {} twice", r.index);
                assert!(
                    r.relevance_score.is_finite(),
                    "{at}: a score that is not finite"
                );
            }
            assert!(
                out.results
                    .windows(2)
                    .all(|w| w[0].relevance_score >= w[1].relevance_score),
                "{at}: results not ordered most relevant first: {:?}",
                out.results
            );
        }
        (input, output) => panic!(
            "{at}: expected {} for {} input, got {}",
            expected_output(input),
            input.operation(),
            output.describe()
        ),
    }
}

fn expected_output(input: &ModelInput) -> &'static str {
    match input {
        ModelInput::Embedding(_) => "an embedding",
        ModelInput::Image(_) => "images",
        ModelInput::Rerank(_) => "a ranking",
        _ => "text",
    }
}

/// A clean whole call's metadata: a request id, a non-zero latency, one attempt; input tokens
/// for text and embeddings (and, when reported, for images); output tokens for text only, no
/// more than asked for; token counts equal to the ones the output itself reports.
fn check_metadata(at: &str, input: &ModelInput, m: &CallMetadata, output: Option<&ModelOutput>) {
    assert!(
        m.request_id.as_deref().is_some_and(|id| !id.is_empty()),
        "{at}: no request id in {m:?}"
    );
    assert!(m.latency > Duration::ZERO, "{at}: zero latency in {m:?}");
    assert_eq!(
        m.attempts,
        Some(1),
        "{at}: a clean call should take exactly one attempt: {m:?}"
    );
    let text = matches!(input, ModelInput::Text(_) | ModelInput::Chat(_));
    if text || matches!(input, ModelInput::Embedding(_)) {
        assert!(
            m.input_tokens.is_some_and(|n| n > 0),
            "{at}: no input token count in {m:?}"
        );
    } else if let Some(n) = m.input_tokens {
        assert!(n > 0, "{at}: an input token count of 0 in {m:?}");
    }
    if text {
        assert!(
            m.output_tokens.is_some_and(|n| n > 0),
            "{at}: no output token count in {m:?}"
        );
        if let (Some(n), Some(max)) = (m.output_tokens, max_tokens(input)) {
            assert!(n <= max, "{at}: {n} output tokens for max_tokens {max}");
        }
    } else {
        assert_eq!(
            m.output_tokens, None,
            "{at}: an output token count for a call that produces no text: {m:?}"
        );
    }
    match output {
        Some(ModelOutput::Text(t)) => {
            if let Some(usage) = t.usage {
                assert_eq!(
                    (m.input_tokens, m.output_tokens),
                    (Some(usage.input_tokens), Some(usage.output_tokens)),
                    "{at}: the token counts of the metadata (input, output) differ from the \
                     output's usage"
                );
            }
        }
        Some(ModelOutput::Embedding(e)) => {
            if let Some(n) = e.input_tokens {
                assert_eq!(
                    m.input_tokens,
                    Some(n),
                    "{at}: the metadata's input token count differs from the embedding's"
                );
            }
        }
        _ => {}
    }
}

/// For every model of the sweep whose route and catalog entry stream, each text and chat sample
/// streamed gives several text deltas and a stop event, which fold (with [`TextAccumulator`]) to
/// non-empty text with a stop reason and output tokens; the raw stream of the model's first
/// sample has several chunks, each the model's JSON, the last carrying Bedrock's invocation
/// metrics. The `stream_text` shortcut is called once, in the connector's own region.
///
/// # Panics
/// On a failed stream or a stream that ends without text, stop reason or usage.
pub async fn stream_every_family(connector: &Connector, region: Region, sweep: &Sweep) {
    let backend = connector.backend().name();
    let at = format!("backend `{backend}`: stream in {region}");
    let planned = plan_for(connector, region, sweep, &at);
    assert!(
        planned.iter().any(|p| p.streamable().next().is_some()),
        "{at}: no model of the sweep streams"
    );
    for p in &planned {
        for (input, call) in p.streamable() {
            let at = what(backend, "stream", p, input);
            let events = async {
                let stream = connector
                    .invoke_stream(&p.id, input, call.options.clone())
                    .await?;
                stream.events.try_collect::<Vec<_>>().await
            }
            .await
            .unwrap_or_else(|e| panic!("{at}: {e}"));
            check_events(&at, &events);
        }
        if let Some((input, call)) = p.streamable().next() {
            let at = what(backend, "raw stream", p, input);
            let chunks = raw_chunks(connector, call, region)
                .await
                .unwrap_or_else(|e| panic!("{at}: {e}"));
            check_raw_chunks(&at, &chunks);
        }
    }
    let own = plan(connector.registry(), connector.region(), sweep);
    let text = own.iter().find_map(|p| {
        p.streamable().find_map(|(input, _)| match input {
            ModelInput::Text(r) => Some((p, input, r)),
            _ => None,
        })
    });
    if let Some((p, input, request)) = text {
        let at = what(backend, "stream_text", p, input);
        let events = async {
            connector
                .stream_text(&p.id, request.clone())
                .await?
                .try_collect::<Vec<_>>()
                .await
        }
        .await
        .unwrap_or_else(|e| panic!("{at}: {e}"));
        check_events(&at, &events);
    }
}

async fn stream_events(connector: &Connector, call: &PreparedCall) -> Result<Vec<StreamEvent>> {
    let stream = connector.send_stream(call.clone()).await?;
    stream.events.try_collect().await
}

async fn raw_chunks(
    connector: &Connector,
    call: &PreparedCall,
    region: Region,
) -> Result<Vec<Vec<u8>>> {
    let (prompt_id, chunks) = connector
        .invoke_model_generic_stream(raw_request(call, region))
        .await?;
    assert!(
        prompt_id.is_none(),
        "a stream that saved no prompt has a prompt id"
    );
    chunks.map_ok(|c| c.bytes.to_vec()).try_collect().await
}

fn check_events(at: &str, events: &[StreamEvent]) {
    let deltas = events
        .iter()
        .filter(|e| matches!(e, StreamEvent::TextDelta { .. }))
        .count();
    assert!(
        deltas > 1,
        "{at}: {deltas} text deltas; expected several: {events:?}"
    );
    assert!(
        events.iter().any(|e| matches!(e, StreamEvent::Stop { .. })),
        "{at}: no stop event: {events:?}"
    );
    let mut acc = TextAccumulator::new();
    events.iter().for_each(|e| acc.push(e));
    let out = acc.finish();
    assert!(
        !out.text.trim().is_empty(),
        "{at}: the folded text is empty"
    );
    assert!(
        out.stop_reason.is_some(),
        "{at}: the fold has no stop reason"
    );
    assert!(
        out.usage.is_some_and(|u| u.output_tokens > 0),
        "{at}: the fold reports no output tokens: {:?}",
        out.usage
    );
}

fn check_raw_chunks(at: &str, chunks: &[Vec<u8>]) {
    assert!(
        chunks.len() > 1,
        "{at}: {} chunks; expected several",
        chunks.len()
    );
    for (i, chunk) in chunks.iter().enumerate() {
        assert!(
            serde_json::from_slice::<serde_json::Value>(chunk).is_ok_and(|v| v.is_object()),
            "{at}: chunk {i} is not a JSON object: {}",
            String::from_utf8_lossy(chunk)
        );
    }
    let last = chunks.last().map(Vec::as_slice).unwrap_or_default();
    let metrics = InvocationMetrics::from_chunk_bytes(last).unwrap_or_else(|| {
        panic!(
            "{at}: the last chunk carries no `{}`: {}",
            InvocationMetrics::KEY,
            String::from_utf8_lossy(last)
        )
    });
    assert!(
        metrics.input_token_count > 0 && metrics.output_token_count > 0,
        "{at}: the invocation metrics count no tokens: {metrics:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Metadata

/// For the first model of the sweep of each output kind (text, embedding, images): the raw call
/// (InvokeModelGeneric with the adapter's body) answers a JSON object as `application/json`,
/// and the raw and the typed call each carry whole metadata: a request id, a non-zero latency,
/// `attempts == Some(1)`, input tokens for text and embeddings, output tokens for text only,
/// equal to the usage the output reports.
///
/// # Panics
/// On a failed call or incomplete metadata.
pub async fn call_metadata(connector: &Connector, region: Region) {
    let backend = connector.backend().name();
    let at = format!("backend `{backend}`: metadata in {region}");
    let planned = plan_for(connector, region, &Sweep::every_model(), &at);
    let mut seen = BTreeSet::new();
    for p in &planned {
        for (input, call) in &p.calls {
            if !seen.insert(expected_output(input)) {
                continue;
            }
            let at = what(backend, "metadata of a raw call", p, input);
            let raw = connector
                .invoke_model_generic(raw_request(call, region))
                .await
                .unwrap_or_else(|e| panic!("{at}: {e}"));
            assert!(
                raw.content_type.starts_with("application/json"),
                "{at}: content type `{}`",
                raw.content_type
            );
            assert!(
                raw.prompt_id.is_none() && raw.history_error.is_none(),
                "{at}: a call that saved no prompt has a prompt id or history error"
            );
            assert!(
                serde_json::from_slice::<serde_json::Value>(&raw.body).is_ok_and(|v| v.is_object()),
                "{at}: the body is not a JSON object"
            );
            let output = call
                .resolved
                .adapter
                .parse_output(&call.resolved.route, &raw.body)
                .unwrap_or_else(|e| panic!("{at}: the adapter cannot parse the body: {e}"));
            check_metadata(&at, input, &raw.metadata, Some(&output));

            let at = what(backend, "metadata of a typed call", p, input);
            let typed = connector
                .send(call.clone())
                .await
                .unwrap_or_else(|e| panic!("{at}: {e}"));
            check_metadata(&at, input, &typed.metadata, Some(&typed.output));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Errors

/// Errors keep their kind and Bedrock's details, and nothing is retried:
///
/// - a raw call with a body the model rejects is [`ErrorKind::Validation`] from the service
///   (`ValidationException`, HTTP 400) with Bedrock's message and a request id;
/// - a model not offered in the region is [`ErrorKind::NotFound`] (HTTP 404) with a request id
///   and a hint naming the region;
/// - streaming a model that cannot stream is refused by the service as [`ErrorKind::Validation`];
/// - an input the route does not support, or streaming a route that cannot stream, is
///   [`ErrorKind::Unsupported`] before anything is sent.
///
/// None of these is retryable; with `calls_seen`, each service error was sent exactly once and
/// each local refusal not at all.
///
/// # Panics
/// On a call that succeeds, or an error of another kind or without its details.
pub async fn errors_by_kind(
    connector: &Connector,
    region: Region,
    calls_seen: Option<CallsSeen<'_>>,
) {
    let backend = connector.backend().name();
    let at = format!("backend `{backend}`: errors in {region}");
    let planned = plan_for(connector, region, &Sweep::every_model(), &at);

    let text = text_model(&planned, &at);
    let id = text.id.as_str();
    let at_rejected = format!("backend `{backend}`: errors: model `{id}`, body {REJECTED_BODY}");
    let before = calls_seen.map(|seen| seen(id));
    let err = connector
        .invoke_model_generic(rejected_request(&text.id, region))
        .await
        .expect_err(&format!("{at_rejected}: the call succeeded"));
    check_service_error(
        &at_rejected,
        &err,
        ErrorKind::Validation,
        "ValidationException",
        400,
    );
    check_sent_once(&at_rejected, calls_seen, id, before, 1);

    let (absent, absent_region) = not_offered_model(region);
    let at_absent = format!(
        "backend `{backend}`: errors: model `{}` (not offered in {absent_region})",
        absent.model_id
    );
    let before = calls_seen.map(|seen| seen(absent.model_id));
    let err = connector
        .invoke_model_generic(rejected_request(&model_id(absent.model_id), absent_region))
        .await
        .expect_err(&format!("{at_absent}: the call succeeded"));
    check_service_error(
        &at_absent,
        &err,
        ErrorKind::NotFound,
        "ResourceNotFoundException",
        404,
    );
    let hint = err.hint().unwrap_or_default();
    assert!(
        hint.contains(absent_region.as_str()),
        "{at_absent}: the hint does not name {absent_region}: {hint:?}"
    );
    check_sent_once(&at_absent, calls_seen, absent.model_id, before, 1);

    if let Some((p, call)) = first_call(&planned, |p| !p.model.response_streaming) {
        let at = format!(
            "backend `{backend}`: errors: raw stream of `{}`, which cannot stream",
            p.id
        );
        let before = calls_seen.map(|seen| seen(p.id.as_str()));
        let err = connector
            .invoke_model_generic_stream(raw_request(call, region))
            .await
            .err()
            .unwrap_or_else(|| panic!("{at}: the stream started"));
        check_service_error(&at, &err, ErrorKind::Validation, "ValidationException", 400);
        check_sent_once(&at, calls_seen, p.id.as_str(), before, 1);
    }

    if let Some((p, call)) = first_call(&planned, |p| !p.capabilities.streaming) {
        let at = format!(
            "backend `{backend}`: errors: typed stream of `{}` (API `{}` does not stream)",
            p.id, p.api
        );
        let before = calls_seen.map(|seen| seen(p.id.as_str()));
        let err = connector
            .send_stream(call.clone())
            .await
            .err()
            .unwrap_or_else(|| panic!("{at}: the stream started"));
        assert_eq!(err.kind(), ErrorKind::Unsupported, "{at}: {err}");
        check_sent_once(&at, calls_seen, p.id.as_str(), before, 0);
    }

    if !text.capabilities.embedding {
        let at = format!(
            "backend `{backend}`: errors: an embedding input to `{id}` (API `{}`)",
            text.api
        );
        let before = calls_seen.map(|seen| seen(id));
        let input = ModelInput::Embedding(EmbeddingRequest::new("unsupported"));
        let err = connector
            .invoke(&text.id, &input, InvokeOptions::default())
            .await
            .expect_err(&format!("{at}: the call succeeded"));
        assert_eq!(err.kind(), ErrorKind::Unsupported, "{at}: {err}");
        check_sent_once(&at, calls_seen, id, before, 0);
    }
}

/// The first call of the first planned model that `pick` accepts.
fn first_call(
    planned: &[Planned],
    pick: impl Fn(&Planned) -> bool,
) -> Option<(&Planned, &PreparedCall)> {
    planned
        .iter()
        .filter(|p| pick(p))
        .find_map(|p| p.calls.first().map(|(_, call)| (p, call)))
}

/// The first model of the plan with text input that streams: the one the error and history
/// checks use.
fn text_model<'p>(planned: &'p [Planned], at: &str) -> &'p Planned {
    planned
        .iter()
        .find(|p| {
            p.streamable()
                .any(|(input, _)| matches!(input, ModelInput::Text(_)))
        })
        .unwrap_or_else(|| panic!("{at}: no model of the sweep takes streamed text input"))
}

/// A catalog model that can be invoked on demand, and a region where it is not offered:
/// `preferred` when some model is missing there, else the first such region of [`Region::ALL`].
fn not_offered_model(preferred: Region) -> (&'static CatalogModel, Region) {
    std::iter::once(preferred)
        .chain(Region::ALL.iter().copied())
        .find_map(|region| {
            catalog::foundation_models()
                .iter()
                .find(|m| {
                    // Not even through a profile: Bedrock answers 404 for it there.
                    !m.listed_in(region)
                        && m.inference_types.contains(&InferenceType::OnDemand)
                        && m.end_of_life.is_none()
                })
                .map(|m| (m, region))
        })
        .expect("the catalog has a model that some region does not offer")
}

fn rejected_request(id: &ModelId, region: Region) -> InvokeModelGenericRequest {
    let mut request = InvokeModelGenericRequest::json(id.clone(), REJECTED_BODY);
    request.region = Some(region);
    request
}

/// A service error of `kind`, with Bedrock's message (shown by the error's text), error type,
/// HTTP status (where the transport had one) and request id, and not retryable.
fn check_service_error(at: &str, err: &Error, kind: ErrorKind, error_type: &str, status: u16) {
    assert_eq!(err.kind(), kind, "{at}: {err}");
    let details = err
        .service_details()
        .unwrap_or_else(|| panic!("{at}: no service details on {err:?}"));
    assert!(
        !details.message.trim().is_empty(),
        "{at}: Bedrock's message was lost: {err:?}"
    );
    assert!(
        err.to_string().contains(&details.message),
        "{at}: the error's text does not show Bedrock's message: {err}"
    );
    assert_eq!(
        details.error_type.as_deref(),
        Some(error_type),
        "{at}: error type"
    );
    assert!(
        details.status.is_none_or(|s| s == status),
        "{at}: HTTP status {:?}, expected {status}",
        details.status
    );
    assert!(
        err.request_id().is_some_and(|id| !id.is_empty()),
        "{at}: no request id on {err:?}"
    );
    assert!(!err.is_retryable(), "{at}: {kind} must not be retryable");
}

/// The service saw `sent` more calls for `model` than `before` (when the test can see it).
fn check_sent_once(
    at: &str,
    calls_seen: Option<CallsSeen<'_>>,
    model: &str,
    before: Option<usize>,
    sent: usize,
) {
    if let (Some(seen), Some(before)) = (calls_seen, before) {
        let now = seen(model);
        assert_eq!(
            now - before,
            sent,
            "{at}: the service saw {} call(s); expected {sent} ({})",
            now - before,
            if sent == 0 {
                "refused before sending"
            } else {
                "sent once, not retried"
            }
        );
    }
}

// ---------------------------------------------------------------------------------------------
// History

/// Through a connector with a prompt history that only this check writes to:
///
/// - a raw call with `save_prompt` returns a prompt id whose row is `completed`, holding the
///   request (model, region, content type, accept, body) and the response body, content type,
///   token counts and latency;
/// - a typed call with `save_prompt` does the same, and the row's body parses to the call's
///   output;
/// - a typed stream with `save_prompt` has a `pending` row while it is open and a `completed`
///   one after its end, whose body is the chunks as JSON lines (they parse to the events the
///   stream gave) and whose token counts come from the invocation metrics;
/// - a raw call the model rejects leaves a `failed` row with the error's kind and message;
/// - the history lists the four rows newest first.
///
/// # Panics
/// When the connector has no history, or on a missing or wrong row.
pub async fn history_rows(connector: &Connector, region: Region) {
    let backend = connector.backend().name();
    let at = format!("backend `{backend}`: history in {region}");
    let history = connector
        .history()
        .unwrap_or_else(|| {
            panic!("{at}: the connector has no prompt history (ConnectorBuilder::history)")
        })
        .clone();
    let planned = plan_for(connector, region, &Sweep::every_model(), &at);
    let text = text_model(&planned, &at);
    let (input, call) = text
        .calls
        .iter()
        .find(|(i, _)| matches!(i, ModelInput::Text(_)))
        .expect("text_model has a text call");
    let row = async |id: &bedrock_core::PromptId, what: &str| -> PromptRecord {
        history
            .get(id)
            .await
            .unwrap_or_else(|e| panic!("{at}: {what}: reading row {id}: {e}"))
            .unwrap_or_else(|| panic!("{at}: {what}: no row {id}"))
    };

    // A raw call.
    let what_raw = format!("raw call to `{}` with save_prompt", text.id);
    let request = raw_request(call, region).save_prompt(true);
    let response = connector
        .invoke_model_generic(request.clone())
        .await
        .unwrap_or_else(|e| panic!("{at}: {what_raw}: {e}"));
    assert!(
        response.history_error.is_none(),
        "{at}: {what_raw}: {:?}",
        response.history_error
    );
    let raw_id = response
        .prompt_id
        .clone()
        .unwrap_or_else(|| panic!("{at}: {what_raw}: no prompt id"));
    let record = row(&raw_id, &what_raw).await;
    check_prompt(
        &at,
        &what_raw,
        &record,
        &request,
        region,
        false,
        PromptStatus::Completed,
    );
    match &record.outcome {
        Some(PromptOutcome::Completed {
            content_type,
            body,
            input_tokens,
            output_tokens,
            latency,
        }) => {
            assert_eq!(
                body, &response.body,
                "{at}: {what_raw}: the row's response body"
            );
            assert_eq!(
                content_type, &response.content_type,
                "{at}: {what_raw}: content type"
            );
            assert_eq!(
                (*input_tokens, *output_tokens),
                (
                    response.metadata.input_tokens,
                    response.metadata.output_tokens
                ),
                "{at}: {what_raw}: the row's token counts (input, output)"
            );
            assert!(
                input_tokens.is_some() && output_tokens.is_some(),
                "{at}: {what_raw}: the row has no token counts"
            );
            assert_eq!(
                latency.as_millis(),
                response.metadata.latency.as_millis(),
                "{at}: {what_raw}: the row's latency"
            );
        }
        other => panic!("{at}: {what_raw}: expected a completed outcome, got {other:?}"),
    }

    // A typed call.
    let what_typed = format!(
        "typed {} call to `{}` with save_prompt",
        input.operation(),
        text.id
    );
    let mut saved = call.clone();
    saved.options.save_prompt = true;
    let invocation = connector
        .send(saved.clone())
        .await
        .unwrap_or_else(|e| panic!("{at}: {what_typed}: {e}"));
    let typed_id = invocation
        .prompt_id
        .clone()
        .unwrap_or_else(|| panic!("{at}: {what_typed}: no prompt id"));
    let record = row(&typed_id, &what_typed).await;
    check_prompt(
        &at,
        &what_typed,
        &record,
        &raw_request(call, region),
        region,
        false,
        PromptStatus::Completed,
    );
    match &record.outcome {
        Some(PromptOutcome::Completed {
            body,
            input_tokens,
            output_tokens,
            ..
        }) => {
            let parsed = saved
                .resolved
                .adapter
                .parse_output(&saved.resolved.route, body)
                .unwrap_or_else(|e| {
                    panic!("{at}: {what_typed}: the row's body does not parse: {e}")
                });
            assert_eq!(
                parsed, invocation.output,
                "{at}: {what_typed}: the row's body parses to another output"
            );
            assert_eq!(
                (*input_tokens, *output_tokens),
                (
                    invocation.metadata.input_tokens,
                    invocation.metadata.output_tokens
                ),
                "{at}: {what_typed}: the row's token counts (input, output)"
            );
        }
        other => panic!("{at}: {what_typed}: expected a completed outcome, got {other:?}"),
    }

    // A typed stream.
    let what_stream = format!("typed stream to `{}` with save_prompt", text.id);
    let stream = connector
        .send_stream(saved.clone())
        .await
        .unwrap_or_else(|e| panic!("{at}: {what_stream}: {e}"));
    let stream_id = stream
        .prompt_id
        .clone()
        .unwrap_or_else(|| panic!("{at}: {what_stream}: no prompt id"));
    let open = row(&stream_id, &what_stream).await;
    assert_eq!(
        open.status,
        PromptStatus::Pending,
        "{at}: {what_stream}: the row while the stream is open"
    );
    let events: Vec<StreamEvent> = stream
        .events
        .try_collect()
        .await
        .unwrap_or_else(|e| panic!("{at}: {what_stream}: {e}"));
    let record = row(&stream_id, &what_stream).await;
    check_prompt(
        &at,
        &what_stream,
        &record,
        &raw_request(call, region),
        region,
        true,
        PromptStatus::Completed,
    );
    match &record.outcome {
        Some(PromptOutcome::Completed {
            body,
            output_tokens,
            ..
        }) => {
            let mut replayed = Vec::new();
            for line in body.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
                let parsed = saved
                    .resolved
                    .adapter
                    .parse_stream_chunk(&saved.resolved.route, line)
                    .unwrap_or_else(|e| {
                        panic!("{at}: {what_stream}: a line of the row's body is not a chunk: {e}")
                    });
                replayed.extend(parsed);
            }
            assert_eq!(
                replayed, events,
                "{at}: {what_stream}: the row's chunks give other events than the stream"
            );
            assert!(
                output_tokens.is_some_and(|n| n > 0),
                "{at}: {what_stream}: no output tokens from the invocation metrics"
            );
        }
        other => panic!("{at}: {what_stream}: expected a completed outcome, got {other:?}"),
    }

    // A failed call.
    let what_failed = format!(
        "raw call to `{}` with body {REJECTED_BODY} and save_prompt",
        text.id
    );
    let request = rejected_request(&text.id, region).save_prompt(true);
    let err = connector
        .invoke_model_generic(request.clone())
        .await
        .expect_err(&format!("{at}: {what_failed}: the call succeeded"));
    let rows = history
        .list(4)
        .await
        .unwrap_or_else(|e| panic!("{at}: listing rows: {e}"));
    let ids: Vec<_> = rows.iter().map(|r| r.id.clone()).collect();
    assert_eq!(
        ids.get(1..),
        Some([stream_id, typed_id, raw_id].as_slice()),
        "{at}: the four rows newest first: failed, streamed, typed, raw"
    );
    let failed = &rows[0];
    check_prompt(
        &at,
        &what_failed,
        failed,
        &request,
        region,
        false,
        PromptStatus::Failed,
    );
    match &failed.outcome {
        Some(PromptOutcome::Failed { kind, message }) => {
            assert_eq!(
                *kind,
                err.kind(),
                "{at}: {what_failed}: the row's error kind"
            );
            assert_eq!(
                *kind,
                ErrorKind::Validation,
                "{at}: {what_failed}: the row's error kind"
            );
            let bedrock = err
                .service_message()
                .unwrap_or_else(|| panic!("{at}: {what_failed}: no Bedrock message on {err:?}"));
            assert!(
                message.contains(bedrock),
                "{at}: {what_failed}: the row's message {message:?} lacks Bedrock's {bedrock:?}"
            );
        }
        other => panic!("{at}: {what_failed}: expected a failed outcome, got {other:?}"),
    }
}

/// The row holds what was sent, and has finished.
fn check_prompt(
    at: &str,
    what: &str,
    record: &PromptRecord,
    sent: &InvokeModelGenericRequest,
    region: Region,
    stream: bool,
    status: PromptStatus,
) {
    assert_eq!(record.status, status, "{at}: {what}: the row's status");
    let p = &record.prompt;
    assert_eq!(
        p.model_id,
        sent.model_id.as_str(),
        "{at}: {what}: the row's model"
    );
    assert_eq!(p.region, region, "{at}: {what}: the row's region");
    assert_eq!(p.body, sent.body, "{at}: {what}: the row's request body");
    assert_eq!(
        p.content_type, sent.content_type,
        "{at}: {what}: the row's content type"
    );
    assert_eq!(p.accept, sent.accept, "{at}: {what}: the row's accept");
    assert_eq!(p.stream, stream, "{at}: {what}: the row's stream flag");
    let finished = record
        .finished_at
        .unwrap_or_else(|| panic!("{at}: {what}: the row has not finished"));
    assert!(
        finished >= record.created_at,
        "{at}: {what}: finished before it was created"
    );
}

// ---------------------------------------------------------------------------------------------
// Two backends

/// Two deterministic backends (the simulator in process, and the AWS backend over an emulator
/// with the same seed) answer the same calls identically: listings (every filter of
/// [`listing_and_filters`]) and GetFoundationModel; for every model and sample of the sweep,
/// the same request body from both registries, byte-identical response bodies with equal
/// content type and metadata (request id, latency, token counts, attempts), equal typed outputs;
/// equal stream events and byte-identical raw stream chunks; and errors of equal kind, Bedrock
/// message, error type, status and request id (hints are each backend's own advice).
///
/// Request ids follow the order of calls, so both services must have seen the same calls
/// before (fresh ones are simplest); `a` and `b` are called alternately, `a` first.
///
/// # Panics
/// On a call that fails on either side, or the first answer that differs.
pub async fn same_answers(a: &Connector, b: &Connector, region: Region, sweep: &Sweep) {
    let at = format!(
        "same answers of `{}` and `{}` in {region}",
        a.backend().name(),
        b.backend().name()
    );
    let in_region = |filter: ListFoundationModelsRequest| ListFoundationModelsRequest {
        region: Some(region),
        ..filter
    };
    let all = same(a, b, &format!("{at}: list"), async |c| {
        c.list_foundation_models(&in_region(ListFoundationModelsRequest::default()))
            .await
    })
    .await;
    for filter in listing_filters(&all) {
        let filter = in_region(filter);
        same(a, b, &format!("{at}: list {filter:?}"), async |c| {
            c.list_foundation_models(&filter).await
        })
        .await;
    }
    let get = |id: ModelId| {
        async move |c: &Connector| c.backend().get_foundation_model(region, &id).await
    };
    for m in &all.models {
        let what = format!("{at}: get `{}`", m.model_id);
        same(a, b, &what, get(model_id(&m.model_id))).await;
    }
    same_error(
        a,
        b,
        &format!("{at}: get `{UNKNOWN_MODEL}`"),
        get(model_id(UNKNOWN_MODEL)),
    )
    .await;

    let planned = plan_for(a, region, sweep, &at);
    for p in &planned {
        for (input, call) in &p.calls {
            let what = format!(
                "{at}: model `{}` (API `{}`), {} input",
                p.id,
                p.api,
                input.operation()
            );
            let call_b = b
                .prepare(&p.id, input, call.options.clone())
                .unwrap_or_else(|e| panic!("{what}: the second registry refuses it: {e}"));
            assert_eq!(
                call.body, call_b.body,
                "{what}: the registries build different bodies"
            );
            let request = raw_request(call, region);
            let response = same(a, b, &what, async |c| {
                c.invoke_model_generic(request.clone()).await
            })
            .await;
            let parse = |call: &PreparedCall| {
                call.resolved
                    .adapter
                    .parse_output(&call.resolved.route, &response.body)
                    .unwrap_or_else(|e| panic!("{what}: the adapter cannot parse the body: {e}"))
            };
            assert_eq!(parse(call), parse(&call_b), "{what}: typed outputs");
        }
        for (input, call) in p.streamable() {
            let what = format!(
                "{at}: stream of `{}` (API `{}`), {} input",
                p.id,
                p.api,
                input.operation()
            );
            same(a, b, &what, async |c| stream_events(c, call).await).await;
        }
        if let Some((input, call)) = p.streamable().next() {
            let what = format!(
                "{at}: raw stream of `{}`, {} input",
                p.id,
                input.operation()
            );
            same(a, b, &what, async |c| raw_chunks(c, call, region).await).await;
        }
    }

    let text = text_model(&planned, &at);
    let what = format!("{at}: `{}` rejects body {REJECTED_BODY}", text.id);
    same_error(a, b, &what, async |c| {
        c.invoke_model_generic(rejected_request(&text.id, region))
            .await
    })
    .await;
    let (absent, absent_region) = not_offered_model(region);
    let what = format!(
        "{at}: `{}` is not offered in {absent_region}",
        absent.model_id
    );
    same_error(a, b, &what, async |c| {
        c.invoke_model_generic(rejected_request(&model_id(absent.model_id), absent_region))
            .await
    })
    .await;
    if let Some((p, call)) = first_call(&planned, |p| !p.model.response_streaming) {
        let what = format!("{at}: raw stream of `{}`, which cannot stream", p.id);
        same_error(a, b, &what, async |c| {
            c.invoke_model_generic_stream(raw_request(call, region))
                .await
                .map(|_| ())
        })
        .await;
    }
}

/// Runs `call` on `a`, then on `b`: both must answer, and answer the same.
async fn same<T: PartialEq + Debug>(
    a: &Connector,
    b: &Connector,
    what: &str,
    call: impl AsyncFn(&Connector) -> Result<T>,
) -> T {
    let left = call(a)
        .await
        .unwrap_or_else(|e| panic!("{what}: `{}` failed: {e}", a.backend().name()));
    let right = call(b)
        .await
        .unwrap_or_else(|e| panic!("{what}: `{}` failed: {e}", b.backend().name()));
    assert_eq!(
        left,
        right,
        "{what}: `{}` (left) and `{}` (right) answer differently",
        a.backend().name(),
        b.backend().name()
    );
    left
}

/// What two backends' errors must agree on: what Bedrock sends. Hints are the backend's own
/// advice (the simulator knows more than a wire answer carries), so they may differ.
#[derive(Debug, PartialEq, Eq)]
struct ErrorSummary {
    kind: ErrorKind,
    message: Option<String>,
    error_type: Option<String>,
    status: Option<u16>,
    request_id: Option<String>,
}

impl ErrorSummary {
    fn of(err: &Error) -> Self {
        let details = err.service_details();
        ErrorSummary {
            kind: err.kind(),
            message: err.service_message().map(str::to_owned),
            error_type: details.and_then(|d| d.error_type.clone()),
            status: details.and_then(|d| d.status),
            request_id: err.request_id().map(str::to_owned),
        }
    }
}

/// Runs `call` on `a`, then on `b`: both must fail, and fail the same way.
async fn same_error<T: Debug>(
    a: &Connector,
    b: &Connector,
    what: &str,
    call: impl AsyncFn(&Connector) -> Result<T>,
) {
    let fail = async |c: &Connector| match call(c).await {
        Ok(v) => panic!(
            "{what}: `{}` answered {v:?}; expected an error",
            c.backend().name()
        ),
        Err(e) => ErrorSummary::of(&e),
    };
    let left = fail(a).await;
    let right = fail(b).await;
    assert_eq!(
        left,
        right,
        "{what}: `{}` (left) and `{}` (right) fail differently",
        a.backend().name(),
        b.backend().name()
    );
}

/// A model id the suite knows to be well formed.
fn model_id(s: &str) -> ModelId {
    ModelId::new(s).unwrap_or_else(|e| panic!("`{s}` is a model id: {e}"))
}

#[cfg(test)]
#[path = "backend_tests.rs"]
mod tests;
