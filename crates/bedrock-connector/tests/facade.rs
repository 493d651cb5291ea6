//! The facade as an application sees it: the built-in registry per feature, and typed calls
//! through the builder's shortcuts. CI also builds the documented feature combinations alone.

#[cfg(all(feature = "claude", feature = "titan", feature = "stability"))]
#[test]
fn the_default_registry_serves_every_enabled_family() {
    use bedrock_connector::{ModelId, default_registry};
    let registry = default_registry();
    for (id, adapter) in [
        ("anthropic.claude-3-haiku-20240307-v1:0", "claude"),
        ("us.anthropic.claude-3-7-sonnet-20250219-v1:0", "claude"),
        ("amazon.titan-embed-text-v2:0", "titan"),
        ("stability.stable-diffusion-xl-v1", "stability"),
    ] {
        let resolved = registry
            .resolve(&ModelId::new(id).unwrap())
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(resolved.adapter.name(), adapter, "{id}");
    }
}

#[cfg(not(any(feature = "claude", feature = "titan", feature = "stability")))]
#[test]
fn without_adapter_features_the_default_registry_is_empty() {
    assert!(bedrock_connector::default_registry().adapters().is_empty());
}

#[cfg(all(feature = "mock", feature = "claude", feature = "titan"))]
mod over_the_simulator {
    use bedrock_connector::simulator::SimulatorConfig;
    use bedrock_connector::{
        Connector, ConnectorBuilderExt, EmbeddingRequest, ModelId, Region, TextRequest,
    };

    fn connector() -> Connector {
        Connector::builder()
            .region(Region::UsWest2)
            .default_adapters()
            .mock_backend(SimulatorConfig::default())
            .build()
            .unwrap()
    }

    #[tokio::test]
    async fn typed_text_and_embeddings_answer_deterministically() {
        let haiku = ModelId::new("anthropic.claude-3-haiku-20240307-v1:0").unwrap();
        let first = connector()
            .generate_text(&haiku, TextRequest::new("Hello").max_tokens(20))
            .await
            .unwrap();
        let second = connector()
            .generate_text(&haiku, TextRequest::new("Hello").max_tokens(20))
            .await
            .unwrap();
        assert!(!first.text.is_empty());
        assert_eq!(
            first, second,
            "the simulator answers the same input the same way"
        );

        let titan = ModelId::new("amazon.titan-embed-text-v2:0").unwrap();
        let mut request = EmbeddingRequest::new("hello");
        request.dimensions = Some(256);
        let embedding = connector().embed(&titan, request).await.unwrap();
        assert_eq!(embedding.embedding.len(), 256);
    }

    #[cfg(feature = "history")]
    #[tokio::test]
    async fn saved_prompts_land_in_the_sqlite_history() {
        use std::sync::Arc;

        use bedrock_connector::history_sqlite::SqliteHistory;
        use bedrock_connector::{InvokeOptions, ModelInput, PromptHistory, PromptStatus};

        let history = Arc::new(SqliteHistory::open_in_memory().unwrap());
        let connector = Connector::builder()
            .default_adapters()
            .mock_backend(SimulatorConfig::default())
            .history(history.clone())
            .build()
            .unwrap();
        let haiku = ModelId::new("anthropic.claude-3-haiku-20240307-v1:0").unwrap();
        let invocation = connector
            .invoke(
                &haiku,
                &ModelInput::Text(TextRequest::new("Remember me").max_tokens(10)),
                InvokeOptions {
                    save_prompt: true,
                    ..InvokeOptions::default()
                },
            )
            .await
            .unwrap();
        let id = invocation.prompt_id.expect("a prompt id");
        let record = history.get(&id).await.unwrap().expect("the row");
        assert_eq!(record.status, PromptStatus::Completed);
        assert!(invocation.history_error.is_none());
    }
}
