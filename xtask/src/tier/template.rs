//! `examples/template`: a crate of its own that depends on freeclone as a user's does,
//! built exactly as the README's "Your own freestanding program" says (stable where the
//! target has a stable rust-std, nightly's build-std elsewhere), whose files the README
//! must show verbatim. Per architecture, it is built and run on each tier through the
//! runner users have ([`run`]); freeclone-mem's objects must refer to nothing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use xtask::arches::{Arch, Machine};
use xtask::run;
use xtask::util::{run_status, run_with_timeout};

use super::conformance::RUN_TIMEOUT;
use super::{Row, RunResult, runs_here};
use crate::{build, timed};

/// The template's files that the README shows whole.
const SHOWN_FILES: [&str; 3] = ["Cargo.toml", ".cargo/config.toml", "src/main.rs"];

/// The README's build commands, as the xtask runs them (`cargo +<toolchain> build ...`).
const STABLE_BUILD: [&str; 4] = ["build", "--release", "--target", "<target>"];
const NIGHTLY_EXTRA: &str = "-Zbuild-std=core";

/// The status the template is asked to exit with: its child's, passed through.
pub const EXIT_STATUS: i32 = 3;

pub fn dir(root: &Path) -> PathBuf {
    root.join("examples").join("template")
}

/// The README shows each of the template's files verbatim, its two build commands, and a
/// cargo-runner snippet that adds to the template's config.
pub fn check_readme(root: &Path) -> Result<(), String> {
    let readme = std::fs::read_to_string(root.join("README.md")).map_err(|error| format!("README.md: {error}"))?;
    let mut missing = Vec::new();
    for file in SHOWN_FILES {
        let path = dir(root).join(file);
        let text = std::fs::read_to_string(&path).map_err(|error| format!("{}: {error}", path.display()))?;
        if !readme.contains(&text) {
            missing.push(format!("examples/template/{file} (its whole text)"));
        }
    }
    for toolchain in ["stable", "nightly"] {
        let command = build_command_text(toolchain);
        if !readme.contains(&command) {
            missing.push(format!("the command `{command} ...`"));
        }
    }
    if !readme.contains(NIGHTLY_EXTRA) {
        missing.push(format!("the nightly flag {NIGHTLY_EXTRA}"));
    }
    if let Err(error) = runner_snippet(root) {
        missing.push(format!("a runner snippet that adds to the template's config ({error})"));
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("the README and examples/template disagree: the README does not show {}", missing.join(", ")))
    }
}

