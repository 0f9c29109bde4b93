//! `cargo xtask setup`: installs what the selected architectures need and nothing
//! else. Every step says what it does; a failed step names the package and the
//! command to run by hand. Running it twice does nothing the second time.

use std::process::Command;

use crate::arches::{Arch, Machine};
use crate::util::{command_exists, output_of, run_status};

/// Where Debian's qemu 10 comes from: see docs/tiers.md, "Where QEMU comes from".
const BACKPORTS_SUITE: &str = "bookworm-backports";
const BACKPORTS_SOURCE_FILE: &str = "/etc/apt/sources.list.d/freeclone-backports.sources";

/// What the selection needs beyond the Rust toolchains.
#[derive(Default)]
pub struct Needs {
    pub qemu_user: bool,
    pub ia64_binutils: bool,
    /// (Debian package, command) for each qemu-system the kernel tier boots.
    pub qemu_system: Vec<(String, String)>,
}

impl Needs {
    /// What running `arches` on `machines` needs: qemu-user for tier user, each kernel's
    /// qemu-system for tier kernel, and ia64's binutils for its build checks.
    pub fn for_machines(arches: &[Arch], machines: &[Machine]) -> Needs {
        let qemu_system = if machines.contains(&Machine::Kernel) {
            arches.iter().filter_map(|arch| arch.kernel.as_ref()).map(|spec| (spec.qemu_package.clone(), spec.qemu_system.clone())).collect()
        } else {
            Vec::new()
        };
        Needs {
            qemu_user: machines.contains(&Machine::User),
            ia64_binutils: arches.iter().any(|arch| arch.rust_target.is_none()),
            qemu_system,
        }
    }
}

/// Everything `cargo xtask` needs for `arches`: the Rust toolchains that build the
/// programs, then the tools that run them ([`install_tools`]).
pub fn run(arches: &[Arch], needs: &Needs) -> Result<(), String> {
    ensure_nightly_rust_src()?;
    ensure_toolchain(&declared_rust_version()?)?;
    for arch in arches.iter().filter(|arch| arch.stable_rust_std) {
        if let Some(target) = &arch.rust_target {
            ensure_stable_target(target, "the library must build on stable")?;
        }
    }
    install_tools(arches, needs)
}

/// The Debian packages that provide the commands `needs` names for `arches` (qemu-user,
/// qemu-system, ia64 binutils) and the linkers that `arches` build with where rust-lld
/// cannot (powerpc64's binutils), installed unless the commands are already on PATH.
pub fn install_tools(arches: &[Arch], needs: &Needs) -> Result<(), String> {
    let mut packages: Vec<(String, String)> = Vec::new();
    for linker in arches.iter().filter_map(|arch| arch.linker.as_ref()) {
        if !command_exists(&linker.command) {
            packages.push((linker.package.clone(), linker.command.clone()));
        }
    }
    if needs.qemu_user {
        for arch in arches {
            if let Some(qemu) = &arch.qemu_user
                && !command_exists(qemu)
            {
                packages.push(("qemu-user".into(), qemu.clone()));
            }
        }
    }
    if needs.ia64_binutils && !command_exists("ia64-linux-gnu-as") {
        packages.push(("binutils-ia64-linux-gnu".into(), "ia64-linux-gnu-as".into()));
    }
    for (package, command) in &needs.qemu_system {
        if !command_exists(command) {
            packages.push((package.clone(), command.clone()));
        }
    }
    packages.sort();
    packages.dedup_by(|a, b| a.0 == b.0);
    if !packages.is_empty() {
        let names: Vec<String> = packages.iter().map(|(package, _)| package.clone()).collect();
        install_debian_packages(&names)?;
        for (package, command) in &packages {
            if !command_exists(command) {
                return Err(format!(
                    "package {package} was installed but `{command}` is still not on PATH"
                ));
            }
        }
    }
    Ok(())
}

fn ensure_nightly_rust_src() -> Result<(), String> {
    let installed = output_of(Command::new("rustup").args(["component", "list", "--installed", "--toolchain", "nightly"]))
        .map_err(|error| {
            format!(
                "the nightly toolchain is needed to build the test programs (build-std): {error}\n\
                 install it with: rustup toolchain install nightly --profile minimal --component rust-src"
            )
        })?;
    if installed.lines().any(|line| line.starts_with("rust-src")) {
        return Ok(());
    }
    eprintln!("setup: adding rust-src to the nightly toolchain (build-std needs core's source)");
    run_status(Command::new("rustup").args(["component", "add", "rust-src", "--toolchain", "nightly"]))
        .map_err(|error| format!("{error}\nrun by hand: rustup component add rust-src --toolchain nightly"))
}

