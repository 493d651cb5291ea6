//! Bad inputs, from the table in `tests/data/invalid_inputs.json`: each is rejected before a
//! body is built, with an error naming the expected field, the value and what is allowed.

mod support;

use bedrock_adapter_stability::StabilityAdapter;
use bedrock_core::{Error, ErrorKind, ModelAdapter};
use support::invalid_cases;

#[test]
fn every_bad_input_names_its_field() {
    let adapter = StabilityAdapter::new();
    let cases = invalid_cases();
    assert!(cases.len() >= 25, "the table has {} cases", cases.len());
    let mut messages = Vec::new();
    for case in &cases {
        let at = format!("{} ({})", case.about, case.model_id);
        let err = match adapter.build_body(&case.model_id, &case.input) {
            Ok(body) => panic!(
                "{at}: accepted, built {}",
                String::from_utf8_lossy(&body.body)
            ),
            Err(e) => e,
        };
        let Error::InvalidInput(bad) = &err else {
            panic!("{at}: expected InvalidInput, got {err:?}")
        };
        assert_eq!(bad.field, case.field, "{at}: {err}");
        assert!(
            !bad.value.is_empty() && !bad.allowed.is_empty(),
            "{at}: {err}"
        );
        assert_eq!(err.kind(), ErrorKind::Validation, "{at}");
        assert!(!err.is_retryable(), "{at}");
        messages.push(format!("{}: {err}", case.about));
    }
    insta::assert_yaml_snapshot!("invalid-input-messages", messages);
}

#[test]
fn both_apis_have_bad_inputs_in_the_table() {
    let cases = invalid_cases();
    let sdxl = cases
        .iter()
        .filter(|c| c.model_id.as_str().contains("stable-diffusion-xl"))
        .count();
    assert!(
        sdxl >= 12 && cases.len() - sdxl >= 12,
        "sdxl {sdxl}, sd3 {}",
        cases.len() - sdxl
    );
}
