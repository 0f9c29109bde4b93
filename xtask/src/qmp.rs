//! How a qemu-system run ended, in qemu's own words: its machine protocol (QMP).
//!
//! A kernel may print nothing when init powers the machine off (Debian's s390x 6.1
//! kernel prints no `reboot: Power down`), so the console cannot say how a boot ended.
//! qemu can: its `SHUTDOWN` event carries the reason (`guest-shutdown` for a power-off,
//! `guest-reset` for a reset, which `-no-reboot` turns into the end of the run and
//! `panic=-1` makes of a kernel panic, `guest-panic` where the machine reports one).
//!
//! qemu connects to a socket the runner listens on and starts with its CPUs stopped
//! (`-S`); the runner negotiates and only then lets the guest run (`cont`), so no event
//! can come before the runner listens, however slow either side is.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::Value;

/// The reason qemu gives for a guest that powered itself off.
pub const GUEST_SHUTDOWN: &str = "guest-shutdown";

/// How a run ended, as qemu reported it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ending {
    /// The `SHUTDOWN` event's reason; `None` if qemu sent none (it was killed, failed
    /// to start, or the machine stopped without ending the run).
    pub shutdown: Option<String>,
    /// qemu reported `GUEST_PANICKED`.
    pub panicked: bool,
}

impl Ending {
    /// The guest powered the machine off, and nothing panicked.
    pub fn powered_off(&self) -> bool {
        self.shutdown.as_deref() == Some(GUEST_SHUTDOWN) && !self.panicked
    }

    /// The guest reset the machine: with `-no-reboot` and `panic=-1`, how a kernel
    /// ends after init has died.
    pub fn reset(&self) -> bool {
        self.shutdown.as_deref() == Some("guest-reset")
    }

    /// What happened, for a message.
    pub fn describe(&self) -> String {
        match (&self.shutdown, self.panicked) {
            (Some(reason), false) => format!("qemu reported SHUTDOWN ({reason})"),
            (Some(reason), true) => format!("qemu reported GUEST_PANICKED, then SHUTDOWN ({reason})"),
            (None, true) => "qemu reported GUEST_PANICKED and no SHUTDOWN".to_string(),
            (None, false) => "qemu reported no SHUTDOWN".to_string(),
        }
    }

    /// Reads one QMP message into the ending; anything but an event is ignored.
    fn read(&mut self, message: &Value) {
        match message.get("event").and_then(Value::as_str) {
            Some("SHUTDOWN") => {
                let reason = message.pointer("/data/reason").and_then(Value::as_str).unwrap_or("unknown");
                self.shutdown = Some(reason.to_string());
            }
            Some("GUEST_PANICKED") => self.panicked = true,
            _ => {}
        }
    }
}

/// A QMP socket for one qemu-system run, in a directory of its own removed on drop.
pub struct Monitor {
    listener: UnixListener,
    dir: PathBuf,
}

