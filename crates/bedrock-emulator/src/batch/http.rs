//! The batch and async-invoke routes: JSON bodies and query filters in Bedrock's names, paged
//! listings with an opaque `nextToken`.

use bedrock_core::Region;
use bedrock_core::batch::{
    AsyncInvokeStatus, BatchJobStatus, CreateModelInvocationJobRequest, MAX_LIST_RESULTS,
    StartAsyncInvokeRequest,
};
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::server::AppState;

fn decode_body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::validation(format!(
            "1 validation error detected: the request body does not match the operation's \
             input: {e}"
        ))
    })
}

/// `POST /model-invocation-job`.
pub(crate) async fn create_job(
    state: &AppState,
    region: Region,
    body: &[u8],
) -> Result<Value, ApiError> {
    let request: CreateModelInvocationJobRequest = decode_body(body)?;
    let arn = state.batch.create_job(region, request).await?;
    Ok(json!({ "jobArn": arn }))
}

/// `GET /model-invocation-job/{jobIdentifier}`.
pub(crate) fn get_job(state: &AppState, id: &str) -> Result<Value, ApiError> {
    let job = state.batch.job(id)?;
    serde_json::to_value(job).map_err(|e| ApiError::internal(e.to_string()))
}

/// `POST /model-invocation-job/{jobIdentifier}/stop`.
pub(crate) fn stop_job(state: &AppState, id: &str) -> Result<Value, ApiError> {
    state.batch.stop_job(id)?;
    Ok(json!({}))
}

/// `POST /async-invoke`.
pub(crate) async fn start_invoke(
    state: &AppState,
    region: Region,
    body: &[u8],
) -> Result<Value, ApiError> {
    let request: StartAsyncInvokeRequest = decode_body(body)?;
    let arn = state.batch.start_invoke(region, request).await?;
    Ok(json!({ "invocationArn": arn }))
}

/// `GET /async-invoke/{invocationArn}`.
pub(crate) fn get_invoke(state: &AppState, arn: &str) -> Result<Value, ApiError> {
    let invoke = state.batch.invoke(arn)?;
    serde_json::to_value(invoke).map_err(|e| ApiError::internal(e.to_string()))
}

/// The filters shared by both listings.
#[derive(Debug, Default)]
struct ListQuery {
    after: Option<String>,
    before: Option<String>,
    status: Option<String>,
    name_contains: Option<String>,
    max_results: usize,
    next_token: Option<String>,
    ascending: bool,
}

fn enum_error(field: &str, value: &str, allowed: &str) -> ApiError {
    ApiError::validation(format!(
        "1 validation error detected: Value '{value}' at '{field}' failed to satisfy \
         constraint: Member must satisfy enum value set: [{allowed}]"
    ))
}

fn parse_query(raw: Option<&str>) -> Result<ListQuery, ApiError> {
    let mut q = ListQuery {
        max_results: MAX_LIST_RESULTS as usize,
        ..ListQuery::default()
    };
    for pair in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = percent_decode_str(&v.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned();
        match k {
            "submitTimeAfter" => q.after = Some(v),
            "submitTimeBefore" => q.before = Some(v),
            "statusEquals" => q.status = Some(v),
            "nameContains" => q.name_contains = Some(v),
            "nextToken" => q.next_token = Some(v),
            "maxResults" => {
                q.max_results = v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=MAX_LIST_RESULTS as usize).contains(n))
                    .ok_or_else(|| {
                        ApiError::validation(format!(
                            "1 validation error detected: Value '{v}' at 'maxResults' failed \
                             to satisfy constraint: Member must have value between 1 and \
                             {MAX_LIST_RESULTS}"
                        ))
                    })?;
            }
            "sortOrder" => match v.as_str() {
                "Ascending" => q.ascending = true,
                "Descending" => q.ascending = false,
                _ => return Err(enum_error("sortOrder", &v, "Ascending, Descending")),
            },
            // CreationTime for jobs, SubmissionTime for async invocations: both submit order.
            "sortBy" if v != "CreationTime" && v != "SubmissionTime" => {
                return Err(enum_error("sortBy", &v, "CreationTime, SubmissionTime"));
            }
            _ => {}
        }
    }
    Ok(q)
}

