#![doc = include_str!("../README.md")]

/// The workspace README's examples, compiled and run as doctests so that they stay true.
#[cfg(all(doctest, feature = "mock", feature = "claude"))]
#[doc = include_str!("../../../README.md")]
mod workspace_readme {}

/// docs/converse.md's examples, compiled and run against the simulator.
#[cfg(all(doctest, feature = "mock"))]
#[doc = include_str!("../../../docs/converse.md")]
mod converse_guide {}

use std::sync::Arc;

pub use bedrock_core::*;

#[cfg(feature = "ai21")]
pub use bedrock_adapter_ai21 as ai21;
#[cfg(feature = "chat-completions")]
pub use bedrock_adapter_chat_completions as chat_completions;
#[cfg(feature = "claude")]
pub use bedrock_adapter_claude as claude;
#[cfg(feature = "cohere")]
pub use bedrock_adapter_cohere as cohere;
#[cfg(feature = "deepseek")]
pub use bedrock_adapter_deepseek as deepseek;
#[cfg(feature = "meta")]
pub use bedrock_adapter_meta as meta;
#[cfg(feature = "mistral")]
pub use bedrock_adapter_mistral as mistral;
#[cfg(feature = "nova")]
pub use bedrock_adapter_nova as nova;
#[cfg(feature = "stability")]
pub use bedrock_adapter_stability as stability;
#[cfg(feature = "titan")]
pub use bedrock_adapter_titan as titan;

#[cfg(feature = "aws")]
pub use bedrock_auth as auth;
#[cfg(feature = "aws")]
pub use bedrock_backend_aws as aws;
#[cfg(feature = "history")]
pub use bedrock_history as history_sqlite;
#[cfg(feature = "mock")]
pub use bedrock_simulator as simulator;
/// The simulator crate under the name of its feature, `mock`, for code written against it.
#[cfg(feature = "mock")]
pub use bedrock_simulator as mock;

/// A registry with every adapter this build enables (features `claude`, `titan`, `stability`,
/// `nova`, `meta`, `mistral`, `cohere`, `ai21`, `deepseek`, `chat-completions`).
pub fn default_registry() -> Registry {
    let registry = Registry::new();
    #[cfg(feature = "claude")]
    bedrock_adapter_claude::register(&registry);
    #[cfg(feature = "titan")]
    bedrock_adapter_titan::register(&registry);
    #[cfg(feature = "stability")]
    bedrock_adapter_stability::register(&registry);
    #[cfg(feature = "nova")]
    bedrock_adapter_nova::register(&registry);
    #[cfg(feature = "meta")]
    bedrock_adapter_meta::register(&registry);
    #[cfg(feature = "mistral")]
    bedrock_adapter_mistral::register(&registry);
    #[cfg(feature = "cohere")]
    bedrock_adapter_cohere::register(&registry);
    #[cfg(feature = "ai21")]
    bedrock_adapter_ai21::register(&registry);
    #[cfg(feature = "deepseek")]
    bedrock_adapter_deepseek::register(&registry);
    #[cfg(feature = "chat-completions")]
    bedrock_adapter_chat_completions::register(&registry);
    registry
}

/// Shortcuts on [`ConnectorBuilder`] for the adapters and backends this build enables.
pub trait ConnectorBuilderExt: Sized {
    /// Uses [`default_registry`].
    fn default_adapters(self) -> Self;

    /// Uses the deterministic in-process simulator as the backend.
    #[cfg(feature = "mock")]
    fn mock_backend(self, config: bedrock_simulator::SimulatorConfig) -> Self;

    /// Uses the AWS SDK backend with these settings.
    #[cfg(feature = "aws")]
    fn aws_backend(self, config: bedrock_backend_aws::AwsBackendConfig) -> Self;
}

impl ConnectorBuilderExt for ConnectorBuilder {
    fn default_adapters(self) -> Self {
        self.registry(Arc::new(default_registry()))
    }

    #[cfg(feature = "mock")]
    fn mock_backend(self, config: bedrock_simulator::SimulatorConfig) -> Self {
        self.backend(Arc::new(bedrock_simulator::MockBackend::new(config)))
    }

    #[cfg(feature = "aws")]
    fn aws_backend(self, config: bedrock_backend_aws::AwsBackendConfig) -> Self {
        self.backend(Arc::new(bedrock_backend_aws::AwsBackend::new(config)))
    }
}