impl Monitor {
    /// Listens on a new socket under the system's temporary directory.
    pub fn new() -> Result<Monitor, String> {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let serial = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("freeclone-qmp-{}-{serial}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|error| format!("{}: {error}", dir.display()))?;
        let listener = UnixListener::bind(dir.join("qmp")).map_err(|error| format!("QMP socket in {}: {error}", dir.display()))?;
        listener.set_nonblocking(true).map_err(|error| format!("QMP socket: {error}"))?;
        Ok(Monitor { listener, dir })
    }

    /// Makes `command` (a qemu-system) start stopped and connect to this monitor.
    pub fn attach(&self, command: &mut Command) {
        let path = self.dir.join("qmp");
        command
            .arg("-S")
            .arg("-chardev")
            .arg(format!("socket,id=freeclone-qmp,path={}", path.display()))
            .args(["-mon", "chardev=freeclone-qmp,mode=control"]);
    }

    /// Waits (in a thread) for qemu to connect, lets the guest run, and collects the
    /// events until qemu closes the connection.
    pub fn watch(self) -> Watcher {
        let qemu_ended = Arc::new(AtomicBool::new(false));
        let ended = Arc::clone(&qemu_ended);
        let thread = std::thread::spawn(move || {
            let stream = loop {
                match self.listener.accept() {
                    Ok((stream, _)) => break stream,
                    Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
                        if ended.load(Ordering::SeqCst) {
                            return Err("qemu ended without connecting to its QMP socket".to_string());
                        }
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    Err(error) => return Err(format!("QMP accept: {error}")),
                }
            };
            let ending = converse(stream);
            drop(self);
            ending
        });
        Watcher { thread, qemu_ended }
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The runner's side of a [`Monitor`] while qemu runs.
pub struct Watcher {
    thread: JoinHandle<Result<Ending, String>>,
    qemu_ended: Arc<AtomicBool>,
}

impl Watcher {
    /// Call once qemu has exited: returns what it reported.
    pub fn finish(self) -> Result<Ending, String> {
        self.qemu_ended.store(true, Ordering::SeqCst);
        self.thread.join().map_err(|_| "the QMP reader panicked".to_string())?
    }
}

/// One QMP connection, read line by line (qemu ends each message with a newline).
struct Connection {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
    ending: Ending,
}

impl Connection {
    /// The next message (its events read into `ending`); `None` at the end.
    fn next(&mut self) -> Result<Option<Value>, String> {
        let mut line = String::new();
        match self.reader.read_line(&mut line) {
            Ok(0) => Ok(None),
            Ok(_) => {
                let message: Value = serde_json::from_str(line.trim()).map_err(|error| format!("QMP: {error} in {line:?}"))?;
                self.ending.read(&message);
                Ok(Some(message))
            }
            Err(error) => Err(format!("QMP read: {error}")),
        }
    }

    /// Runs `command`, reading up to its answer (events may come first).
    fn execute(&mut self, command: &str) -> Result<(), String> {
        writeln!(self.writer, "{{\"execute\": \"{command}\"}}").map_err(|error| format!("QMP {command}: {error}"))?;
        loop {
            match self.next()? {
                None => return Err(format!("qemu closed QMP before answering {command}")),
                Some(message) if message.get("return").is_some() => return Ok(()),
                Some(message) if message.get("error").is_some() => return Err(format!("QMP {command}: {message}")),
                Some(_) => {}
            }
        }
    }
}

/// The whole conversation: greeting, capabilities, `cont`, then events until EOF.
fn converse(stream: UnixStream) -> Result<Ending, String> {
    stream.set_nonblocking(false).map_err(|error| format!("QMP: {error}"))?;
    let writer = stream.try_clone().map_err(|error| format!("QMP: {error}"))?;
    let mut connection = Connection { reader: BufReader::new(stream), writer, ending: Ending::default() };
    match connection.next()? {
        Some(greeting) if greeting.get("QMP").is_some() => {}
        other => return Err(format!("QMP: no greeting from qemu ({other:?})")),
    }
    connection.execute("qmp_capabilities")?;
    connection.execute("cont")?;
    while connection.next()?.is_some() {}
    Ok(connection.ending)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ending_of(messages: &[&str]) -> Ending {
        let mut ending = Ending::default();
        for message in messages {
            ending.read(&serde_json::from_str(message).unwrap());
        }
        ending
    }

    #[test]
    fn only_a_guest_shutdown_without_a_panic_is_a_power_off() {
        let shutdown = r#"{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "SHUTDOWN", "data": {"guest": true, "reason": "guest-shutdown"}}"#;
        let reset = r#"{"event": "SHUTDOWN", "data": {"guest": true, "reason": "guest-reset"}}"#;
        let panicked = r#"{"event": "GUEST_PANICKED", "data": {"action": "pause"}}"#;
        assert!(ending_of(&[r#"{"return": {}}"#, r#"{"event": "RESUME"}"#, shutdown]).powered_off());
        let ending = ending_of(&[reset]);
        assert!(!ending.powered_off() && ending.reset());
        assert!(!ending_of(&[panicked, shutdown]).powered_off());
        assert!(!ending_of(&[r#"{"event": "SHUTDOWN", "data": {"guest": false, "reason": "host-signal"}}"#]).powered_off());
        assert!(!ending_of(&[]).powered_off());
        assert_eq!(ending_of(&[reset]).describe(), "qemu reported SHUTDOWN (guest-reset)");
    }
}
