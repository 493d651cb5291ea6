//! `ModelId`: a validated Bedrock model identifier (bare id, inference-profile id or ARN).

use std::fmt;
use std::str::FromStr;

use crate::catalog::ProfileGeo;

/// The longest model identifier Bedrock accepts.
pub const MAX_MODEL_ID_LEN: usize = 2048;

/// A model identifier as Bedrock accepts it in `modelId`.
///
/// Accepted forms:
/// - bare ids: `anthropic.claude-3-haiku-20240307-v1:0`
/// - cross-region inference-profile ids: `us.anthropic.claude-3-haiku-20240307-v1:0`
///   (prefixes `us`, `us-gov`, `eu`, `apac`, `jp`, `au`, `ca`, `global`)
/// - ARNs: `arn:aws:bedrock:us-east-1::foundation-model/<id>`,
///   `arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.<id>`, and the other Bedrock
///   resource ARNs (application inference profiles, provisioned, custom and imported models).
///
/// ```
/// use bedrock_core::ModelId;
/// let id: ModelId = "eu.anthropic.claude-3-haiku-20240307-v1:0".parse()?;
/// assert_eq!(id.base_model_id(), Some("anthropic.claude-3-haiku-20240307-v1:0"));
/// # Ok::<(), bedrock_core::ModelIdError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ModelId {
    raw: String,
    kind: ModelIdKind,
    /// Byte range of the bare foundation-model id inside `raw`, when there is one.
    base: Option<(usize, usize)>,
}

/// Which form a [`ModelId`] takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ModelIdKind {
    /// A bare foundation-model id.
    Bare,
    /// A cross-region inference profile id with its geography prefix.
    Profile(ProfileGeo),
    /// `arn:...:foundation-model/<id>`.
    FoundationModelArn,
    /// `arn:...:inference-profile/<geo>.<id>`.
    InferenceProfileArn(ProfileGeo),
    /// Any other Bedrock resource ARN (application inference profile, provisioned, custom or
    /// imported model): the base model cannot be read from it.
    OtherArn,
}

/// Why a string is not a valid [`ModelId`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid model id `{input}`: {reason}")]
pub struct ModelIdError {
    /// The rejected input (truncated to 200 characters).
    pub input: String,
    /// What is wrong with it.
    pub reason: String,
}

impl ModelIdError {
    fn new(input: &str, reason: impl Into<String>) -> Self {
        let input: String = input.chars().take(200).collect();
        ModelIdError {
            input,
            reason: reason.into(),
        }
    }
}

impl ModelId {
    /// Parses and validates a model identifier.
    pub fn new(id: impl Into<String>) -> Result<Self, ModelIdError> {
        let raw: String = id.into();
        if raw.is_empty() {
            return Err(ModelIdError::new(&raw, "it is empty"));
        }
        if raw.len() > MAX_MODEL_ID_LEN {
            return Err(ModelIdError::new(
                &raw,
                format!(
                    "it is {} characters long; at most {MAX_MODEL_ID_LEN} are allowed",
                    raw.len()
                ),
            ));
        }
        if let Some(bad) = raw.chars().find(|c| !is_id_char(*c)) {
            return Err(ModelIdError::new(
                &raw,
                format!("character {bad:?} is not allowed; use letters, digits and `.-_:/`"),
            ));
        }
        if raw.starts_with("arn:") {
            return parse_arn(raw);
        }
        if let Some((prefix, rest)) = raw.split_once('.')
            && let Some(geo) = ProfileGeo::from_prefix(prefix)
        {
            check_bare(&raw, rest)?;
            let start = prefix.len() + 1;
            let end = raw.len();
            return Ok(ModelId {
                raw,
                kind: ModelIdKind::Profile(geo),
                base: Some((start, end)),
            });
        }
        check_bare(&raw, &raw)?;
        let end = raw.len();
        Ok(ModelId {
            raw,
            kind: ModelIdKind::Bare,
            base: Some((0, end)),
        })
    }

