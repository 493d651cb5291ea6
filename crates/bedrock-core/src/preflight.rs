//! The pre-flight check: a model id is checked against the catalog before a call leaves the
//! process, so that a bare id Bedrock serves here only through an inference profile, a bare id
//! not offered in the region, or a retired model fails locally with the fix, or (with automatic
//! routing) is sent through the best profile for the region.

use crate::catalog::{self, CatalogModel, ProfileGeo, Region};
use crate::error::{Error, Result};
use crate::model_id::{ModelId, ModelIdKind};

/// What the check does with a bare id that is served in the caller's region only through an
/// inference profile.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ProfileRouting {
    /// Fail locally, naming the profile(s) that serve the model from the region.
    #[default]
    Manual,
    /// Send it through the narrowest geography's profile that serves the region, `global.`
    /// only when no geographic profile does.
    Automatic,
    /// Send it through the `global.` profile when there is one, else as [`Automatic`](Self::Automatic).
    AutomaticGlobalFirst,
}

/// What the check decided for one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreflightDecision {
    /// Send the id as given.
    Send,
    /// Send the call through this inference profile id instead.
    Route(ModelId),
}

/// The pre-flight check's settings. The default checks every call, routes nothing and knows no
/// date (so end of life is left to Bedrock, which answers it with the successor in the hint).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preflight {
    /// Whether calls are checked at all; off, every id is sent as given (for when the catalog
    /// is behind Bedrock). Ids the catalog does not know are always sent as given.
    pub enabled: bool,
    /// What to do with a bare id served here only through a profile.
    pub routing: ProfileRouting,
    /// Today's date (`YYYY-MM-DD`): models whose end-of-life date is on or before it fail
    /// locally, naming their successor. `None` skips the end-of-life check.
    pub today: Option<String>,
}

impl Default for Preflight {
    fn default() -> Self {
        Preflight {
            enabled: true,
            routing: ProfileRouting::Manual,
            today: None,
        }
    }
}

const TURN_OFF: &str = "if Bedrock now offers it and the catalog is behind, run `cargo xtask \
     catalog sync` or turn the pre-flight check off (`--no-preflight`, \
     `ConnectorBuilder::preflight(false)`)";

fn refuse(id: &ModelId, allowed: String) -> Error {
    Error::invalid("model_id", id.as_str(), allowed)
}

