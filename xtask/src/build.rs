//! Freestanding static binaries for a target: nightly with build-std (one path for every
//! target, tier 3 included) and the README's linker settings; no C toolchain.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::arches::Arch;
use crate::util::run_status;

/// The README's recipe for a freestanding program, as rustc flags: rust-lld links a
/// static, non-PIE executable whose entry is `rt`'s `_start`. `examples/template`'s
/// `.cargo/config.toml` says the same per target, and `cargo xtask test` checks that
/// the README shows that file.
pub const RECIPE_RUSTFLAGS: [&str; 3] = ["-Clinker=rust-lld", "-Crelocation-model=static", "-Ctarget-feature=+crt-static"];

/// The recipe's flags for `arch`, as its line in examples/template's
/// `.cargo/config.toml` says them: rust-lld, or the GNU linker its targets.toml names
/// where rust-lld cannot link the target; then the target's extra flags.
pub fn recipe_rustflags(arch: &Arch) -> Vec<String> {
    let mut rustflags: Vec<String> = Vec::new();
    match &arch.linker {
        Some(linker) => {
            rustflags.push(format!("-Clinker={}", linker.command));
            rustflags.push("-Clinker-flavor=ld".to_string());
        }
        None => rustflags.push(RECIPE_RUSTFLAGS[0].to_string()),
    }
    rustflags.extend(RECIPE_RUSTFLAGS[1..].iter().map(|flag| flag.to_string()));
    rustflags.extend(arch.rustflags.iter().cloned());
    rustflags
}

/// The README's nightly flag for targets without a stable rust-std: `core` built from
/// source (compiler_builtins comes with it; `entry!` supplies the memory functions).
pub const NIGHTLY_BUILD_STD: &str = "-Zbuild-std=core";

/// `rustup run <toolchain> cargo`, with none of the caller's own cargo and rustc
/// settings (`RUSTFLAGS`, `CARGO_ENCODED_RUSTFLAGS`, the toolchain and the cargo that
/// runs `cargo xtask`) leaking in.
pub fn rustup_cargo(toolchain: &str) -> Command {
    let mut command = Command::new("rustup");
    command
        .args(["run", toolchain, "cargo"])
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("CARGO");
    command
}

/// What to build: the conformance program, or one of the library's examples.
pub enum Program<'a> {
    Conformance,
    Example(&'a str),
    /// A program under bench/: the package and its binary share this name.
    Bench(&'a str),
    /// The C ABI's static library (`capi/`): `libfreeclone_capi.a`.
    CApi,
}

/// The target directory for freestanding builds, apart from the host's.
pub fn target_dir(root: &Path) -> PathBuf {
    root.join("target").join("freestanding")
}

/// Builds `program` for `arch` (release) and returns the binary's path.
pub fn freestanding(root: &Path, arch: &Arch, program: Program<'_>) -> Result<PathBuf, String> {
    freestanding_into(root, &target_dir(root), arch, program)
}

/// As [`freestanding`], for the workspace at `root` (a copy of it, for `cargo xtask
/// mutants`) with the build in `target_dir`.
pub fn freestanding_into(root: &Path, target_dir: &Path, arch: &Arch, program: Program<'_>) -> Result<PathBuf, String> {
    let target = arch
        .rust_target
        .as_deref()
        .ok_or_else(|| format!("{} has no Rust target", arch.name))?;
    let rustflags = recipe_rustflags(arch);
    let mut command = rustup_cargo("nightly");
    command
        .current_dir(root)
        .args(["build", "--quiet", "--release", "--target", target])
        .arg(NIGHTLY_BUILD_STD)
        .arg("--target-dir")
        .arg(target_dir)
        .env("CARGO_ENCODED_RUSTFLAGS", rustflags.join("\x1f"));
    let binary_name = match program {
        Program::Conformance => {
            command.args(["--package", "conformance", "--bin", "conformance"]);
            "conformance".to_string()
        }
        Program::Example(name) => {
            command.args(["--package", "freeclone", "--features", "rt", "--example", name]);
            format!("examples/{name}")
        }
        Program::Bench(name) => {
            command.args(["--package", name, "--bin", name]);
            name.to_string()
        }
        Program::CApi => {
            command.args(["--package", "freeclone-capi", "--lib"]);
            "libfreeclone_capi.a".to_string()
        }
    };
    run_status(&mut command).map_err(|error| format!("build for {} ({target}) failed: {error}", arch.name))?;
    Ok(target_dir.join(target).join("release").join(binary_name))
}

/// Checks the library for the host with its declared `rust-version` and every feature
/// on: the declaration is what is built.
pub fn declared_rust_version_library(root: &Path) -> Result<(), String> {
    let version = xtask::setup::declared_rust_version()?;
    let mut command = rustup_cargo(&version);
    command
        .current_dir(root)
        .args(["check", "--quiet", "--lib", "--package", "freeclone", "--features", "rt,probes"])
        .arg("--target-dir")
        .arg(root.join("target").join("rust-version"));
    run_status(&mut command).map_err(|error| format!("the library with its declared rust-version {version} failed: {error}"))
}

/// Builds the library alone with the stable toolchain, every feature on, to prove it
/// needs no nightly feature on this target.
pub fn stable_library(root: &Path, arch: &Arch) -> Result<(), String> {
    let target = arch.rust_target.as_deref().unwrap_or_default();
    let mut command = rustup_cargo("stable");
    command
        .current_dir(root)
        .args(["build", "--quiet", "--lib", "--package", "freeclone"])
        .args(["--features", "rt,probes", "--target", target])
        .arg("--target-dir")
        .arg(root.join("target").join("stable"));
    run_status(&mut command).map_err(|error| format!("stable build of the library for {} ({target}) failed: {error}", arch.name))
}