/// The `rust-version` the library's Cargo.toml declares.
pub fn declared_rust_version() -> Result<String, String> {
    let manifest: toml::Table = include_str!("../../Cargo.toml").parse().map_err(|error| format!("Cargo.toml: {error}"))?;
    manifest
        .get("package")
        .and_then(|package| package.get("rust-version"))
        .and_then(|version| version.as_str())
        .map(str::to_string)
        .ok_or_else(|| "Cargo.toml declares no package.rust-version".into())
}

/// The toolchain `version` (the library's declared `rust-version`), minimal profile.
fn ensure_toolchain(version: &str) -> Result<(), String> {
    let installed = output_of(Command::new("rustup").args(["toolchain", "list"]))?;
    if installed.lines().any(|line| line.starts_with(&format!("{version}-"))) {
        return Ok(());
    }
    eprintln!("setup: installing Rust {version}, the library's declared rust-version");
    run_status(Command::new("rustup").args(["toolchain", "install", version, "--profile", "minimal"]))
        .map_err(|error| format!("{error}\nrun by hand: rustup toolchain install {version} --profile minimal"))
}

/// Adds the stable rust-std for `target` unless it is installed; `why` is said when
/// it is added.
pub fn ensure_stable_target(target: &str, why: &str) -> Result<(), String> {
    let installed = output_of(Command::new("rustup").args(["target", "list", "--installed", "--toolchain", "stable"]))?;
    if installed.lines().any(|line| line.trim() == target) {
        return Ok(());
    }
    eprintln!("setup: adding the stable rust-std for {target} ({why})");
    run_status(Command::new("rustup").args(["target", "add", "--toolchain", "stable", target]))
        .map_err(|error| format!("{error}\nrun by hand: rustup target add --toolchain stable {target}"))
}

/// Installs `packages` from bookworm-backports (adding that suite to apt's sources if
/// needed), as root; an error names the packages and the commands to run by hand.
pub fn install_debian_packages(packages: &[String]) -> Result<(), String> {
    let list = packages.join(" ");
    let by_hand = format!(
        "run by hand (as root): add {BACKPORTS_SUITE} to apt's sources, apt-get update, \
         apt-get install -t {BACKPORTS_SUITE} {list}"
    );
    if !command_exists("apt-get") {
        return Err(format!("missing packages {list}, and this machine has no apt-get; {by_hand}"));
    }
    ensure_backports_source().map_err(|error| format!("{error}\n{by_hand}"))?;
    eprintln!("setup: apt-get update (package lists for {BACKPORTS_SUITE})");
    // An index of a foreign architecture or of the security suite may fail to load; what
    // matters is whether the packages resolve, which the install below checks.
    if let Err(error) = run_status(Command::new("apt-get").args(["update", "-qq"])) {
        eprintln!("setup: apt-get update reported an error ({error}); trying the install anyway");
    }
    eprintln!("setup: installing {list} from {BACKPORTS_SUITE}");
    let mut install = Command::new("apt-get");
    install
        .args(["install", "-y", "-qq", "--no-install-recommends", "-t", BACKPORTS_SUITE])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive");
    run_status(&mut install).map_err(|error| format!("installing {list} failed: {error}\n{by_hand}"))
}

/// Adds bookworm-backports to apt's sources (deb822), with the mirror of the existing
/// bookworm entry, unless some source already names it.
fn ensure_backports_source() -> Result<(), String> {
    if crate::debian::apt_sources().iter().any(|text| text.contains(BACKPORTS_SUITE)) {
        return Ok(());
    }
    let mirror = crate::debian::system_mirror();
    eprintln!("setup: adding {BACKPORTS_SUITE} ({mirror}) to apt's sources in {BACKPORTS_SOURCE_FILE}");
    let stanza = format!(
        "Types: deb\nURIs: {mirror}\nSuites: {BACKPORTS_SUITE}\nComponents: main\n\
         Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
    );
    std::fs::write(BACKPORTS_SOURCE_FILE, stanza)
        .map_err(|error| format!("cannot write {BACKPORTS_SOURCE_FILE}: {error}"))
}