/// One page of `items` (each with its submit time and id), newest first unless ascending,
/// starting after the item the token names.
fn page<T>(mut items: Vec<(String, String, T)>, q: &ListQuery) -> (Vec<T>, Option<String>) {
    // Ids increase with submit order; times may tie within a millisecond.
    items.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    if !q.ascending {
        items.reverse();
    }
    let start = match &q.next_token {
        Some(token) => items
            .iter()
            .position(|(_, id, _)| id == token)
            .map_or(items.len(), |i| i + 1),
        None => 0,
    };
    let rest: Vec<_> = items.into_iter().skip(start).collect();
    let more = rest.len() > q.max_results;
    let taken: Vec<_> = rest.into_iter().take(q.max_results).collect();
    let next = more
        .then(|| taken.last().map(|(_, id, _)| id.clone()))
        .flatten();
    (taken.into_iter().map(|(_, _, item)| item).collect(), next)
}

fn within(time: &str, q: &ListQuery) -> bool {
    // ISO-8601 times in the same zone and precision compare as strings; Bedrock's filters
    // take any ISO-8601 form, so the filter value is cut to the same length first.
    let cut = |t: &str| t.trim_end_matches('Z').to_owned();
    let time = cut(time);
    q.after
        .as_deref()
        .is_none_or(|a| time.as_str() > cut(a).as_str())
        && q.before
            .as_deref()
            .is_none_or(|b| time.as_str() < cut(b).as_str())
}

/// `GET /model-invocation-jobs`.
pub(crate) fn list_jobs(state: &AppState, raw_query: Option<&str>) -> Result<Value, ApiError> {
    let q = parse_query(raw_query)?;
    let status = match &q.status {
        Some(s) => Some(
            BatchJobStatus::ALL
                .iter()
                .copied()
                .find(|v| v.as_str() == s)
                .ok_or_else(|| {
                    let names: Vec<&str> = BatchJobStatus::ALL.iter().map(|v| v.as_str()).collect();
                    enum_error("statusEquals", s, &names.join(", "))
                })?,
        ),
        None => None,
    };
    let items = state
        .batch
        .jobs()
        .into_iter()
        .filter(|j| status.is_none_or(|s| j.status == s))
        .filter(|j| {
            q.name_contains
                .as_deref()
                .is_none_or(|n| j.job_name.contains(n))
        })
        .filter(|j| within(&j.submit_time, &q))
        .map(|j| (j.submit_time.clone(), j.job_id().to_owned(), j))
        .collect();
    let (jobs, next) = page(items, &q);
    Ok(match next {
        Some(next) => json!({ "invocationJobSummaries": jobs, "nextToken": next }),
        None => json!({ "invocationJobSummaries": jobs }),
    })
}

/// `GET /async-invoke`.
pub(crate) fn list_invokes(state: &AppState, raw_query: Option<&str>) -> Result<Value, ApiError> {
    let q = parse_query(raw_query)?;
    let status = match &q.status {
        Some(s) => Some(
            AsyncInvokeStatus::ALL
                .iter()
                .copied()
                .find(|v| v.as_str() == s)
                .ok_or_else(|| enum_error("statusEquals", s, "InProgress, Completed, Failed"))?,
        ),
        None => None,
    };
    let items = state
        .batch
        .invokes()
        .into_iter()
        .filter(|i| status.is_none_or(|s| i.status == s))
        .filter(|i| within(&i.submit_time, &q))
        .map(|i| {
            let id = i
                .invocation_arn
                .rsplit_once('/')
                .map_or(i.invocation_arn.clone(), |(_, id)| id.to_owned());
            (i.submit_time.clone(), id, i)
        })
        .collect();
    let (invokes, next) = page(items, &q);
    Ok(match next {
        Some(next) => json!({ "asyncInvokeSummaries": invokes, "nextToken": next }),
        None => json!({ "asyncInvokeSummaries": invokes }),
    })
}
