//! The `adapter_output` and `adapter_stream_chunk` targets, and the list of every route of
//! every adapter of `bedrock_connector::default_registry()` that the other targets reuse.

use std::sync::OnceLock;

use bedrock_core::catalog::foundation_models;
use bedrock_core::{ModelAdapter, ModelId, ModelMatch, Registry, Resolved};

/// The registry the connector uses by default: every adapter this workspace ships.
pub(crate) fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(bedrock_connector::default_registry)
}

/// One resolved route per pattern of every adapter, in registry order (adapters by name, then
/// their patterns). A prefix pattern is reached through the first catalog model that resolves
/// to it, so every route is one a real model id takes.
pub fn routes() -> &'static [Resolved] {
    static ROUTES: OnceLock<Vec<Resolved>> = OnceLock::new();
    ROUTES.get_or_init(|| {
        let registry = registry();
        let mut routes = Vec::new();
        for adapter in registry.adapters() {
            for pattern in adapter.models() {
                // An exact id; else the first catalog id; else (a prefix of a model the catalog
                // no longer lists, like `amazon.titan-tg1-large`) the prefix itself.
                let (exact, prefix) = match pattern.matches {
                    ModelMatch::Exact(id) => (Some(id), None),
                    ModelMatch::Prefix(p) => (None, Some(p)),
                };
                let candidates = exact
                    .into_iter()
                    .chain(foundation_models().iter().map(|m| m.model_id))
                    .chain(prefix);
                let resolved = candidates
                    .filter_map(|id| ModelId::new(id).ok())
                    .filter_map(|id| registry.resolve(&id).ok())
                    .find(|r| r.route.pattern == *pattern && r.route.adapter == adapter.name());
                if let Some(resolved) = resolved {
                    routes.push(resolved);
                }
            }
        }
        routes
    })
}

/// The route byte `pick` selects (modulo the number of routes).
pub(crate) fn route(pick: u8) -> Option<&'static Resolved> {
    let routes = routes();
    routes.get(usize::from(pick) % routes.len().max(1))
}

/// Byte 0 picks the route, the rest is a whole response body for its `parse_output`.
pub fn adapter_output(data: &[u8]) {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    if let Some(r) = route(pick) {
        let _ = r.adapter.parse_output(&r.route, body);
    }
}

/// Byte 0 picks the route, the rest is one stream chunk for its `parse_stream_chunk`.
pub fn adapter_stream_chunk(data: &[u8]) {
    let Some((&pick, chunk)) = data.split_first() else {
        return;
    };
    if let Some(r) = route(pick) {
        let _ = r.adapter.parse_stream_chunk(&r.route, chunk);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The adapters this crate enables itself (every one the connector has).
    const OWN: [&str; 10] = [
        "claude",
        "titan",
        "stability",
        "nova",
        "meta",
        "mistral",
        "cohere",
        "ai21",
        "deepseek",
        "chat-completions",
    ];

    #[test]
    fn every_pattern_of_every_adapter_has_a_route() {
        let adapters = registry().adapters();
        let names: Vec<&str> = adapters.iter().map(|a| a.name()).collect();
        for own in OWN {
            assert!(
                names.contains(&own),
                "the registry has no {own} adapter: {names:?}"
            );
        }
        for adapter in registry().adapters() {
            for pattern in adapter.models() {
                assert!(
                    routes()
                        .iter()
                        .any(|r| r.route.pattern == *pattern && r.route.adapter == adapter.name()),
                    "{} has no route for {}",
                    adapter.name(),
                    pattern.matches
                );
            }
        }
        assert!(routes().len() >= 52, "{}", routes().len());
    }
}
