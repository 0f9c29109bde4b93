//! `cargo xtask bench [--quick] [--arch a,b]`: freeclone's figures, one table each,
//! printed and written to target/bench/report.md, ending with the summary line
//! `spawn ratio freeclone/glibc = X.XX, freeclone/floor = Y.YY`.
//!
//! 1. Thread spawn+join and 2. process spawn+wait, timed natively on the host (x86_64
//!    and i386) by bench/spawn (std, linked with glibc and with musl), and by
//!    bench/freestanding on every architecture: natively where the host runs it, as
//!    ratios only under qemu-user. Every comparison runs in one process, interleaved
//!    round by round; ratios are taken pair by pair.
//!    The same program times thread spawn+join through clone3 (`freeclone::clone3`
//!    against the raw clone3 floor and freeclone's `clone`) wherever the kernel has
//!    clone3 (qemu-user answers ENOSYS: its row says so).
//! 2b. Starting a program: `process::spawn_exec` + wait against `std::process::Command`
//!    (glibc's posix_spawn) and fork+execve+waitpid, the parent holding 16 MiB, 256 MiB
//!    and 1 GiB of touched memory (bench/spawn's `exec` mode, x86_64 glibc, native),
//!    starting bench/minimal.
//! 3. Code size: freeclone's clone and clone3 entries and out-of-line raw system calls from
//!    bench/freestanding's symbol table, next to `__clone` in Debian's musl (and glibc's
//!    `__clone` and `__clone3`) libc.a for the same architecture.
//! 4. Binary size: bench/minimal per architecture and bench/minimal/minimal.c with glibc
//!    and musl, all stripped here the same way (every section the loader does not map).
//! 5. Child stack: what bench/freestanding measures (pattern, entry probe, guard page).
//!
//! Benchmarks are not tests: nothing here fails on a figure. It fails when something
//! cannot be built or run.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use object::{Object, ObjectSection, ObjectSymbol};

use crate::arches::{self, Arch, Machine};
use crate::build::{self, Program};
use crate::debian::{Apt, cache_root};
use crate::setup;
use crate::util::{command_exists, output_of, run_status, run_with_timeout};
use crate::timed;

#[derive(clap::Args)]
pub struct BenchArgs {
    /// Few rounds (a smoke run, as CI does): the figures are rough.
    #[arg(long)]
    quick: bool,
    /// Architectures, comma-separated (default: every one with a Rust target).
    #[arg(long, value_delimiter = ',')]
    arch: Option<Vec<String>>,
}

/// Rounds (one spawn of every variant each) per program: (threads, processes), and per
/// parent size of the exec benchmark (fork+exec of a 1 GiB parent takes tenths of a
/// second here, 20 warm-up rounds included).
struct Rounds {
    native: (usize, usize),
    emulated: (usize, usize),
    exec: usize,
}

const QUICK: Rounds = Rounds { native: (2_000, 300), emulated: (200, 40), exec: 10 };
const FULL: Rounds = Rounds { native: (20_000, 3_000), emulated: (5_000, 500), exec: 200 };

const RUN_TIMEOUT: Duration = Duration::from_secs(900);
/// bench/freestanding's limit (`timeout`), far above a full run's 15 s.
const PROGRAM_TIMEOUT: Duration = Duration::from_secs(300);
const TIMED_OUT: &str = "timed out";

/// The targets the issue sets, as numbers.
const TARGET_FLOOR_RATIO: f64 = 1.02;
/// freeclone::thread with an owned stack mapped and unmapped every round, against std.
const TARGET_OWNED_THREAD_RATIO: f64 = 0.60;
/// freeclone::thread on a reused stack, against the floor.
const TARGET_REUSED_THREAD_RATIO: f64 = 1.05;
const TARGET_LIBC_RATIO: f64 = 1.00;
/// spawn_exec + wait against std::process::Command (glibc's posix_spawn), 1 GiB parent.
const TARGET_EXEC_COMMAND_RATIO: f64 = 1.00;
/// spawn_exec + wait against fork + execve + waitpid, 1 GiB parent.
const TARGET_EXEC_FORK_RATIO: f64 = 0.50;
/// The parent sizes bench/spawn's exec benchmark holds, as its groups name them.
const EXEC_PARENT_SIZES: [&str; 3] = ["16MiB", "256MiB", "1GiB"];
const TARGET_STACK_BEYOND_ABI: u64 = 16;
const TARGET_MINIMAL_X86_64: u64 = 4096;

/// One native build of bench/spawn (std), on an x86_64 host.
struct StdBuild {
    arch: &'static str,
    target: &'static str,
    libc: &'static str,
    /// Linked with Debian's musl through musl-gcc, not with the musl that Rust's target
    /// ships: musl 1.2.4 and later refuse CLONE_THREAD and CLONE_CHILD_CLEARTID in
    /// clone() (EINVAL, by design), Debian's 1.2.3 passes them to `__clone`.
    debian_musl: bool,
}

const STD_BUILDS: [StdBuild; 3] = [
    StdBuild { arch: "x86_64", target: "x86_64-unknown-linux-gnu", libc: "glibc", debian_musl: false },
    StdBuild { arch: "x86_64", target: "x86_64-unknown-linux-musl", libc: "musl", debian_musl: true },
    StdBuild { arch: "i386", target: "i686-unknown-linux-gnu", libc: "glibc", debian_musl: false },
];

/// Debian's musl build whose `__clone` stands next to an architecture's entry, and a
/// note when it is another byte order or ARM flavour of the same source.
fn musl_debian_arch(arch: &str) -> Option<(&'static str, &'static str)> {
    Some(match arch {
        "x86_64" => ("amd64", ""),
        "i386" => ("i386", ""),
        "aarch64" => ("arm64", ""),
        // Instruction set against instruction set: armel's musl is in ARM state, armhf's
        // in Thumb-2.
        "arm" | "armv5te" => ("armel", "armel, ARM state"),
        "thumb" => ("armhf", "armhf, Thumb-2"),
        "mipsel" => ("mipsel", ""),
        "mips" => ("mipsel", "mipsel: same source"),
        "mips64el" => ("mips64el", ""),
        "mips64" => ("mips64el", "mips64el: same source"),
        "s390x" => ("s390x", ""),
        "riscv64" => ("riscv64", ""),
        "loongarch64" => ("loong64", ""),
        // musl's powerpc64 is ELFv2 in either byte order; Debian builds it for ppc64el.
        "powerpc64le" => ("ppc64el", ""),
        "powerpc64" => ("ppc64el", "ppc64el: same source, ELFv2"),
        _ => return None,
    })
}

/// The Debian suite with a musl-dev for `debian_arch` where bookworm has none (the
/// suites the kernel tier takes these architectures' kernels from).
fn musl_suite(debian_arch: &str) -> Option<&'static str> {
    match debian_arch {
        "riscv64" => Some("trixie"),
        "loong64" => Some("sid"),
        _ => None,
    }
}

/// glibc's static library on this host, for the architectures it serves.
fn glibc_archive(arch: &str) -> Option<&'static str> {
    match arch {
        "x86_64" => Some("/usr/lib/x86_64-linux-gnu/libc.a"),
        "i386" => Some("/usr/lib32/libc.a"),
        _ => None,
    }
}

