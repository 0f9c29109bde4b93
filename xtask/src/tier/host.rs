//! The checks `cargo xtask test` runs once, on the host, before the tiers: the library
//! with its declared rust-version and with stable Rust, the README's template files, a
//! std program with `rt` on (`host std+rt` rows), and the C ABI as the README tells a C
//! programmer to build and link it.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use xtask::arches::Arch;
use xtask::util::{run_status, run_with_timeout};
use xtask::{setup, util};

use super::conformance::{self, Line, RUN_TIMEOUT};
use super::template;
use super::{Row, RunResult};
use crate::{build, timed};

/// Every host check, its rows pushed to `results` (the rust-version, stable and
/// readme checks only when they fail).
pub(crate) fn run(root: &Path, arches: &[Arch], results: &mut Vec<RunResult>) {
    timed("the library with its declared rust-version", || {
        println!("rust-version: checking the library with Rust {}", setup::declared_rust_version().unwrap_or_default());
        if let Err(error) = build::declared_rust_version_library(root) {
            results.push(RunResult::error("host", Row::RustVersion, error));
        }
    });
    timed("stable builds of the library", || {
        for arch in arches.iter().filter(|arch| arch.stable_rust_std) {
            println!("stable: building the library for {}", arch.name);
            if let Err(error) = build::stable_library(root, arch) {
                results.push(RunResult::error(&arch.name, Row::Stable, error));
            }
        }
    });
    if let Err(error) = template::check_readme(root) {
        results.push(RunResult::error("template", Row::Readme, error));
    }
    for lto in [None, Some("fat"), Some("thin")] {
        results.push(timed("std program with rt", || std_with_rt(root, lto)));
    }
    if std::env::consts::ARCH == "x86_64" {
        results.push(timed("the C ABI's recipe", || c_abi_recipe(root)));
    }
}

/// `rt` is additive: a std program that has it on (tests/std-with-rt) builds with the
/// host's toolchain, links with glibc's `_start`, and runs; with `lto` (`"fat"`,
/// `"thin"`) too, as a user who sets the release profile's `lto` builds it.
fn std_with_rt(root: &Path, lto: Option<&'static str>) -> RunResult {
    let variant = lto.map_or(String::new(), |lto| format!(" lto={lto}"));
    println!("build: tests/std-with-rt (a std program with freeclone's rt feature on){variant}");
    let mut command = build::rustup_cargo("stable");
    command
        .current_dir(root.join("tests").join("std-with-rt"))
        .args(["run", "--quiet", "--release"])
        .env("CARGO_TARGET_DIR", root.join("target").join(format!("std-with-rt{}", variant.replace([' ', '='], "-"))));
    if let Some(lto) = lto {
        command.env("CARGO_PROFILE_RELEASE_LTO", lto);
    }
    run_std_program("host", Row::StdWithRt(lto), &mut command)
}

/// The C ABI as the README tells a C programmer to build and link it, its commands read
/// from README.md's section and run as written (stable cargo, the system's cc), with
/// the smoke test as `prog.c`: a dynamically linked program whose smoke checks must all
/// pass, tracing into a file (none of it on its output); then the static pthreads
/// program (capi/tests/threads.c): each of its threads through freeclone's `__clone3`
/// with the README's `-Wl,-u,__clone3`, through glibc's own without it.
fn c_abi_recipe(root: &Path) -> RunResult {
    let mut result = RunResult::new("host", Row::CAbiRecipe);
    let started = Instant::now();
    let outcome = (|| -> Result<String, String> {
        let readme = std::fs::read_to_string(root.join("README.md")).map_err(|error| format!("README.md: {error}"))?;
        let blocks = template::readme_blocks(&readme, "## The C ABI", "sh")?;
        let [recipe, threads, ..] = blocks.as_slice() else {
            return Err("README.md's C ABI section no longer shows the recipe and the static pthreads line".into());
        };
        if !util::command_exists("cc") {
            setup::install_debian_packages(&["gcc".to_string()])?;
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
                let mut command = build::rustup_cargo("stable");
                command.args(&words[1..]);
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
        if code != Some(0) || !matches!(conformance::parse_line(&closing), Line::Closing { failed: 0, skipped: 0, .. }) {
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
fn run_std_program(arch: &str, tier: Row, command: &mut Command) -> RunResult {
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
