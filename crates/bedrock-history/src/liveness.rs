//! Whether the process that saved a pending row is still running, for crash recovery.

/// Whether `pid` names a running process. The current process is always alive.
///
/// Linux reads `/proc/<pid>/stat` and counts a zombie (killed but not yet reaped) as ended.
/// Other Unix systems ask `kill -0`. Elsewhere no check is available and every other process
/// counts as ended, so its pending rows are marked interrupted.
pub(crate) fn process_is_alive(pid: u32) -> bool {
    pid == std::process::id() || platform_process_is_alive(pid)
}

#[cfg(target_os = "linux")]
fn platform_process_is_alive(pid: u32) -> bool {
    proc_stat_is_alive(pid)
}

#[cfg(all(unix, not(target_os = "linux")))]
fn platform_process_is_alive(pid: u32) -> bool {
    kill_zero_is_alive(pid)
}

#[cfg(not(unix))]
fn platform_process_is_alive(_pid: u32) -> bool {
    false
}

#[cfg(target_os = "linux")]
fn proc_stat_is_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state letter follows the parenthesised command name, which may itself hold ')'.
        Ok(stat) => match stat.rsplit_once(')') {
            Some((_, rest)) => !matches!(rest.trim_start().chars().next(), Some('Z' | 'X' | 'x')),
            None => true,
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        // Present but unreadable: it exists, so leave its rows alone.
        Err(_) => true,
    }
}

/// `kill -0 PID` succeeds when the process exists and may be signalled. When the check itself
/// cannot run, the process counts as alive: a row left pending is recoverable later with
/// `mark_interrupted_older_than`, a live call marked interrupted is not.
#[cfg(any(test, all(unix, not(target_os = "linux"))))]
fn kill_zero_is_alive(pid: u32) -> bool {
    std::process::Command::new("kill")
        .arg("-0")
        .arg(pid.to_string())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map_or(true, |status| status.success())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_process_is_alive() {
        assert!(process_is_alive(std::process::id()));
    }

    #[cfg(unix)]
    #[test]
    fn a_reaped_child_is_not_alive_and_a_running_one_is() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pid = child.id();
        assert!(process_is_alive(pid));
        assert!(kill_zero_is_alive(pid));
        child.kill().unwrap();
        #[cfg(target_os = "linux")]
        {
            // Killed but not yet waited for: a zombie, which has ended.
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            while proc_stat_is_alive(pid) && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            assert!(!proc_stat_is_alive(pid), "a zombie counts as ended");
        }
        child.wait().unwrap();
        assert!(!process_is_alive(pid));
        assert!(!kill_zero_is_alive(pid));
    }
}