    /// The identifier exactly as given.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// Which form the identifier takes.
    pub fn kind(&self) -> ModelIdKind {
        self.kind
    }

    /// The bare foundation-model id behind this identifier, seeing through profile prefixes and
    /// foundation-model / inference-profile ARNs. `None` for ARNs that do not name one.
    pub fn base_model_id(&self) -> Option<&str> {
        self.base.and_then(|(s, e)| self.raw.get(s..e))
    }

    /// The cross-region profile geography, for profile ids and inference-profile ARNs.
    pub fn profile_geo(&self) -> Option<ProfileGeo> {
        match self.kind {
            ModelIdKind::Profile(g) | ModelIdKind::InferenceProfileArn(g) => Some(g),
            _ => None,
        }
    }

    /// The provider segment of the base model id (`anthropic`, `amazon`, ...).
    pub fn provider(&self) -> Option<&str> {
        self.base_model_id()
            .and_then(|b| b.split_once('.'))
            .map(|(p, _)| p)
    }
}

fn is_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '/')
}

/// A bare id is `provider.model` where provider is lowercase letters/digits/dashes.
fn check_bare(raw: &str, bare: &str) -> Result<(), ModelIdError> {
    let Some((provider, model)) = bare.split_once('.') else {
        return Err(ModelIdError::new(
            raw,
            "expected `provider.model` (e.g. `anthropic.claude-3-haiku-20240307-v1:0`), an \
             inference profile id (`us.<model>`) or an ARN",
        ));
    };
    if provider.is_empty()
        || !provider
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(ModelIdError::new(
            raw,
            format!("provider `{provider}` must be lowercase letters, digits or `-`"),
        ));
    }
    if model.is_empty() || model.contains('/') {
        return Err(ModelIdError::new(
            raw,
            "the model part after the provider must be non-empty and contain no `/`",
        ));
    }
    Ok(())
}

fn parse_arn(raw: String) -> Result<ModelId, ModelIdError> {
    // arn:partition:bedrock:region:account:resource-type/resource-id
    let parts: Vec<&str> = raw.splitn(6, ':').collect();
    let [_, partition, service, region, _account, resource] = parts.as_slice() else {
        return Err(ModelIdError::new(
            &raw,
            "an ARN has six `:`-separated parts",
        ));
    };
    if !partition.starts_with("aws") {
        return Err(ModelIdError::new(
            &raw,
            format!("unknown partition `{partition}`"),
        ));
    }
    if *service != "bedrock" {
        return Err(ModelIdError::new(
            &raw,
            format!("service must be `bedrock`, not `{service}`"),
        ));
    }
    if region.is_empty() {
        return Err(ModelIdError::new(&raw, "the ARN has no region"));
    }
    let resource = *resource;
    let resource_start = raw.len() - resource.len();
    let Some((rtype, rid)) = resource.split_once('/') else {
        return Err(ModelIdError::new(&raw, "the resource must read `type/id`"));
    };
    let id_start = resource_start + rtype.len() + 1;
    let end = raw.len();
    match rtype {
        "foundation-model" => {
            check_bare(&raw, rid)?;
            Ok(ModelId {
                kind: ModelIdKind::FoundationModelArn,
                base: Some((id_start, end)),
                raw,
            })
        }
        "inference-profile" => {
            let Some((geo, rest)) = rid
                .split_once('.')
                .and_then(|(p, r)| ProfileGeo::from_prefix(p).map(|g| (g, r)))
            else {
                return Err(ModelIdError::new(
                    &raw,
                    "an inference-profile ARN must end in `<geo>.<model id>`",
                ));
            };
            check_bare(&raw, rest)?;
            let start = id_start + geo.as_str().len() + 1;
            Ok(ModelId {
                kind: ModelIdKind::InferenceProfileArn(geo),
                base: Some((start, end)),
                raw,
            })
        }
        "application-inference-profile"
        | "provisioned-model"
        | "custom-model"
        | "imported-model"
        | "prompt"
        | "marketplace-model-endpoint"
        | "default-prompt-router"
        | "prompt-router" => {
            if rid.is_empty() {
                return Err(ModelIdError::new(&raw, "the ARN's resource id is empty"));
            }
            Ok(ModelId {
                kind: ModelIdKind::OtherArn,
                base: None,
                raw,
            })
        }
        other => Err(ModelIdError::new(
            &raw,
            format!("`{other}` is not a Bedrock model resource type"),
        )),
    }
}

