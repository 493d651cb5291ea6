//! `Registry`: the set of adapters, and resolution of a model id to the adapter that serves it.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use crate::adapter::{ModelAdapter, ModelPattern, RequestBody, Route};
use crate::catalog::Region;
use crate::error::{Error, Result};
use crate::model_id::ModelId;
use crate::model_io::ModelInput;
use crate::types::{InvokeModelRequest, InvokeOptions};

/// The adapter that serves one model id, and the route it serves it by.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The adapter.
    pub adapter: Arc<dyn ModelAdapter>,
    /// The bare model id and the pattern (API, capabilities) that matched.
    pub route: Route,
}

/// A typed call ready to send: its model id resolved once, its capabilities checked and its
/// body built once. [`Registry::prepare`] makes one without any backend, so input can be
/// checked offline; [`crate::Connector::send`] sends it.
#[derive(Debug, Clone)]
pub struct PreparedCall {
    /// The adapter and route.
    pub resolved: Resolved,
    /// The body the adapter built.
    pub body: RequestBody,
    /// The call's options.
    pub options: InvokeOptions,
}

impl PreparedCall {
    /// [`Error::Unsupported`] unless the route can stream.
    pub fn check_streaming(&self) -> Result<()> {
        if self.resolved.route.capabilities().streaming {
            Ok(())
        } else {
            Err(self.resolved.route.unsupported("streaming"))
        }
    }

    /// What the backend is asked to send, in `region`.
    pub fn request(&self, region: Region) -> InvokeModelRequest {
        InvokeModelRequest {
            model_id: self.resolved.route.model_id.clone(),
            region,
            body: self.body.body.clone(),
            content_type: self.body.content_type.to_owned(),
            accept: self.body.accept.to_owned(),
            trace: self.options.trace,
            guardrail: self.options.guardrail.clone(),
            save_prompt: self.options.save_prompt,
        }
    }
}

/// Adapters by name. Cheap to share (`Arc<Registry>`), safe to update from any thread.
#[derive(Debug, Default)]
pub struct Registry {
    adapters: RwLock<BTreeMap<String, Arc<dyn ModelAdapter>>>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    /// Adds an adapter under its name, returning the adapter it replaced.
    pub fn register(&self, adapter: Arc<dyn ModelAdapter>) -> Option<Arc<dyn ModelAdapter>> {
        let name = adapter.name().to_owned();
        self.write().insert(name, adapter)
    }

    /// Removes the adapter with this name.
    pub fn unregister(&self, name: &str) -> Option<Arc<dyn ModelAdapter>> {
        self.write().remove(name)
    }

    /// The adapter with this name.
    pub fn get(&self, name: &str) -> Option<Arc<dyn ModelAdapter>> {
        self.read().get(name).cloned()
    }

    /// Every adapter, by name.
    pub fn adapters(&self) -> Vec<Arc<dyn ModelAdapter>> {
        self.read().values().cloned().collect()
    }

    /// The adapter and route for `model_id`: the most specific pattern over all adapters, seeing
    /// through inference-profile prefixes and ARNs. A miss lists what is registered.
    pub fn resolve(&self, model_id: &ModelId) -> Result<Resolved> {
        let miss = || Error::NoAdapter {
            model_id: model_id.to_string(),
            registered: self.describe(),
        };
        let base = model_id.base_model_id().ok_or_else(miss)?;
        let best = {
            let adapters = self.read();
            let mut best: Option<(usize, &Arc<dyn ModelAdapter>, ModelPattern)> = None;
            for adapter in adapters.values() {
                if let Some((pattern, spec)) = ModelPattern::best(adapter.models(), base)
                    && best.as_ref().is_none_or(|(s, _, _)| spec > *s)
                {
                    best = Some((spec, adapter, *pattern));
                }
            }
            best.map(|(_, adapter, pattern)| (Arc::clone(adapter), pattern))
        };
        let (adapter, pattern) = best.ok_or_else(miss)?;
        let route = Route::new(model_id, pattern, adapter.name()).ok_or_else(miss)?;
        Ok(Resolved { adapter, route })
    }

    /// The adapter and route for `model_id` when the caller already knows the foundation model
    /// behind it (`base`): an application inference profile ARN, resolved through
    /// GetInferenceProfile. The route keeps `model_id` (the call goes to it) and `base`.
    pub fn resolve_as(&self, model_id: &ModelId, base: &str) -> Result<Resolved> {
        let base_id = ModelId::new(base).map_err(Error::InvalidModelId)?;
        let resolved = self.resolve(&base_id)?;
        let route = Route {
            model_id: model_id.clone(),
            base_model_id: resolved.route.base_model_id,
            pattern: resolved.route.pattern,
            adapter: resolved.route.adapter,
        };
        Ok(Resolved {
            adapter: resolved.adapter,
            route,
        })
    }

    /// [`Registry::prepare`] for an id whose foundation model the caller resolved (see
    /// [`Registry::resolve_as`]).
    pub fn prepare_as(
        &self,
        model_id: &ModelId,
        base: &str,
        input: &ModelInput,
        options: InvokeOptions,
    ) -> Result<PreparedCall> {
        let resolved = self.resolve_as(model_id, base)?;
        self.prepare_resolved(resolved, input, options)
    }

