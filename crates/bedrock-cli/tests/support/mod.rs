//! Helpers of the CLI tests: run the `bedrock` binary in a clean environment (no AWS variables,
//! a temporary HOME and history), and start `bedrock emulator` as a separate process.

#![allow(
    dead_code,
    reason = "each test file uses a different part of the helpers"
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The example credentials the emulator accepts.
pub const ACCESS_KEY: &str = "AKIDEXAMPLE";
/// The example secret key.
pub const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

pub const HAIKU: &str = "anthropic.claude-3-haiku-20240307-v1:0";
pub const TITAN_EMBED: &str = "amazon.titan-embed-text-v2:0";
pub const TITAN_IMAGE: &str = "amazon.titan-image-generator-v2:0";
pub const UNKNOWN_MODEL: &str = "amazon.titan-nothing-v9:0";

/// The notice printed when the built-in emulator is used.
pub const EMBEDDED_NOTICE: &str =
    "no AWS credentials found; using the built-in Bedrock emulator on http://127.0.0.1:";

/// A clean environment for one test: a temporary HOME with no AWS files, and a history file.
pub struct TestEnv {
    dir: tempfile::TempDir,
    /// Extra variables for every run (e.g. the example credentials).
    pub vars: Vec<(String, String)>,
}

/// What a run printed and how it ended.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub stdout_bytes: Vec<u8>,
}

impl Output {
    /// Stdout parsed as one JSON document.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is JSON ({e}): {}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }

