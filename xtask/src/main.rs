//! `cargo xtask`: freeclone's runner. `setup` installs what the other commands need,
//! `test` builds the conformance program per architecture and runs it on every tier
//! that can run it, `demo` builds and runs the examples, `run` runs any static binary,
//! `capi` packs the C ABI's archive for C programs, and `mutants` injects the bugs of `xtask/mutants.toml` one at a time and checks that
//! the tests catch each.

mod bench;
mod build;
mod capi;
#[cfg(test)]
mod module_graph;
mod mutants;
mod soak;
mod tier;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use clap::Parser;

use build::Program;
use tier::conformance::RUN_TIMEOUT;
use tier::{Plan, Row, RunResult, Tier, cfi, direct, peer, structural, template};
use xtask::arches::{Arch, Machine};
use xtask::kernel::Console;
use xtask::setup::Needs;
use xtask::util::run_with_timeout;
use xtask::{arches, debian, kernel, setup, util};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "freeclone's runner: setup, test, demo, bench, run, capi (the C ABI's archive for C programs), \
             and mutants (the mutation gate: \
             realistic bugs from xtask/mutants.toml, injected one at a time into a copy of the \
             sources, each of which a named test must catch)"
)]
enum Cli {
    /// Install what the selected architectures need (rust-src, stable targets, qemu).
    Setup(Selection),
    /// Build the conformance program per architecture and run it on every tier.
    Test(TestArgs),
    /// Build the examples per architecture and run them, showing what they print:
    /// spawn under qemu-user and natively, the manual's UTS-namespace example natively
    /// and as /init of each real kernel, exit_status through `run` on every tier.
    Demo(Selection),
    /// Benchmarks: spawn latency (native, and as ratios under qemu-user), code size,
    /// binary size and child stack cost; tables on stdout and in target/bench/report.md.
    Bench(bench::BenchArgs),
    /// Run any static Linux binary: `cargo xtask run [--arch a] [--tier user|native|kernel]
    /// [--timeout s] <binary> [args...]`, the installed freeclone-run's command
    /// (`cargo xtask run --help` for its options).
    #[command(disable_help_flag = true)]
    Run {
        /// Passed to the runner unchanged.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
    /// The C ABI's archive for C programs: packs cargo's `libfreeclone_capi.a` into
    /// `libfreeclone.a` next to it, whose only defined globals are the C ABI's.
    Capi(capi::CapiArgs),
    /// The mutation gate: applies each mutant of xtask/mutants.toml (one realistic bug)
    /// to a copy of the sources under target/mutants/, runs the test that should catch
    /// it, and prints `caught` or `survived`; ends with `N passed, N failed`.
    Mutants(mutants::MutantsArgs),
}

#[derive(clap::Args)]
struct Selection {
    /// Architectures, comma-separated (default: all, as listed by arch/*/targets.toml).
    #[arg(long, value_delimiter = ',')]
    arch: Option<Vec<String>>,
}

#[derive(clap::Args)]
struct TestArgs {
    #[command(flatten)]
    selection: Selection,
    /// Tiers, comma-separated (default: every tier available for each architecture).
    /// `peer` (glibc's clone tests, the C ABI's smoke test and the differential fuzz)
    /// runs on the machines of the other tiers selected, or on all of them alone; `cfi`
    /// and `structural` run with any of user, native, kernel, or alone.
    #[arg(long, value_delimiter = ',')]
    tier: Option<Vec<Tier>>,
    /// Soak: run the conformance program this many times on each architecture and tier
    /// selected, and report every case whose verdict changed between runs, with both
    /// outputs (the builds and the other checks run once).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    repeat: u32,
    /// Only the conformance cases whose names contain one of these words (case families:
    /// `thread`, `spawn_exec`, `clone3`, `pidfd`, ...), comma-separated; the checks that
    /// are not conformance cases (template, peer, C ABI, negative boots) do not run.
    #[arg(long, value_delimiter = ',')]
    cases: Option<Vec<String>>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = workspace_root();
    let result = match cli {
        Cli::Setup(selection) => select(&selection)
            .and_then(|arches| setup::run(&arches, &Needs::for_machines(&arches, &[Machine::User, Machine::Native, Machine::Kernel]))),
        Cli::Test(args) => test(&root, &args),
        Cli::Demo(selection) => demo(&root, &selection),
        Cli::Bench(args) => bench::run(&root, &args),
        Cli::Run { args } => return xtask::run::main("cargo xtask run", args),
        Cli::Mutants(args) => mutants::run(&root, &args),
        Cli::Capi(args) => capi::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

fn select(selection: &Selection) -> Result<Vec<Arch>, String> {
    arches::select(&arches::all()?, selection.arch.as_deref())
}

/// Prints how long a phase took, so CI logs show where the time goes.
fn timed<T>(phase: &str, work: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let value = work();
    println!("time: {phase}: {:.1} s", start.elapsed().as_secs_f64());
    value
}

fn test(root: &Path, args: &TestArgs) -> Result<(), String> {
    let total_start = Instant::now();
    let arches = select(&args.selection)?;
    let plan = Plan::new(args.tier.as_deref(), args.cases.as_deref());
    timed("setup", || setup::run(&arches, &Needs::for_machines(&arches, plan.needed_machines())))?;
    let mut apt = debian::Apt::default();
    let mut results: Vec<RunResult> = Vec::new();
    let peer_context = if plan.peer_machines.is_empty() {
        None
    } else {
        match timed("peer setup: glibc's sources and Debian's C toolchains", || peer::prepare(&arches)) {
            Ok(context) => Some(context),
            Err(error) => {
                results.push(RunResult::error("peer", Row::PeerSetup, error));
                None
            }
        }
    };
    if plan.host_and_template() {
        tier::host::run(root, &arches, &mut results);
    }
    let mut soak_changes = Vec::new();
    for arch in &arches {
        if arch.rust_target.is_none() {
            if plan.structural {
                results.push(timed(&format!("build checks {}", arch.name), || structural::run(root, arch)));
            }
            continue;
        }
        if let (Some(context), Some(_)) = (&peer_context, &arch.peer) {
            match timed(&format!("peer build {}", arch.name), || peer::build(root, arch, context)) {
                Ok(built) => {
                    let runs = timed(&format!("peer run {}", arch.name), || peer::run(root, arch, &built, &plan.peer_machines, &mut apt));
                    results.extend(runs);
                }
                Err(error) => results.push(RunResult::error(&arch.name, Row::PeerSetup, error)),
            }
        }
        if plan.builds_conformance() {
            conformance_tiers(root, arch, &plan, args.repeat, &mut apt, &mut results, &mut soak_changes);
        }
    }

    tier::print_table(&results);
    let (passed, failed, skipped) = tier::totals(&results);
    tier::print_tier_times(&results);
    if args.repeat > 1 {
        soak::report(&soak_changes, args.repeat);
    }
    println!("time: total: {:.1} s", total_start.elapsed().as_secs_f64());
    println!("{passed} passed, {failed} failed, {skipped} skipped");
    match (failed, soak_changes.len()) {
        (0, 0) => Ok(()),
        (failed, 0) => Err(format!("{failed} failed")),
        (failed, changed) => Err(format!("{failed} failed; {changed} case(s) changed their verdict between runs")),
    }
}

/// The tiers that need `arch`'s conformance program: cfi, then user, native and kernel
/// (each `repeat` times, their verdicts compared; the kernel's negative boots after),
/// then the template's runs.
fn conformance_tiers(
    root: &Path,
    arch: &Arch,
    plan: &Plan,
    repeat: u32,
    apt: &mut debian::Apt,
    results: &mut Vec<RunResult>,
    soak_changes: &mut Vec<soak::Change>,
) {
    let binary = timed(&format!("build {}", arch.name), || {
        println!("build: conformance program for {}", arch.name);
        build::freestanding(root, arch, Program::Conformance)
    });
    let binary = match binary {
        Ok(binary) => binary,
        Err(error) => return results.push(RunResult::error(&arch.name, Row::Build, error)),
    };
    if plan.cfi {
        results.push(cfi::run(&arch.name, &binary));
    }
    if plan.machines.is_empty() {
        return;
    }
    // The program the process cases start with spawn_exec.
    let exit_status = timed(&format!("build exit_status {}", arch.name), || {
        build::freestanding(root, arch, Program::Example("exit_status"))
    });
    let exit_status = match exit_status {
        Ok(binary) => Some(binary),
        Err(error) => {
            results.push(RunResult::error(&arch.name, Row::Build, error));
            None
        }
    };
    let kernel_dir = tier::kernel::kernel_dir(root, arch);
    for &machine in &plan.machines {
        if !tier::runs_here(arch, machine, &binary) {
            continue;
        }
        let mut rounds = Vec::new();
        for round in 1..=repeat {
            if repeat > 1 {
                println!("soak: {} {}, round {round} of {repeat}", arch.name, machine.name());
            }
            let result = timed(&format!("run {} {}", arch.name, machine.name()), || match machine {
                Machine::Kernel => tier::kernel::run(&kernel_dir, arch, &binary, &plan.filters, exit_status.as_ref(), RUN_TIMEOUT, apt),
                _ => direct::run(arch, machine, &binary, &plan.filters, exit_status.as_ref(), RUN_TIMEOUT),
            });
            rounds.push(result);
        }
        soak_changes.extend(soak::changed_verdicts(&rounds));
        results.extend(rounds);
        if let (Machine::Kernel, Some(spec), true) = (machine, &arch.kernel, plan.everything) {
            let dead_inits = timed(&format!("run {} kernel, dead inits", arch.name), || {
                tier::kernel::dead_inits(&kernel_dir, arch, spec, &binary, apt)
            });
            results.push(dead_inits);
        }
    }
    if plan.host_and_template() {
        timed(&format!("template {}", arch.name), || template::run(root, arch, &plan.machines, results));
    }
}

fn demo(root: &Path, selection: &Selection) -> Result<(), String> {
    let arches = select(selection)?;
    setup::run(&arches, &Needs::for_machines(&arches, &[Machine::User, Machine::Native, Machine::Kernel]))?;
    let mut failures = Vec::new();
    let mut apt = debian::Apt::default();
    for arch in arches.iter().filter(|arch| arch.rust_target.is_some()) {
        println!("== {}: examples/spawn.rs (a child on its own stack; the parent waits)", arch.name);
        match build::freestanding(root, arch, Program::Example("spawn")) {
            Ok(binary) => {
                for tier in [Machine::User, Machine::Native] {
                    if let Some(mut command) = arch.direct_command(tier, &binary) {
                        show_demo_run(&arch.name, tier, &mut command, &mut failures);
                    }
                }
            }
            Err(error) => failures.push(format!("{}: {error}", arch.name)),
        }
        // The manual's own example needs CLONE_NEWUTS, which qemu-user refuses: it runs
        // natively (as root) and as /init of the architecture's real kernel.
        println!("== {}: examples/uts_namespace.rs (the manual's example)", arch.name);
        match build::freestanding(root, arch, Program::Example("uts_namespace")) {
            Ok(binary) => {
                if let Some(mut command) = arch.direct_command(Machine::Native, &binary) {
                    show_demo_run(&arch.name, Machine::Native, &mut command, &mut failures);
                }
                if let Some(spec) = &arch.kernel {
                    match tier::kernel::boot_command(&tier::kernel::kernel_dir(root, arch), spec, &binary, &[], "uts_namespace", &[], &mut apt) {
                        Ok(boot) => show_demo_boot(&arch.name, boot, &mut failures),
                        Err(error) => failures.push(format!("{} kernel: {error}", arch.name)),
                    }
                }
            }
            Err(error) => failures.push(format!("{}: {error}", arch.name)),
        }
        println!("== {}: examples/exit_status.rs through `cargo xtask run` (its status is the run's)", arch.name);
        match build::freestanding(root, arch, Program::Example("exit_status")) {
            Ok(binary) => {
                for tier in arch.machines() {
                    show_exit_status_run(arch, tier, &binary, &mut failures);
                }
            }
            Err(error) => failures.push(format!("{}: {error}", arch.name)),
        }
    }
    if failures.is_empty() { Ok(()) } else { Err(failures.join("\n")) }
}

/// Runs one demo program under qemu-user or natively and prints what it printed; it
/// must exit 0.
fn show_demo_run(arch: &str, tier: Machine, command: &mut Command, failures: &mut Vec<String>) {
    println!("-- {arch} on tier {}: {}", tier.name(), util::describe(command));
    match run_with_timeout(command, RUN_TIMEOUT) {
        Ok(finished) => {
            show_demo_lines(finished.output.lines().map(|line| line.to_string() + "\n"));
            if finished.code != Some(0) {
                failures.push(format!("{arch} {}: exit code {:?}", tier.name(), finished.code));
            }
        }
        Err(error) => failures.push(format!("{arch} {}: {error}", tier.name())),
    }
}

/// Boots a demo program as /init and prints its own lines (without the firmware's and
/// the kernel's); qemu must report that it powered the machine off.
fn show_demo_boot(arch: &str, boot: kernel::Boot, failures: &mut Vec<String>) {
    println!("-- {arch} on tier kernel: {}", util::describe(&boot.command));
    match boot.run(RUN_TIMEOUT) {
        Ok((finished, ending)) => {
            let mut console = Console::default();
            show_demo_lines(finished.output.lines().map(|line| console.program_text(line)));
            if finished.code != Some(0) || !ending.powered_off() {
                failures.push(format!("{arch} kernel: the program did not power the machine off: {}, exit code {:?}", ending.describe(), finished.code));
            }
        }
        Err(error) => failures.push(format!("{arch} kernel: {error}")),
    }
}

fn show_demo_lines(texts: impl Iterator<Item = String>) {
    for text in texts {
        for line in text.lines() {
            println!("{}", format!("   {line}").trim_end());
        }
    }
}

/// Runs examples/exit_status with `3 "two words"` through the runner, which must end
/// with the program's status, 3.
fn show_exit_status_run(arch: &Arch, tier: Machine, binary: &Path, failures: &mut Vec<String>) {
    let args = xtask::run::RunArgs {
        arch: Some(arch.name.clone()),
        tier: Some(tier),
        timeout: Some(RUN_TIMEOUT.as_secs()),
        binary: binary.to_path_buf(),
        args: vec!["3".into(), "two words".into()],
    };
    println!("-- {} on tier {}: cargo xtask run --arch {} --tier {} {} 3 'two words'", arch.name, tier.name(), arch.name, tier.name(), binary.display());
    match xtask::run::run(&args) {
        Ok(3) => println!("   exit status 3, as the program said"),
        Ok(status) => failures.push(format!("{} {}: exit_status 3 ended the run with {status}", arch.name, tier.name())),
        Err(error) => failures.push(format!("{} {}: {}", arch.name, tier.name(), error.message)),
    }
}
