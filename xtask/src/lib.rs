#![doc = include_str!("../README.md")]

pub mod catalog;
mod error;
pub mod new_adapter;
pub mod reference_docs;
pub mod rust_source;
pub mod schemas;
pub mod sync;

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

/// The generators fed by `catalog/`: bedrock-core's region, model and inference profile tables
/// and their reference pages.
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
            path: rust_source::PROFILES_RS,
            generate: |root, _| rust_source::profiles_rs(root),
        },
        Generator {
            path: reference_docs::MODELS_MD,
            generate: |root, _| reference_docs::models_md(root),
        },
        Generator {
            path: reference_docs::REGIONS_MD,
            generate: |root, _| reference_docs::regions_md(root),
        },
        Generator {
            path: reference_docs::PROFILES_MD,
            generate: |root, _| reference_docs::profiles_md(root),
        },
    ]
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileOutcome {
    /// The file, relative to the workspace root.
    pub path: String,
    /// What happened to it.
    pub status: FileStatus,
}

/// The content one generator produced for one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// The file, relative to the workspace root, with `/` separators.
    pub path: String,
    /// Its full content.
    pub content: String,
}

/// The workspace root: the directory above this crate's manifest.
pub fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

/// Runs every generator of this workspace, as `cargo xtask codegen` does.
pub fn run_codegen(mode: Mode) -> Result<Vec<FileOutcome>, Error> {
    codegen(&workspace_root(), mode)
}

/// Runs every generator on the workspace at `root`: first the catalog's
/// ([`catalog_generators`]), which need nothing but the TOML files, then the request schemas
/// ([`schemas::SchemaSet::load`]), which need the workspace to build.
///
/// In [`Mode::Write`] the catalog's files are written before the schemas are dumped, so a
/// catalog change reaches bedrock-core before the dump compiles it, and a workspace that does
/// not build still gets its catalog files. In [`Mode::Check`] both stages are compared and every
/// stale file of either is named in one [`Error::Stale`].
pub fn codegen(root: &Path, mode: Mode) -> Result<Vec<FileOutcome>, Error> {
    let mut stale = Vec::new();
    let mut outcomes = match run(root, &catalog_generators(), mode) {
        Ok(outcomes) => outcomes,
        Err(Error::Stale { files }) if mode == Mode::Check => {
            stale = files;
            Vec::new()
        }
        Err(err) => return Err(err),
    };
    let schemas = schemas::SchemaSet::load(root)?;
    match write_files(root, schemas.files()?, mode) {
        Ok(more) => outcomes.extend(more),
        Err(Error::Stale { files }) => stale.extend(files),
        Err(err) => return Err(err),
    }
    if stale.is_empty() {
        Ok(outcomes)
    } else {
        Err(Error::Stale { files: stale })
    }
}

/// Runs `generators` on the workspace at `root`, then [`write_files`] with what they produced.
///
/// Every generator runs before anything is written, so a failing generator leaves every file as
/// it was.
pub fn run(root: &Path, generators: &[Generator], mode: Mode) -> Result<Vec<FileOutcome>, Error> {
    let mut files = Vec::with_capacity(generators.len());
    for generator in generators {
        files.push(GeneratedFile {
            path: generator.path.to_owned(),
            content: (generator.generate)(root, generator.path)?,
        });
    }
    write_files(root, files, mode)
}

/// Writes (or, in [`Mode::Check`], compares) `files` under `root`.
///
/// In [`Mode::Write`] only files whose content changes are rewritten (their timestamps stay put
/// otherwise); in [`Mode::Check`] nothing is written and any difference, including a missing
/// file, fails with [`Error::Stale`] naming every such file.
pub fn write_files(
    root: &Path,
    files: Vec<GeneratedFile>,
    mode: Mode,
) -> Result<Vec<FileOutcome>, Error> {
    let mut planned = Vec::with_capacity(files.len());
    for file in files {
        let path = root.join(&file.path);
        let current = match std::fs::read_to_string(&path) {
            Ok(text) => Some(text),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => return Err(Error::Read { path, source }),
        };
        let fresh = current.as_deref() == Some(file.content.as_str());
        planned.push((file, path, fresh));
    }

    if mode == Mode::Check {
        let stale: Vec<String> = planned
            .iter()
            .filter(|(_, _, fresh)| !fresh)
            .map(|(file, ..)| file.path.clone())
            .collect();
        if !stale.is_empty() {
            return Err(Error::Stale { files: stale });
        }
    }

    let mut outcomes = Vec::with_capacity(planned.len());
    for (file, path, fresh) in planned {
        let status = if fresh {
            FileStatus::Unchanged
        } else {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|source| Error::Write {
                    path: parent.to_path_buf(),
                    source,
                })?;
            }
            std::fs::write(&path, &file.content).map_err(|source| Error::Write {
                path: path.clone(),
                source,
            })?;
            FileStatus::Written
        };
        outcomes.push(FileOutcome {
            path: file.path,
            status,
        });
    }
    Ok(outcomes)
}