pub fn run(root: &Path, args: &BenchArgs) -> Result<(), String> {
    let total = Instant::now();
    let rounds = if args.quick { QUICK } else { FULL };
    let arches: Vec<Arch> = arches::select(&arches::all()?, args.arch.as_deref())?
        .into_iter()
        .filter(|arch| arch.rust_target.is_some())
        .collect();
    let host_x86_64 = std::env::consts::ARCH == "x86_64";
    let std_builds: Vec<&StdBuild> = STD_BUILDS
        .iter()
        .filter(|build| host_x86_64 && arches.iter().any(|arch| arch.name == build.arch))
        .collect();
    let c_programs = host_x86_64 && arches.iter().any(|arch| arch.name == "x86_64");
    let out_dir = root.join("target").join("bench");
    std::fs::create_dir_all(&out_dir).map_err(|error| format!("{}: {error}", out_dir.display()))?;

    timed("bench setup", || setup_tools(&arches, &std_builds, c_programs))?;
    let musl = timed("bench setup: Debian's musl per architecture", || musl_archives(&arches))?;

    let mut failures: Vec<String> = Vec::new();
    let std_binaries: Vec<(&StdBuild, Result<PathBuf, String>)> = timed("bench build: bench/spawn (std)", || {
        std_builds.iter().map(|build| (*build, build_std(root, build))).collect()
    });
    let programs: Vec<(Result<PathBuf, String>, Result<PathBuf, String>)> =
        timed("bench build: bench/freestanding and bench/minimal", || {
            arches
                .iter()
                .map(|arch| {
                    println!("build: bench programs for {}", arch.name);
                    (
                        build::freestanding(root, arch, Program::Bench("bench-freestanding")),
                        build::freestanding(root, arch, Program::Bench("bench-minimal")),
                    )
                })
                .collect()
        });
    let c_binaries = if c_programs {
        timed("bench build: bench/minimal/minimal.c", || build_c(root, &out_dir))
    } else {
        Vec::new()
    };

    // Native std programs, one after the other (never two benchmarks at once).
    let mut native_runs: Vec<NativeRun> = Vec::new();
    for (build, binary) in &std_binaries {
        let label = format!("{} {}", build.arch, build.libc);
        let measured = binary.clone().and_then(|binary| {
            timed(&format!("bench run: bench/spawn {label}"), || {
                let mut command = Command::new(&binary);
                command.args([rounds.native.0.to_string(), rounds.native.1.to_string()]);
                run_program(&label, &mut command)
            })
        });
        if let Err(error) = &measured {
            failures.push(format!("bench/spawn {label}: {error}"));
        }
        native_runs.push(NativeRun { arch: build.arch, libc: build.libc, measured });
    }

    // spawn_exec against posix_spawn and fork+exec: bench/spawn (glibc, x86_64) starts
    // bench/minimal, a tiny static program.
    let exec_run: Option<Result<Measured, String>> = std_binaries
        .iter()
        .find(|(build, _)| build.arch == "x86_64" && build.libc == "glibc")
        .map(|(_, binary)| {
            let minimal = arches
                .iter()
                .zip(&programs)
                .find(|(arch, _)| arch.name == "x86_64")
                .map(|(_, (_, minimal))| minimal.clone())
                .unwrap_or_else(|| Err("bench/minimal was not built for x86_64".into()));
            let measured = binary.clone().and_then(|binary| {
                let minimal = minimal?;
                timed("bench run: bench/spawn exec (x86_64 glibc)", || {
                    let mut command = Command::new(&binary);
                    command.arg("exec").arg(rounds.exec.to_string()).arg(&minimal);
                    run_program("x86_64 glibc exec", &mut command)
                })
            });
            if let Err(error) = &measured {
                failures.push(format!("bench/spawn exec: {error}"));
            }
            measured
        });

    let mut arch_runs: Vec<ArchRun> = Vec::new();
    for (arch, (freestanding, minimal)) in arches.iter().zip(programs) {
        let native = arch.runs_natively();
        let (threads, processes) = if native { rounds.native } else { rounds.emulated };
        let tier = if native { Machine::Native } else { Machine::User };
        let measured = freestanding.clone().and_then(|binary| {
            timed(&format!("bench run: bench/freestanding {} ({})", arch.name, tier.name()), || {
                let runner = arch.direct_command(tier, &binary).ok_or("no runner for this architecture")?;
                // Under `timeout`, which ends the program's whole process group: a
                // qemu-user fork hung once in a forked child. One retry after a hang.
                let attempt = || {
                    let mut command = Command::new("timeout");
                    command.args(["--kill-after=10", &PROGRAM_TIMEOUT.as_secs().to_string()]);
                    command.arg(runner.get_program()).args(runner.get_args());
                    command.args([threads.to_string(), processes.to_string()]);
                    run_program(&arch.name, &mut command)
                };
                attempt().or_else(|error| {
                    if !error.starts_with(TIMED_OUT) {
                        return Err(error);
                    }
                    println!("run: {} timed out; once more", arch.name);
                    attempt().map(|mut measured| {
                        measured.retried = true;
                        measured
                    })
                })
            })
        });
        if let Err(error) = &measured {
            failures.push(format!("bench/freestanding {}: {error}", arch.name));
        }
        let sizes = freestanding.and_then(|binary| code_sizes(&binary));
        let minimal = minimal.and_then(|binary| {
            let stripped = out_dir.join("minimal").join(&arch.name).join("bench-minimal");
            let size = strip_all(&binary, &stripped)?;
            let command = arch.direct_command(tier, &stripped).ok_or("no runner for this architecture")?;
            Ok(MinimalRun { size, runs: runs_ok(command) })
        });
        if let Err(error) = &minimal {
            failures.push(format!("bench/minimal {}: {error}", arch.name));
        }
        arch_runs.push(ArchRun { arch: arch.name.clone(), tier, measured, sizes, minimal });
    }
    let c_runs: Vec<(String, Result<MinimalRun, String>)> = c_binaries
        .into_iter()
        .map(|(name, binary)| {
            let run = binary.and_then(|binary| {
                let stripped = out_dir.join("minimal").join("c").join(binary.file_name().unwrap_or_default());
                let size = strip_all(&binary, &stripped)?;
                Ok(MinimalRun { size, runs: runs_ok(Command::new(&stripped)) })
            });
            if let Err(error) = &run {
                failures.push(format!("minimal.c {name}: {error}"));
            }
            (name, run)
        })
        .collect();

    let report = Report {
        quick: args.quick,
        rounds: &rounds,
        native_runs: &native_runs,
        exec_run: exec_run.as_ref(),
        arch_runs: &arch_runs,
        c_runs: &c_runs,
        musl: &musl,
    };
    let text = report.markdown();
    let path = out_dir.join("report.md");
    std::fs::write(&path, &text).map_err(|error| format!("{}: {error}", path.display()))?;
    println!();
    print!("{text}");
    println!();
    println!("report written to {}", path.display());
    println!("time: bench total: {:.1} s", total.elapsed().as_secs_f64());
    println!("{}", report.summary_line());
    if failures.is_empty() { Ok(()) } else { Err(failures.join("\n")) }
}

// ---- Setup ----

/// What the bench needs beyond `cargo xtask setup`'s qemu-user and nightly: the stable
/// targets of the std program, a C compiler and linker (gcc), 32-bit glibc and libgcc
/// (gcc-multilib), musl-gcc (musl-tools).
fn setup_tools(arches: &[Arch], std_builds: &[&StdBuild], c_programs: bool) -> Result<(), String> {
    let needs_emulator = arches.iter().any(|arch| !arch.runs_natively());
    setup::run(arches, &setup::Needs { qemu_user: needs_emulator, ..Default::default() })?;
    for build in std_builds {
        setup::ensure_stable_target(build.target, "bench/spawn is built for it")?;
    }
    let needs_i386 = std_builds.iter().any(|build| build.arch == "i386");
    let mut missing: Vec<(&str, &str)> = Vec::new();
    if (!std_builds.is_empty() || c_programs) && !command_exists("cc") {
        missing.push(("gcc", "cc"));
    }
    if (c_programs || std_builds.iter().any(|build| build.debian_musl)) && !command_exists("musl-gcc") {
        missing.push(("musl-tools", "musl-gcc"));
    }
    if needs_i386 && !multilib_present() {
        missing.push(("gcc-multilib", "gcc -m32 (32-bit crt1.o and libgcc)"));
    }
    if missing.is_empty() {
        return Ok(());
    }
    let packages: Vec<String> = missing.iter().map(|(package, _)| package.to_string()).collect();
    setup::install_debian_packages(&packages)?;
    for (package, what) in &missing {
        let present = match *package {
            "gcc-multilib" => multilib_present(),
            _ => command_exists(what),
        };
        if !present {
            return Err(format!(
                "package {package} was installed but `{what}` is still missing; run by hand (as root): apt-get install {package}"
            ));
        }
    }
    Ok(())
}

/// Whether `gcc -m32` can link: 32-bit glibc start files and libgcc.
fn multilib_present() -> bool {
    let found = |argument: &str| {
        output_of(Command::new("gcc").args(["-m32", argument]))
            .is_ok_and(|path| Path::new(path.trim()).is_absolute() && Path::new(path.trim()).exists())
    };
    found("-print-file-name=crt1.o") && found("-print-libgcc-file-name")
}

/// Debian's musl-dev per selected architecture, downloaded and unpacked once into
/// freeclone's cache (`musl/<debian arch>`): its libc.a, or why there is none.
fn musl_archives(arches: &[Arch]) -> Result<BTreeMap<String, MuslArchive>, String> {
    let mut archives = BTreeMap::new();
    let mut apt = Apt::default();
    for arch in arches {
        let Some((debian_arch, note)) = musl_debian_arch(&arch.name) else { continue };
        let dir = cache_root().join("musl").join(debian_arch);
        let library = match find_file(&dir, "libc.a") {
            Some(library) => library,
            None => {
                let mut suite_apt;
                let apt = match musl_suite(debian_arch) {
                    Some(suite) => {
                        suite_apt = Apt::for_suite(suite, debian_arch);
                        &mut suite_apt
                    }
                    None => &mut apt,
                };
                let package = apt.qualified("musl-dev", debian_arch)?;
                println!("setup: downloading {package} (musl's __clone for the code-size table)");
                let version = apt.download_and_unpack(&package, &dir)?;
                std::fs::write(dir.join("version"), version).map_err(|error| format!("{}: {error}", dir.display()))?;
                find_file(&dir, "libc.a").ok_or_else(|| format!("{package} has no libc.a"))?
            }
        };
        let version = std::fs::read_to_string(dir.join("version")).unwrap_or_default().trim().to_string();
        archives.insert(arch.name.clone(), MuslArchive { library, note, version });
    }
    Ok(archives)
}

struct MuslArchive {
    library: PathBuf,
    note: &'static str,
    version: String,
}

