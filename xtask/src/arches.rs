//! The architecture list: every `arch/<folder>/targets.toml`, each naming one or more
//! architectures built from that folder. The files are embedded at build time (see
//! `xtask/build.rs`), so the installed `freeclone-run` knows them without the tree.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use clap::ValueEnum;
use serde::Deserialize;

use crate::elf::{self, BinaryHeader, ElfIdentity};

include!(concat!(env!("OUT_DIR"), "/arch_tables.rs"));

/// One architecture as `cargo xtask` builds and runs it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Arch {
    #[serde(skip)]
    pub name: String,
    /// The Rust target triple; absent for an assembly-only architecture (ia64).
    pub rust_target: Option<String>,
    /// What its binaries' ELF header says, for recognising a binary's architecture.
    pub elf: ElfIdentity,
    /// The qemu-user emulator that runs the target's binaries.
    pub qemu_user: Option<String>,
    /// The CPU qemu-user emulates (`-cpu`), where its default would accept code that
    /// the target's own CPUs do not run (armv5te on qemu-arm's ARMv7 default).
    pub qemu_user_cpu: Option<String>,
    /// Whether a stable rust-std exists for the target (the library must build on it).
    #[serde(default)]
    pub stable_rust_std: bool,
    /// Host architectures (Rust's names) that run the binaries natively.
    #[serde(default)]
    pub native_hosts: Vec<String>,
    /// Extra rustc flags for the freestanding builds of this target.
    #[serde(default)]
    pub rustflags: Vec<String>,
    /// The linker in place of the recipe's rust-lld, where rust-lld cannot link the
    /// target (powerpc64's ELFv1), and the Debian package that provides it.
    pub linker: Option<Linker>,
    /// How to boot a real kernel of this architecture (tier `kernel`), where Debian
    /// ships one.
    pub kernel: Option<crate::kernel::KernelSpec>,
    /// How to build glibc's clone tests for this architecture (tier `peer`), where
    /// Debian has a gcc and a glibc for it.
    pub peer: Option<PeerSpec>,
}

/// `[<arch>.peer]` in targets.toml: Debian's C toolchain for the architecture, which
/// compiles glibc's clone tests for the peer tier.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerSpec {
    /// Debian's GNU triple: the cross gcc is `<gnu_triple>-gcc-<version>` from
    /// `gcc-<gnu_triple>`.
    pub gnu_triple: String,
    /// Debian's architecture name: the C library comes from `libc6-dev-<debian_arch>-cross`.
    pub debian_arch: String,
    /// The host's own gcc and libc6-dev build it (no cross packages).
    #[serde(default)]
    pub host_gcc: bool,
    /// glibc's `sysdeps/` directories for the architecture's `stackinfo.h` and
    /// `tst-stack-align.h`, most specific first (`generic` is always last).
    pub glibc_sysdeps: Vec<String>,
    /// Extra gcc flags (`-mthumb`, ...).
    #[serde(default)]
    pub cflags: Vec<String>,
    /// Extra rustc flags for the C ABI's static library on this architecture (built
    /// into `target/capi` then, apart from the freestanding programs).
    #[serde(default)]
    pub capi_rustflags: Vec<String>,
    /// The Debian suite whose amd64 packages hold the cross toolchain, where the
    /// system's (bookworm) has none: read through a private apt configuration, and run
    /// on that suite's own C library and dynamic loader, unpacked alongside (its
    /// binaries need a newer glibc than the host's).
    #[serde(default)]
    pub suite: Option<String>,
}

/// A GNU linker that links a target rust-lld cannot (`-Clinker=<command>
/// -Clinker-flavor=ld`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Linker {
    pub command: String,
    pub package: String,
}

/// Where a program runs: the machines of the tiers user, native and kernel (the peer
/// tier runs on them too). `freeclone-run --tier` takes one.
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Debug, ValueEnum)]
pub enum Machine {
    /// Under qemu-user, which emulates the CPU and implements clone itself.
    User,
    /// Directly on the host, for the architectures the host runs natively.
    Native,
    /// As /init of the architecture's real Linux kernel under qemu-system.
    Kernel,
}

impl Machine {
    /// Every machine, in the order the tiers run.
    pub const ALL: [Machine; 3] = [Machine::User, Machine::Native, Machine::Kernel];

    pub fn name(self) -> &'static str {
        match self {
            Machine::User => "user",
            Machine::Native => "native",
            Machine::Kernel => "kernel",
        }
    }
}

