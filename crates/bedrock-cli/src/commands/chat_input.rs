//! What `bedrock chat` and `bedrock count-tokens` send besides typed text: files attached as
//! image or document blocks (checked against Converse's limits before anything is sent), the
//! `--tool NAME=COMMAND` and `--tools FILE` arguments, and the request settings.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use bedrock_connector::Error;
use bedrock_connector::converse::{
    ContentBlock, ConverseImageFormat, DocumentBlock, DocumentFormat, ImageBlock,
    MAX_DOCUMENT_BYTES, MAX_DOCUMENTS, MAX_IMAGE_BYTES, MAX_IMAGES, MediaSource, ToolEntry,
    ToolSpecification,
};
use clap::Args;
use serde_json::Value;

use crate::failure::CliError;

/// The prompt options `chat` and `count-tokens` share.
#[derive(Debug, Args)]
pub struct PromptArgs {
    /// A system prompt.
    #[arg(long, value_name = "TEXT")]
    pub system: Option<String>,
    /// Attach a file to the (first) prompt: png, jpeg, gif or webp images; pdf, csv, doc, docx,
    /// xls, xlsx, html, txt or md documents (by extension, or by content for images and PDF).
    /// Repeatable.
    #[arg(long = "attach", value_name = "FILE")]
    pub attach: Vec<PathBuf>,
}

/// What an attached file is sent as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Image(ConverseImageFormat),
    Document(DocumentFormat),
}

impl Kind {
    fn limit(self) -> usize {
        match self {
            Kind::Image(_) => MAX_IMAGE_BYTES,
            Kind::Document(_) => MAX_DOCUMENT_BYTES,
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Kind::Image(_) => "an image",
            Kind::Document(_) => "a document",
        }
    }
}

const ALLOWED_FILES: &str = "a png, jpeg, gif or webp image, or a pdf, csv, doc, docx, xls, \
     xlsx, html, txt or md document";

/// The kind a file's extension names, if any.
fn kind_by_extension(path: &Path) -> Option<Kind> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    let image = match ext.as_str() {
        "png" => Some(ConverseImageFormat::Png),
        "jpg" | "jpeg" => Some(ConverseImageFormat::Jpeg),
        "gif" => Some(ConverseImageFormat::Gif),
        "webp" => Some(ConverseImageFormat::Webp),
        _ => None,
    };
    image
        .map(Kind::Image)
        .or_else(|| DocumentFormat::from_extension(&ext).map(Kind::Document))
}

/// The kind a file's first bytes show, for the formats with a signature.
fn kind_by_content(head: &[u8]) -> Option<Kind> {
    let image = if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ConverseImageFormat::Png)
    } else if head.starts_with(&[0xff, 0xd8, 0xff]) {
        Some(ConverseImageFormat::Jpeg)
    } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        Some(ConverseImageFormat::Gif)
    } else if head.len() >= 12 && head.starts_with(b"RIFF") && head.get(8..12) == Some(b"WEBP") {
        Some(ConverseImageFormat::Webp)
    } else {
        None
    };
    match image {
        Some(format) => Some(Kind::Image(format)),
        None if head.starts_with(b"%PDF-") => Some(Kind::Document(DocumentFormat::Pdf)),
        None => None,
    }
}

/// The files of `--attach` as content blocks, in order, after checking each one's type and
/// size and the number of images and documents against Converse's limits.
pub fn attachments(paths: &[PathBuf]) -> Result<Vec<ContentBlock>, CliError> {
    let mut blocks = Vec::with_capacity(paths.len());
    let mut names = HashSet::new();
    let (mut images, mut documents) = (0usize, 0usize);
    for path in paths {
        let block = attachment(path, &mut names)?;
        match &block {
            ContentBlock::Image(_) => images += 1,
            _ => documents += 1,
        }
        if images > MAX_IMAGES {
            return Err(too_many(path, "images", MAX_IMAGES));
        }
        if documents > MAX_DOCUMENTS {
            return Err(too_many(path, "documents", MAX_DOCUMENTS));
        }
        blocks.push(block);
    }
    Ok(blocks)
}

fn too_many(path: &Path, what: &str, max: usize) -> CliError {
    Error::invalid(
        "--attach",
        path.display(),
        format!("at most {max} {what} in one request"),
    )
    .into()
}

