//! The Markdown generators: the model and region reference pages under `docs/reference/`.

use std::collections::BTreeMap;
use std::path::Path;

use crate::catalog::{Catalog, MODELS_FILE, Model, PROFILES_FILE, REGIONS_FILE, Term};
use crate::error::Error;

/// Where the model reference goes, relative to the workspace root.
pub const MODELS_MD: &str = "docs/reference/models.md";
/// Where the region reference goes, relative to the workspace root.
pub const REGIONS_MD: &str = "docs/reference/regions.md";
/// Where the inference profile reference goes, relative to the workspace root.
pub const PROFILES_MD: &str = "docs/reference/profiles.md";

/// Generates [`MODELS_MD`]: one summary table and one availability table, sorted by model id.
pub fn models_md(root: &Path) -> Result<String, Error> {
    let catalog = Catalog::load(root)?;
    let mut out = header(MODELS_FILE);
    out.push_str("# Foundation models\n\n");

    let mut per_provider: BTreeMap<&str, usize> = BTreeMap::new();
    for model in &catalog.models {
        *per_provider.entry(model.provider.as_str()).or_default() += 1;
    }
    let legacy = catalog
        .models
        .iter()
        .filter(|m| m.lifecycle.wire() == "LEGACY")
        .count();
    let providers: Vec<String> = per_provider
        .iter()
        .map(|(name, count)| format!("{name} ({count})"))
        .collect();
    out.push_str(&format!(
        "The catalog knows {} foundation models ({} legacy) from {} providers: {}.\n\n",
        catalog.models.len(),
        legacy,
        per_provider.len(),
        providers.join(", ")
    ));
    out.push_str(
        "`bedrock_core::catalog::find_model` looks a bare id up; the mock backend and the \
         emulator list exactly these models. A model is invoked by its bare id on demand in the \
         regions listed for it below, and through a cross-region inference profile id (`us.` + \
         the model id, ...) from the source regions of its profiles \
         ([profiles.md](profiles.md)); ListFoundationModels in a region reports the inference \
         types that hold there. A legacy model stays served until its end-of-life date; hints \
         for it name its successor.\n\n",
    );

    out.push_str("## Models\n\n");
    out.push_str(
        "| Model ID | Name | Provider | Input | Output | Streaming | Inference types | \
         Customizations | Lifecycle | End of life | Successor |\n",
    );
    out.push_str("|---|---|---|---|---|---|---|---|---|---|---|\n");
    for model in &catalog.models {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            model.model_id,
            cell(&model.name),
            cell(&model.provider),
            wire_list(&model.input_modalities),
            wire_list(&model.output_modalities),
            if model.response_streaming {
                "yes"
            } else {
                "no"
            },
            wire_list(&model.inference_types),
            wire_list(&model.customizations),
            model.lifecycle.wire(),
            model.end_of_life.as_deref().unwrap_or("-"),
            model
                .successor
                .as_deref()
                .map_or_else(|| "-".to_owned(), |s| format!("`{s}`")),
        ));
    }

    out.push_str("\n## Availability\n\n");
    out.push_str(
        "Regions where each model's bare id is served on demand, and the inference profile ids \
         that serve it.\n\n",
    );
    out.push_str("| Model ID | On demand in | Inference profiles |\n");
    out.push_str("|---|---|---|\n");
    for model in &catalog.models {
        let regions: Vec<&str> = catalog.regions_of(model).map(|r| r.name.as_str()).collect();
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            model.model_id,
            or_dash(regions.join(", ")),
            or_dash(profile_ids(model).join(", ")),
        ));
    }
    Ok(out)
}

/// Generates [`REGIONS_MD`]: every region with its `Region` variant and how many models it lists.
pub fn regions_md(root: &Path) -> Result<String, Error> {
    let catalog = Catalog::load(root)?;
    let mut listed = vec![0_usize; catalog.regions.len()];
    for model in &catalog.models {
        for index in catalog.listed_regions(model) {
            listed[index] += 1;
        }
    }
    let mut out = header(REGIONS_FILE);
    out.push_str("# Bedrock regions\n\n");
    out.push_str(&format!(
        "Amazon Bedrock is offered in {} AWS regions (commercial and AWS GovCloud (US)). \
         `bedrock_core::Region` has one variant per region; parsing any other name fails with \
         an error that lists these.\n\n",
        catalog.regions.len()
    ));
    out.push_str("| Region | Name | `Region` variant | Models listed |\n");
    out.push_str("|---|---|---|---|\n");
    for (region, count) in catalog.regions.iter().zip(&listed) {
        out.push_str(&format!(
            "| `{}` | {} | `Region::{}` | {} |\n",
            region.name,
            cell(&region.display_name),
            region.variant,
            count
        ));
    }
    Ok(out)
}

/// Generates [`PROFILES_MD`]: every system-defined inference profile with its sources and
/// destinations.
pub fn profiles_md(root: &Path) -> Result<String, Error> {
    let catalog = Catalog::load(root)?;
    let mut out = header(PROFILES_FILE);
    out.push_str("# Cross-region inference profiles\n\n");
    let mut per_geo: BTreeMap<&str, usize> = BTreeMap::new();
    for profile in &catalog.profiles {
        *per_geo.entry(profile.geography.wire()).or_default() += 1;
    }
    let geos: Vec<String> = per_geo
        .iter()
        .map(|(geo, count)| format!("`{geo}` ({count})"))
        .collect();
    out.push_str(&format!(
        "The catalog knows {} system-defined inference profiles: {}. A caller in a profile's \
         source region invokes it by its id; Bedrock routes the request to one of its \
         destination regions. A region may be a source of several geographies (Asia Pacific \
         (Tokyo) is in `apac` and `jp`); the connector's pre-flight check picks the narrowest \
         geography that serves the caller's region, and `global` last.\n\n",
        catalog.profiles.len(),
        geos.join(", ")
    ));
    out.push_str("| Profile ID | Name | Sources | Destinations |\n");
    out.push_str("|---|---|---|---|\n");
    for profile in &catalog.profiles {
        let sources: Vec<&str> = catalog.region_names(&profile.sources).collect();
        let destinations: Vec<&str> = catalog.region_names(&profile.destinations).collect();
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            profile.profile_id,
            cell(&profile.name),
            sources.join(", "),
            destinations.join(", "),
        ));
    }
    Ok(out)
}

fn header(source: &str) -> String {
    format!("<!-- Generated by `cargo xtask codegen` from {source}, do not edit by hand. -->\n\n")
}

fn profile_ids(model: &Model) -> Vec<String> {
    model
        .profiles
        .iter()
        .map(|geo| format!("`{}.{}`", geo.wire(), model.model_id))
        .collect()
}

fn wire_list(terms: &[Term]) -> String {
    or_dash(
        terms
            .iter()
            .map(|t| t.wire())
            .collect::<Vec<_>>()
            .join(", "),
    )
}

fn or_dash(text: String) -> String {
    if text.is_empty() {
        "-".to_owned()
    } else {
        text
    }
}

/// Text safe inside a table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
