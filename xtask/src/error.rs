//! The errors of `cargo xtask`: unreadable files, invalid catalog entries, stale generated files,
//! failed commands, bad arguments and templates.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Everything that can stop a generator or the freshness check.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// A file or directory could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// A catalog file is not valid TOML or does not have the expected shape.
    #[error("{file}: {message}")]
    Parse {
        /// The file, relative to the workspace root (`catalog/models.toml`).
        file: String,
        /// The parser's message, with line and column.
        message: String,
    },
    /// The catalog parsed but some entries break its rules; every problem found is listed.
    #[error("the catalog is invalid:\n{}", Problems(problems))]
    InvalidCatalog {
        /// One entry per broken rule.
        problems: Vec<CatalogProblem>,
    },
    /// rustfmt could not be run or rejected the generated source.
    #[error("rustfmt failed on the source generated for {file}: {message}")]
    Rustfmt {
        /// The generated file, relative to the workspace root.
        file: String,
        /// What went wrong, with rustfmt's own output.
        message: String,
    },
    /// A command-line argument is not acceptable.
    #[error("invalid {argument} `{value}`: {reason}; allowed: {allowed}")]
    InvalidArgument {
        /// The argument (`NAME`, `--provider`).
        argument: &'static str,
        /// The value given.
        value: String,
        /// Why the value is not acceptable.
        reason: String,
        /// What is allowed.
        allowed: String,
    },
    /// `new-adapter` would overwrite an existing directory.
    #[error("{} already exists; pick another name or remove it", path.display())]
    AdapterExists {
        /// The crate directory.
        path: PathBuf,
    },
    /// A template has a placeholder that cannot be filled.
    #[error("template {template}: {message}")]
    Template {
        /// The template, relative to `xtask/templates/new-adapter/`.
        template: String,
        /// What is wrong, with the line or the placeholder.
        message: String,
    },
    /// A command xtask runs (the request-schema dump) could not run, failed, or printed
    /// something other than what was expected.
    #[error("`{command}` failed: {message}")]
    Command {
        /// The command line.
        command: String,
        /// What went wrong, with the command's own error output.
        message: String,
    },
    /// An adapter's request schema cannot be published.
    #[error("adapter `{adapter}` API `{api}`: {message}")]
    Schema {
        /// The adapter's name.
        adapter: String,
        /// The API.
        api: String,
        /// What is wrong.
        message: String,
    },
    /// Check mode found generated files that differ from what the generators produce.
    #[error("{}", Stale(files))]
    Stale {
        /// The stale (or missing) files, relative to the workspace root.
        files: Vec<String>,
    },
}

/// One broken rule in a catalog file, located by file and entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogProblem {
    /// The file, relative to the workspace root (`catalog/models.toml`).
    pub file: &'static str,
    /// The entry, e.g. ``model `amazon.titan-text-express-v1` `` or `region #3`.
    pub entry: String,
    /// What is wrong, naming the field, the value and what is allowed.
    pub message: String,
}

impl fmt::Display for CatalogProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.file, self.entry, self.message)
    }
}

struct Problems<'a>(&'a [CatalogProblem]);

impl fmt::Display for Problems<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "  {problem}")?;
        }
        Ok(())
    }
}

struct Stale<'a>(&'a [String]);

impl fmt::Display for Stale<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, file) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{file} is stale: run `cargo xtask codegen` and commit")?;
        }
        Ok(())
    }
}