    fn prepare_resolved(
        &self,
        resolved: Resolved,
        input: &ModelInput,
        options: InvokeOptions,
    ) -> Result<PreparedCall> {
        if !resolved.route.capabilities().supports(input) {
            return Err(resolved.route.unsupported(input.operation()));
        }
        let body = resolved.adapter.build_body(&resolved.route, input)?;
        Ok(PreparedCall {
            resolved,
            body,
            options,
        })
    }

    /// Prepares a typed call without sending it: resolves the adapter once, checks that its
    /// API supports the operation ([`Error::Unsupported`] otherwise), and lets the adapter
    /// validate the input and build the body. Nothing here needs a backend, so callers can
    /// check input before connecting anywhere.
    pub fn prepare(
        &self,
        model_id: &ModelId,
        input: &ModelInput,
        options: InvokeOptions,
    ) -> Result<PreparedCall> {
        let resolved = self.resolve(model_id)?;
        self.prepare_resolved(resolved, input, options)
    }

    /// One line per adapter: its name and the ids it serves.
    pub fn describe(&self) -> Vec<String> {
        self.read()
            .values()
            .map(|a| {
                let ids: Vec<String> = a.models().iter().map(|p| p.matches.to_string()).collect();
                format!("{} ({})", a.name(), ids.join(", "))
            })
            .collect()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Arc<dyn ModelAdapter>>> {
        // A panic while holding the lock cannot leave the map half-updated: every write is a
        // single insert or remove, so a poisoned lock still holds a consistent map.
        self.adapters
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, Arc<dyn ModelAdapter>>> {
        self.adapters
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapter::{Capabilities, ModelMatch};
    use crate::model_io::{ModelInput, ModelOutput, StreamEvent};

    #[derive(Debug)]
    struct Fake(&'static str, Vec<ModelPattern>);

    impl ModelAdapter for Fake {
        fn name(&self) -> &str {
            self.0
        }
        fn models(&self) -> &[ModelPattern] {
            &self.1
        }
        fn request_schema(&self, _api: &str) -> Option<schemars::Schema> {
            None
        }
        fn build_body(&self, _: &Route, _: &ModelInput) -> Result<RequestBody> {
            RequestBody::json(&serde_json::json!({ "adapter": self.0 }))
        }
        fn parse_output(&self, _: &Route, _: &[u8]) -> Result<ModelOutput> {
            Err(Error::decode("fake"))
        }
        fn parse_stream_chunk(&self, _: &Route, _: &[u8]) -> Result<Vec<StreamEvent>> {
            Ok(vec![])
        }
    }

    fn pat(m: ModelMatch, api: &'static str) -> ModelPattern {
        ModelPattern {
            matches: m,
            api,
            capabilities: Capabilities {
                text: true,
                ..Capabilities::NONE
            },
        }
    }

    fn registry() -> Registry {
        let r = Registry::new();
        r.register(Arc::new(Fake(
            "claude",
            vec![
                pat(ModelMatch::Prefix("anthropic.claude"), "messages"),
                pat(ModelMatch::Exact("anthropic.claude-v2"), "legacy"),
            ],
        )));
        r.register(Arc::new(Fake(
            "special",
            vec![pat(ModelMatch::Prefix("anthropic.claude-3-haiku"), "haiku")],
        )));
        r
    }

    fn api(r: &Registry, id: &str) -> (String, &'static str) {
        let res = r.resolve(&ModelId::new(id).unwrap()).unwrap();
        (res.adapter.name().to_owned(), res.route.api())
    }

    #[test]
    fn most_specific_match_wins_through_profiles_and_arns() {
        let r = registry();
        assert_eq!(api(&r, "anthropic.claude-v2"), ("claude".into(), "legacy"));
        assert_eq!(
            api(&r, "anthropic.claude-v2:1"),
            ("claude".into(), "messages")
        );
        let haiku = "anthropic.claude-3-haiku-20240307-v1:0";
        for id in [
            haiku.to_owned(),
            format!("us.{haiku}"),
            format!("eu.{haiku}"),
            format!("apac.{haiku}"),
            format!("global.{haiku}"),
            format!("arn:aws:bedrock:us-east-1::foundation-model/{haiku}"),
            format!("arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.{haiku}"),
        ] {
            assert_eq!(api(&r, &id), ("special".into(), "haiku"), "{id}");
        }
        assert_eq!(
            api(&r, "us.anthropic.claude-3-5-sonnet-20240620-v1:0").1,
            "messages"
        );
    }

    #[test]
    fn a_miss_lists_what_is_registered() {
        let r = registry();
        let err = r
            .resolve(&ModelId::new("cohere.command-r-v1:0").unwrap())
            .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("cohere.command-r-v1:0"), "{msg}");
        assert!(
            msg.contains("claude (anthropic.claude*, anthropic.claude-v2)"),
            "{msg}"
        );
        assert!(msg.contains("special (anthropic.claude-3-haiku*)"), "{msg}");
        let app =
            ModelId::new("arn:aws:bedrock:us-east-1:1:application-inference-profile/x").unwrap();
        assert!(matches!(r.resolve(&app), Err(Error::NoAdapter { .. })));
    }

    #[test]
    fn register_returns_the_replaced_adapter() {
        let r = registry();
        let old = r
            .register(Arc::new(Fake("special", vec![])))
            .expect("replaced");
        assert_eq!(old.models().len(), 1);
        assert!(r.register(Arc::new(Fake("new", vec![]))).is_none());
        assert_eq!(r.adapters().len(), 3);
    }
}