/// The bodies of the ```` ```<language> ```` blocks in the README's section `heading`
/// (a `## ` line), in order: what the README tells a user to run or write, for the test
/// run to run or write as it is.
pub fn readme_blocks(readme: &str, heading: &str, language: &str) -> Result<Vec<String>, String> {
    let start = readme
        .lines()
        .position(|line| line == heading)
        .ok_or_else(|| format!("README.md has no section `{heading}`"))?;
    let mut blocks = Vec::new();
    let mut block: Option<String> = None;
    for line in readme.lines().skip(start + 1).take_while(|line| !line.starts_with("## ")) {
        match &mut block {
            None if line.strip_prefix("```") == Some(language) => block = Some(String::new()),
            None => {}
            Some(_) if line == "```" => blocks.extend(block.take()),
            Some(text) => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    Ok(blocks)
}

/// `cargo +<toolchain> build --release --target`, the README's words up to the target.
fn build_command_text(toolchain: &str) -> String {
    format!("cargo +{toolchain} {}", STABLE_BUILD[..3].join(" "))
}

/// Where link-time optimisation is proven on top of the README's build: a stable
/// target of each word size and a nightly (build-std) one.
pub const LTO_ARCHES: [&str; 3] = ["x86_64", "aarch64", "mipsel"];

/// Builds the template for `arch` as the README says and returns the binary; with
/// `lto` (`"fat"`, `"thin"`), as a user who sets the release profile's `lto` does.
pub fn build(root: &Path, arch: &Arch, lto: Option<&str>) -> Result<PathBuf, String> {
    let target = arch.rust_target.as_deref().ok_or_else(|| format!("{} has no Rust target", arch.name))?;
    let mut command = cargo(root, arch, "build", lto)?;
    run_status(&mut command).map_err(|error| format!("the template for {} ({target}, lto {lto:?}): {error}", arch.name))?;
    Ok(target_dir(root, lto).join(target).join("release").join("template"))
}

/// Where a build of the template goes: one directory per `lto` setting.
fn target_dir(root: &Path, lto: Option<&str>) -> PathBuf {
    root.join("target").join(match lto {
        None => "template".to_string(),
        Some(lto) => format!("template-lto-{lto}"),
    })
}

/// `cargo +<toolchain> <subcommand> --release --target <target>` in the template, as
/// the README says (`run` in place of `build` for the cargo runner), with the release
/// profile's `lto` set to `lto` if given.
pub fn cargo(root: &Path, arch: &Arch, subcommand: &str, lto: Option<&str>) -> Result<Command, String> {
    let target = arch.rust_target.as_deref().ok_or_else(|| format!("{} has no Rust target", arch.name))?;
    let toolchain = if arch.stable_rust_std { "stable" } else { "nightly" };
    let mut command = build::rustup_cargo(toolchain);
    command
        .current_dir(dir(root))
        .arg("--quiet")
        .args(STABLE_BUILD.map(|word| match word {
            "<target>" => target,
            "build" => subcommand,
            word => word,
        }));
    if !arch.stable_rust_std {
        command.arg(NIGHTLY_EXTRA);
    }
    // Only where the output goes differs from the README: nothing of the caller's own
    // settings leaks in (see rustup_cargo).
    command.env("CARGO_TARGET_DIR", target_dir(root, lto));
    if let Some(lto) = lto {
        command.env("CARGO_PROFILE_RELEASE_LTO", lto);
    }
    Ok(command)
}

/// The README's cargo-runner snippet (section "Running your own binary"), which a user
/// adds to the template's `.cargo/config.toml`: the two must still parse as one file
/// (no key defined twice). Returns the snippet, for `cargo --config`.
pub fn runner_snippet(root: &Path) -> Result<String, String> {
    let readme = std::fs::read_to_string(root.join("README.md")).map_err(|error| format!("README.md: {error}"))?;
    let snippet = readme_blocks(&readme, "## Running your own binary", "toml")?
        .into_iter()
        .find(|block| block.contains("runner = "))
        .ok_or("README.md's \"Running your own binary\" shows no `runner = ` snippet")?;
    let config_path = dir(root).join(".cargo/config.toml");
    let config = std::fs::read_to_string(&config_path).map_err(|error| format!("{}: {error}", config_path.display()))?;
    format!("{config}\n{snippet}")
        .parse::<toml::Table>()
        .map_err(|error| format!("the template's .cargo/config.toml with the README's runner snippet added: {error}"))?;
    Ok(snippet)
}

/// freeclone-mem, the one crate built without builtins, is linked outside link-time
/// optimisation: its objects in the template's build (next to `binary`) must refer to
/// no symbol at all, or an LTO build, which internalises other crates' symbols, cannot
/// link. Returns how many objects were checked.
pub fn check_mem_has_no_undefined_symbols(binary: &Path) -> Result<usize, String> {
    use object::{Object, ObjectSymbol};
    let deps = binary.parent().map(|release| release.join("deps")).ok_or("no build directory")?;
    let entries = std::fs::read_dir(&deps).map_err(|error| format!("{}: {error}", deps.display()))?;
    let mut checked = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !(name.starts_with("libfreeclone_mem-") && name.ends_with(".rlib")) {
            continue;
        }
        let data = std::fs::read(entry.path()).map_err(|error| format!("{name}: {error}"))?;
        let archive = object::read::archive::ArchiveFile::parse(&*data).map_err(|error| format!("{name}: {error}"))?;
        for member in archive.members() {
            let member = member.map_err(|error| format!("{name}: {error}"))?;
            let member_name = String::from_utf8_lossy(member.name()).into_owned();
            if !member_name.ends_with(".o") {
                continue;
            }
            let bytes = member.data(&*data).map_err(|error| format!("{name}({member_name}): {error}"))?;
            let file = object::File::parse(bytes).map_err(|error| format!("{name}({member_name}): {error}"))?;
            // ARM EHABI's personality routines are named by R_ARM_NONE markers in the
            // unwind index: never called, nothing to link (a non-LTO build shows it).
            // The linker itself defines the TOC and GOT bases that PIC-style code on
            // powerpc64 and mips refers to.
            let marker = |name: &str| {
                name.starts_with("__aeabi_unwind_cpp_pr") || [".TOC.", "_GLOBAL_OFFSET_TABLE_", "_gp_disp", "__gnu_local_gp"].contains(&name)
            };
            let undefined: Vec<String> = file
                .symbols()
                .filter(|symbol| symbol.is_undefined() && !symbol.name().unwrap_or("").is_empty() && !marker(symbol.name().unwrap_or("")))
                .map(|symbol| symbol.name().unwrap_or("?").to_string())
                .collect();
            if !undefined.is_empty() {
                return Err(format!("{name}({member_name}) refers to {undefined:?}: an LTO build cannot link it"));
            }
            checked += 1;
        }
    }
    if checked == 0 { Err(format!("no freeclone-mem object in {}", deps.display())) } else { Ok(checked) }
}

/// Builds examples/template as the README says and runs it with an argument that sets
/// its exit status, on each tier: one case per tier. Checks that freeclone-mem's
/// objects refer to nothing; on [`LTO_ARCHES`] builds it again with
/// `lto = "fat"` and `"thin"` and runs each on the first tier that runs it directly.
pub(crate) fn run(root: &Path, arch: &Arch, machines: &[Machine], results: &mut Vec<RunResult>) {
    let name = format!("{} template", arch.name);
    println!("build: examples/template for {} as the README says", arch.name);
    let binary = match build(root, arch, None) {
        Ok(binary) => binary,
        Err(error) => return results.push(RunResult::error(&name, Row::Build, error)),
    };
    let mut mem = RunResult::new(&name, Row::Build);
    match check_mem_has_no_undefined_symbols(&binary) {
        Ok(objects) => println!("  {name}: freeclone-mem's {objects} object(s) refer to no symbol"),
        Err(error) => mem.error = Some(error),
    }
    results.push(mem);
    for &machine in machines {
        if !runs_here(arch, machine, &binary) {
            continue;
        }
        if machine == Machine::Kernel {
            results.push(timed(&format!("{name} kernel through cargo run"), || through_cargo_runner(root, arch)));
        } else {
            results.push(run_one(arch, machine, &binary, &name));
        }
    }
    if !LTO_ARCHES.contains(&arch.name.as_str()) {
        return;
    }
    let Some(&machine) = machines.iter().find(|machine| **machine != Machine::Kernel && arch.direct_command(**machine, &binary).is_some()) else {
        return;
    };
    for lto in ["fat", "thin"] {
        let name = format!("{} template lto={lto}", arch.name);
        println!("build: examples/template for {} with lto = \"{lto}\"", arch.name);
        match build(root, arch, Some(lto)) {
            Ok(binary) => results.push(run_one(arch, machine, &binary, &name)),
            Err(error) => results.push(RunResult::error(&name, Row::Build, error)),
        }
    }
}

/// Runs a template build through the runner users have (`cargo xtask run --arch A
/// --tier T <binary> 3`): one case.
fn run_one(arch: &Arch, tier: Machine, binary: &Path, name: &str) -> RunResult {
    let args = run::RunArgs {
        arch: Some(arch.name.clone()),
        tier: Some(tier),
        timeout: Some(RUN_TIMEOUT.as_secs()),
        binary: binary.to_path_buf(),
        args: vec![EXIT_STATUS.to_string().into()],
    };
    println!("run: cargo xtask run --arch {} --tier {} {} {}", arch.name, tier.name(), binary.display(), EXIT_STATUS);
    let start = Instant::now();
    let mut result = RunResult::new(name, Row::Machine(tier));
    match run::run(&args) {
        Ok(status) if i32::from(status) == EXIT_STATUS => result.passed = 1,
        Ok(status) => {
            println!("  FAIL {name} {}: the run ended with {status}, not the child's {}", tier.name(), EXIT_STATUS);
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
fn through_cargo_runner(root: &Path, arch: &Arch) -> RunResult {
    let mut result = RunResult::new(&format!("{} template", arch.name), Row::Machine(Machine::Kernel));
    let started = Instant::now();
    let outcome = (|| -> Result<Option<i32>, String> {
        let snippet = runner_snippet(root)?;
        let config = root.join("target").join("template").join("runner-snippet.toml");
        std::fs::create_dir_all(config.parent().expect("a file in a directory")).map_err(|error| error.to_string())?;
        std::fs::write(&config, &snippet).map_err(|error| format!("{}: {error}", config.display()))?;
        let mut build = Command::new("rustup");
        build.current_dir(root).args(["run", "stable", "cargo", "build", "--quiet", "--package", "freeclone-run"]);
        run_status(build.env_remove("RUSTUP_TOOLCHAIN").env_remove("CARGO"))?;
        let bin = root.join("target").join("debug");
        let path = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())))
            .map_err(|error| error.to_string())?;
        let mut command = cargo(root, arch, "run", None)?;
        command.arg("--config").arg(&config).arg("--").arg(EXIT_STATUS.to_string()).env("PATH", path);
        println!("run: cargo run --target {} -- {} (runner: the README's snippet)", arch.rust_target.as_deref().unwrap_or_default(), EXIT_STATUS);
        let finished = run_with_timeout(&mut command, RUN_TIMEOUT)?;
        print!("{}", finished.output);
        Ok(finished.code)
    })();
    match outcome {
        Ok(Some(code)) if code == EXIT_STATUS => result.passed = 1,
        Ok(code) => {
            println!("  FAIL {} template kernel: cargo run ended with {code:?}, not the child's {}", arch.name, EXIT_STATUS);
            result.failed = 1;
        }
        Err(error) => result.error = Some(error),
    }
    result.seconds = started.elapsed().as_secs_f64();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_packaged_crate_has_its_licenses_and_none_of_the_repository_tooling() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let output = std::process::Command::new(env!("CARGO"))
            .current_dir(root)
            .args(["package", "--list", "--allow-dirty", "--package", "freeclone"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let files = String::from_utf8(output.stdout).unwrap();
        let files: Vec<&str> = files.lines().collect();
        for wanted in ["LICENSE-MIT", "LICENSE-APACHE", "README.md", "src/lib.rs", "src/rt/mem.rs", "arch/README.md"] {
            assert!(files.contains(&wanted), "the package lacks {wanted}: {files:?}");
        }
        for unwanted in [".ci/", ".cargo/", "bench/", "tests/", "xtask/", "examples/template/"] {
            assert!(!files.iter().any(|file| file.starts_with(unwanted)), "the package ships {unwanted}: {files:?}");
        }
    }

    #[test]
    fn readme_blocks_are_the_fenced_bodies_of_one_section() {
        let readme = "## A\n```sh\nno\n```\n## B\ntext\n```sh\none\ntwo\n```\n```toml\nx = 1\n```\n```sh\nthree\n```\n## C\n```sh\nno\n```\n";
        assert_eq!(readme_blocks(readme, "## B", "sh").unwrap(), ["one\ntwo\n", "three\n"]);
        assert_eq!(readme_blocks(readme, "## B", "toml").unwrap(), ["x = 1\n"]);
        assert!(readme_blocks(readme, "## D", "sh").is_err());
    }

    /// The README's install command names a package whose name and binary are both
    /// `freeclone-run` (what `cargo install --list` then shows).
    #[test]
    fn the_readme_installs_freeclone_run_as_itself() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
        let command = "cargo install --path <freeclone checkout>/";
        let line = readme.lines().find(|line| line.starts_with(command)).expect("the README's install command");
        let path = line[command.len()..].strip_suffix(" --locked").expect("--locked, then nothing");
        let manifest: toml::Table = std::fs::read_to_string(root.join(path).join("Cargo.toml")).unwrap().parse().unwrap();
        assert_eq!(manifest["package"]["name"].as_str(), Some("freeclone-run"));
        let bins = manifest["bin"].as_array().unwrap();
        assert_eq!(bins.iter().map(|bin| bin["name"].as_str().unwrap()).collect::<Vec<_>>(), ["freeclone-run"]);
    }

    #[test]
    fn the_readme_s_runner_snippet_adds_to_the_recipe_s_config() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        assert!(runner_snippet(root).unwrap().contains("freeclone-run"));
    }

    #[test]
    fn the_readme_shows_the_template() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        check_readme(root).unwrap();
    }
}