fn attachment(path: &Path, names: &mut HashSet<String>) -> Result<ContentBlock, CliError> {
    let cannot = |e| {
        CliError::io(
            format!("cannot read the attached file `{}`", path.display()),
            e,
        )
    };
    let file = std::fs::File::open(path).map_err(cannot)?;
    let by_extension = kind_by_extension(path);
    // The size on disk is checked before anything is read, so that a huge file is refused at
    // once; the read is bounded too, in case the file grows meanwhile.
    let limit = by_extension.map_or(MAX_IMAGE_BYTES.max(MAX_DOCUMENT_BYTES), Kind::limit);
    let size = file.metadata().map_err(cannot)?.len();
    if size > limit as u64 {
        return Err(too_large(path, size, by_extension, limit));
    }
    let mut bytes = Vec::new();
    file.take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    // A signature wins over the extension: Bedrock checks the bytes, not the name.
    let kind = match kind_by_content(&bytes) {
        Some(Kind::Image(format)) => Kind::Image(format),
        by_content => by_extension.or(by_content).ok_or_else(|| {
            Error::invalid(
                "--attach",
                path.display(),
                format!(
                    "{ALLOWED_FILES} (by its extension, or its first bytes for images and PDF)"
                ),
            )
        })?,
    };
    if bytes.len() > kind.limit() {
        return Err(too_large(
            path,
            bytes.len() as u64,
            Some(kind),
            kind.limit(),
        ));
    }
    if bytes.is_empty() {
        return Err(Error::invalid(
            "--attach",
            path.display(),
            format!("{} of at least 1 byte", kind.noun()),
        )
        .into());
    }
    Ok(match kind {
        Kind::Image(format) => ContentBlock::Image(ImageBlock {
            format,
            source: MediaSource::Bytes(bytes),
        }),
        Kind::Document(format) => ContentBlock::Document(DocumentBlock {
            format,
            name: document_name(path, names),
            source: MediaSource::Bytes(bytes),
        }),
    })
}

fn too_large(path: &Path, size: u64, kind: Option<Kind>, limit: usize) -> CliError {
    let noun = kind.map_or("a file", Kind::noun);
    Error::invalid(
        "--attach",
        format!("{} ({size} bytes)", path.display()),
        format!("{noun} of at most {limit} bytes, Converse's limit"),
    )
    .into()
}

/// A document name Converse accepts (letters, digits, single spaces, hyphens, parentheses and
/// square brackets; at most 200 characters), from the file's stem, unique in the request.
fn document_name(path: &Path, used: &mut HashSet<String>) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut name = String::with_capacity(stem.len());
    for c in stem.chars() {
        let c = if c.is_alphanumeric() || matches!(c, '-' | '(' | ')' | '[' | ']') {
            c
        } else if c.is_whitespace() {
            ' '
        } else {
            '-'
        };
        if !(c == ' ' && (name.is_empty() || name.ends_with(' '))) {
            name.push(c);
        }
    }
    let mut name: String = name.trim_end().chars().take(190).collect();
    if name.trim().is_empty() {
        name = "document".to_owned();
    }
    let mut unique = name.clone();
    let mut n = 1;
    while !used.insert(unique.clone()) {
        n += 1;
        unique = format!("{name} ({n})");
    }
    unique
}

/// `--tool NAME=COMMAND`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolCommand {
    /// The tool's name, as the model sees it.
    pub name: String,
    /// The shell command that runs it.
    pub command: String,
}

/// Parses `--tool NAME=COMMAND` (the name up to the first `=`).
pub fn parse_tool_arg(text: &str) -> Result<ToolCommand, String> {
    let (name, command) = text.split_once('=').ok_or_else(|| {
        format!("`{text}` is not NAME=COMMAND (e.g. --tool 'weather=./weather.sh')")
    })?;
    if !is_tool_name(name) {
        return Err(format!(
            "tool name `{name}`: 1 to 64 characters of a-z, A-Z, 0-9, `_` and `-` are allowed"
        ));
    }
    if command.trim().is_empty() {
        return Err(format!("tool `{name}` has an empty command"));
    }
    Ok(ToolCommand {
        name: name.to_owned(),
        command: command.to_owned(),
    })
}

/// Converse's rule for tool names.
pub fn is_tool_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Reads `--tools FILE`.
pub fn read_tool_specs(path: &Path) -> Result<Vec<ToolSpecification>, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::io(
            format!("cannot read the tools file `{}`", path.display()),
            e,
        )
    })?;
    parse_tool_specs(&text, &path.display().to_string())
}

