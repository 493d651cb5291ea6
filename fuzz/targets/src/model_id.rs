//! The `model_id` target: `ModelId::new` on any string, the accessors on what it accepts, and
//! the registry's resolution of it.

use bedrock_core::ModelId;
use bedrock_core::catalog::find_model;

use crate::adapters::registry;

/// The input (lossily UTF-8) as a model id. Properties: an accepted id prints as itself and
/// parses again to the same id; its base id is a part of it; a rejected id's error quotes at
/// most 200 characters of it.
pub fn model_id(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match ModelId::new(text.as_ref()) {
        Ok(id) => {
            let printed = id.to_string();
            assert_eq!(printed, text, "an accepted id prints as given");
            let again = ModelId::new(printed.as_str());
            assert_eq!(again.as_ref(), Ok(&id), "an accepted id parses to itself");
            let _ = (
                id.kind(),
                id.profile_geo(),
                id.provider(),
                format!("{id:?}"),
            );
            if let Some(base) = id.base_model_id() {
                assert!(
                    id.as_str().ends_with(base),
                    "{id:?} ends with its base id {base}"
                );
                let _ = find_model(base);
            }
            let _ = registry().resolve(&id);
        }
        Err(err) => {
            assert!(err.input.chars().count() <= 200, "{}", err.input.len());
            let _ = err.to_string();
        }
    }
}