fn find_file(dir: &Path, name: &str) -> Option<PathBuf> {
    let entries = std::fs::read_dir(dir).ok()?;
    let mut subdirs = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            subdirs.push(path);
        } else if path.file_name().is_some_and(|file| file == name) {
            return Some(path);
        }
    }
    subdirs.sort();
    subdirs.iter().find_map(|subdir| find_file(subdir, name))
}

// ---- Builds ----

/// bench/spawn for `build.target` with the stable toolchain (release).
fn build_std(root: &Path, build: &StdBuild) -> Result<PathBuf, String> {
    println!("build: bench/spawn for {} ({})", build.target, build.libc);
    let target_dir = root.join("target").join("bench").join("std");
    let mut command = build::rustup_cargo("stable");
    command
        .current_dir(root)
        .args(["build", "--quiet", "--release", "--package", "bench-spawn"])
        .args(["--target", build.target])
        .arg("--target-dir")
        .arg(&target_dir);
    if build.debian_musl {
        // Debian's musl (crt files and libc.a) through musl-gcc, statically; std's
        // libunwind.a still comes from Rust's target, alone in a directory of its own so
        // that its libc.a cannot be picked up.
        let sysroot = output_of(Command::new("rustup").args(["run", "stable", "rustc", "--print", "sysroot"]))?;
        let unwind = Path::new(sysroot.trim())
            .join("lib/rustlib")
            .join(build.target)
            .join("lib/self-contained/libunwind.a");
        let link_dir = target_dir.join("musl-link");
        std::fs::create_dir_all(&link_dir).map_err(|error| format!("{}: {error}", link_dir.display()))?;
        std::fs::copy(&unwind, link_dir.join("libunwind.a")).map_err(|error| format!("{}: {error}", unwind.display()))?;
        let flags = ["-Clink-self-contained=no", "-Clinker=musl-gcc", "-Crelocation-model=static"];
        let mut flags: Vec<String> = flags.iter().map(|flag| flag.to_string()).collect();
        flags.push(format!("-L{}", link_dir.display()));
        command.env("CARGO_ENCODED_RUSTFLAGS", flags.join("\x1f"));
    }
    run_status(&mut command).map_err(|error| format!("build of bench/spawn for {} failed: {error}", build.target))?;
    Ok(target_dir.join(build.target).join("release").join("bench-spawn"))
}

/// minimal.c, static, with glibc (gcc) and with musl (musl-gcc); stripped later.
fn build_c(root: &Path, out_dir: &Path) -> Vec<(String, Result<PathBuf, String>)> {
    let source = root.join("bench").join("minimal").join("minimal.c");
    let dir = out_dir.join("c");
    let _ = std::fs::create_dir_all(&dir);
    [("C, glibc static", "gcc", "minimal-glibc"), ("C, musl static", "musl-gcc", "minimal-musl")]
        .into_iter()
        .map(|(name, compiler, output)| {
            println!("build: minimal.c with {compiler} -static -O2");
            let binary = dir.join(output);
            let result = run_status(Command::new(compiler).args(["-static", "-O2", "-o"]).arg(&binary).arg(&source))
                .map(|()| binary);
            (name.to_string(), result)
        })
        .collect()
}

// ---- Runs ----

struct NativeRun {
    arch: &'static str,
    libc: &'static str,
    measured: Result<Measured, String>,
}

struct ArchRun {
    arch: String,
    tier: Machine,
    measured: Result<Measured, String>,
    sizes: Result<CodeSizes, String>,
    minimal: Result<MinimalRun, String>,
}

struct MinimalRun {
    size: u64,
    runs: Result<(), String>,
}

/// Runs a benchmark program and parses what it printed.
fn run_program(label: &str, command: &mut Command) -> Result<Measured, String> {
    println!("run: {label}: {}", crate::util::describe(command));
    let finished = run_with_timeout(command, RUN_TIMEOUT)?;
    if finished.timed_out {
        return Err(format!("timed out after {} s", RUN_TIMEOUT.as_secs()));
    }
    let measured = Measured::parse(&finished.output);
    // `timeout`'s own exit codes when it ended the program.
    if matches!(finished.code, Some(124 | 137)) {
        return Err(format!("{TIMED_OUT} after {} s (exit code {:?})", PROGRAM_TIMEOUT.as_secs(), finished.code));
    }
    if finished.code != Some(0) || measured.times.is_empty() {
        let tail: Vec<&str> = finished.output.lines().rev().take(10).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(format!("exit code {:?}; its last output:\n{}", finished.code, tail.join("\n")));
    }
    Ok(measured)
}

/// Runs a minimal program: it must exit 0.
fn runs_ok(mut command: Command) -> Result<(), String> {
    let finished = run_with_timeout(&mut command, Duration::from_secs(60))?;
    if finished.code == Some(0) { Ok(()) } else { Err(format!("exit code {:?}", finished.code)) }
}

#[derive(Clone, Copy, Default)]
struct Stat {
    n: usize,
    median: f64,
    p10: f64,
    p90: f64,
    lo95: f64,
    hi95: f64,
}

#[derive(Default)]
struct Joins {
    already_clear: u64,
    slept: u64,
    eagain: u64,
    other: u64,
}

struct StackFigures {
    /// Smallest-stack tries that hung under qemu-user and were killed and tried again.
    hangs: u64,
    abi: u64,
    sp_offset: u64,
    written: u64,
    smallest: Option<u64>,
    alignment: u64,
}

/// What a benchmark program printed.
#[derive(Default)]
struct Measured {
    /// (group, variant, ns per spawn+join)
    times: Vec<(String, String, Stat)>,
    /// (group, "a/b", ratio of a to b taken pair by pair)
    ratios: Vec<(String, String, Stat)>,
    /// (group, variant, counts)
    joins: Vec<(String, String, Joins)>,
    stack: Option<StackFigures>,
    /// (group, variant, why): a C library that refused the benchmark's flags.
    refused: Vec<(String, String, String)>,
    /// (group, variant, minor page faults the parent took per spawn)
    faults: Vec<(String, String, f64)>,
    /// The first run hung and was ended: these figures come from a second one.
    retried: bool,
}

impl Measured {
    fn parse(output: &str) -> Self {
        let mut measured = Measured::default();
        for line in output.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            let fields: BTreeMap<&str, &str> = words.iter().filter_map(|word| word.split_once('=')).collect();
            let number = |key: &str| fields.get(key).and_then(|value| value.parse::<f64>().ok()).unwrap_or(f64::NAN);
            let stat = || Stat {
                n: number("n") as usize,
                median: number("median"),
                p10: number("p10"),
                p90: number("p90"),
                lo95: number("lo95"),
                hi95: number("hi95"),
            };
            match words.as_slice() {
                ["time", group, name, ..] => measured.times.push((group.to_string(), name.to_string(), stat())),
                ["ratio", group, name, ..] => measured.ratios.push((group.to_string(), name.to_string(), stat())),
                ["join", group, name, ..] => measured.joins.push((
                    group.to_string(),
                    name.to_string(),
                    Joins {
                        already_clear: number("already_clear") as u64,
                        slept: number("slept") as u64,
                        eagain: number("eagain") as u64,
                        other: number("other") as u64,
                    },
                )),
                ["faults", group, name, ..] => measured.faults.push((group.to_string(), name.to_string(), number("per_spawn"))),
                ["refused", group, name, why @ ..] => {
                    measured.refused.push((group.to_string(), name.to_string(), why.join(" ")))
                }
                ["stack", ..] => {
                    let smallest = number("smallest");
                    measured.stack = Some(StackFigures {
                        hangs: number("hangs") as u64,
                        abi: number("abi") as u64,
                        sp_offset: number("sp_offset") as u64,
                        written: number("written") as u64,
                        smallest: (smallest >= 0.0).then_some(smallest as u64),
                        alignment: number("alignment") as u64,
                    });
                }
                _ => {}
            }
        }
        measured
    }

    fn time(&self, group: &str, variant: &str) -> Option<&Stat> {
        self.times.iter().find(|(g, v, _)| g == group && v == variant).map(|(_, _, stat)| stat)
    }

    fn ratio(&self, group: &str, a: &str, b: &str) -> Option<&Stat> {
        let name = format!("{a}/{b}");
        self.ratios.iter().find(|(g, n, _)| g == group && *n == name).map(|(_, _, stat)| stat)
    }

    fn faults(&self, group: &str, variant: &str) -> Option<f64> {
        self.faults.iter().find(|(g, v, _)| g == group && v == variant).map(|(_, _, faults)| *faults)
    }

    fn variants(&self, group: &str) -> Vec<&str> {
        self.times.iter().filter(|(g, _, _)| g == group).map(|(_, v, _)| v.as_str()).collect()
    }
}

// ---- Sizes ----

/// Sizes from bench/freestanding's symbol table.
struct CodeSizes {
    clone_entry: u64,
    clone3_entry: u64,
    clone_portable: u64,
    syscalls: Vec<u64>,
}

