//! Debian packages of any architecture (kernels for the kernel tier, musl-dev for the
//! benchmarks' code sizes), fetched with apt and unpacked into freeclone's cache outside
//! the source tree: `$FREECLONE_CACHE`, else `$XDG_CACHE_HOME/freeclone`, else
//! `~/.cache/freeclone`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{command_exists, output_of, run_status};

/// The cache directory shared by every command.
pub fn cache_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("FREECLONE_CACHE") {
        return PathBuf::from(dir);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    base.join("freeclone")
}

/// apt, with its package lists refreshed at most once per run.
#[derive(Default)]
pub struct Apt {
    lists_refreshed: bool,
}

impl Apt {
    /// `apt-get update`, once per run. A security index of a foreign architecture may
    /// fail to load (measured for i386 and armhf): what matters is whether the package
    /// then resolves, which the callers check.
    pub fn refresh_lists(&mut self) {
        if self.lists_refreshed {
            return;
        }
        eprintln!("apt: apt-get update");
        if let Err(error) = run_status(Command::new("apt-get").args(["update", "-qq"])) {
            eprintln!("apt: apt-get update reported an error ({error}); going on");
        }
        self.lists_refreshed = true;
    }

    /// `package` as apt names it for `debian_arch` (`name:arch` unless it is the host's),
    /// after making dpkg know that architecture.
    pub fn qualified(&mut self, package: &str, debian_arch: &str) -> Result<String, String> {
        let by_hand = format!("run by hand (as root): dpkg --add-architecture {debian_arch} && apt-get update");
        if !command_exists("apt-get") || !command_exists("dpkg-deb") {
            return Err(format!("{package} for {debian_arch} comes from Debian, and this machine has no apt-get; {by_hand}"));
        }
        let host = output_of(Command::new("dpkg").arg("--print-architecture"))?.trim().to_string();
        if host == debian_arch {
            return Ok(package.to_string());
        }
        let foreign = output_of(Command::new("dpkg").arg("--print-foreign-architectures"))?;
        if !foreign.split_whitespace().any(|known| known == debian_arch) {
            eprintln!("apt: dpkg --add-architecture {debian_arch} (to download {package}:{debian_arch})");
            run_status(Command::new("dpkg").args(["--add-architecture", debian_arch]))
                .map_err(|error| format!("{error}\n{by_hand}"))?;
            self.lists_refreshed = false;
            self.refresh_lists();
        }
        Ok(format!("{package}:{debian_arch}"))
    }

    /// The first dependency of `metapackage` (already qualified) whose name starts with
    /// `prefix`, without its `:arch`; the lists are refreshed once if they do not know it.
    pub fn dependency(&mut self, metapackage: &str, prefix: &str) -> Result<String, String> {
        loop {
            let depends = output_of(Command::new("apt-cache").args(["depends", metapackage])).unwrap_or_default();
            let found = depends
                .lines()
                .filter_map(|line| line.trim().strip_prefix("Depends: "))
                .find(|name| name.starts_with(prefix))
                .map(|name| name.split(':').next().unwrap_or(name).to_string());
            match found {
                Some(package) => return Ok(package),
                None if !self.lists_refreshed => self.refresh_lists(),
                None => {
                    return Err(format!(
                        "apt cannot resolve {metapackage} to a {prefix}* package (apt-cache depends printed: {depends:?}); \
                         check apt's sources for Debian bookworm, then run: apt-get update"
                    ));
                }
            }
        }
    }

    /// Downloads `package` (qualified) and unpacks it into `dir/tree`, replacing what
    /// `dir` held; returns the package's version.
    pub fn download_and_unpack(&mut self, package: &str, dir: &Path) -> Result<String, String> {
        let download = dir.join("download");
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(&download).map_err(|error| format!("{}: {error}", download.display()))?;
        eprintln!("apt: apt-get download {package}");
        run_status(Command::new("apt-get").current_dir(&download).args(["download", "-qq", package]))
            .map_err(|error| format!("{error}\nrun by hand: apt-get download {package}"))?;
        let deb = std::fs::read_dir(&download)
            .map_err(|error| format!("{}: {error}", download.display()))?
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .find(|path| path.extension().is_some_and(|extension| extension == "deb"))
            .ok_or_else(|| format!("apt-get download left no .deb in {}", download.display()))?;
        let version = output_of(Command::new("dpkg-deb").arg("--field").arg(&deb).arg("Version"))?;
        run_status(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(dir.join("tree")))?;
        let _ = std::fs::remove_dir_all(&download);
        Ok(version.trim().to_string())
    }
}