    /// Stdout parsed as JSON lines.
    pub fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("line is JSON ({e}): {l}")))
            .collect()
    }

    /// Stderr parsed as the one-line JSON error.
    pub fn json_error(&self) -> Value {
        let line = self
            .stderr
            .lines()
            .find(|l| l.starts_with('{'))
            .unwrap_or_else(|| panic!("stderr holds a JSON error: {}", self.stderr));
        let v: Value = serde_json::from_str(line).expect("the error line is JSON");
        v["error"].clone()
    }

    /// Fails the test with both streams unless the exit code is `code`.
    #[track_caller]
    pub fn expect_code(self, code: i32) -> Self {
        assert_eq!(
            self.code, code,
            "exit code\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }

    /// Expects success.
    #[track_caller]
    pub fn ok(self) -> Self {
        self.expect_code(0)
    }

    /// The one-line JSON error on stderr, after checking that its kind is `kind`.
    #[track_caller]
    pub fn json_error_of_kind(&self, kind: &str) -> Value {
        let error = self.json_error();
        assert_eq!(error["kind"], kind, "{error}");
        error
    }

    /// Fails the test, showing stderr, unless stderr starts with `prefix`.
    #[track_caller]
    pub fn assert_stderr_starts_with(&self, prefix: &str) -> &Self {
        let holds = self.stderr.starts_with(prefix);
        self.check(
            holds,
            &format!("stderr starts with {prefix:?}"),
            &self.stderr,
        )
    }

    /// Fails the test, showing stderr, unless stderr contains `needle`.
    #[track_caller]
    pub fn assert_stderr_contains(&self, needle: &str) -> &Self {
        let holds = self.stderr.contains(needle);
        self.check(holds, &format!("stderr contains {needle:?}"), &self.stderr)
    }

    /// Fails the test, showing stderr, if stderr contains `needle`.
    #[track_caller]
    pub fn assert_stderr_lacks(&self, needle: &str) -> &Self {
        let holds = !self.stderr.contains(needle);
        self.check(holds, &format!("stderr lacks {needle:?}"), &self.stderr)
    }

    /// Fails the test, showing stderr, unless `needle` stands exactly once in it.
    #[track_caller]
    pub fn assert_stderr_says_once(&self, needle: &str) -> &Self {
        let count = self.stderr.matches(needle).count();
        let expectation = format!("stderr says {needle:?} once, not {count} times");
        self.check(count == 1, &expectation, &self.stderr)
    }

    /// Fails the test, showing stdout, unless stdout contains `needle`.
    #[track_caller]
    pub fn assert_stdout_contains(&self, needle: &str) -> &Self {
        let holds = self.stdout.contains(needle);
        self.check(holds, &format!("stdout contains {needle:?}"), &self.stdout)
    }

    /// Fails the test with `expectation` and `shown` unless `holds`.
    #[track_caller]
    fn check(&self, holds: bool, expectation: &str, shown: &str) -> &Self {
        assert!(holds, "{expectation}:\n{shown}");
        self
    }
}

impl TestEnv {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        TestEnv {
            dir,
            vars: Vec::new(),
        }
    }

    /// An environment whose runs carry the example credentials.
    pub fn with_example_credentials() -> Self {
        TestEnv::with_credentials(ACCESS_KEY, SECRET_KEY)
    }

    /// An environment whose runs carry these keys in `AWS_ACCESS_KEY_ID` and
    /// `AWS_SECRET_ACCESS_KEY`.
    pub fn with_credentials(access_key_id: &str, secret_access_key: &str) -> Self {
        let mut env = TestEnv::new();
        env.vars
            .push(("AWS_ACCESS_KEY_ID".into(), access_key_id.into()));
        env.vars
            .push(("AWS_SECRET_ACCESS_KEY".into(), secret_access_key.into()));
        env
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn history(&self) -> PathBuf {
        self.dir.path().join("history.sqlite3")
    }

    /// The `bedrock` command with a clean environment.
    pub fn command(&self) -> Command {
        self.command_for(env!("CARGO_BIN_EXE_bedrock"))
    }

    /// `program` with the clean environment of [`TestEnv::command`].
    pub fn command_for(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy();
            if key.starts_with("AWS_") || key == "RUST_LOG" || key.starts_with("XDG_") {
                cmd.env_remove(key.as_ref());
            }
        }
        cmd.env("HOME", self.dir.path().join("home"))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("BEDROCK_HISTORY", self.history())
            .current_dir(self.dir.path());
        for (k, v) in &self.vars {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs `bedrock ARGS`.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with_stdin(args, None)
    }

    /// Runs `bedrock ARGS` with `stdin` piped in.
    pub fn run_with_stdin(&self, args: &[&str], stdin: Option<&[u8]>) -> Output {
        let mut cmd = self.command();
        cmd.args(args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("the bedrock binary runs");
        if let Some(input) = stdin {
            let mut pipe = child.stdin.take().unwrap();
            pipe.write_all(input).unwrap();
        }
        let out = child.wait_with_output().unwrap();
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            stdout_bytes: out.stdout,
        }
    }
}

/// `bedrock emulator --port 0` running as its own process; killed when dropped.
pub struct EmulatorProcess {
    child: Child,
    pub url: String,
}

impl EmulatorProcess {
    pub fn start(env: &TestEnv, extra: &[&str]) -> Self {
        let mut cmd = env.command();
        cmd.args(["emulator", "--port", "0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().expect("bedrock emulator starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = tx.send(line);
            // Keep draining so the child never blocks on a full pipe.
            let mut sink = String::new();
            while reader.read_line(&mut sink).unwrap_or(0) > 0 {
                sink.clear();
            }
        });
        let Ok(line) = rx.recv_timeout(Duration::from_secs(60)) else {
            let _ = child.kill();
            panic!("bedrock emulator printed nothing within 60 s");
        };
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("first line is `listening on URL`: {line:?}"))
            .to_owned();
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        EmulatorProcess { child, url }
    }
}

impl EmulatorProcess {
    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits up to `timeout` for the process to exit.
    pub fn wait_for_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + timeout;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The keys of a JSON object, sorted.
pub fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v
        .as_object()
        .unwrap_or_else(|| panic!("an object: {v}"))
        .keys()
        .cloned()
        .collect();
    k.sort();
    k
}

/// Asserts that `v` is an object with at least these keys.
#[track_caller]
pub fn assert_keys(v: &Value, expected: &[&str]) {
    let have = keys(v);
    for k in expected {
        assert!(have.iter().any(|h| h == k), "key `{k}` missing from {v}");
    }
}

/// The width and height of the PNG file at `path`, after checking its signature and decoding
/// its pixels.
pub fn decode_png(path: &std::path::Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "PNG magic in {}",
        path.display()
    );
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("a buffer size")];
    let info = reader.next_frame(&mut buf).expect("a decodable frame");
    (info.width, info.height)
}