fn code_sizes(binary: &Path) -> Result<CodeSizes, String> {
    let data = std::fs::read(binary).map_err(|error| format!("{}: {error}", binary.display()))?;
    let file = object::File::parse(&*data).map_err(|error| format!("{}: {error}", binary.display()))?;
    let size_of = |wanted: &dyn Fn(&str) -> bool, what: &str| -> Result<u64, String> {
        // Sized: mips' assembler also leaves a `.Lfunc_end` label with both names in it.
        file.symbols()
            .find(|symbol| symbol.is_definition() && symbol.size() > 0 && symbol.name().is_ok_and(wanted))
            .map(|symbol| symbol.size())
            .ok_or_else(|| format!("{}: no sized symbol {what}", binary.display()))
    };
    // The naked entry, `freeclone::arch::clone_entry`, under Rust's symbol mangling.
    let clone_entry = size_of(&|name| name.contains("freeclone") && name.contains("clone_entry"), "freeclone::arch::clone_entry")?;
    let clone3_entry =
        size_of(&|name| name.contains("freeclone") && name.contains("clone3_entry"), "freeclone::arch::clone3_entry")?;
    let clone_portable = size_of(&|name| name == "freeclone_bench_clone", "freeclone_bench_clone")?;
    let syscalls = (0..=6)
        .map(|n| {
            let name = format!("freeclone_bench_syscall{n}");
            size_of(&|symbol| symbol == name, &name)
        })
        .collect::<Result<Vec<u64>, String>>()?;
    Ok(CodeSizes { clone_entry, clone3_entry, clone_portable, syscalls })
}

/// The size of the defined symbol `name` in the static library `archive`: its st_size,
/// or, for assembly without a `.size` directive (musl's), the distance to the next
/// symbol in its section or to the section's end. The bool says which.
fn archive_symbol_size(archive: &Path, name: &str) -> Result<(u64, bool), String> {
    archive_symbol(archive, name).map(|(size, sized, _)| (size, sized))
}

/// As `archive_symbol_size`, with the symbol's bytes.
fn archive_symbol(archive: &Path, name: &str) -> Result<(u64, bool, Vec<u8>), String> {
    let data = std::fs::read(archive).map_err(|error| format!("{}: {error}", archive.display()))?;
    let parsed = object::read::archive::ArchiveFile::parse(&*data).map_err(|error| format!("{}: {error}", archive.display()))?;
    for member in parsed.members() {
        let member = member.map_err(|error| format!("{}: {error}", archive.display()))?;
        let Ok(bytes) = member.data(&*data) else { continue };
        let Ok(file) = object::File::parse(bytes) else { continue };
        let Some(symbol) = file.symbols().find(|symbol| symbol.is_definition() && symbol.name() == Ok(name)) else {
            continue;
        };
        let Some(index) = symbol.section_index() else { continue };
        let section = file.section_by_index(index).map_err(|error| format!("{}: {error}", archive.display()))?;
        let start = symbol.address() & !1; // a Thumb symbol's address has bit 0 set
        let (size, sized) = if symbol.size() > 0 {
            (symbol.size(), true)
        } else {
            let end = file
                .symbols()
                // Not the assembler's local labels (`.L0 `, which riscv64 keeps for
                // relaxation) or mapping symbols (`$x`, `$d`).
                .filter(|other| other.name().is_ok_and(|name| !name.starts_with(".L") && !name.starts_with('$')))
                .filter(|other| other.section_index() == Some(index) && (other.address() & !1) > start)
                .map(|other| other.address() & !1)
                .min()
                .unwrap_or(section.address() + section.size());
            (end - start, false)
        };
        let code = section
            .data()
            .ok()
            .and_then(|code| code.get((start - section.address()) as usize..(start - section.address() + size) as usize))
            .unwrap_or_default()
            .to_vec();
        return Ok((size, sized, code));
    }
    Err(format!("{}: no definition of {name}", archive.display()))
}

/// Writes `input` without any section the loader does not map (symbols, strings,
/// .comment, mips' .pdr, ...) to `output`, and returns its size: `strip --strip-all`
/// for every architecture, without a cross binutils.
fn strip_all(input: &Path, output: &Path) -> Result<u64, String> {
    use object::build::elf::{Builder, SectionData};
    let mut data = std::fs::read(input).map_err(|error| format!("{}: {error}", input.display()))?;
    // The builder does not know mips' .MIPS.options and .MIPS.abiflags (kept as they
    // are when loaded): it reads them as plain data, and their types are put back.
    // SHT_MIPS_OPTIONS, SHT_MIPS_ABIFLAGS.
    const UNKNOWN_TO_THE_BUILDER: [u32; 2] = [0x7000_000d, 0x7000_002a];
    let retyped = retype_sections(&mut data, &UNKNOWN_TO_THE_BUILDER)?;
    let mut builder = Builder::read(&*data).map_err(|error| format!("{}: {error}", input.display()))?;
    for section in builder.sections.iter_mut() {
        if let Some((_, sh_type)) = retyped.iter().find(|(name, _)| name.as_slice() == &*section.name) {
            section.sh_type = object::elf::SectionType(*sh_type);
        }
    }
    let deleted: Vec<_> = builder
        .sections
        .iter()
        .filter(|section| !section.is_alloc() && !matches!(section.data, SectionData::SectionString))
        .map(|section| section.id())
        .collect();
    for section in builder.sections.iter_mut() {
        if deleted.contains(&section.id()) {
            section.delete = true;
        }
        // A static glibc binary's .rela.plt (IRELATIVE, no symbols) links to .symtab.
        if section.sh_link_section.is_some_and(|link| deleted.contains(&link)) {
            section.sh_link_section = None;
        }
    }
    for symbol in builder.symbols.iter_mut() {
        symbol.delete = true;
    }
    let mut bytes = Vec::new();
    builder.write(&mut bytes).map_err(|error| format!("stripping {}: {error}", input.display()))?;
    if let Some(dir) = output.parent() {
        std::fs::create_dir_all(dir).map_err(|error| format!("{}: {error}", dir.display()))?;
    }
    std::fs::write(output, &bytes).map_err(|error| format!("{}: {error}", output.display()))?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(output, std::fs::Permissions::from_mode(0o755))
        .map_err(|error| format!("{}: {error}", output.display()))?;
    Ok(bytes.len() as u64)
}

/// Makes every section whose type is in `types` SHT_PROGBITS in the ELF image `data`,
/// and returns their names and former types.
fn retype_sections(data: &mut [u8], types: &[u32]) -> Result<Vec<(Vec<u8>, u32)>, String> {
    const SHT_PROGBITS: u32 = 1;
    let (little, is_64) = {
        let file = object::File::parse(&*data).map_err(|error| error.to_string())?;
        (file.is_little_endian(), file.is_64())
    };
    let read = |data: &[u8], offset: usize, size: usize| -> u64 {
        let bytes = &data[offset..offset + size];
        let mut value = 0u64;
        for index in 0..size {
            let byte = if little { bytes[size - 1 - index] } else { bytes[index] };
            value = value << 8 | u64::from(byte);
        }
        value
    };
    let (shoff, shentsize, shnum, shstrndx) = if is_64 {
        (read(data, 0x28, 8), read(data, 0x3a, 2), read(data, 0x3c, 2), read(data, 0x3e, 2))
    } else {
        (read(data, 0x20, 4), read(data, 0x2e, 2), read(data, 0x30, 2), read(data, 0x32, 2))
    };
    let header = |index: u64| (shoff + index * shentsize) as usize;
    // sh_name at 0, sh_type at 4; sh_offset at 24 (64-bit) or 16 (32-bit).
    let strings = if is_64 { read(data, header(shstrndx) + 24, 8) } else { read(data, header(shstrndx) + 16, 4) } as usize;
    let mut names = Vec::new();
    for index in 0..shnum {
        let at = header(index);
        if at + 8 > data.len() {
            continue;
        }
        let sh_type = read(data, at + 4, 4) as u32;
        if !types.contains(&sh_type) {
            continue;
        }
        let name_start = strings + read(data, at, 4) as usize;
        let name_end = data[name_start..].iter().position(|byte| *byte == 0).map_or(data.len(), |end| name_start + end);
        names.push((data[name_start..name_end].to_vec(), sh_type));
        let bytes = if little { SHT_PROGBITS.to_le_bytes() } else { SHT_PROGBITS.to_be_bytes() };
        data[at + 4..at + 8].copy_from_slice(&bytes);
    }
    Ok(names)
}

// ---- Report ----

struct Report<'a> {
    quick: bool,
    rounds: &'a Rounds,
    native_runs: &'a [NativeRun],
    /// bench/spawn's exec benchmark (x86_64, glibc), if the host could run it.
    exec_run: Option<&'a Result<Measured, String>>,
    arch_runs: &'a [ArchRun],
    c_runs: &'a [(String, Result<MinimalRun, String>)],
    musl: &'a BTreeMap<String, MuslArchive>,
}

fn us(ns: f64) -> String {
    format!("{:.1}", ns / 1000.0)
}

fn ratio_cell(stat: &Stat) -> String {
    format!("{:.3} ({:.3}–{:.3}) [{:.2}–{:.2}]", stat.median, stat.lo95, stat.hi95, stat.p10, stat.p90)
}

fn first_line(error: &str) -> String {
    format!("error: {}", error.lines().next().unwrap_or_default())
}

