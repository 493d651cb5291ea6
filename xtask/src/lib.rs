#![doc = include_str!("../README.md")]

pub mod catalog;
mod error;
pub mod new_adapter;
pub mod reference_docs;
pub mod rust_source;
pub mod schemas;

use std::path::{Path, PathBuf};

pub use crate::error::{CatalogProblem, Error};

/// Whether [`run`] writes the generated files or only compares them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Write every file whose content differs from what its generator produces.
    Write,
    /// Write nothing; fail with [`Error::Stale`] listing every file that differs or is missing.
    Check,
}

/// Produces the full content of one generated file from the workspace root and the file's own
/// path (relative to the root), so that one function can serve a family of files.
pub type GenerateFn = fn(&Path, &str) -> Result<String, Error>;

/// One generated file and the function that produces it.
#[derive(Debug, Clone, Copy)]
pub struct Generator {
    /// The file, relative to the workspace root, with `/` separators.
    pub path: &'static str,
    /// Produces the file's content; it reads its inputs under the root it is given.
    pub generate: GenerateFn,
}

/// The generators fed by `catalog/`: bedrock-core's region and model tables and their reference
/// pages.
pub fn catalog_generators() -> Vec<Generator> {
    vec![
        Generator {
            path: rust_source::REGIONS_RS,
            generate: |root, _| rust_source::regions_rs(root),
        },
        Generator {
            path: rust_source::MODELS_RS,
            generate: |root, _| rust_source::models_rs(root),
        },
        Generator {
            path: reference_docs::MODELS_MD,
            generate: |root, _| reference_docs::models_md(root),
        },
        Generator {
            path: reference_docs::REGIONS_MD,
            generate: |root, _| reference_docs::regions_md(root),
        },
    ]
}

/// Every generator of the workspace, as `cargo xtask codegen` runs them: the catalog's, then
/// the published request schemas of the built-in adapters ([`schemas::schema_generators`]).
pub fn generators() -> Vec<Generator> {
    let mut all = catalog_generators();
    all.extend(schemas::schema_generators());
    all
}

/// What [`run`] did to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileStatus {
    /// The file already had the generated content.
    Unchanged,
    /// The file was created or rewritten.
    Written,
}

/// The outcome for one generated file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileOutcome {
    /// The file, relative to the workspace root.
    pub path: &'static str,
    /// What happened to it.
    pub status: FileStatus,
}

/// The workspace root: the directory above this crate's manifest.
pub fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

/// Runs every generator of [`generators`] on this workspace.
pub fn run_codegen(mode: Mode) -> Result<Vec<FileOutcome>, Error> {
    run(&workspace_root(), &generators(), mode)
}

/// Runs `generators` on the workspace at `root`.
///
/// Every generator runs before anything is written, so a failing generator leaves every file as
/// it was. In [`Mode::Write`] only files whose content changes are rewritten (their timestamps
/// stay put otherwise); in [`Mode::Check`] nothing is written and any difference, including a
/// missing file, fails with [`Error::Stale`] naming every such file.
pub fn run(root: &Path, generators: &[Generator], mode: Mode) -> Result<Vec<FileOutcome>, Error> {
    let mut planned = Vec::with_capacity(generators.len());
    for generator in generators {
        let content = (generator.generate)(root, generator.path)?;
        let path = root.join(generator.path);
        let current = match std::fs::read_to_string(&path) {
            Ok(text) => Some(text),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => return Err(Error::Read { path, source }),
        };
        let fresh = current.as_deref() == Some(content.as_str());
        planned.push((generator.path, path, content, fresh));
    }

    if mode == Mode::Check {
        let stale: Vec<String> = planned
            .iter()
            .filter(|(_, _, _, fresh)| !fresh)
            .map(|(name, ..)| (*name).to_owned())
            .collect();
        if !stale.is_empty() {
            return Err(Error::Stale { files: stale });
        }
    }

    let mut outcomes = Vec::with_capacity(planned.len());
    for (name, path, content, fresh) in planned {
        let status = if fresh {
            FileStatus::Unchanged
        } else {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|source| Error::Write {
                    path: parent.to_path_buf(),
                    source,
                })?;
            }
            std::fs::write(&path, content).map_err(|source| Error::Write {
                path: path.clone(),
                source,
            })?;
            FileStatus::Written
        };
        outcomes.push(FileOutcome { path: name, status });
    }
    Ok(outcomes)
}
