//! Tiers `user` and `native`: the conformance program started as a command, under
//! qemu-user or directly on the host, with examples/exit_status's path in
//! [`EXIT_STATUS_VARIABLE`] and the case filters as its arguments. The two differ only
//! in the command and in what a skip means (see [`conformance::run`]).

use std::path::{Path, PathBuf};
use std::time::Duration;

use xtask::arches::{Arch, Machine};

use super::conformance::{self, EXIT_STATUS_VARIABLE, Launch};
use super::{Row, RunResult};

/// Runs `binary` on `machine` (user or native) with `filters`; `exit_status` is
/// examples/exit_status for the process cases.
pub(crate) fn run(arch: &Arch, machine: Machine, binary: &Path, filters: &[String], exit_status: Option<&PathBuf>, timeout: Duration) -> RunResult {
    let Some(mut command) = arch.direct_command(machine, binary) else {
        return RunResult::error(&arch.name, Row::Machine(machine), format!("this machine cannot run {} on tier {}", arch.name, machine.name()));
    };
    command.args(filters);
    if let Some(exit_status) = exit_status {
        command.env(EXIT_STATUS_VARIABLE, exit_status);
    }
    conformance::run(&arch.name, Row::Machine(machine), Launch::Direct(&mut command), timeout)
}