impl Report<'_> {
    fn glibc_x86_64(&self) -> Option<&Measured> {
        self.native_runs.iter().find(|run| run.arch == "x86_64" && run.libc == "glibc")?.measured.as_ref().ok()
    }

    fn summary_line(&self) -> String {
        let ratio = |b: &str| {
            self.glibc_x86_64()
                .and_then(|measured| measured.ratio("thread", "freeclone", b))
                .map_or("n/a".to_string(), |stat| format!("{:.2}", stat.median))
        };
        format!("spawn ratio freeclone/glibc = {}, freeclone/floor = {}", ratio("glibc"), ratio("floor"))
    }

    fn markdown(&self) -> String {
        let mut text = String::new();
        let _ = self.write_markdown(&mut text);
        text
    }

    fn write_markdown(&self, out: &mut String) -> std::fmt::Result {
        writeln!(out, "# freeclone benchmarks")?;
        writeln!(out)?;
        writeln!(out, "{}", machine_line())?;
        writeln!(out)?;
        let mode = if self.quick { "`--quick` (few rounds: rough figures)" } else { "full" };
        writeln!(
            out,
            "Run: {mode}; rounds natively {} thread / {} process, under qemu-user {} / {}, {} per parent size \
             for spawn_exec. Each round runs every \
             variant once, in a fresh random order, timing each spawn alone; medians, spreads \
             (p10–p90) and ratios come from those samples, ratios taken round by round. A ratio \
             cell reads `median (95% CI of the median) [p10–p90]`.",
            self.rounds.native.0, self.rounds.native.1, self.rounds.emulated.0, self.rounds.emulated.1, self.rounds.exec
        )?;
        writeln!(out)?;
        self.spawn_table(out, "thread", "1. Thread spawn+join latency")?;
        self.clone3_table(out)?;
        self.thread_api_table(out)?;
        self.spawn_table(out, "process", "2. Process spawn+wait")?;
        self.exec_table(out)?;
        self.code_size_table(out)?;
        self.binary_size_table(out)?;
        self.stack_table(out)?;
        self.targets(out)?;
        self.notes(out)?;
        writeln!(out)?;
        writeln!(out, "{}", self.summary_line())
    }

    /// Causes of misses that the figures themselves show.
    fn notes(&self, out: &mut String) -> std::fmt::Result {
        let mut notes: Vec<String> = Vec::new();
        let native = |arch: &str, libc: &str| {
            self.native_runs.iter().find(|run| run.arch == arch && run.libc == libc)?.measured.as_ref().ok()
        };
        // glibc's i386 child leaves through the vDSO: `call *%gs:0x10`.
        if let Some(stat) = native("i386", "glibc").and_then(|measured| measured.ratio("thread", "freeclone", "glibc")) {
            let vdso_exit = glibc_archive("i386")
                .and_then(|path| archive_symbol(Path::new(path), "__clone").ok())
                .is_some_and(|(_, _, code)| code.windows(7).any(|window| window == [0x65, 0xff, 0x15, 0x10, 0, 0, 0]));
            let floor = native("i386", "glibc").and_then(|measured| measured.ratio("thread", "freeclone", "floor"));
            if let (true, true, Some(floor)) = (stat.median > TARGET_LIBC_RATIO, vdso_exit, floor) {
                notes.push(format!(
                    "i386, freeclone/glibc = {:.3} while freeclone/floor = {:.3}: glibc's `__clone` (in \
                     /usr/lib32/libc.a) makes the child's SYS_exit through the vDSO (`call *%gs:0x10`: sysenter), \
                     freeclone's entry and the floor through `int 0x80`, which costs more on this kernel. \
                     (Checked by hand while writing this benchmark: with its exit through `call *%gs:0x10`, the \
                     floor ran as fast as glibc.) freeclone's child has no glibc TCB at %gs to find the vDSO \
                     through; it would need AT_SYSINFO from the auxiliary vector.",
                    stat.median, floor.median
                ));
            }
        }
        // What an owned stack per round costs, where the owned target is missed.
        for run in self.native_runs {
            let Ok(measured) = &run.measured else { continue };
            let (Some(ratio), Some(owned), Some(reused)) = (
                measured.ratio("owned", "freeclone", "std::thread"),
                measured.time("owned", "freeclone"),
                measured.time("reused", "freeclone"),
            ) else {
                continue;
            };
            if ratio.median > TARGET_OWNED_THREAD_RATIO {
                let faults = measured.faults("owned", "freeclone").unwrap_or(f64::NAN);
                let alone = measured.time("owned", "stack-alone").map_or("—".to_string(), |stat| us(stat.median));
                notes.push(format!(
                    "{} {}, freeclone::thread owned / std::thread = {:.3}: the same spawn+join on a reused \
                     stack takes {} µs, so the owned stack costs {} µs a round ({faults:.2} page faults). \
                     Mapping it with its guard (mmap, mprotect), touching its top page and unmapping it, \
                     with no thread, takes {alone} µs here; the rest comes with unmapping memory that a \
                     thread used on another CPU. std keeps pthread stacks in glibc's cache and maps only \
                     its signal stack per thread.",
                    run.arch,
                    run.libc,
                    ratio.median,
                    us(reused.median),
                    us(owned.median - reused.median)
                ));
            }
        }
        // x86_64's entry stores `arg` on the child's stack in the parent.
        for run in self.native_runs.iter().filter(|run| run.arch == "x86_64") {
            let Ok(measured) = &run.measured else { continue };
            let (Some(freeclone), Some(floor)) = (measured.faults("process", "freeclone"), measured.faults("process", "floor")) else {
                continue;
            };
            if freeclone > floor + 0.5 {
                let ratio = measured.ratio("process", "freeclone", "floor").map_or(f64::NAN, |stat| stat.median);
                notes.push(format!(
                    "x86_64 {}, process spawn freeclone/floor = {ratio:.3}: freeclone's entry stores `arg` on the \
                     child's stack before the system call; after the previous fork-like clone that page is \
                     copy-on-write protected, so the parent takes one more minor fault per spawn ({freeclone:.2} \
                     against the floor's {floor:.2}). Thread spawns (CLONE_VM) do not fault.",
                    run.libc
                ));
            }
        }
        for run in self.arch_runs {
            let Ok(measured) = &run.measured else { continue };
            let hangs = measured.stack.as_ref().map_or(0, |stack| stack.hangs);
            let mut what = Vec::new();
            if measured.retried {
                what.push("the whole run was ended and run again".to_string());
            }
            if hangs > 0 {
                what.push(format!("{hangs} smallest-stack tries were killed and tried again"));
            }
            if !what.is_empty() {
                notes.push(format!(
                    "{}: qemu-user hung in a forked process ({}); the figures come from the runs that completed.",
                    run.arch,
                    what.join("; ")
                ));
            }
        }
        if !notes.is_empty() {
            writeln!(out)?;
            writeln!(out, "## Notes")?;
            writeln!(out)?;
            for note in notes {
                writeln!(out, "- {note}")?;
            }
        }
        Ok(())
    }

    fn spawn_table(&self, out: &mut String, group: &str, title: &str) -> std::fmt::Result {
        let paragraph = if group == "thread" {
            "CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|CHILD_CLEARTID on one preallocated 64 KiB \
             stack, `fn` returning at once. Join: every clone-based variant sleeps the same way: \
             ctid is set to -1 before the clone and the parent loops on FUTEX_WAIT(ctid, -1) \
             until CLONE_CHILD_CLEARTID zeroes it and wakes it (no CLONE_PARENT_SETTID, so no \
             wait on a TID not written yet, and no spinning on EAGAIN). std::thread::spawn + \
             join allocates its own stack and joins through pthread_join. The musl rows are \
             the same program linked statically with Debian's musl 1.2.3 (musl-gcc): musl \
             1.2.4 and later, such as the musl Rust's x86_64-unknown-linux-musl target ships, \
             refuse CLONE_THREAD and CLONE_CHILD_CLEARTID in clone() with EINVAL by design."
        } else {
            "A fork-like clone(SIGCHLD) on the same preallocated stack (`fn` returning at once) + \
             waitpid/wait4, against the C library's fork() + waitpid and its clone(SIGCHLD)."
        };
        section(out, title, paragraph)?;
        writeln!(out, "Native (absolute times on this machine; faults: minor page faults the parent process took per spawn, threads' included):")?;
        writeln!(out)?;
        table_head(out, "| host arch | program | variant | median µs | p10–p90 µs | faults | freeclone / variant |", "|---|---|---|---:|---:|---:|---|")?;
        let mut any = false;
        for run in self.native_runs {
            let program = format!("bench/spawn, {}", run.libc);
            match &run.measured {
                Ok(measured) => {
                    for variant in measured.variants(group) {
                        self.spawn_row(out, run.arch, &program, measured, group, variant)?;
                        any = true;
                    }
                    for (_, variant, why) in measured.refused.iter().filter(|(g, _, _)| g == group) {
                        writeln!(out, "| {} | {program} | {variant} | refused: {why} | | | |", run.arch)?;
                    }
                }
                Err(error) => writeln!(out, "| {} | {program} | | | | | {} |", run.arch, first_line(error))?,
            }
        }
        for run in self.arch_runs.iter().filter(|run| run.tier == Machine::Native) {
            match &run.measured {
                Ok(measured) => {
                    for variant in measured.variants(group) {
                        self.spawn_row(out, &run.arch, "bench/freestanding, no libc", measured, group, variant)?;
                        any = true;
                    }
                }
                Err(error) => writeln!(out, "| {} | bench/freestanding | | | | | {} |", run.arch, first_line(error))?,
            }
        }
        if !any {
            writeln!(out, "| (none: the host runs no selected architecture natively) | | | | | | |")?;
        }
        writeln!(out)?;
        let emulated: Vec<&ArchRun> = self.arch_runs.iter().filter(|run| run.tier == Machine::User).collect();
        if !emulated.is_empty() {
            writeln!(out, "Under qemu-user (ratios only; bench/freestanding; the floor is bench/arch/<arch>.rs):")?;
            writeln!(out)?;
            // The target is on spawn latency (threads); process figures are shown as they are.
            let target = group == "thread";
            let verdict_header = if target { format!(" ≤ {TARGET_FLOOR_RATIO:.2} |") } else { String::new() };
            writeln!(out, "| arch | freeclone / floor | rounds |{verdict_header}")?;
            writeln!(out, "|---|---|---:|{}", if target { "---|" } else { "" })?;
            for run in emulated {
                match run.measured.as_ref().map(|measured| measured.ratio(group, "freeclone", "floor")) {
                    Ok(Some(stat)) => {
                        let verdict = if target { format!(" {} |", yes_no(stat.median <= TARGET_FLOOR_RATIO)) } else { String::new() };
                        writeln!(out, "| {} | {} | {} |{verdict}", run.arch, ratio_cell(stat), stat.n)?
                    }
                    Ok(None) => writeln!(out, "| {} | missing | |{}", run.arch, if target { " |" } else { "" })?,
                    Err(error) => writeln!(out, "| {} | {} | |{}", run.arch, first_line(error), if target { " |" } else { "" })?,
                }
            }
            writeln!(out)?;
        }
        if group == "thread" {
            self.join_table(out)?;
        }
        Ok(())
    }

    /// `freeclone::thread`: an owned stack per round against std, a reused one against
    /// the floor.
    fn thread_api_table(&self, out: &mut String) -> std::fmt::Result {
        section(
            out,
            "1c. Threads with `freeclone::thread` (spawn + join of a closure)",
            "bench/spawn (native). Owned: `thread::Builder::spawn_unchecked` with its default \
             stack (256 KiB above a 64 KiB guard), mapped, spawned, joined and unmapped every \
             round, against `std::thread::spawn` + `join`. Reused: `spawn_on_unchecked` on one \
             owned stack that `join_with_stack` gives back each round, against the floor (raw \
             clone on a stack of the same kind, joined on ctid).",
        )?;
        table_head(out, &format!("| host arch | program | owned median µs | owned / std::thread | ≤ {TARGET_OWNED_THREAD_RATIO:.2} | reused median µs | reused / floor | ≤ {TARGET_REUSED_THREAD_RATIO:.2} |"), "|---|---|---:|---|---|---:|---|---|")?;
        for run in self.native_runs {
            let program = format!("bench/spawn, {}", run.libc);
            let Ok(measured) = &run.measured else {
                writeln!(out, "| {} | {program} | missing | | | | | |", run.arch)?;
                continue;
            };
            let cells = |group: &str, other: &str, target: f64| match (measured.time(group, "freeclone"), measured.ratio(group, "freeclone", other)) {
                (Some(time), Some(ratio)) => (us(time.median), ratio_cell(ratio), yes_no(ratio.median <= target)),
                _ => ("missing".to_string(), String::new(), String::new()),
            };
            let (owned_time, owned_ratio, owned_met) = cells("owned", "std::thread", TARGET_OWNED_THREAD_RATIO);
            let (reused_time, reused_ratio, reused_met) = cells("reused", "floor", TARGET_REUSED_THREAD_RATIO);
            writeln!(out, "| {} | {program} | {owned_time} | {owned_ratio} | {owned_met} | {reused_time} | {reused_ratio} | {reused_met} |", run.arch)?;
        }
        writeln!(out)
    }

    /// spawn_exec against posix_spawn and fork+exec over the parent's size.
    fn exec_table(&self, out: &mut String) -> std::fmt::Result {
        section(
            out,
            "2b. Starting a program: spawn_exec + wait, by the parent's size",
            "bench/spawn (std, glibc, x86_64, native) starts bench/minimal (a tiny static program) \
             and waits for it, while holding 16 MiB, 256 MiB or 1 GiB of touched memory: \
             `freeclone::process::spawn_exec` + `Child::wait` (CLONE_VM|CLONE_VFORK on its own \
             64 KiB stack), `std::process::Command::status` (glibc's posix_spawn, also \
             CLONE_VM|CLONE_VFORK) and `fork()` + `execve` + `waitpid` (fork copies the page tables \
             and write-protects every page). Rounds interleaved as above, per parent size.",
        )?;
        let measured = match self.exec_run {
            None => return writeln!(out, "Not measured: needs an x86_64 host with x86_64 selected.\n"),
            Some(Err(error)) => return writeln!(out, "Not measured: {}\n", first_line(error)),
            Some(Ok(measured)) => measured,
        };
        table_head(out, "| parent | spawn_exec µs | Command µs | fork+exec µs | spawn_exec / Command | spawn_exec / fork+exec |", "|---|---:|---:|---:|---|---|")?;
        for size in EXEC_PARENT_SIZES {
            let group = format!("exec-{size}");
            let time = |variant: &str| measured.time(&group, variant).map_or("missing".to_string(), |stat| us(stat.median));
            let ratio = |b: &str| measured.ratio(&group, "freeclone", b).map_or("missing".to_string(), ratio_cell);
            writeln!(
                out,
                "| {size} | {} | {} | {} | {} | {} |",
                time("freeclone"),
                time("std-command"),
                time("fork-exec"),
                ratio("std-command"),
                ratio("fork-exec")
            )?;
        }
        writeln!(out)?;
        let growth = |variant: &str| {
            let small = measured.time("exec-16MiB", variant)?.median;
            let large = measured.time("exec-1GiB", variant)?.median;
            Some(large / small)
        };
        if let (Some(freeclone), Some(fork)) = (growth("freeclone"), growth("fork-exec")) {
            writeln!(
                out,
                "From 16 MiB to 1 GiB, spawn_exec's median changes {freeclone:.2}x, fork+exec's {fork:.2}x.\n"
            )?;
        }
        Ok(())
    }

    /// Thread spawn+join through clone3, per architecture where it runs.
    fn clone3_table(&self, out: &mut String) -> std::fmt::Result {
        section(
            out,
            "1b. Thread spawn+join through clone3",
            "bench/freestanding, the thread flags of table 1 on the same stack, given as \
             `CloneArgs` (built every round, as a caller does): `freeclone::clone3` against \
             the raw clone3 floor (`spawn3` in bench/arch) and against freeclone's `clone`. \
             Where the kernel answers clone3 with ENOSYS (qemu-user emulates no clone3), \
             the row says so: `freeclone::clone3` falls back to `clone` there.",
        )?;
        table_head(out, &format!("| arch | tier | clone3 median µs | clone3 / floor | ≤ {TARGET_FLOOR_RATIO:.2} | clone3 / clone |"), "|---|---|---:|---|---|---|")?;
        for run in self.arch_runs {
            let tier = run.tier.name();
            let measured = match &run.measured {
                Ok(measured) => measured,
                Err(error) => {
                    writeln!(out, "| {} | {tier} | {} | | | |", run.arch, first_line(error))?;
                    continue;
                }
            };
            if let Some((_, _, why)) = measured.refused.iter().find(|(group, _, _)| group == "clone3") {
                writeln!(out, "| {} | {tier} | not run: {why} | | | |", run.arch)?;
                continue;
            }
            let (Some(time), Some(floor)) = (measured.time("clone3", "freeclone"), measured.ratio("clone3", "freeclone", "floor")) else {
                writeln!(out, "| {} | {tier} | missing | | | |", run.arch)?;
                continue;
            };
            let clone = measured.ratio("clone3", "freeclone", "clone").map_or("—".to_string(), ratio_cell);
            writeln!(
                out,
                "| {} | {tier} | {} | {} | {} | {clone} |",
                run.arch,
                us(time.median),
                ratio_cell(floor),
                yes_no(floor.median <= TARGET_FLOOR_RATIO)
            )?;
        }
        writeln!(out)
    }

    fn spawn_row(&self, out: &mut String, arch: &str, program: &str, measured: &Measured, group: &str, variant: &str) -> std::fmt::Result {
        let Some(time) = measured.time(group, variant) else { return Ok(()) };
        let ratio = if variant == "freeclone" {
            "—".to_string()
        } else {
            measured.ratio(group, "freeclone", variant).map_or("—".to_string(), ratio_cell)
        };
        let faults = measured.faults(group, variant).map_or("—".to_string(), |faults| format!("{faults:.2}"));
        writeln!(out, "| {arch} | {program} | {variant} | {} | {}–{} | {faults} | {ratio} |", us(time.median), us(time.p10), us(time.p90))
    }

    /// How the joins went: they must have slept, never spun.
    fn join_table(&self, out: &mut String) -> std::fmt::Result {
        let mut totals: BTreeMap<String, Joins> = BTreeMap::new();
        let native = self.native_runs.iter().map(|run| (format!("{} {}", run.arch, run.libc), &run.measured));
        let per_arch = self.arch_runs.iter().map(|run| (format!("{} freestanding ({})", run.arch, run.tier.name()), &run.measured));
        writeln!(out, "Joins (FUTEX_WAIT on ctid): calls that slept and were woken, joins that found ctid already clear, calls that returned EAGAIN:")?;
        writeln!(out)?;
        table_head(out, "| run | variant | slept | already clear | EAGAIN | other |", "|---|---|---:|---:|---:|---:|")?;
        for (label, measured) in native.chain(per_arch) {
            let Ok(measured) = measured else { continue };
            for (group, variant, joins) in &measured.joins {
                if group != "thread" {
                    continue;
                }
                if label.contains("freestanding") && !label.ends_with("(native)") {
                    let total = totals.entry(variant.clone()).or_default();
                    total.slept += joins.slept;
                    total.already_clear += joins.already_clear;
                    total.eagain += joins.eagain;
                    total.other += joins.other;
                    continue;
                }
                writeln!(out, "| {label} | {variant} | {} | {} | {} | {} |", joins.slept, joins.already_clear, joins.eagain, joins.other)?;
            }
        }
        for (variant, joins) in &totals {
            writeln!(
                out,
                "| all qemu-user runs | {variant} | {} | {} | {} | {} |",
                joins.slept, joins.already_clear, joins.eagain, joins.other
            )?;
        }
        writeln!(out)
    }

    fn code_size_table(&self, out: &mut String) -> std::fmt::Result {
        section(
            out,
            "3. Code size (bytes, from the symbol tables)",
            "freeclone's clone entry is the naked `arch::clone_entry` (glibc's argument order, the \
             system call, the child's call of `fn` and SYS_exit), the counterpart of musl's and \
             glibc's `__clone`; its clone3 entry is `arch::clone3_entry`, glibc's `__clone3`'s \
             (musl has none); musl's is Debian's musl-dev libc.a for that architecture, sized to \
             the end of its section where the assembly has no `.size` (marked \\*). `clone()` adds \
             the portable layer (null check, alignment, -errno to Result) out of line; the raw \
             system calls are `sys::syscall0..6` compiled out of line (argument moves, trap, return).",
        )?;
        writeln!(
            out,
            "| arch | freeclone clone entry | musl `__clone` | glibc `__clone` | entry ≤ musl | freeclone clone3 entry | glibc `__clone3` | freeclone `clone()` | syscall0…6 |"
        )?;
        writeln!(out, "|---|---:|---:|---:|---|---:|---:|---:|---|")?;
        for run in self.arch_runs {
            let musl = self.musl.get(&run.arch).map(|archive| {
                let note = if archive.note.is_empty() { String::new() } else { format!(" ({})", archive.note) };
                archive_symbol_size(&archive.library, "__clone")
                    .map(|(size, sized)| (size, format!("{size}{}{note}", if sized { "" } else { "\\*" })))
            });
            let glibc = |symbol: &str| {
                glibc_archive(&run.arch).filter(|path| Path::new(path).exists()).map_or("—".to_string(), |path| {
                    archive_symbol_size(Path::new(path), symbol).map_or_else(|error| first_line(&error), |(size, _)| size.to_string())
                })
            };
            match &run.sizes {
                Ok(sizes) => {
                    let (musl_cell, verdict) = match &musl {
                        Some(Ok((size, cell))) => (cell.clone(), yes_no(sizes.clone_entry <= *size)),
                        Some(Err(error)) => (first_line(error), "n/a".to_string()),
                        None => ("no musl build".to_string(), "n/a".to_string()),
                    };
                    let syscalls: Vec<String> = sizes.syscalls.iter().map(u64::to_string).collect();
                    writeln!(
                        out,
                        "| {} | {} | {musl_cell} | {} | {verdict} | {} | {} | {} | {} |",
                        run.arch,
                        sizes.clone_entry,
                        glibc("__clone"),
                        sizes.clone3_entry,
                        glibc("__clone3"),
                        sizes.clone_portable,
                        syscalls.join(" / ")
                    )?;
                }
                Err(error) => writeln!(out, "| {} | {} | | | | | | | |", run.arch, first_line(error))?,
            }
        }
        if !self.musl.is_empty() {
            // bookworm's for most; riscv64's (trixie) and loong64's (sid) are newer.
            let mut by_version: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
            for (arch, archive) in self.musl {
                by_version.entry(archive.version.as_str()).or_default().push(arch.as_str());
            }
            let versions: Vec<String> = if by_version.len() == 1 {
                by_version.keys().map(|version| version.to_string()).collect()
            } else {
                by_version.iter().map(|(version, arches)| format!("{version} ({})", arches.join(", "))).collect()
            };
            writeln!(out)?;
            writeln!(out, "musl: Debian's musl-dev {}, the package of each architecture's Debian port.", versions.join("; "))?;
        }
        writeln!(out)
    }

    fn binary_size_table(&self, out: &mut String) -> std::fmt::Result {
        section(
            out,
            "4. Binary size (a static program that clones one child and waits; stripped)",
            "bench/minimal (freeclone, feature `rt`, release profile) per architecture, and \
             bench/minimal/minimal.c linked statically (`-static -O2`); every binary stripped \
             here the same way (all sections the loader does not map), then run once.",
        )?;
        table_head(out, "| arch | program | stripped bytes | runs |", "|---|---|---:|---|")?;
        for run in self.arch_runs {
            write_minimal_row(out, &run.arch, "freeclone (bench/minimal)", &run.minimal)?;
        }
        for (name, run) in self.c_runs {
            write_minimal_row(out, "x86_64", name, run)?;
        }
        writeln!(out)
    }

    fn stack_table(&self, out: &mut String) -> std::fmt::Result {
        section(
            out,
            "5. Child stack cost (bytes below the aligned top)",
            "ABI: what the calling convention itself occupies at `fn`'s entry (bench/arch). sp: \
             aligned top − sp at `fn`'s first instruction (freeclone's entry probe). Written: \
             bytes below the top that differ from a fill pattern after a trivial `fn` (which \
             touches no stack) has run and exited. Wrapper beyond ABI: max(sp, written) − ABI. \
             Smallest stack: the least space above an inaccessible guard on which a trivial \
             `fn` completes, its top aligned, tried in steps of the alignment.",
        )?;
        table_head(out, &format!("| arch | ABI at fn entry | sp at fn entry | written | wrapper beyond ABI | ≤ {TARGET_STACK_BEYOND_ABI} | smallest stack (step) |"), "|---|---:|---:|---:|---:|---|---|")?;
        for run in self.arch_runs {
            match run.measured.as_ref().map(|measured| measured.stack.as_ref()) {
                Ok(Some(stack)) => {
                    let beyond = stack.sp_offset.max(stack.written).saturating_sub(stack.abi);
                    writeln!(
                        out,
                        "| {} | {} | {} | {} | {beyond} | {} | {} ({}) |",
                        run.arch,
                        stack.abi,
                        stack.sp_offset,
                        stack.written,
                        yes_no(beyond <= TARGET_STACK_BEYOND_ABI),
                        stack.smallest.map_or("none ≤ 1024".to_string(), |size| size.to_string()),
                        stack.alignment
                    )?;
                }
                Ok(None) => writeln!(out, "| {} | missing | | | | | |", run.arch)?,
                Err(error) => writeln!(out, "| {} | {} | | | | | |", run.arch, first_line(error))?,
            }
        }
        writeln!(out)
    }

    fn targets(&self, out: &mut String) -> std::fmt::Result {
        writeln!(out, "## Targets")?;
        writeln!(out)?;
        let verdict = |met: bool| if met { "met" } else { "MISSED" };
        let mut any_native = false;
        for run in self.native_runs {
            let Ok(measured) = &run.measured else { continue };
            for (b, target, what) in [
                ("floor", TARGET_FLOOR_RATIO, "freeclone/floor within 1.02"),
                (run.libc, TARGET_LIBC_RATIO, "freeclone/C library at or below 1.00"),
            ] {
                let Some(stat) = measured.ratio("thread", "freeclone", b) else { continue };
                any_native = true;
                let noise = if stat.lo95 <= target && target <= stat.hi95 {
                    "; the target lies inside the median's 95% CI: within this run's noise"
                } else {
                    ""
                };
                let result = target_result(stat, target);
                writeln!(out, "- {what} (thread spawn+join, {} {}, freeclone/{b}): {result}{noise}.", run.arch, run.libc)?;
            }
        }
        if !any_native {
            writeln!(out, "- Spawn latency against the C library and the floor: not measured (x86_64/i386 not selected or not native).")?;
        }
        for (b, target, what, cause) in [
            (
                "std-command",
                TARGET_EXEC_COMMAND_RATIO,
                "spawn_exec/std::process::Command (glibc's posix_spawn) at or below 1.00",
                "both are CLONE_VM|CLONE_VFORK clones, so the difference is the work around the clone \
                 (spawn_exec maps, guards and unmaps a 64 KiB stack and reads 64 dispositions; glibc maps \
                 and unmaps a stack without a guard and reads them too)",
            ),
            (
                "fork-exec",
                TARGET_EXEC_FORK_RATIO,
                "spawn_exec/fork+execve at or below 0.50",
                "fork copies the parent's page tables, which spawn_exec never does: see the table for \
                 how fork's time grew with the parent here",
            ),
        ] {
            match self.exec_run.map(|run| run.as_ref().map(|measured| measured.ratio("exec-1GiB", "freeclone", b))) {
                Some(Ok(Some(stat))) => {
                    let why = if stat.median <= target {
                        String::new()
                    } else if stat.lo95 <= target {
                        "; the target lies inside the median's 95% CI: within this run's noise".to_string()
                    } else {
                        format!("; {cause}")
                    };
                    writeln!(out, "- {what} (parent holding 1 GiB, x86_64 glibc): {}{why}.", target_result(stat, target))?;
                }
                Some(Err(error)) => writeln!(out, "- {what}: not measured ({}).", first_line(error))?,
                _ => writeln!(out, "- {what}: not measured (needs an x86_64 host with x86_64 selected).")?,
            }
        }
        let clone3_runs: Vec<String> = self
            .arch_runs
            .iter()
            .filter_map(|run| {
                let stat = run.measured.as_ref().ok()?.ratio("clone3", "freeclone", "floor")?;
                let noise = if stat.median > TARGET_FLOOR_RATIO && stat.lo95 <= TARGET_FLOOR_RATIO { ", within its noise" } else { "" };
                Some(format!(
                    "{} ({}) {}: {:.3} (95% CI {:.3}–{:.3}{noise})",
                    run.arch,
                    run.tier.name(),
                    verdict(stat.median <= TARGET_FLOOR_RATIO),
                    stat.median,
                    stat.lo95,
                    stat.hi95
                ))
            })
            .collect();
        for run in self.native_runs {
            let Ok(measured) = &run.measured else { continue };
            for (group, other, target, what) in [
                ("owned", "std::thread", TARGET_OWNED_THREAD_RATIO, "freeclone::thread with an owned stack per round / std::thread at or below 0.60"),
                ("reused", "floor", TARGET_REUSED_THREAD_RATIO, "freeclone::thread on a reused stack / floor within 1.05"),
            ] {
                let Some(stat) = measured.ratio(group, "freeclone", other) else { continue };
                writeln!(out, "- {what} ({} {}): {}.", run.arch, run.libc, target_result(stat, target))?;
            }
        }
        if clone3_runs.is_empty() {
            writeln!(out, "- clone3/floor within 1.02 (thread spawn+join): not measured (no selected architecture ran clone3).")?;
        } else {
            writeln!(out, "- clone3/floor within 1.02 (thread spawn+join): {}.", clone3_runs.join("; "))?;
        }
        let emulated: Vec<String> = self
            .arch_runs
            .iter()
            .filter(|run| run.tier == Machine::User)
            .filter_map(|run| {
                let stat = run.measured.as_ref().ok()?.ratio("thread", "freeclone", "floor")?;
                let noise = if stat.lo95 <= TARGET_FLOOR_RATIO { ", within its noise" } else { "" };
                (stat.median > TARGET_FLOOR_RATIO)
                    .then(|| format!("{} {:.3} (95% CI {:.3}–{:.3}{noise})", run.arch, stat.median, stat.lo95, stat.hi95))
            })
            .collect();
        if self.arch_runs.iter().any(|run| run.tier == Machine::User) {
            if emulated.is_empty() {
                writeln!(out, "- freeclone/floor within 1.02 under qemu-user (thread): met on every emulated architecture.")?;
            } else {
                writeln!(out, "- freeclone/floor within 1.02 under qemu-user (thread): MISSED on {}.", emulated.join(", "))?;
            }
        }
        let mut larger = Vec::new();
        let mut compared = Vec::new();
        let mut no_musl = Vec::new();
        for run in self.arch_runs {
            let Ok(sizes) = &run.sizes else { continue };
            match self.musl.get(&run.arch).map(|archive| archive_symbol_size(&archive.library, "__clone")) {
                Some(Ok((musl, _))) => {
                    compared.push(run.arch.clone());
                    if sizes.clone_entry > musl {
                        larger.push(format!("{} ({} > {musl})", run.arch, sizes.clone_entry));
                    }
                }
                _ => no_musl.push(run.arch.clone()),
            }
        }
        let no_musl_note = if no_musl.is_empty() { String::new() } else { format!(" (no musl build for {})", no_musl.join(", ")) };
        if larger.is_empty() {
            writeln!(out, "- Clone entry no larger than musl's `__clone`: met on {}{no_musl_note}.", compared.join(", "))?;
        } else {
            writeln!(out, "- Clone entry no larger than musl's `__clone`: MISSED on {}{no_musl_note}.", larger.join(", "))?;
        }
        let mut over = Vec::new();
        let mut measured_stack = Vec::new();
        for run in self.arch_runs {
            let Some(stack) = run.measured.as_ref().ok().and_then(|measured| measured.stack.as_ref()) else { continue };
            let beyond = stack.sp_offset.max(stack.written).saturating_sub(stack.abi);
            measured_stack.push(format!("{} +{beyond}", run.arch));
            if beyond > TARGET_STACK_BEYOND_ABI {
                over.push(format!("{} (+{beyond})", run.arch));
            }
        }
        if over.is_empty() {
            writeln!(out, "- Wrapper stack at most 16 bytes beyond the ABI's: met ({}).", measured_stack.join(", "))?;
        } else {
            writeln!(out, "- Wrapper stack at most 16 bytes beyond the ABI's: MISSED on {}.", over.join(", "))?;
        }
        match self.arch_runs.iter().find(|run| run.arch == "x86_64").map(|run| &run.minimal) {
            Some(Ok(minimal)) => writeln!(
                out,
                "- Minimal static x86_64 binary under 4 KiB stripped: {} ({} bytes).",
                verdict(minimal.size < TARGET_MINIMAL_X86_64),
                minimal.size
            )?,
            Some(Err(error)) => writeln!(out, "- Minimal static x86_64 binary under 4 KiB stripped: {}.", first_line(error))?,
            None => writeln!(out, "- Minimal static x86_64 binary under 4 KiB stripped: not measured (x86_64 not selected).")?,
        }
        Ok(())
    }
}

