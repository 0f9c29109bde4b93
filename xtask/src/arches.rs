//! The architecture list: every `arch/<folder>/targets.toml`, each naming one or more
//! architectures built from that folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// One architecture as `cargo xtask` builds and runs it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Arch {
    #[serde(skip)]
    pub name: String,
    #[serde(skip)]
    pub folder: PathBuf,
    /// The Rust target triple; absent for an assembly-only architecture (ia64).
    pub rust_target: Option<String>,
    /// The qemu-user emulator that runs the target's binaries.
    pub qemu_user: Option<String>,
    /// Whether a stable rust-std exists for the target (the library must build on it).
    #[serde(default)]
    pub stable_rust_std: bool,
    /// Host architectures (Rust's names) that run the binaries natively.
    #[serde(default)]
    pub native_hosts: Vec<String>,
    /// Extra rustc flags for the freestanding builds of this target.
    #[serde(default)]
    pub rustflags: Vec<String>,
    /// How to boot a real kernel of this architecture (tier `kernel`), where Debian
    /// ships one.
    pub kernel: Option<crate::kernel::KernelSpec>,
}

impl Arch {
    pub fn runs_natively(&self) -> bool {
        self.native_hosts.iter().any(|host| host == std::env::consts::ARCH)
    }
}

/// Every architecture, in a stable order: the folders' order, then each file's order.
pub fn all(root: &Path) -> Result<Vec<Arch>, String> {
    let arch_dir = root.join("arch");
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&arch_dir)
        .map_err(|error| format!("cannot list {}: {error}", arch_dir.display()))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.join("targets.toml").is_file())
        .collect();
    folders.sort();
    let mut arches = Vec::new();
    for folder in folders {
        let file = folder.join("targets.toml");
        let text = std::fs::read_to_string(&file)
            .map_err(|error| format!("cannot read {}: {error}", file.display()))?;
        let table: toml::Table =
            toml::from_str(&text).map_err(|error| format!("{}: {error}", file.display()))?;
        // Keep the file's order, which toml::Table (sorted) would lose.
        let mut order: Vec<(usize, String)> = table
            .keys()
            .map(|name| (text.find(&format!("[{name}]")).unwrap_or(usize::MAX), name.clone()))
            .collect();
        order.sort();
        let mut parsed: BTreeMap<String, Arch> = BTreeMap::new();
        for (name, value) in table {
            let mut arch: Arch = value
                .try_into()
                .map_err(|error| format!("{}: [{name}]: {error}", file.display()))?;
            arch.name = name.clone();
            arch.folder = folder.clone();
            parsed.insert(name, arch);
        }
        for (_, name) in order {
            arches.extend(parsed.remove(&name));
        }
    }
    Ok(arches)
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
    use super::*;

    #[test]
    fn every_targets_file_parses_with_the_fixed_architecture_names() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let arches = all(root).unwrap();
        let names: Vec<&str> = arches.iter().map(|arch| arch.name.as_str()).collect();
        for name in [
            "x86_64", "i386", "aarch64", "arm", "thumb", "armv5te", "mips", "mipsel", "mips64", "mips64el", "s390x",
            "ia64",
        ] {
            assert!(names.contains(&name), "{name} missing from {names:?}");
        }
        // Every architecture with a Rust target runs under qemu-user; Debian ships a
        // kernel for all but big-endian mips.
        for arch in arches.iter().filter(|arch| arch.rust_target.is_some()) {
            assert!(arch.qemu_user.is_some(), "{} has no qemu-user", arch.name);
            let big_endian_mips = arch.name == "mips" || arch.name == "mips64";
            assert_eq!(arch.kernel.is_some(), !big_endian_mips, "{}: kernel spec", arch.name);
        }
    }

    #[test]
    fn unknown_architecture_names_are_refused_with_the_known_ones() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let error = select(&all(root).unwrap(), Some(&["vax".to_string()])).unwrap_err();
        assert!(error.contains("unknown architecture `vax`") && error.contains("x86_64"), "{error}");
    }
}