impl Arch {
    /// Whether this architecture runs binaries with `header`.
    pub fn runs(&self, header: &BinaryHeader) -> bool {
        self.elf == header.identity && elf::unsupported_abi(header).is_none()
    }

    pub fn runs_natively(&self) -> bool {
        self.native_hosts.iter().any(|host| host == std::env::consts::ARCH)
    }

    /// The machines that can run this architecture's binaries on this host.
    pub fn machines(&self) -> Vec<Machine> {
        let mut tiers = Vec::new();
        if self.qemu_user.is_some() {
            tiers.push(Machine::User);
        }
        if self.runs_natively() {
            tiers.push(Machine::Native);
        }
        if self.kernel.is_some() {
            tiers.push(Machine::Kernel);
        }
        tiers
    }

    /// The command that runs `binary` on `tier` without a kernel to boot (user, native),
    /// if that tier can run this architecture. Arguments are the caller's to add.
    pub fn direct_command(&self, tier: Machine, binary: &Path) -> Option<Command> {
        match tier {
            Machine::Kernel => None,
            Machine::User => {
                let mut command = Command::new(self.qemu_user.as_ref()?);
                if let Some(cpu) = &self.qemu_user_cpu {
                    command.args(["-cpu", cpu]);
                }
                command.arg(binary);
                Some(command)
            }
            Machine::Native => self.runs_natively().then(|| Command::new(binary)),
        }
    }
}

/// Every architecture, in a stable order: the folders' order, then each file's order.
pub fn all() -> Result<Vec<Arch>, String> {
    let mut arches = Vec::new();
    for (folder, text) in ARCH_TABLES {
        let file = format!("arch/{folder}/targets.toml");
        let table: toml::Table = toml::from_str(text).map_err(|error| format!("{file}: {error}"))?;
        // Keep the file's order, which toml::Table (sorted) would lose.
        let mut order: Vec<(usize, String)> = table
            .keys()
            .map(|name| (text.find(&format!("[{name}]")).unwrap_or(usize::MAX), name.clone()))
            .collect();
        order.sort();
        let mut parsed: BTreeMap<String, Arch> = BTreeMap::new();
        for (name, value) in table {
            let mut arch: Arch = value.try_into().map_err(|error| format!("{file}: [{name}]: {error}"))?;
            arch.name = name.clone();
            parsed.insert(name, arch);
        }
        for (_, name) in order {
            arches.extend(parsed.remove(&name));
        }
    }
    Ok(arches)
}

/// The architecture a binary is for: the first in `arches` that runs it, so that ARM
/// binaries are `arm` whether they were built for armv7, thumbv7neon or armv5te.
pub fn architecture_of<'a>(header: &BinaryHeader, arches: &'a [Arch]) -> Result<&'a Arch, String> {
    if let Some(abi) = elf::unsupported_abi(header) {
        return Err(format!("a {abi} binary"));
    }
    arches.iter().find(|arch| arch.runs(header)).ok_or_else(|| {
        let known: Vec<String> = arches.iter().map(|arch| format!("{} ({})", arch.name, arch.elf)).collect();
        format!("an {} binary, which no architecture of freeclone's describes; known: {}", header.identity, known.join(", "))
    })
}

/// The architectures `--arch` names (all of them when `None`), or an error naming the
/// unknown ones and the known ones.
pub fn select(all: &[Arch], names: Option<&[String]>) -> Result<Vec<Arch>, String> {
    let Some(names) = names else { return Ok(all.to_vec()) };
    let mut selected = Vec::new();
    for name in names {
        match all.iter().find(|arch| &arch.name == name) {
            Some(arch) => selected.push(arch.clone()),
            None => {
                let known: Vec<&str> = all.iter().map(|arch| arch.name.as_str()).collect();
                return Err(format!("unknown architecture `{name}`; known: {}", known.join(", ")));
            }
        }
    }
    Ok(selected)
}

#[cfg(test)]
mod tests {
    use object::elf::{EF_MIPS_ABI_O32, EF_MIPS_ABI2, EM_386, EM_AARCH64, EM_ARM, EM_IA_64, EM_LOONGARCH, EM_MIPS, EM_RISCV, EM_S390, EM_X86_64};

    use super::*;
    use crate::elf::ByteOrder;
    use crate::elf::tests::{executable, identity};