fn write_minimal_row(out: &mut String, arch: &str, program: &str, run: &Result<MinimalRun, String>) -> std::fmt::Result {
    match run {
        Ok(minimal) => {
            let runs = match &minimal.runs {
                Ok(()) => "yes".to_string(),
                Err(error) => first_line(error),
            };
            writeln!(out, "| {arch} | {program} | {} | {runs} |", minimal.size)
        }
        Err(error) => writeln!(out, "| {arch} | {program} | {} | |", first_line(error)),
    }
}

/// A section of the report: its heading and the paragraph under it, each followed by a
/// blank line.
fn section(out: &mut String, title: &str, paragraph: &str) -> std::fmt::Result {
    writeln!(out, "## {title}")?;
    writeln!(out)?;
    writeln!(out, "{paragraph}")?;
    writeln!(out)
}

/// A table's header row and the row of its column alignments.
fn table_head(out: &mut String, header: &str, alignments: &str) -> std::fmt::Result {
    writeln!(out, "{header}")?;
    writeln!(out, "{alignments}")
}

/// A ratio against its target, as the Targets section states it: `met: median 0.987
/// (95% CI 0.950–1.020)` (or `MISSED: ...`).
fn target_result(stat: &Stat, target: f64) -> String {
    let verdict = if stat.median <= target { "met" } else { "MISSED" };
    format!("{verdict}: median {:.3} (95% CI {:.3}–{:.3})", stat.median, stat.lo95, stat.hi95)
}

fn yes_no(met: bool) -> String {
    if met { "yes".to_string() } else { "**no**".to_string() }
}

/// The machine the figures come from.
fn machine_line() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines().find(|line| line.starts_with("model name")).and_then(|line| line.split_once(':')).map(|(_, model)| model.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string());
    let cores = std::thread::available_parallelism().map_or(0, |count| count.get());
    let kernel = output_of(Command::new("uname").arg("-r")).map(|text| text.trim().to_string()).unwrap_or_default();
    let glibc = output_of(Command::new("ldd").arg("--version"))
        .ok()
        .and_then(|text| text.lines().next().and_then(|line| line.rsplit(' ').next()).map(str::to_string))
        .unwrap_or_default();
    let qemu = output_of(Command::new("qemu-aarch64").arg("--version"))
        .ok()
        .and_then(|text| text.lines().next().and_then(|line| line.split_whitespace().nth(2)).map(str::to_string))
        .unwrap_or_default();
    format!("Machine: {cpu}, {cores} cores, Linux {kernel}, glibc {glibc}, qemu-user {qemu}.")
}
