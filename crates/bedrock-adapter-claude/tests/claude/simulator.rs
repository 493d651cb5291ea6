//! The simulator's answers to the bodies this adapter builds from Converse-shaped
//! conversations (tool use, thinking, documents, cache control), whole and streamed, read back
//! through the typed response and the adapter.
//!
//! The simulator takes every block kind in a Claude InvokeModel body and answers with text;
//! it does not answer `tool_use` or `thinking` blocks over InvokeModel, nor report cache
//! tokens there, so those answers are covered by the documented responses in `tests/data`.

use bedrock_adapter_claude::messages::{MessagesStopReason, ResponseContent};
use bedrock_adapter_claude::{
    MessagesAccumulator, MessagesRequest, MessagesResponse, MessagesStreamEvent,
};
use bedrock_core::catalog::Region;
use bedrock_core::{ModelAdapter, ModelOutput};
use bedrock_simulator::{SimChunk, SimRequest, Simulator, SimulatorConfig};
use futures::StreamExt as _;
use futures::executor::block_on;

use crate::fixtures::{ADAPTER, base_model_id, converse_cases, route};

/// The model id to call: through the US profile, since the newer Claude models are served
/// by inference profile only.
fn callable(model_id: &str) -> String {
    if model_id.starts_with("anthropic.") {
        format!("us.{model_id}")
    } else {
        model_id.to_owned()
    }
}

#[test]
fn the_simulator_answers_every_converse_shaped_body() {
    let simulator = Simulator::new(SimulatorConfig::default());
    for case in converse_cases() {
        let name = &case.name;
        let body = MessagesRequest::from_converse(&base_model_id(&case.model_id), &case.request)
            .and_then(|r| r.to_body(&base_model_id(&case.model_id)))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let model_id = callable(&case.model_id);
        let answer = block_on(simulator.invoke(SimRequest::invoke(
            model_id.clone(),
            Region::UsEast1,
            body.body.clone(),
        )))
        .unwrap_or_else(|e| panic!("{name}: the simulator refused the body: {e}"));

        let typed =
            MessagesResponse::from_json(&answer.body).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            matches!(
                typed.stop_reason,
                Some(
                    MessagesStopReason::EndTurn
                        | MessagesStopReason::MaxTokens
                        | MessagesStopReason::StopSequence
                )
            ),
            "{name}: {:?}",
            typed.stop_reason
        );
        assert!(
            typed
                .content
                .iter()
                .all(|b| matches!(b, ResponseContent::Text(_))),
            "{name}: {:?}",
            typed.content
        );
        let usage = typed.usage.unwrap();
        assert_eq!(usage.input_tokens, answer.input_tokens, "{name}");
        assert!(usage.input_tokens > 0, "{name}");
        // The same answer through the adapter and through Converse.
        let ModelOutput::Text(text) = ADAPTER
            .parse_output(&route(&model_id), &answer.body)
            .unwrap()
        else {
            panic!("{name}: not text")
        };
        assert_eq!(text.text, typed.text(), "{name}");
        let converse = typed.clone().into_converse(answer.latency).unwrap();
        assert_eq!(converse.text(), typed.text(), "{name}");
        assert_eq!(converse.usage.output_tokens, usage.output_tokens, "{name}");

        // Streamed, the events fold into the same response.
        let mut stream = block_on(simulator.invoke_stream(SimRequest::invoke_stream(
            model_id.clone(),
            Region::UsEast1,
            body.body.clone(),
        )))
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut acc = MessagesAccumulator::new();
        while let Some(item) = block_on(stream.next()) {
            match item.unwrap_or_else(|e| panic!("{name}: {e}")) {
                SimChunk::Chunk(chunk) => acc
                    .push(MessagesStreamEvent::from_json(&chunk).unwrap())
                    .unwrap_or_else(|e| panic!("{name}: {e}")),
                SimChunk::Truncate => panic!("{name}: truncated"),
            }
        }
        assert_eq!(
            acc.finish().unwrap(),
            typed,
            "{name}: stream and whole differ"
        );
    }
}

/// A multi-turn exchange: the simulator's answer goes back as the assistant turn, unchanged,
/// and the next call is accepted.
#[test]
fn the_answer_goes_back_as_the_next_assistant_turn() {
    let simulator = Simulator::new(SimulatorConfig::default());
    let model_id = "us.anthropic.claude-3-5-sonnet-20241022-v2:0";
    let base = base_model_id(model_id);
    let mut request = MessagesRequest::new(
        64,
        vec![bedrock_adapter_claude::messages::Message::user(
            "Name a colour.",
        )],
    );
    let first = block_on(simulator.invoke(SimRequest::invoke(
        model_id,
        Region::UsEast1,
        request.to_body(&base).unwrap().body,
    )))
    .unwrap();
    let first = MessagesResponse::from_json(&first.body).unwrap();
    request
        .messages
        .push(bedrock_adapter_claude::messages::Message::from_response(&first).unwrap());
    request
        .messages
        .push(bedrock_adapter_claude::messages::Message::user(
            "Another one.",
        ));
    let second = block_on(simulator.invoke(SimRequest::invoke(
        model_id,
        Region::UsEast1,
        request.to_body(&base).unwrap().body,
    )))
    .unwrap();
    let second = MessagesResponse::from_json(&second.body).unwrap();
    assert!(second.usage.unwrap().input_tokens > first.usage.unwrap().input_tokens);
}
