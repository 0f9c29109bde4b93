//! Running commands: presence checks, captured output, timeouts.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Whether `name` is an executable on PATH.
pub fn command_exists(name: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| {
            let candidate = dir.join(name);
            candidate.is_file()
                && std::fs::metadata(&candidate).is_ok_and(|meta| {
                    use std::os::unix::fs::PermissionsExt;
                    meta.permissions().mode() & 0o111 != 0
                })
        })
    })
}

/// A command as a shell line would show it (without quoting).
pub fn describe(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

/// Runs `command` with its output on stderr (a run's stdout carries the program's output
/// alone); an error names the command and its status.
pub fn run_status(command: &mut Command) -> Result<(), String> {
    let status = command.stdout(std::io::stderr()).status().map_err(|error| format!("cannot start `{}`: {error}", describe(command)))?;
    if status.success() { Ok(()) } else { Err(format!("`{}` failed ({status})", describe(command))) }
}

/// Runs `command` and returns its standard output; an error carries its stderr.
pub fn output_of(command: &mut Command) -> Result<String, String> {
    let output = command.output().map_err(|error| format!("cannot start `{}`: {error}", describe(command)))?;
    if !output.status.success() {
        return Err(format!(
            "`{}` failed ({}): {}",
            describe(command),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// What a program printed (stdout and stderr interleaved) and how it ended.
pub struct Finished {
    pub output: String,
    /// The exit code; `None` if a signal ended it or it timed out.
    pub code: Option<i32>,
    pub timed_out: bool,
    pub elapsed: Duration,
}

/// Runs `command` with stdout and stderr captured into one stream, killing it after
/// `timeout`.
///
/// The program runs in a process group of its own, and the whole group is killed on
/// timeout: a program's children (qemu-user's forked guests, for one) inherit the
/// output pipe, and a hung one must neither outlive the run nor keep the runner
/// waiting for the end of the output.
pub fn run_with_timeout(command: &mut Command, timeout: Duration) -> Result<Finished, String> {
    use std::os::unix::process::CommandExt;
    use std::sync::{Arc, Mutex, mpsc};

    let (mut reader, writer) = std::io::pipe().map_err(|error| format!("pipe: {error}"))?;
    let writer_clone = writer.try_clone().map_err(|error| format!("pipe: {error}"))?;
    let start = Instant::now();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(writer_clone)
        .process_group(0)
        .spawn()
        .map_err(|error| format!("cannot start `{}`: {error}", describe(command)))?;
    // The program holds the write ends now; drop ours so reading ends when it is done.
    command.stdout(Stdio::null()).stderr(Stdio::null());
    let output = Arc::new(Mutex::new(Vec::new()));
    let (done, output_ended) = mpsc::channel();
    let sink = Arc::clone(&output);
    std::thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(count @ 1..) = reader.read(&mut chunk) {
            sink.lock().unwrap().extend_from_slice(&chunk[..count]);
        }
        let _ = done.send(());
    });
    let kill_group = |pid: u32| {
        let _ = Command::new("kill").args(["-KILL", "--", &format!("-{pid}")]).stderr(Stdio::null()).status();
    };
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|error| format!("wait: {error}"))? {
            break status;
        }
        if start.elapsed() > timeout {
            timed_out = true;
            kill_group(child.id());
            break child.wait().map_err(|error| format!("wait: {error}"))?;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = start.elapsed();
    // What the program left running may still hold the pipe: give it a moment, then
    // end the group and keep what was read.
    if output_ended.recv_timeout(Duration::from_secs(10)).is_err() {
        kill_group(child.id());
        let _ = output_ended.recv_timeout(Duration::from_secs(5));
    }
    let bytes = output.lock().unwrap().clone();
    Ok(Finished {
        output: String::from_utf8_lossy(&bytes).into_owned(),
        code: if timed_out { None } else { status.code() },
        timed_out,
        elapsed,
    })
}