    fn architecture_name(identity: ElfIdentity, flags: u32) -> Result<String, String> {
        let arches = all().unwrap();
        let header = elf::parse(&executable(identity, flags, None, &[0; 4]))?;
        architecture_of(&header, &arches).map(|arch| arch.name.clone())
    }

    #[test]
    fn every_architecture_is_recognised_by_machine_class_and_byte_order() {
        use ByteOrder::{Big, Little};
        for (machine, class, order, expected) in [
            (EM_X86_64, 64, Little, "x86_64"),
            (EM_386, 32, Little, "i386"),
            (EM_AARCH64, 64, Little, "aarch64"),
            (EM_ARM, 32, Little, "arm"),
            (EM_MIPS, 32, Big, "mips"),
            (EM_MIPS, 32, Little, "mipsel"),
            (EM_MIPS, 64, Big, "mips64"),
            (EM_MIPS, 64, Little, "mips64el"),
            (EM_S390, 64, Big, "s390x"),
            (EM_RISCV, 64, Little, "riscv64"),
            (EM_LOONGARCH, 64, Little, "loongarch64"),
            (EM_IA_64, 64, Little, "ia64"),
        ] {
            assert_eq!(architecture_name(identity(machine.0, class, order), 0).as_deref(), Ok(expected));
        }
    }

    #[test]
    fn mips_o32_is_recognised_and_n32_refused_by_its_abi_flag() {
        let mipsel = identity(EM_MIPS.0, 32, ByteOrder::Little);
        assert_eq!(architecture_name(mipsel, EF_MIPS_ABI_O32.0).as_deref(), Ok("mipsel"));
        let error = architecture_name(mipsel, EF_MIPS_ABI2.0).unwrap_err();
        assert!(error.contains("n32"), "{error}");
    }

    #[test]
    fn a_binary_of_no_known_architecture_is_refused_with_its_identity_and_the_known_ones() {
        // x32: x86_64's machine in an ELF32 file.
        let error = architecture_name(identity(EM_X86_64.0, 32, ByteOrder::Little), 0).unwrap_err();
        assert!(error.contains("ELF32, little-endian, EM_X86_64 (e_machine 62)") && error.contains("x86_64 (ELF64"), "{error}");
        let error = architecture_name(identity(EM_AARCH64.0, 64, ByteOrder::Big), 0).unwrap_err();
        assert!(error.contains("big-endian, EM_AARCH64"), "{error}");
    }

    #[test]
    fn every_targets_file_parses_with_the_fixed_architecture_names() {
        let arches = all().unwrap();
        let names: Vec<&str> = arches.iter().map(|arch| arch.name.as_str()).collect();
        for name in [
            "x86_64", "i386", "aarch64", "arm", "thumb", "armv5te", "mips", "mipsel", "mips64", "mips64el", "s390x",
            "riscv64", "loongarch64", "powerpc64le", "powerpc64", "powerpc", "ia64",
        ] {
            assert!(names.contains(&name), "{name} missing from {names:?}");
        }
        // Every architecture with a Rust target runs under qemu-user; Debian ships a
        // kernel for all but big-endian mips and the big-endian powerpcs.
        for arch in arches.iter().filter(|arch| arch.rust_target.is_some()) {
            assert!(arch.qemu_user.is_some(), "{} has no qemu-user", arch.name);
            let no_debian_kernel = ["mips", "mips64", "powerpc64", "powerpc"].contains(&arch.name.as_str());
            assert_eq!(arch.kernel.is_some(), !no_debian_kernel, "{}: kernel spec", arch.name);
        }
    }

    #[test]
    fn the_embedded_tables_are_the_files_in_the_tree() {
        let arch_dir = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().join("arch");
        let mut on_disk: Vec<(String, String)> = std::fs::read_dir(&arch_dir)
            .unwrap()
            .filter_map(|entry| {
                let entry = entry.unwrap();
                let text = std::fs::read_to_string(entry.path().join("targets.toml")).ok()?;
                Some((entry.file_name().to_string_lossy().into_owned(), text))
            })
            .collect();
        on_disk.sort();
        let embedded: Vec<(String, String)> =
            ARCH_TABLES.iter().map(|(folder, text)| (folder.to_string(), text.to_string())).collect();
        assert_eq!(embedded, on_disk);
    }

    #[test]
    fn unknown_architecture_names_are_refused_with_the_known_ones() {
        let error = select(&all().unwrap(), Some(&["vax".to_string()])).unwrap_err();
        assert!(error.contains("unknown architecture `vax`") && error.contains("x86_64"), "{error}");
    }
}
