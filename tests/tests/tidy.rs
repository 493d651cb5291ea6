//! Tidy checks over the whole workspace: dependency rules between crates, module docs, lints.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace root")
        .to_path_buf()
}

fn metadata() -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(workspace_root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON")
}

struct Package {
    name: String,
    manifest: PathBuf,
    /// Normal (non-dev, non-build) dependencies.
    deps: Vec<String>,
}

fn packages() -> Vec<Package> {
    let meta = metadata();
    meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| Package {
            name: p["name"].as_str().unwrap().to_owned(),
            manifest: PathBuf::from(p["manifest_path"].as_str().unwrap()),
            deps: p["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["kind"].is_null())
                .map(|d| d["name"].as_str().unwrap().to_owned())
                .collect(),
        })
        .collect()
}

fn is_workspace_crate(name: &str) -> bool {
    name.starts_with("bedrock-") || name == "xtask"
}

/// The rules, as (crate predicate, forbidden dependency predicate, why).
fn violations(pkgs: &[Package]) -> Vec<String> {
    let mut out = Vec::new();
    for p in pkgs {
        for d in &p.deps {
            if p.name.starts_with("bedrock-adapter-")
                && is_workspace_crate(d)
                && d != "bedrock-core"
            {
                out.push(format!(
                    "{} depends on {d}: adapter crates may depend on bedrock-core only",
                    p.name
                ));
            }
            if p.name.starts_with("bedrock-backend-") && d.starts_with("bedrock-adapter-") {
                out.push(format!(
                    "{} depends on {d}: backends never depend on adapters",
                    p.name
                ));
            }
            let aws_sdk = d.starts_with("aws-sdk-") || d == "aws-config";
            let allowed = ["bedrock-backend-aws", "bedrock-auth", "bedrock-e2e-tests"];
            if aws_sdk && !allowed.contains(&p.name.as_str()) {
                out.push(format!(
                    "{} depends on {d}: only {} may depend on aws-sdk crates",
                    p.name,
                    allowed.join(", ")
                ));
            }
            if p.name == "bedrock-core"
                && (d.starts_with("aws-") || d == "tokio" || d == "rusqlite" || d == "axum")
            {
                out.push(format!(
                    "bedrock-core depends on {d}: the core has no I/O of its own"
                ));
            }
        }
    }
    out
}

#[test]
fn crate_dependency_rules_hold() {
    let pkgs = packages();
    assert!(
        pkgs.iter().any(|p| p.name == "bedrock-core"),
        "metadata lists the core crate"
    );
    let bad = violations(&pkgs);
    assert!(
        bad.is_empty(),
        "dependency rules broken:\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_dependency_rule_check_catches_an_adapter_depending_on_a_backend() {
    let pkgs = vec![
        Package {
            name: "bedrock-adapter-x".into(),
            manifest: PathBuf::new(),
            deps: vec!["bedrock-core".into(), "bedrock-simulator".into()],
        },
        Package {
            name: "bedrock-backend-y".into(),
            manifest: PathBuf::new(),
            deps: vec!["bedrock-adapter-x".into()],
        },
        Package {
            name: "bedrock-emulator".into(),
            manifest: PathBuf::new(),
            deps: vec!["aws-sdk-bedrock".into()],
        },
    ];
    let bad = violations(&pkgs);
    assert_eq!(bad.len(), 3, "{bad:#?}");
    assert!(bad[0].contains("adapter crates may depend on bedrock-core only"));
}

#[test]
fn every_crate_uses_workspace_lints_and_has_a_readme() {
    for p in packages() {
        let text = std::fs::read_to_string(&p.manifest).unwrap();
        assert!(
            text.contains("[lints]\nworkspace = true"),
            "{} must have `[lints] workspace = true`",
            p.manifest.display()
        );
        let dir = p.manifest.parent().unwrap();
        if dir.starts_with(workspace_root().join("crates")) {
            assert!(
                dir.join("README.md").exists(),
                "{} has no README.md",
                p.name
            );
        }
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if name != "target" && name != "snapshots" && !name.to_string_lossy().starts_with('.') {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Whether a file opens with module docs: `//!` lines, or a crate doc attribute.
fn has_module_doc(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .is_some_and(|l| l.starts_with("//!") || l.starts_with("#![doc"))
}

#[test]
fn every_module_opens_with_a_doc_line() {
    let root = workspace_root();
    let mut files = Vec::new();
    for dir in ["crates", "xtask", "tests"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 10, "found the sources");
    let missing: Vec<String> = files
        .iter()
        .filter(|f| !has_module_doc(&std::fs::read_to_string(f).unwrap()))
        .map(|f| f.strip_prefix(&root).unwrap().display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "modules without a `//!` doc line:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_module_doc_check_rejects_undocumented_modules() {
    assert!(has_module_doc("//! Things.\nfn a() {}"));
    assert!(has_module_doc("\n#![doc = include_str!(\"../README.md\")]"));
    assert!(!has_module_doc("use std::fmt;\n//! late"));
    assert!(!has_module_doc("/// item doc\nfn a() {}"));
}
