//! `cargo xtask`: freeclone's runner. `setup` installs what the other commands need,
//! `test` builds the conformance program per architecture and runs it on every tier
//! that can run it, `demo` builds and runs the examples, `run` runs any static binary,
//! `capi` packs the C ABI's archive for C programs, and `mutants` injects the bugs of `xtask/mutants.toml` one at a time and checks that
//! the tests catch each.

mod bench;
mod build;
mod capi;
mod cfi;
mod entry_words;
mod ia64;
mod module_graph;
mod mutants;
mod peer;
mod soak;
mod template;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use clap::Parser;

use build::Program;
use xtask::arches::{Arch, Tier};
use xtask::kernel::Console;
use xtask::setup::Needs;
use xtask::util::{run_status, run_with_timeout};
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
    /// runs on the machines of the other tiers selected, or on all of them alone.
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

/// Where the kernel tier's initramfs holds examples/exit_status, which the conformance
/// program's process cases start (it looks there when [`EXIT_STATUS_VARIABLE`] is unset).
pub(crate) const EXIT_STATUS_IN_INITRAMFS: &str = "bin/exit_status";
/// The environment variable that gives the conformance program examples/exit_status's
/// path on the user and native tiers.
pub(crate) const EXIT_STATUS_VARIABLE: &str = "FREECLONE_EXIT_STATUS";

