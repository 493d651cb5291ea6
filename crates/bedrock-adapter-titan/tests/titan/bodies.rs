//! Request bodies built from `tests/data/valid_inputs.json`, snapshotted through one helper.

use crate::fixtures::{InputCase, build, valid_inputs};

/// Builds the body of one case, checks the headers, and snapshots the JSON under the case name.
fn check_body(case: &InputCase) -> serde_json::Value {
    let body = build(&case.model_id, &case.input).unwrap_or_else(|e| panic!("{}: {e}", case.name));
    assert_eq!(body.content_type, "application/json", "{}", case.name);
    assert_eq!(body.accept, "application/json", "{}", case.name);
    let json: serde_json::Value = serde_json::from_slice(&body.body).expect("JSON body");
    insta::assert_json_snapshot!(format!("body_{}", case.name), json);
    json
}

#[test]
fn every_valid_input_builds_the_snapshotted_body() {
    let cases = valid_inputs();
    assert!(cases.len() >= 20, "{} cases", cases.len());
    for case in &cases {
        check_body(case);
    }
}

#[test]
fn floats_go_on_the_wire_as_written() {
    let case = valid_inputs()
        .into_iter()
        .find(|c| c.name == "text_all_params")
        .unwrap();
    let body = build(&case.model_id, &case.input).unwrap();
    let text = std::str::from_utf8(&body.body).unwrap();
    assert!(text.contains("\"temperature\":0.7"), "{text}");
    assert!(text.contains("\"topP\":0.9"), "{text}");
}

#[test]
fn chat_is_a_user_bot_transcript_ending_with_bot() {
    let case = valid_inputs()
        .into_iter()
        .find(|c| c.name == "chat_multi_turn_with_system")
        .unwrap();
    let json = check_body(&case);
    assert_eq!(
        json["inputText"],
        "You are a terse geology tutor.\n\nUser: What is gneiss?\nBot: A banded metamorphic rock.\n\
         User: And schist?\nKeep it short.\nBot:"
    );
    assert_eq!(
        json["textGenerationConfig"]["stopSequences"],
        serde_json::json!(["User:"])
    );
}

#[test]
fn building_is_deterministic() {
    for case in valid_inputs() {
        let first = build(&case.model_id, &case.input).unwrap();
        let second = build(&case.model_id, &case.input).unwrap();
        assert_eq!(first, second, "{}", case.name);
    }
}

#[test]
fn every_task_type_is_snapshotted_on_every_model_that_takes_it() {
    use bedrock_adapter_titan::image::TitanImageTaskType;
    use bedrock_adapter_titan::models::ImageGeneratorVersion;

    let mut seen = std::collections::BTreeSet::new();
    for case in valid_inputs() {
        let route = crate::fixtures::route(&case.model_id);
        if route.api() != bedrock_adapter_titan::IMAGE_API {
            continue;
        }
        let body = build(&case.model_id, &case.input).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body.body).unwrap();
        let version = ImageGeneratorVersion::of(&route.base_model_id);
        seen.insert((
            version.name(),
            json["taskType"].as_str().unwrap().to_owned(),
        ));
    }
    for version in [ImageGeneratorVersion::V1, ImageGeneratorVersion::V2] {
        for task in TitanImageTaskType::ALL {
            if task.supported_by(version) {
                assert!(
                    seen.contains(&(version.name(), task.as_str().to_owned())),
                    "no valid input for {} on {}",
                    task.as_str(),
                    version.name()
                );
            }
        }
    }
}

#[test]
fn each_task_puts_the_neutral_fields_where_its_body_has_them() {
    let case = |name: &str| {
        let case = valid_inputs()
            .into_iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no case {name}"));
        check_body(&case)
    };
    // An empty prompt leaves inpainting's optional `text` out: the mask is filled with the
    // background.
    let json = case("inpainting_mask_image_remove_v1");
    assert!(json["inPaintingParams"].get("text").is_none(), "{json}");
    assert!(json.get("imageGenerationConfig").is_none(), "{json}");
    // Edits keep the source's size, so no size is sent; count, guidance and seed are.
    let json = case("outpainting_mask_image_default_v2");
    let config = &json["imageGenerationConfig"];
    assert!(config.get("width").is_none() && config.get("height").is_none());
    assert_eq!(config["numberOfImages"], 3);
    assert_eq!(
        json["outPaintingParams"]["text"],
        "Extend the lake into a misty valley"
    );
    // Variation and colour-guided generation choose their size.
    let json = case("variation_five_images_v2");
    assert_eq!(json["imageGenerationConfig"]["width"], 1173);
    assert_eq!(
        json["imageVariationParams"]["images"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    let json = case("color_guided_all_options_v2");
    assert_eq!(
        json["colorGuidedGenerationParams"]["colors"]
            .as_array()
            .unwrap()
            .len(),
        10
    );
    // Background removal is the image and nothing else.
    let json = case("background_removal_v2");
    assert_eq!(
        json.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["taskType", "backgroundRemovalParams"]
    );
}

#[test]
fn an_explicit_text_image_task_builds_the_default_body() {
    let explicit = valid_inputs()
        .into_iter()
        .find(|c| c.name == "text_image_explicit_task_v1")
        .unwrap();
    let mut implicit = explicit.input.clone();
    let bedrock_core::ModelInput::Image(request) = &mut implicit else {
        panic!("not an image input")
    };
    request.extra.remove("taskType");
    assert_eq!(
        build(&explicit.model_id, &explicit.input).unwrap(),
        build(&explicit.model_id, &implicit).unwrap()
    );
}