impl FromStr for ModelId {
    type Err = ModelIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ModelId::new(s)
    }
}

impl TryFrom<String> for ModelId {
    type Error = ModelIdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        ModelId::new(s)
    }
}

impl TryFrom<&str> for ModelId {
    type Error = ModelIdError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        ModelId::new(s)
    }
}

impl From<ModelId> for String {
    fn from(id: ModelId) -> String {
        id.raw
    }
}

impl AsRef<str> for ModelId {
    fn as_ref(&self) -> &str {
        &self.raw
    }
}

impl fmt::Display for ModelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl fmt::Debug for ModelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ModelId({:?})", self.raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(s: &str) -> Option<String> {
        ModelId::new(s).unwrap().base_model_id().map(str::to_owned)
    }

    #[test]
    fn accepts_every_documented_form() {
        let id = "anthropic.claude-3-haiku-20240307-v1:0";
        assert_eq!(base(id).as_deref(), Some(id));
        for geo in ["us", "eu", "apac", "global", "us-gov", "jp"] {
            let m = ModelId::new(format!("{geo}.{id}")).unwrap();
            assert_eq!(m.base_model_id(), Some(id));
            assert_eq!(m.profile_geo().unwrap().as_str(), geo);
        }
        let arn = format!("arn:aws:bedrock:us-east-1::foundation-model/{id}");
        assert_eq!(base(&arn).as_deref(), Some(id));
        assert_eq!(
            ModelId::new(&arn).unwrap().kind(),
            ModelIdKind::FoundationModelArn
        );
        let arn = format!("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.{id}");
        assert_eq!(base(&arn).as_deref(), Some(id));
        let app = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3";
        assert_eq!(base(app), None);
        assert_eq!(
            base("amazon.titan-text-express-v1:0:8k").as_deref(),
            Some("amazon.titan-text-express-v1:0:8k")
        );
    }

    #[test]
    fn rejects_malformed_ids_with_a_reason() {
        for (bad, needle) in [
            ("", "empty"),
            ("claude", "provider.model"),
            ("Anthropic.claude", "lowercase"),
            ("anthropic.claude v2", "not allowed"),
            (
                "arn:aws:s3:us-east-1::foundation-model/a.b",
                "service must be `bedrock`",
            ),
            (
                "arn:aws:bedrock:us-east-1::bucket/a.b",
                "not a Bedrock model resource",
            ),
            (
                "arn:aws:bedrock:us-east-1:1:inference-profile/zz.a.b",
                "<geo>.<model id>",
            ),
            ("anthropic.", "non-empty"),
        ] {
            let err = ModelId::new(bad).unwrap_err();
            assert!(err.to_string().contains(needle), "{bad:?}: {err}");
        }
        let long = format!("anthropic.{}", "a".repeat(MAX_MODEL_ID_LEN));
        assert!(
            ModelId::new(long)
                .unwrap_err()
                .reason
                .contains("at most 2048")
        );
    }

    #[test]
    fn serde_round_trips_and_validates() {
        let id: ModelId = serde_json::from_str("\"us.meta.llama3-2-1b-instruct-v1:0\"").unwrap();
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            "\"us.meta.llama3-2-1b-instruct-v1:0\""
        );
        assert!(serde_json::from_str::<ModelId>("\"nope\"").is_err());
    }
}