fn ticked(items: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    items
        .into_iter()
        .map(|s| format!("`{}`", s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn region_list(regions: &[Region]) -> String {
    regions
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl Preflight {
    /// Checks `model_id` for a call in `region`.
    ///
    /// Application-profile, provisioned, custom and imported model ARNs are sent as given:
    /// the catalog does not list them (the connector resolves application profiles through
    /// GetInferenceProfile instead).
    pub fn check(&self, model_id: &ModelId, region: Region) -> Result<PreflightDecision> {
        if !self.enabled {
            return Ok(PreflightDecision::Send);
        }
        let Some(base) = model_id.base_model_id() else {
            return Ok(PreflightDecision::Send);
        };
        // An id the catalog does not know is Bedrock's to answer (its 404 says what it knows);
        // the check only speaks for what the catalog records.
        let Some(model) = catalog::find_model(base) else {
            return Ok(PreflightDecision::Send);
        };
        if let Some(today) = &self.today
            && model.is_retired_on(today)
        {
            let eol = model.end_of_life.unwrap_or("its end-of-life date");
            return Err(refuse(
                model_id,
                match model.successor {
                    Some(s) => format!(
                        "a model in service: `{}` reached end of life on {eol}; use `{s}` instead",
                        model.model_id
                    ),
                    None => format!(
                        "a model in service: `{}` reached end of life on {eol}",
                        model.model_id
                    ),
                },
            ));
        }
        match model_id.kind() {
            // Bedrock's own answer to a profile the region cannot use is precise (400, "The
            // provided model identifier is invalid.", with the profile to use in the hint).
            ModelIdKind::Profile(_) | ModelIdKind::InferenceProfileArn(_) => {
                Ok(PreflightDecision::Send)
            }
            _ => self.check_bare(model_id, model, region),
        }
    }

    fn check_bare(
        &self,
        model_id: &ModelId,
        model: &CatalogModel,
        region: Region,
    ) -> Result<PreflightDecision> {
        if model.offered_in(region) {
            return Ok(PreflightDecision::Send);
        }
        let mut usable = model.profiles_from(region);
        if !usable.is_empty() {
            if self.routing == ProfileRouting::Manual {
                return Err(refuse(
                    model_id,
                    format!(
                        "an inference profile id: from {region}, `{}` is served only through {} \
                         (or route automatically: `--route-profiles`, \
                         `ConnectorBuilder::profile_routing`)",
                        model.model_id,
                        ticked(usable.iter().map(|p| p.profile_id))
                    ),
                ));
            }
            if self.routing == ProfileRouting::AutomaticGlobalFirst {
                usable.sort_by_key(|p| p.geo != ProfileGeo::Global);
            }
            let pick = usable.first().map_or(model.model_id, |p| p.profile_id);
            let routed = ModelId::new(pick)
                .map_err(|e| refuse(model_id, format!("a valid profile id ({e})")))?;
            return Ok(PreflightDecision::Route(routed));
        }
        Err(refuse(
            model_id,
            format!("{}; {TURN_OFF}", not_offered(model, region)),
        ))
    }
}

/// The fix-it for a model neither served on demand nor reachable through a profile in `region`.
fn not_offered(model: &CatalogModel, region: Region) -> String {
    let mut text = format!("a model offered in {region}: `{}` is not", model.model_id);
    if !model.regions.is_empty() {
        text.push_str(&format!(
            "; it is served on demand in {}",
            region_list(model.regions)
        ));
    }
    let through: Vec<String> = model
        .inference_profiles()
        .map(|p| format!("`{}` from {}", p.profile_id, region_list(p.sources)))
        .collect();
    if !through.is_empty() {
        text.push_str(&format!("; through {}", through.join("; ")));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> ModelId {
        ModelId::new(s).unwrap()
    }

    const SONNET_37: &str = "anthropic.claude-3-7-sonnet-20250219-v1:0";

    #[test]
    fn tokyo_reaches_claude_3_7_sonnet_through_apac() {
        let check = Preflight::default();
        assert_eq!(
            check
                .check(&id(&format!("apac.{SONNET_37}")), Region::ApNortheast1)
                .unwrap(),
            PreflightDecision::Send
        );
        let err = check
            .check(&id(SONNET_37), Region::ApNortheast1)
            .unwrap_err();
        assert!(
            err.to_string().contains(&format!("`apac.{SONNET_37}`")),
            "{err}"
        );
        let routed = Preflight {
            routing: ProfileRouting::Automatic,
            ..Preflight::default()
        };
        assert_eq!(
            routed.check(&id(SONNET_37), Region::ApNortheast1).unwrap(),
            PreflightDecision::Route(id(&format!("apac.{SONNET_37}")))
        );
    }

    #[test]
    fn geographic_profiles_come_before_global_unless_asked() {
        let sonnet = "anthropic.claude-sonnet-4-5-20250929-v1:0";
        let auto = Preflight {
            routing: ProfileRouting::Automatic,
            ..Preflight::default()
        };
        assert_eq!(
            auto.check(&id(sonnet), Region::ApNortheast1).unwrap(),
            PreflightDecision::Route(id(&format!("jp.{sonnet}")))
        );
        let global = Preflight {
            routing: ProfileRouting::AutomaticGlobalFirst,
            ..Preflight::default()
        };
        assert_eq!(
            global.check(&id(sonnet), Region::ApNortheast1).unwrap(),
            PreflightDecision::Route(id(&format!("global.{sonnet}")))
        );
        // Only `global.` serves São Paulo.
        assert_eq!(
            auto.check(&id(sonnet), Region::SaEast1).unwrap(),
            PreflightDecision::Route(id(&format!("global.{sonnet}")))
        );
    }

    #[test]
    fn unknown_retired_and_unoffered_ids_fail_with_the_fix() {
        let check = Preflight::default();
        // Unknown ids are Bedrock's to answer.
        assert_eq!(
            check
                .check(&id("anthropic.claude-9-v1:0"), Region::UsEast1)
                .unwrap(),
            PreflightDecision::Send
        );
        let off = Preflight {
            enabled: false,
            ..Preflight::default()
        };
        assert_eq!(
            off.check(&id("ai21.jamba-1-5-large-v1:0"), Region::EuWest1)
                .unwrap(),
            PreflightDecision::Send
        );
        let dated = Preflight {
            today: Some("2026-07-01".into()),
            ..Preflight::default()
        };
        let err = dated
            .check(
                &id("us.anthropic.claude-3-5-haiku-20241022-v1:0"),
                Region::UsEast1,
            )
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("use `anthropic.claude-haiku-4-5-20251001-v1:0`"),
            "{err}"
        );
        let err = check
            .check(&id("ai21.jamba-1-5-large-v1:0"), Region::EuWest1)
            .unwrap_err();
        assert!(
            err.to_string().contains("served on demand in us-east-1"),
            "{err}"
        );
        assert!(err.to_string().contains("--no-preflight"), "{err}");
        // Profile ids are Bedrock's to judge.
        assert_eq!(
            check
                .check(&id(&format!("eu.{SONNET_37}")), Region::UsEast1)
                .unwrap(),
            PreflightDecision::Send
        );
        let app = id("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc");
        assert_eq!(
            check.check(&app, Region::UsEast1).unwrap(),
            PreflightDecision::Send
        );
    }
}