/// Tool specifications from JSON: an array of Converse `toolSpec` entries
/// (`[{"toolSpec": {...}}]`, as in a request's `toolConfig.tools`), of bare specifications
/// (`[{"name", "description", "inputSchema": {"json": {...}}}]`), or a tool configuration
/// (`{"tools": [...]}`). Cache points between tools are left out.
pub fn parse_tool_specs(text: &str, source: &str) -> Result<Vec<ToolSpecification>, CliError> {
    let field = format!("--tools {source}");
    let value: Value = serde_json::from_str(text).map_err(|e| {
        Error::invalid(
            field.clone(),
            "the file",
            format!("JSON (it does not parse: {e})"),
        )
    })?;
    let list = match &value {
        Value::Array(list) => list,
        Value::Object(map) => match map.get("tools") {
            Some(Value::Array(list)) => list,
            _ => {
                return Err(Error::invalid(
                    field,
                    "an object without a `tools` array",
                    "a JSON array of toolSpec objects, or {\"tools\": [...]}",
                )
                .into());
            }
        },
        _ => {
            return Err(Error::invalid(
                field,
                "neither an array nor an object",
                "a JSON array of toolSpec objects, or {\"tools\": [...]}",
            )
            .into());
        }
    };
    let mut specs = Vec::with_capacity(list.len());
    let mut names = HashSet::new();
    for (i, entry) in list.iter().enumerate() {
        let at = format!("{field}: tools[{i}]");
        let spec = if entry.get("toolSpec").is_some() || entry.get("cachePoint").is_some() {
            match serde_json::from_value::<ToolEntry>(entry.clone()) {
                Ok(ToolEntry::ToolSpec(spec)) => spec,
                Ok(ToolEntry::CachePoint(_)) => continue,
                Err(e) => return Err(bad_spec(&at, &e)),
            }
        } else {
            serde_json::from_value::<ToolSpecification>(entry.clone())
                .map_err(|e| bad_spec(&at, &e))?
        };
        if !is_tool_name(&spec.name) {
            return Err(Error::invalid(
                format!("{at}.name"),
                &spec.name,
                "1 to 64 characters of a-z, A-Z, 0-9, `_` and `-`",
            )
            .into());
        }
        if !names.insert(spec.name.clone()) {
            return Err(Error::invalid(
                format!("{at}.name"),
                &spec.name,
                "a name no other tool in the file has",
            )
            .into());
        }
        specs.push(spec);
    }
    Ok(specs)
}

fn bad_spec(at: &str, e: &serde_json::Error) -> CliError {
    Error::invalid(
        at,
        e,
        "a Converse toolSpec: {\"name\", \"description\", \"inputSchema\": {\"json\": SCHEMA}}",
    )
    .into()
}

