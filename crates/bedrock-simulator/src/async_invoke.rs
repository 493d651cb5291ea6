//! StartAsyncInvoke: the check Bedrock makes when an invocation starts, and what the invocation
//! writes to S3 when it runs. Nova Reel's video requests are checked and rendered as MP4
//! ([`crate::video`]); any other model is run once through InvokeModel and its answer written
//! as `output.json`, so a client can exercise the asynchronous flow with any model.

use bedrock_core::{ModelId, Region, Result};
use bytes::Bytes;
use serde_json::Value;

use crate::families::Family;
use crate::fault::Operation;
use crate::models;
use crate::rejection::Rejection;
use crate::simulator::{CallInfo, SimRequest, Simulator};
use crate::video;

/// One object an asynchronous invocation writes in its output folder
/// (`<s3Uri>/<invocation id>/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsyncOutputFile {
    /// The object's name in the folder: `output.mp4` (and `shot_0001.mp4`, ... for Nova Reel's
    /// multi-shot tasks), or `output.json`.
    pub name: String,
    /// Its content type.
    pub content_type: &'static str,
    /// Its bytes.
    pub body: Bytes,
}

impl Simulator {
    /// What StartAsyncInvoke checks before it answers: the model is offered in `region` and, for
    /// Nova Reel, `model_input` is a valid video request (else Bedrock's 400
    /// `ValidationException` naming the field). Logged as `StartAsyncInvoke`; fault rules for
    /// that operation apply.
    ///
    /// # Errors
    /// The simulator's answer as a service error: an unknown or unoffered model, a bad body, a
    /// scripted fault.
    pub async fn check_async_invoke(
        &self,
        model_id: &str,
        region: Region,
        model_input: &Value,
    ) -> Result<()> {
        let operation = Operation::StartAsyncInvoke;
        let id = ModelId::new(model_id);
        let plan = self.begin(operation, Some((model_id, &id)));
        crate::simulator::wait(plan.delay).await;
        let call = CallInfo {
            operation,
            model_id: Some(model_id),
            region,
            attempt: None,
            body_len: 0,
        };
        let checked = match plan.error.clone() {
            Some(r) => Err(r),
            None => self.check_reel(model_id, region, model_input).map(|_| ()),
        };
        match checked {
            Ok(()) => {
                self.log(&plan, &call, 200, None);
                Ok(())
            }
            Err(r) => Err(self.fail(&plan, &call, r)),
        }
    }

    /// The files an asynchronous invocation of `model_id` with `model_input` writes: Nova
    /// Reel's MP4s, rendered deterministically from the request and the simulator's seed, or
    /// for any other model the body InvokeModel answers, as `output.json`.
    ///
    /// # Errors
    /// What [`Simulator::check_async_invoke`] refuses, or the model's InvokeModel error.
    pub async fn async_invoke_output(
        &self,
        model_id: &str,
        region: Region,
        model_input: &Value,
    ) -> Result<Vec<AsyncOutputFile>> {
        let reel = self
            .check_reel(model_id, region, model_input)
            .map_err(|r| self.unlogged_error(r, model_id, region))?;
        if let Some(task) = reel {
            let files = video::render(&task, self.config().seed)
                .map_err(|r| self.unlogged_error(r, model_id, region))?;
            return Ok(files
                .into_iter()
                .map(|f| AsyncOutputFile {
                    name: f.name,
                    content_type: "video/mp4",
                    body: Bytes::from(f.body),
                })
                .collect());
        }
        // The service's own single attempt, logged as an InvokeModel.
        let request = SimRequest {
            attempt: Some(1),
            ..SimRequest::invoke(model_id, region, Bytes::from(model_input.to_string()))
        };
        let response = self.invoke(request).await?;
        Ok(vec![AsyncOutputFile {
            name: "output.json".to_owned(),
            content_type: "application/json",
            body: response.body,
        }])
    }

    /// The model resolved in `region`; for Nova Reel, its request checked (`Some(task)`).
    fn check_reel(
        &self,
        model_id: &str,
        region: Region,
        model_input: &Value,
    ) -> std::result::Result<Option<video::ReelTask>, Rejection> {
        let model = models::resolve_runtime(self.config(), &ModelId::new(model_id), region)?;
        match Family::of(model.model_id) {
            Some(Family::OtherOperation("StartAsyncInvoke")) => video::check(model_input).map(Some),
            _ => Ok(None),
        }
    }
}
