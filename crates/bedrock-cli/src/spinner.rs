//! A spinner on stderr for calls that take more than a second; never shown when stderr is not a
//! terminal, so scripts and pipes see nothing of it.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::output::stderr_is_terminal;

/// How long a call runs before the spinner appears.
const DELAY: Duration = Duration::from_secs(1);

#[derive(Default)]
struct State {
    /// The call finished; the spinner must not appear any more.
    done: bool,
    bar: Option<ProgressBar>,
}

/// A spinner that appears after [`DELAY`] and disappears when dropped.
pub struct Spinner {
    state: Arc<Mutex<State>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Spinner {
    /// Starts the delay; the spinner shows `message` if the call is still running after it.
    pub fn start(message: impl Into<String>) -> Spinner {
        let state = Arc::new(Mutex::new(State::default()));
        if !stderr_is_terminal() {
            return Spinner { state, task: None };
        }
        let message = message.into();
        let shared = Arc::clone(&state);
        let task = tokio::spawn(async move {
            tokio::time::sleep(DELAY).await;
            let mut state = shared.lock().unwrap_or_else(PoisonError::into_inner);
            if state.done {
                return;
            }
            let bar = ProgressBar::new_spinner();
            if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
                bar.set_style(style);
            }
            bar.set_message(message);
            bar.enable_steady_tick(Duration::from_millis(100));
            state.bar = Some(bar);
        });
        Spinner {
            state,
            task: Some(task),
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.done = true;
        if let Some(bar) = state.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// Runs `call` with a spinner saying `message`.
pub async fn spin<T>(message: &str, call: impl Future<Output = T>) -> T {
    let spinner = Spinner::start(message);
    let out = call.await;
    drop(spinner);
    out
}
