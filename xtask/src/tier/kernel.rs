//! Tier `kernel`: the conformance program as /init of the architecture's real kernel
//! under qemu-system (the boot itself is the library's, [`xtask::kernel`]), with
//! examples/exit_status in the initramfs; and the negative boots (rows `kernel neg`):
//! an init that prints a good run's report and then does not power off must be
//! reported as failed.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use xtask::arches::{Arch, Machine};
use xtask::debian;
use xtask::kernel::{self, KernelSpec};

use super::conformance::{self, EXIT_STATUS_IN_INITRAMFS, Launch, RUN_TIMEOUT};
use super::{Row, RunResult};

/// Where the kernel tier keeps `arch`'s initramfs images, for a look afterwards.
pub(crate) fn kernel_dir(root: &Path, arch: &Arch) -> PathBuf {
    root.join("target").join("kernel").join(&arch.name)
}

/// The qemu-system boot of a kernel as `spec` says with `program` as /init (and
/// `extra_files` in the initramfs) and `init_args` as its arguments, the initramfs
/// `name`.cpio written to `dir`.
pub(crate) fn boot_command(
    dir: &Path,
    spec: &KernelSpec,
    program: &Path,
    extra_files: &[(&str, &Path)],
    name: &str,
    init_args: &[String],
    apt: &mut debian::Apt,
) -> Result<kernel::Boot, String> {
    std::fs::create_dir_all(dir).map_err(|error| format!("{}: {error}", dir.display()))?;
    kernel::prepare_boot(spec, program, extra_files, init_args, &dir.join(format!("{name}.cpio")), apt)
}

/// Boots `binary` as /init of `arch`'s kernel (initramfs images in `dir`) with
/// `filters` as its arguments; `exit_status` is examples/exit_status for the process
/// cases.
pub(crate) fn run(dir: &Path, arch: &Arch, binary: &Path, filters: &[String], exit_status: Option<&PathBuf>, timeout: Duration, apt: &mut debian::Apt) -> RunResult {
    let tier = Row::Machine(Machine::Kernel);
    let Some(spec) = &arch.kernel else {
        return RunResult::error(&arch.name, tier, format!("Debian ships no kernel for {}", arch.name));
    };
    let extra_files: Vec<(&str, &Path)> = exit_status.iter().map(|binary| (EXIT_STATUS_IN_INITRAMFS, binary.as_path())).collect();
    match boot_command(dir, spec, binary, &extra_files, "conformance", filters, apt) {
        Ok(boot) => conformance::run(&arch.name, tier, Launch::Kernel(boot), timeout),
        Err(error) => RunResult::error(&arch.name, tier, error),
    }
}

/// How the kernel tier's negative cases make init end after a good run's report,
/// instead of powering off (the conformance program's `--end-by`): it exits, it
/// crashes. A Rust panic ends the process as an exit does (status 101).
const DEAD_INIT_MODES: [&str; 2] = ["exit", "segv"];

/// The one case the negative boots run: cheap, and on every architecture.
const DEAD_INIT_CASE: &str = "fn_return_value_is_the_child_exit_status";

/// The kernel tier's negative cases: boots the conformance program as /init once per
/// [`DEAD_INIT_MODES`]; each run prints what a good run prints and must still be
/// reported as failed, because init did not power the machine off. One case per mode.
pub(crate) fn dead_inits(dir: &Path, arch: &Arch, spec: &KernelSpec, binary: &Path, apt: &mut debian::Apt) -> RunResult {
    let started = Instant::now();
    let mut result = RunResult::new(&arch.name, Row::KernelNeg);
    result.ran = true;
    for mode in DEAD_INIT_MODES {
        let name = format!("an_init_that_{mode}s_after_a_good_report_is_a_failure");
        let args = ["--end-by", mode, DEAD_INIT_CASE].map(String::from);
        println!("run: {} kernel: init ends by {mode} after its report; the runner must call it a failure", arch.name);
        let verdict = match boot_command(dir, spec, binary, &[], &format!("dead-init-{mode}"), &args, apt) {
            Ok(boot) => {
                let run = conformance::run(&arch.name, Row::EndBy(mode), Launch::DeadInit(boot), RUN_TIMEOUT);
                match &run.error {
                    Some(error) if run.passed > 0 && run.failed == 0 && !error.starts_with("timed out") => {
                        println!("  {} kernel --end-by {mode}: a failure, as it must be: {error}", arch.name);
                        Ok(())
                    }
                    Some(error) => Err(format!("{} passed, {} failed, error: {error}", run.passed, run.failed)),
                    None => Err(format!("the run was reported as good ({} passed)", run.passed)),
                }
            }
            Err(error) => Err(error),
        };
        if verdict.is_ok() {
            println!("  ok {name}");
        }
        result.record_check(name, verdict);
    }
    result.seconds = started.elapsed().as_secs_f64();
    result
}