/// A number in 0..=1 (temperature, top p).
pub fn unit_interval(text: &str) -> Result<f32, String> {
    text.trim()
        .parse::<f32>()
        .ok()
        .filter(|v| (0.0..=1.0).contains(v))
        .ok_or_else(|| "a number in 0..=1 is allowed".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn images_and_documents_are_told_by_extension_or_content() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let files = [
            write(d, "a.png", PNG),
            write(d, "photo.JPG", &[0xff, 0xd8, 0xff, 0xe0, 1]),
            write(d, "anim.gif", b"GIF89a..."),
            write(d, "pic.webp", b"RIFF\x10\0\0\0WEBPVP8 "),
            // No extension: the signature says PNG; a wrong extension loses to it too.
            write(d, "noext", PNG),
            write(d, "mislabelled.gif", PNG),
            write(d, "report.pdf", b"%PDF-1.7 ..."),
            write(d, "scan", b"%PDF-1.4"),
            write(d, "data.csv", b"a,b\n1,2\n"),
            write(d, "notes.md", b"# hi"),
            write(d, "page.htm", b"<p>hi</p>"),
        ];
        let blocks = attachments(&files).unwrap();
        let kinds: Vec<String> = blocks
            .iter()
            .map(|b| match b {
                ContentBlock::Image(i) => format!("image/{}", i.format.as_str()),
                ContentBlock::Document(d) => format!("document/{}:{}", d.format.as_str(), d.name),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "image/png",
                "image/jpeg",
                "image/gif",
                "image/webp",
                "image/png",
                "image/png",
                "document/pdf:report",
                "document/pdf:scan",
                "document/csv:data",
                "document/md:notes",
                "document/html:page",
            ]
        );
        let ContentBlock::Image(ImageBlock {
            source: MediaSource::Bytes(bytes),
            ..
        }) = &blocks[0]
        else {
            panic!("bytes")
        };
        assert_eq!(bytes, PNG);
    }

    #[test]
    fn unknown_empty_missing_and_oversized_files_fail_naming_attach() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let unknown = write(d, "archive.zip", b"PK\x03\x04");
        let err = attachments(&[unknown]).unwrap_err();
        assert_eq!((err.field(), err.exit_code()), (Some("--attach"), 2));
        assert!(
            err.message().contains("png, jpeg, gif or webp"),
            "{}",
            err.message()
        );

        let empty = write(d, "empty.txt", b"");
        let err = attachments(&[empty]).unwrap_err();
        assert!(
            err.message().contains("at least 1 byte"),
            "{}",
            err.message()
        );

        let err = attachments(&[d.join("missing.png")]).unwrap_err();
        assert_eq!(err.kind(), "io");
        assert!(err.message().contains("missing.png"), "{}", err.message());

        let mut big = PNG.to_vec();
        big.resize(MAX_IMAGE_BYTES + 1, 0);
        let big = write(d, "big.png", &big);
        let err = attachments(&[big]).unwrap_err();
        assert_eq!(err.field(), Some("--attach"));
        let message = err.message();
        assert!(
            message.contains(&format!("{} bytes", MAX_IMAGE_BYTES + 1))
                && message.contains(&format!("an image of at most {MAX_IMAGE_BYTES} bytes")),
            "{message}"
        );
        // The same size is fine for a document, whose limit is larger.
        let doc = write(d, "big.txt", &vec![b'a'; MAX_IMAGE_BYTES + 1]);
        assert_eq!(attachments(&[doc]).unwrap().len(), 1);
        let doc = write(d, "huge.txt", &vec![b'a'; MAX_DOCUMENT_BYTES + 1]);
        let message = attachments(&[doc]).unwrap_err().message();
        assert!(message.contains("a document of at most"), "{message}");
    }

    #[test]
    fn counts_are_limited_and_document_names_made_valid_and_unique() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let docs: Vec<PathBuf> = (0..=MAX_DOCUMENTS)
            .map(|i| write(d, &format!("d{i}.txt"), b"x"))
            .collect();
        let err = attachments(&docs).unwrap_err();
        assert!(
            err.message()
                .contains(&format!("at most {MAX_DOCUMENTS} documents")),
            "{}",
            err.message()
        );

        let mut used = HashSet::new();
        let names: Vec<String> = [
            "my_report.v2.pdf",
            "my report  v2.pdf",
            "my-report-v2.txt",
            "my-report-v2.md",
            "  .md",
        ]
        .iter()
        .map(|n| document_name(Path::new(n), &mut used))
        .collect();
        assert_eq!(
            names,
            [
                "my-report-v2",
                "my report v2",
                "my-report-v2 (2)",
                "my-report-v2 (3)",
                "document"
            ]
        );
    }

    #[test]
    fn tool_arguments_split_at_the_first_equals_sign() {
        assert_eq!(
            parse_tool_arg("calc=bc -l <<< \"$(jq -r .x)\"==1").unwrap(),
            ToolCommand {
                name: "calc".into(),
                command: "bc -l <<< \"$(jq -r .x)\"==1".into()
            }
        );
        assert!(
            parse_tool_arg("nocommand")
                .unwrap_err()
                .contains("NAME=COMMAND")
        );
        assert!(
            parse_tool_arg("bad name=cat")
                .unwrap_err()
                .contains("1 to 64 characters")
        );
        assert!(parse_tool_arg("=cat").is_err());
        assert!(parse_tool_arg("x= ").unwrap_err().contains("empty command"));
    }

    #[test]
    fn tool_files_take_entries_bare_specs_or_a_tool_config() {
        let spec = json!({"name": "weather", "description": "Weather",
                          "inputSchema": {"json": {"type": "object",
                              "properties": {"city": {"type": "string"}}, "required": ["city"]}}});
        for text in [
            json!([{"toolSpec": spec}]),
            json!([spec]),
            json!({"tools": [{"toolSpec": spec}, {"cachePoint": {"type": "default"}}]}),
        ] {
            let specs = parse_tool_specs(&text.to_string(), "t.json").unwrap();
            assert_eq!(specs.len(), 1, "{text}");
            assert_eq!(specs[0].name, "weather");
            assert_eq!(specs[0].input_schema.json()["required"], json!(["city"]));
        }
        for (text, says) in [
            ("{", "does not parse"),
            ("{\"x\": 1}", "without a `tools` array"),
            ("3", "neither an array"),
            ("[{\"name\": \"w\"}]", "tools[0]"),
            (
                "[{\"name\": \"a b\", \"inputSchema\": {\"json\": {}}}]",
                "1 to 64",
            ),
        ] {
            let err = parse_tool_specs(text, "t.json").unwrap_err();
            assert_eq!(err.exit_code(), 2, "{text}");
            let message = err.message();
            assert!(
                message.contains("--tools t.json") && message.contains(says),
                "{text}: {message}"
            );
        }
        let twice = json!([spec, spec]).to_string();
        let message = parse_tool_specs(&twice, "t.json").unwrap_err().message();
        assert!(message.contains("no other tool"), "{message}");
    }

    #[test]
    fn temperatures_are_in_the_unit_interval() {
        assert_eq!(unit_interval("0.5"), Ok(0.5));
        assert_eq!(unit_interval("1"), Ok(1.0));
        for bad in ["-0.1", "1.5", "NaN", "x"] {
            assert!(unit_interval(bad).is_err(), "{bad}");
        }
    }
}