/// Per run, at most this long: a hang shows as a failed run.
const RUN_TIMEOUT: Duration = Duration::from_secs(300);

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = workspace_root();
    let result = match cli {
        Cli::Setup(selection) => select(&selection)
            .and_then(|arches| setup::run(&arches, &Needs::for_tiers(&arches, &[Tier::User, Tier::Native, Tier::Kernel]))),
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

/// One run of the conformance program, counted.
struct RunResult {
    arch: String,
    tier: String,
    passed: usize,
    failed: usize,
    skipped: usize,
    /// The run did not complete (build error, crash, timeout, no closing line).
    error: Option<String>,
    /// How long the run took (booting a kernel included).
    seconds: f64,
    /// Whether the program was started (false: it could not be, or was never built).
    ran: bool,
    /// The cases (or checks) the run reported, in order: name and `ok`, `FAIL` or `skip`.
    cases: Vec<(String, &'static str)>,
    /// The run's `FAIL ...` lines, and its `skip ...` lines where a skip counts as failed.
    fail_lines: Vec<String>,
    /// Everything the run printed (a kernel's console whole), for the soak report.
    output: String,
    /// The program's `init: ...` lines (as PID 1 it reports how its cases ended).
    init_lines: Vec<String>,
}

fn test(root: &Path, args: &TestArgs) -> Result<(), String> {
    let total_start = Instant::now();
    let arches = select(&args.selection)?;
    let selected: Vec<Tier> = args.tier.clone().unwrap_or_else(|| vec![Tier::User, Tier::Native, Tier::Kernel, Tier::Peer]);
    // With a case filter, only the conformance program's cases run.
    let everything = args.cases.is_none();
    let peer_selected = selected.contains(&Tier::Peer) && everything;
    // The conformance tiers; the peer tier runs on their machines (on all three when it
    // is selected alone).
    let tiers: Vec<Tier> = selected.iter().copied().filter(|tier| *tier != Tier::Peer).collect();
    let peer_machines: Vec<Tier> = if tiers.is_empty() { vec![Tier::User, Tier::Native, Tier::Kernel] } else { tiers.clone() };
    let needed: Vec<Tier> = if peer_selected { peer_machines.clone() } else { tiers.clone() };
    timed("setup", || setup::run(&arches, &Needs::for_tiers(&arches, &needed)))?;
    let mut apt = debian::Apt::default();

    let mut results: Vec<RunResult> = Vec::new();
    let peer_context = if peer_selected {
        match timed("peer setup: glibc's sources and Debian's C toolchains", || peer::prepare(&arches)) {
            Ok(context) => Some(context),
            Err(error) => {
                results.push(RunResult::error("peer", "setup", error));
                None
            }
        }
    } else {
        None
    };
    // With `--tier peer` alone, only the peer tier runs.
    let conformance = !tiers.is_empty();
    let filters: Vec<String> = args.cases.clone().unwrap_or_default();
    let mut soak_changes = Vec::new();
    if conformance && everything {
        timed("the library with its declared rust-version", || {
            println!("rust-version: checking the library with Rust {}", xtask::setup::declared_rust_version().unwrap_or_default());
            if let Err(error) = build::declared_rust_version_library(root) {
                results.push(RunResult::error("host", "rust-version", error));
            }
        });
        timed("stable builds of the library", || {
            for arch in arches.iter().filter(|arch| arch.stable_rust_std) {
                println!("stable: building the library for {}", arch.name);
                if let Err(error) = build::stable_library(root, arch) {
                    results.push(RunResult::error(&arch.name, "stable", error));
                }
            }
        });

        if let Err(error) = template::check_readme(root) {
            results.push(RunResult::error("template", "readme", error));
        }
        for lto in [None, Some("fat"), Some("thin")] {
            results.push(timed("std program with rt", || test_std_with_rt(root, lto)));
        }
        if std::env::consts::ARCH == "x86_64" {
            results.push(timed("the C ABI's recipe", || test_c_abi_recipe(root)));
        }
    }

    for arch in &arches {
        if arch.rust_target.is_none() {
            if conformance {
                results.push(timed(&format!("build checks {}", arch.name), || assembly_only(root, arch)));
            }
            continue;
        }
        if let (Some(context), Some(_)) = (&peer_context, &arch.peer) {
            match timed(&format!("peer build {}", arch.name), || peer::build(root, arch, context)) {
                Ok(built) => {
                    let runs = timed(&format!("peer run {}", arch.name), || peer::run(root, arch, &built, &peer_machines, &mut apt));
                    results.extend(runs);
                }
                Err(error) => results.push(RunResult::error(&arch.name, "peer", error)),
            }
        }
        if !conformance {
            continue;
        }
        let binary = timed(&format!("build {}", arch.name), || {
            println!("build: conformance program for {}", arch.name);
            build::freestanding(root, arch, Program::Conformance)
        });
        let binary = match binary {
            Ok(binary) => binary,
            Err(error) => {
                results.push(RunResult::error(&arch.name, "build", error));
                continue;
            }
        };
        if everything {
            results.push(check_cfi(&arch.name, &binary));
        }
        // The program the process cases start with spawn_exec.
        let exit_status = timed(&format!("build exit_status {}", arch.name), || {
            build::freestanding(root, arch, Program::Example("exit_status"))
        });
        let exit_status = match exit_status {
            Ok(binary) => Some(binary),
            Err(error) => {
                results.push(RunResult::error(&arch.name, "build", error));
                None
            }
        };
        let extra_files: Vec<(&str, &Path)> =
            exit_status.iter().map(|binary| (EXIT_STATUS_IN_INITRAMFS, binary.as_path())).collect();
        for &tier in &tiers {
            if !runs_here(arch, tier, &binary) {
                continue;
            }
            let mut rounds = Vec::new();
            for round in 1..=args.repeat {
                if args.repeat > 1 {
                    println!("soak: {} {}, round {round} of {}", arch.name, tier.name(), args.repeat);
                }
                let result = timed(&format!("run {} {}", arch.name, tier.name()), || match (tier, &arch.kernel) {
                    (Tier::Kernel, Some(spec)) => {
                        match boot_command(&kernel_dir(root, arch), spec, &binary, &extra_files, "conformance", &filters, &mut apt) {
                            Ok(boot) => run_conformance(&arch.name, "kernel", Launch::Kernel(boot), RUN_TIMEOUT),
                            Err(error) => RunResult::error(&arch.name, "kernel", error),
                        }
                    }
                    _ => {
                        let mut command = arch.direct_command(tier, &binary).expect("checked above");
                        command.args(&filters);
                        if let Some(exit_status) = &exit_status {
                            command.env(EXIT_STATUS_VARIABLE, exit_status);
                        }
                        run_conformance(&arch.name, tier.name(), Launch::Direct(&mut command), RUN_TIMEOUT)
                    }
                });
                rounds.push(result);
            }
            soak_changes.extend(soak::changed_verdicts(&rounds));
            results.extend(rounds);
            if let (Tier::Kernel, Some(spec), true) = (tier, &arch.kernel, everything) {
                let dead_init = timed(&format!("run {} kernel, dead inits", arch.name), || {
                    test_dead_init(&kernel_dir(root, arch), arch, spec, &binary, &mut apt)
                });
                results.push(dead_init);
            }
        }
        if everything {
            timed(&format!("template {}", arch.name), || test_template(root, arch, &tiers, &mut results));
        }
    }

    print_table(&results);
    // Build checks (tier "build") are not runtime cases: they count only when they fail.
    let passed: usize = results.iter().filter(|result| result.tier != "build").map(|result| result.passed).sum();
    let failed: usize = results.iter().map(|result| result.failed + usize::from(result.error.is_some())).sum();
    let skipped: usize = results.iter().map(|result| result.skipped).sum();
    for tier in ["user", "native", "kernel", "kernel neg", "peer user", "peer native", "peer kernel"] {
        let runs: Vec<&RunResult> = results.iter().filter(|result| result.tier == tier).collect();
        if !runs.is_empty() {
            let seconds: f64 = runs.iter().map(|result| result.seconds).sum();
            println!("time: tier {tier}: {seconds:.1} s in {} runs", runs.len());
        }
    }
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

/// `rt` is additive: a std program that has it on (tests/std-with-rt) builds with the
/// host's toolchain, links with glibc's `_start`, and runs; with `lto` (`"fat"`,
/// `"thin"`) too, as a user who sets the release profile's `lto` builds it.
fn test_std_with_rt(root: &Path, lto: Option<&str>) -> RunResult {
    let variant = lto.map_or(String::new(), |lto| format!(" lto={lto}"));
    println!("build: tests/std-with-rt (a std program with freeclone's rt feature on){variant}");
    let mut command = Command::new("rustup");
    command
        .current_dir(root.join("tests").join("std-with-rt"))
        .args(["run", "stable", "cargo", "run", "--quiet", "--release"])
        .env("CARGO_TARGET_DIR", root.join("target").join(format!("std-with-rt{}", variant.replace([' ', '='], "-"))))
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("CARGO");
    if let Some(lto) = lto {
        command.env("CARGO_PROFILE_RELEASE_LTO", lto);
    }
    run_std_program("host", &format!("std+rt{variant}"), &mut command)
}

/// The C ABI as the README tells a C programmer to build and link it, its commands read
/// from README.md's section and run as written (stable cargo, the system's cc), with
/// the smoke test as `prog.c`: a dynamically linked program whose smoke checks must all
/// pass, tracing into a file (none of it on its output); then the static pthreads
/// program (capi/tests/threads.c): each of its threads through freeclone's `__clone3`
/// with the README's `-Wl,-u,__clone3`, through glibc's own without it.
fn test_c_abi_recipe(root: &Path) -> RunResult {
    let mut result = RunResult::new("host", "C ABI recipe");
    let started = Instant::now();
    let outcome = (|| -> Result<String, String> {
        let readme = std::fs::read_to_string(root.join("README.md")).map_err(|error| format!("README.md: {error}"))?;
        let blocks = template::readme_blocks(&readme, "## The C ABI", "sh")?;
        let [recipe, threads, ..] = blocks.as_slice() else {
            return Err("README.md's C ABI section no longer shows the recipe and the static pthreads line".into());
        };
        if !xtask::util::command_exists("cc") {
            xtask::setup::install_debian_packages(&["gcc".to_string()])?;
        }
        let run = |line: &str, substitutions: &[(&str, &str)]| -> Result<(), String> {
            println!("build: {line}");
            let mut words: Vec<String> = line.split_whitespace().map(str::to_string).collect();
            for word in words.iter_mut() {
                if let Some((_, to)) = substitutions.iter().find(|(from, _)| word == from) {
                    *word = to.to_string();
                }
            }
            let mut command = if words[0] == "cargo" {
                let mut command = Command::new("rustup");
                command.args(["run", "stable", "cargo"]).args(&words[1..]);
                command.env_remove("RUSTFLAGS").env_remove("CARGO_ENCODED_RUSTFLAGS").env_remove("RUSTUP_TOOLCHAIN").env_remove("CARGO");
                command
            } else {
                let mut command = Command::new(&words[0]);
                command.args(&words[1..]);
                command
            };
            run_status(command.current_dir(root))
        };
        // Runs `program` with its trace going to a file: its output and its trace lines.
        let traced = |program: &Path| -> Result<(String, Option<i32>, Vec<String>), String> {
            let trace = program.with_extension("trace");
            let _ = std::fs::remove_file(&trace);
            let finished = run_with_timeout(Command::new(program).env("FREECLONE_CAPI_TRACE", &trace), RUN_TIMEOUT)?;
            let lines = std::fs::read_to_string(&trace).unwrap_or_default().lines().map(str::to_string).collect();
            Ok((finished.output, finished.code, lines))
        };
        let program = root.join("target").join("capi-recipe");
        let output = program.display().to_string();
        for line in recipe.lines() {
            run(line, &[("prog.c", "capi/tests/smoke.c"), ("prog", &output)])?;
        }
        let (printed, code, trace) = traced(&program)?;
        let closing = printed.lines().last().unwrap_or_default().to_string();
        if code != Some(0) || !closing.ends_with(" 0 failed, 0 skipped") {
            return Err(format!("the recipe's program exited {code:?}:\n{printed}"));
        }
        if trace.is_empty() || printed.contains("freeclone-capi: ") {
            return Err(format!("FREECLONE_CAPI_TRACE=<file>: {} lines in the file, and on the output:\n{printed}", trace.len()));
        }
        // The same program's threads, with the README's option and without it.
        let threads_line = threads.lines().next().unwrap_or_default();
        let mut clone3_lines = Vec::new();
        for (name, line) in [("capi-threads", threads_line.to_string()), ("capi-threads-glibc", threads_line.replace(" -Wl,-u,__clone3", ""))] {
            let program = root.join("target").join(name);
            run(&line, &[("prog.c", "capi/tests/threads.c"), ("prog", &program.display().to_string())])?;
            let (printed, code, trace) = traced(&program)?;
            let joined: Option<usize> = printed.lines().find_map(|line| line.strip_prefix("threads: ")?.strip_suffix(" joined")?.parse().ok());
            if code != Some(0) || joined.is_none() {
                return Err(format!("{name} exited {code:?}:\n{printed}"));
            }
            clone3_lines.push((joined, trace.iter().filter(|line| line.starts_with("freeclone-capi: __clone3 ")).count()));
        }
        match clone3_lines.as_slice() {
            [(Some(threads), with), (_, 0)] if with == threads => Ok(format!("{closing}; {threads} threads through freeclone's __clone3")),
            _ => Err(format!("(threads, freeclone __clone3 trace lines) with -Wl,-u,__clone3 and without: {clone3_lines:?}")),
        }
    })();
    result.seconds = started.elapsed().as_secs_f64();
    match outcome {
        Ok(closing) => {
            result.passed = 1;
            println!("  host C ABI recipe: ok ({closing})");
        }
        Err(error) => {
            result.failed = 1;
            println!("  FAIL the C ABI's recipe: {error}");
        }
    }
    result
}

/// Runs the std program, which must exit 0 having printed its std and its `rt` line.
fn run_std_program(arch: &str, tier: &str, command: &mut Command) -> RunResult {
    let mut result = RunResult::new(arch, tier);
    match run_with_timeout(command, RUN_TIMEOUT) {
        Ok(finished) => {
            result.seconds = finished.elapsed.as_secs_f64();
            let printed = |prefix: &str| finished.output.lines().any(|line| line.starts_with(prefix));
            if finished.code == Some(0) && printed("rt's println in a std program; std threads summed to 12") && printed("std's println") {
                result.passed = 1;
            } else {
                result.failed = 1;
                println!("  FAIL std program with rt: exit code {:?}, output:\n{}", finished.code, finished.output);
            }
        }
        Err(error) => result.error = Some(error),
    }
    println!("  {arch} {tier}: {}", if result.passed == 1 { "ok" } else { "FAILED" });
    result
}

/// The child's CFI, read from the built program (tier "cfi": checks of the binary,
/// counted as cases).
pub(crate) fn check_cfi(arch: &str, binary: &Path) -> RunResult {
    let mut result = RunResult::new(arch, "cfi");
    match cfi::check(binary) {
        Ok(checks) => {
            result.ran = true;
            for check in checks {
                match check.result {
                    Ok(()) => {
                        result.passed += 1;
                        result.cases.push((check.name, "ok"));
                    }
                    Err(why) => {
                        result.failed += 1;
                        let line = format!("FAIL {}: {why}", check.name);
                        println!("  {line}");
                        result.fail_lines.push(line);
                        result.cases.push((check.name, "FAIL"));
                    }
                }
            }
        }
        Err(error) => result.error = Some(error),
    }
    println!("  {arch} cfi: {} passed, {} failed", result.passed, result.failed);
    result
}

/// Whether this machine runs `arch`'s `binary` on `tier`.
fn runs_here(arch: &Arch, tier: Tier, binary: &Path) -> bool {
    match tier {
        Tier::Kernel => arch.kernel.is_some(),
        _ => arch.direct_command(tier, binary).is_some(),
    }
}

/// Builds examples/template as the README says and runs it with an argument that sets
/// its exit status, on each tier: one case per tier. Checks that freeclone-mem's
/// objects refer to nothing; on [`template::LTO_ARCHES`] builds it again with
/// `lto = "fat"` and `"thin"` and runs each on the first tier that runs it directly.
fn test_template(root: &Path, arch: &Arch, tiers: &[Tier], results: &mut Vec<RunResult>) {
    let name = format!("{} template", arch.name);
    println!("build: examples/template for {} as the README says", arch.name);
    let binary = match template::build(root, arch, None) {
        Ok(binary) => binary,
        Err(error) => return results.push(RunResult::error(&name, "build", error)),
    };
    let mut mem = RunResult::new(&name, "build");
    match template::check_mem_has_no_undefined_symbols(&binary) {
        Ok(objects) => println!("  {name}: freeclone-mem's {objects} object(s) refer to no symbol"),
        Err(error) => mem.error = Some(error),
    }
    results.push(mem);
    for &tier in tiers {
        if !runs_here(arch, tier, &binary) {
            continue;
        }
        if tier == Tier::Kernel {
            results.push(timed(&format!("{name} kernel through cargo run"), || template_through_cargo_runner(root, arch)));
        } else {
            results.push(run_template(arch, tier, &binary, &name));
        }
    }
    if !template::LTO_ARCHES.contains(&arch.name.as_str()) {
        return;
    }
    let Some(&tier) = tiers.iter().find(|tier| **tier != Tier::Kernel && arch.direct_command(**tier, &binary).is_some()) else {
        return;
    };
    for lto in ["fat", "thin"] {
        let name = format!("{} template lto={lto}", arch.name);
        println!("build: examples/template for {} with lto = \"{lto}\"", arch.name);
        match template::build(root, arch, Some(lto)) {
            Ok(binary) => results.push(run_template(arch, tier, &binary, &name)),
            Err(error) => results.push(RunResult::error(&name, "build", error)),
        }
    }
}

/// Runs a template build through the runner users have (`cargo xtask run --arch A
/// --tier T <binary> 3`): one case.
fn run_template(arch: &Arch, tier: Tier, binary: &Path, name: &str) -> RunResult {
    let args = xtask::run::RunArgs {
        arch: Some(arch.name.clone()),
        tier: Some(tier),
        timeout: Some(RUN_TIMEOUT.as_secs()),
        binary: binary.to_path_buf(),
        args: vec![template::EXIT_STATUS.to_string().into()],
    };
    println!("run: cargo xtask run --arch {} --tier {} {} {}", arch.name, tier.name(), binary.display(), template::EXIT_STATUS);
    let start = Instant::now();
    let mut result = RunResult::new(name, tier.name());
    match xtask::run::run(&args) {
        Ok(status) if i32::from(status) == template::EXIT_STATUS => result.passed = 1,
        Ok(status) => {
            println!("  FAIL {name} {}: the run ended with {status}, not the child's {}", tier.name(), template::EXIT_STATUS);
            result.failed = 1;
        }
        Err(error) => result.error = Some(error.message),
    }
    result.seconds = start.elapsed().as_secs_f64();
    println!("  {name} {}: {}", tier.name(), if result.passed == 1 { "ok" } else { "FAILED" });
    result
}

/// The template's kernel tier as the README's cargo runner has it: `cargo run --release
/// --target T -- 3` with the README's runner snippet added to the template's config
/// (`cargo --config`, after checking that the two parse as one file) and the workspace's
/// freeclone-run first on PATH.
fn template_through_cargo_runner(root: &Path, arch: &Arch) -> RunResult {
    let mut result = RunResult::new(&format!("{} template", arch.name), "kernel");
    let started = Instant::now();
    let outcome = (|| -> Result<Option<i32>, String> {
        let snippet = template::runner_snippet(root)?;
        let config = root.join("target").join("template").join("runner-snippet.toml");
        std::fs::create_dir_all(config.parent().expect("a file in a directory")).map_err(|error| error.to_string())?;
        std::fs::write(&config, &snippet).map_err(|error| format!("{}: {error}", config.display()))?;
        let mut build = Command::new("rustup");
        build.current_dir(root).args(["run", "stable", "cargo", "build", "--quiet", "--package", "freeclone-run"]);
        run_status(build.env_remove("RUSTUP_TOOLCHAIN").env_remove("CARGO"))?;
        let bin = root.join("target").join("debug");
        let path = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())))
            .map_err(|error| error.to_string())?;
        let mut command = template::cargo(root, arch, "run", None)?;
        command.arg("--config").arg(&config).arg("--").arg(template::EXIT_STATUS.to_string()).env("PATH", path);
        println!("run: cargo run --target {} -- {} (runner: the README's snippet)", arch.rust_target.as_deref().unwrap_or_default(), template::EXIT_STATUS);
        let finished = run_with_timeout(&mut command, RUN_TIMEOUT)?;
        print!("{}", finished.output);
        Ok(finished.code)
    })();
    match outcome {
        Ok(Some(code)) if code == template::EXIT_STATUS => result.passed = 1,
        Ok(code) => {
            println!("  FAIL {} template kernel: cargo run ended with {code:?}, not the child's {}", arch.name, template::EXIT_STATUS);
            result.failed = 1;
        }
        Err(error) => result.error = Some(error),
    }
    result.seconds = started.elapsed().as_secs_f64();
    result
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
fn test_dead_init(dir: &Path, arch: &Arch, spec: &kernel::KernelSpec, binary: &Path, apt: &mut debian::Apt) -> RunResult {
    let started = Instant::now();
    let mut result = RunResult::new(&arch.name, "kernel neg");
    result.ran = true;
    for mode in DEAD_INIT_MODES {
        let name = format!("an_init_that_{mode}s_after_a_good_report_is_a_failure");
        let args = ["--end-by", mode, DEAD_INIT_CASE].map(String::from);
        println!("run: {} kernel: init ends by {mode} after its report; the runner must call it a failure", arch.name);
        let verdict = match boot_command(dir, spec, binary, &[], &format!("dead-init-{mode}"), &args, apt) {
            Ok(boot) => {
                let run = run_conformance(&arch.name, &format!("kernel --end-by {mode}"), Launch::DeadInit(boot), RUN_TIMEOUT);
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
        match verdict {
            Ok(()) => {
                result.passed += 1;
                result.cases.push((name.clone(), "ok"));
                println!("  ok {name}");
            }
            Err(why) => {
                let line = format!("FAIL {name}: {why}");
                println!("  {line}");
                result.failed += 1;
                result.cases.push((name, "FAIL"));
                result.fail_lines.push(line);
            }
        }
    }
    result.seconds = started.elapsed().as_secs_f64();
    result
}

/// An architecture without a Rust target (ia64): its assembly is built and checked
/// structurally; nothing runs. Passed checks are reported apart from runtime cases.
fn assembly_only(root: &Path, arch: &Arch) -> RunResult {
    if arch.name != "ia64" {
        return RunResult::error(&arch.name, "build", "no Rust target and no checker for it".into());
    }
    let build_dir = root.join("target").join("ia64");
    let checks = ia64::build_and_check(root, &build_dir);
    let mut result = RunResult::new(&arch.name, "build");
    for check in &checks {
        match &check.result {
            Ok(()) => {
                result.passed += 1;
                println!("  ok {}", check.name);
            }
            Err(why) => {
                result.failed += 1;
                println!("  FAIL {}: {why}", check.name);
            }
        }
    }
    println!("  ia64: built and checked, not executed (no ia64 emulator): {} build checks passed, {} failed", result.passed, result.failed);
    result
}

/// Where the kernel tier keeps `arch`'s initramfs images, for a look afterwards.
fn kernel_dir(root: &Path, arch: &Arch) -> PathBuf {
    root.join("target").join("kernel").join(&arch.name)
}

/// The qemu-system boot of a kernel as `spec` says with `program` as /init (and
/// `extra_files` in the initramfs) and `init_args` as its arguments, the initramfs
/// `name`.cpio written to `dir`.
pub(crate) fn boot_command(
    dir: &Path,
    spec: &kernel::KernelSpec,
    program: &Path,
    extra_files: &[(&str, &Path)],
    name: &str,
    init_args: &[String],
    apt: &mut debian::Apt,
) -> Result<kernel::Boot, String> {
    std::fs::create_dir_all(dir).map_err(|error| format!("{}: {error}", dir.display()))?;
    kernel::prepare_boot(spec, program, extra_files, init_args, &dir.join(format!("{name}.cpio")), apt)
}

impl RunResult {
    fn new(arch: &str, tier: &str) -> Self {
        RunResult {
            arch: arch.into(),
            tier: tier.into(),
            passed: 0,
            failed: 0,
            skipped: 0,
            error: None,
            seconds: 0.0,
            ran: false,
            cases: Vec::new(),
            fail_lines: Vec::new(),
            init_lines: Vec::new(),
            output: String::new(),
        }
    }

    fn error(arch: &str, tier: &str, error: String) -> Self {
        RunResult { error: Some(error), ..RunResult::new(arch, tier) }
    }
}

/// The case a result line names and its outcome: `ok NAME`, `FAIL NAME: why`,
/// `skip NAME: why`.
fn case_name(line: &str) -> Option<(&str, &'static str)> {
    let (rest, outcome) = [("ok ", "ok"), ("FAIL ", "FAIL"), ("skip ", "skip")]
        .iter()
        .find_map(|(prefix, outcome)| line.strip_prefix(prefix).map(|rest| (rest, *outcome)))?;
    let name = rest.split(':').next().map(str::trim).filter(|name| !name.is_empty() && !name.contains(' '))?;
    Some((name, outcome))
}

/// How the conformance program is started: a command whose exit code is the
/// program's (qemu-user, native), or a kernel's boot, which must end in a power-off.
pub(crate) enum Launch<'a> {
    Direct(&'a mut Command),
    Kernel(kernel::Boot),
    /// A boot whose init is meant to die: its failure is reported without the dump.
    DeadInit(kernel::Boot),
}

/// Runs the conformance program as `launch` says (killed after `timeout`) and counts
/// its result lines.
pub(crate) fn run_conformance(arch: &str, tier: &str, launch: Launch, timeout: Duration) -> RunResult {
    println!("run: {arch} on tier {tier}");
    let expect_failure = matches!(launch, Launch::DeadInit(_));
    let run = match launch {
        Launch::Direct(command) => run_with_timeout(command, timeout).map(|finished| (finished, None)),
        Launch::Kernel(boot) | Launch::DeadInit(boot) => boot.run(timeout).map(|(finished, ending)| (finished, Some(ending))),
    };
    let (finished, ending) = match run {
        Ok(run) => run,
        Err(error) => return RunResult::error(arch, tier, error),
    };
    let mut result = RunResult { seconds: finished.elapsed.as_secs_f64(), ran: true, ..RunResult::new(arch, tier) };
    result.output = finished.output.clone();
    let mut closing = None;
    let mut skip_lines = Vec::new();
    for line in finished.output.lines().map(kernel::strip_terminal_controls) {
        let line = line.as_str();
        if let Some((name, outcome)) = case_name(line) {
            result.cases.push((name.to_string(), outcome));
        }
        if line.starts_with("init: ") {
            result.init_lines.push(line.to_string());
        }
        if line.starts_with("ok ") {
            result.passed += 1;
        } else if line.starts_with("FAIL ") {
            result.failed += 1;
            result.fail_lines.push(line.to_string());
            println!("  {line}");
        } else if line.starts_with("skip ") {
            result.skipped += 1;
            skip_lines.push(line.to_string());
            println!("  {line}");
        } else if let Some(counts) = parse_closing_line(line) {
            closing = Some(counts);
        }
    }
    // The program's own exit code is qemu-system's only for the user and native tiers;
    // under a kernel, init powers the machine off and qemu exits 0.
    let expected_code = if ending.is_some() || result.failed == 0 { 0 } else { 1 };
    if finished.timed_out {
        result.error = Some(format!("timed out after {} s", timeout.as_secs()));
    } else if closing != Some((result.passed, result.failed, result.skipped)) || finished.code != Some(expected_code) {
        result.error = Some(format!(
            "the program did not finish its run (exit code {:?}, closing line {:?})",
            finished.code, closing
        ));
    } else if let Some(ending) = ending.filter(|ending| !ending.powered_off()) {
        // Whatever it printed, an init that did not power off died or hung.
        result.error = Some(format!("init did not power the machine off: {}", ending.describe()));
    }
    // A skip is a proven qemu-user limitation; anywhere else it hides a failure.
    if tier != "user" && result.skipped > 0 {
        println!("  {arch} {tier}: {} skipped outside qemu-user, counted as failed", result.skipped);
        result.failed += result.skipped;
        result.skipped = 0;
        result.fail_lines.extend(skip_lines);
    }
    if let Some(error) = result.error.as_ref().filter(|_| !expect_failure) {
        println!("  ERROR {arch} {tier}: {error}; its last output:");
        let lines: Vec<&str> = finished.output.lines().collect();
        for line in &lines[lines.len().saturating_sub(20)..] {
            println!("  | {line}");
        }
    }
    println!(
        "  {arch} {tier}: {} passed, {} failed, {} skipped ({:.1} s)",
        result.passed, result.failed, result.skipped, finished.elapsed.as_secs_f64()
    );
    result
}

/// `N passed, N failed, N skipped`.
fn parse_closing_line(line: &str) -> Option<(usize, usize, usize)> {
    let mut numbers = line.split(", ").zip(["passed", "failed", "skipped"]).map(|(part, word)| {
        part.strip_suffix(word).and_then(|number| number.trim().parse::<usize>().ok())
    });
    let counts = (numbers.next()??, numbers.next()??, numbers.next()??);
    (line.matches(", ").count() == 2).then_some(counts)
}

fn print_table(results: &[RunResult]) {
    println!();
    println!("{:<18} {:<11} {:>7} {:>7} {:>8}  note", "arch", "tier", "passed", "failed", "skipped");
    for result in results {
        let note = match (&result.error, result.tier.as_str()) {
            (Some(error), _) => format!("ERROR: {}", error.lines().next().unwrap_or_default()),
            (None, "build") => "build checks, not runtime cases: nothing executed (no emulator)".to_string(),
            (None, _) => String::new(),
        };
        println!(
            "{:<18} {:<11} {:>7} {:>7} {:>8}  {note}",
            result.arch, result.tier, result.passed, result.failed, result.skipped
        );
    }
    println!();
}

fn demo(root: &Path, selection: &Selection) -> Result<(), String> {
    let arches = select(selection)?;
    setup::run(&arches, &Needs::for_tiers(&arches, &[Tier::User, Tier::Native, Tier::Kernel]))?;
    let mut failures = Vec::new();
    let mut apt = debian::Apt::default();
    for arch in arches.iter().filter(|arch| arch.rust_target.is_some()) {
        println!("== {}: examples/spawn.rs (a child on its own stack; the parent waits)", arch.name);
        match build::freestanding(root, arch, Program::Example("spawn")) {
            Ok(binary) => {
                for tier in [Tier::User, Tier::Native] {
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
                if let Some(mut command) = arch.direct_command(Tier::Native, &binary) {
                    show_demo_run(&arch.name, Tier::Native, &mut command, &mut failures);
                }
                if let Some(spec) = &arch.kernel {
                    match boot_command(&kernel_dir(root, arch), spec, &binary, &[], "uts_namespace", &[], &mut apt) {
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
                for tier in arch.tiers() {
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
fn show_demo_run(arch: &str, tier: Tier, command: &mut Command, failures: &mut Vec<String>) {
    println!("-- {arch} on tier {}: {}", tier.name(), format_command(command));
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
    println!("-- {arch} on tier kernel: {}", format_command(&boot.command));
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
fn show_exit_status_run(arch: &Arch, tier: Tier, binary: &Path, failures: &mut Vec<String>) {
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

fn format_command(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

#[cfg(test)]
mod tests {
    use super::{case_name, parse_closing_line};

    #[test]
    fn closing_line_is_parsed_only_in_its_exact_form() {
        assert_eq!(parse_closing_line("14 passed, 0 failed, 2 skipped"), Some((14, 0, 2)));
        assert_eq!(parse_closing_line("14 passed, 0 failed"), None);
        assert_eq!(parse_closing_line("ok 14 passed, 0 failed, 2 skipped"), None);
        assert_eq!(parse_closing_line("x passed, 0 failed, 2 skipped"), None);
    }

    #[test]
    fn result_lines_name_their_case() {
        assert_eq!(case_name("ok child_runs_fn"), Some(("child_runs_fn", "ok")));
        assert_eq!(case_name("FAIL child_runs_fn: arg not intact; "), Some(("child_runs_fn", "FAIL")));
        assert_eq!(case_name("skip vfork_suspends: clone answered EINVAL"), Some(("vfork_suspends", "skip")));
        assert_eq!(case_name("init: the conformance cases ended"), None);
        assert_eq!(case_name("ok "), None);
    }
}