/// A Claude Messages request body.
pub fn claude_body(max_tokens: u32) -> String {
    serde_json::json!({
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": max_tokens,
        "messages": [{"role": "user", "content": "Name three rivers."}],
    })
    .to_string()
}

/// What a [`FakeEndpoint`] does with each request.
#[derive(Debug, Clone)]
pub enum Behaviour {
    /// Sends these bytes (a whole HTTP response) and closes.
    Answer(Vec<u8>),
    /// Reads the request and never answers; the connection stays open.
    Silent,
    /// Closes with the request unread, which makes the kernel answer with a reset.
    Reset,
}

/// An HTTP endpoint on loopback that is not Bedrock: it answers every request the same way,
/// whatever its path or signature. Its threads end with the test process.
pub struct FakeEndpoint {
    pub url: String,
    requests: Arc<AtomicUsize>,
}

impl FakeEndpoint {
    pub fn start(behaviour: Behaviour) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind on loopback");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let behaviour = behaviour.clone();
                let count = Arc::clone(&count);
                std::thread::spawn(move || serve(stream, &behaviour, &count));
            }
        });
        FakeEndpoint { url, requests }
    }

    /// A response with this status, headers and body.
    pub fn answering(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Self {
        let mut response = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n", body.len());
        for (name, value) in headers {
            response.push_str(&format!("{name}: {value}\r\n"));
        }
        response.push_str("connection: close\r\n\r\n");
        let mut bytes = response.into_bytes();
        bytes.extend_from_slice(body);
        FakeEndpoint::start(Behaviour::Answer(bytes))
    }

    /// Requests received so far (for `Reset`, connections).
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// Waits up to `limit` for `n` requests.
    pub fn wait_for_requests(&self, n: usize, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while self.requests() < n {
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        true
    }
}

fn serve(mut stream: TcpStream, behaviour: &Behaviour, count: &AtomicUsize) {
    if matches!(behaviour, Behaviour::Reset) {
        count.fetch_add(1, Ordering::SeqCst);
        // Unread bytes at close make the kernel send RST instead of FIN.
        let mut first = [0u8; 1];
        let _ = stream.read(&mut first);
        std::thread::sleep(Duration::from_millis(20));
        return;
    }
    if !read_request(&mut stream) {
        return;
    }
    count.fetch_add(1, Ordering::SeqCst);
    match behaviour {
        Behaviour::Answer(bytes) => {
            let _ = stream.write_all(bytes);
            let _ = stream.flush();
        }
        Behaviour::Silent => {
            let mut rest = Vec::new();
            let _ = stream.read_to_end(&mut rest);
        }
        Behaviour::Reset => {}
    }
}

/// Reads a request's head and its `Content-Length` body; false when the peer left first.
fn read_request(stream: &mut TcpStream) -> bool {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return false,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&seen[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while seen.len() < head_end + length {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return false,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
    true
}

/// A port on loopback that nothing listens on (bound, then closed).
pub fn refused_url() -> String {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    format!("http://127.0.0.1:{port}")
}

/// `args` for the AWS backend at `url`.
pub fn at<'a>(url: &'a str, args: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec!["--backend", "aws", "--endpoint-url", url];
    all.extend_from_slice(args);
    all
}

/// Runs `bedrock ARGS` on a terminal (a pseudo-terminal from util-linux `script`), stdout and
/// stderr both on it, unless `redirect` sends one elsewhere (`2>/dev/null`); what the terminal
/// showed, with `\r\n` as `\n`. `None` when `script` is not installed.
pub fn run_on_terminal(env: &TestEnv, args: &[&str], redirect: &str) -> Option<Output> {
    let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
    let mut line = quote(env!("CARGO_BIN_EXE_bedrock"));
    for arg in args {
        line.push(' ');
        line.push_str(&quote(arg));
    }
    line.push(' ');
    line.push_str(redirect);
    let out = env
        .command_for("script")
        .args(["-qec", &line, "/dev/null"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .ok()?;
    let shown = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    Some(Output {
        code: out.status.code().unwrap_or(-1),
        stdout: shown,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        stdout_bytes: out.stdout,
    })
}
