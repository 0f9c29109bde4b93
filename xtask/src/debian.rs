//! Debian packages of any architecture (kernels for the kernel tier, musl-dev for the
//! benchmarks' code sizes), fetched with apt and unpacked into freeclone's cache outside
//! the source tree: `$FREECLONE_CACHE`, else `$XDG_CACHE_HOME/freeclone`, else
//! `~/.cache/freeclone`. Packages come from the system's sources (bookworm), or from
//! one other Debian suite that apt reads through a private configuration in the cache,
//! leaving the system's sources alone.

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

/// The keyring that signs Debian's suites (bookworm's debian-archive-keyring holds the
/// keys of trixie too).
const DEBIAN_KEYRING: &str = "/usr/share/keyrings/debian-archive-keyring.gpg";

/// apt, with its package lists refreshed at most once per run.
#[derive(Default)]
pub struct Apt {
    lists_refreshed: bool,
    /// A suite other than the system's, read through a private configuration.
    suite: Option<PrivateSuite>,
}

/// One Debian suite for one architecture, seen by apt through files in the cache.
struct PrivateSuite {
    suite: String,
    debian_arch: String,
    dir: PathBuf,
}

impl Apt {
    /// apt for the packages of `debian_arch` in `suite` (trixie-backports, say), which
    /// the system's sources need not name.
    pub fn for_suite(suite: &str, debian_arch: &str) -> Apt {
        let dir = cache_root().join("apt").join(format!("{suite}-{debian_arch}"));
        Apt { lists_refreshed: false, suite: Some(PrivateSuite { suite: suite.into(), debian_arch: debian_arch.into(), dir }) }
    }

    /// `apt-get` or `apt-cache`, pointed at the private configuration if there is one.
    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        if let Some(private) = &self.suite {
            let path = |name: &str| private.dir.join(name).display().to_string();
            command
                .arg("-o").arg(format!("Dir::Etc::sourcelist={}", path("sources.list")))
                .arg("-o").arg("Dir::Etc::sourceparts=/dev/null")
                .arg("-o").arg(format!("Dir::State::Lists={}", path("lists")))
                .arg("-o").arg(format!("Dir::Cache={}", path("cache")))
                .arg("-o").arg(format!("APT::Architectures::={}", private.debian_arch));
        }
        command
    }

    /// Writes the private configuration: the suite from the system's Debian mirror,
    /// checked against Debian's keyring.
    fn write_private_configuration(private: &PrivateSuite) -> Result<(), String> {
        for dir in ["lists/partial", "cache/archives/partial"] {
            let dir = private.dir.join(dir);
            std::fs::create_dir_all(&dir).map_err(|error| format!("{}: {error}", dir.display()))?;
        }
        let line = format!(
            "deb [arch={} signed-by={DEBIAN_KEYRING}] {} {} main\n",
            private.debian_arch,
            system_mirror(),
            private.suite
        );
        let file = private.dir.join("sources.list");
        std::fs::write(&file, line).map_err(|error| format!("{}: {error}", file.display()))
    }

    /// `apt-get update`, once per run. A security index of a foreign architecture may
    /// fail to load (measured for i386 and armhf): what matters is whether the package
    /// then resolves, which the callers check.
    pub fn refresh_lists(&mut self) {
        if self.lists_refreshed {
            return;
        }
        self.lists_refreshed = true;
        if let Some(private) = &self.suite {
            eprintln!("apt: apt-get update for {} ({}), in {}", private.suite, private.debian_arch, private.dir.display());
            if let Err(error) = Self::write_private_configuration(private) {
                eprintln!("apt: cannot write the configuration for {}: {error}", private.suite);
                return;
            }
        } else {
            eprintln!("apt: apt-get update");
        }
        if let Err(error) = run_status(self.command("apt-get").args(["update", "-qq"])) {
            eprintln!("apt: apt-get update reported an error ({error}); going on");
        }
    }

    /// `package` as apt names it for `debian_arch` (`name:arch` unless it is the host's),
    /// after making dpkg know that architecture (or, for a private suite, after reading
    /// its lists).
    pub fn qualified(&mut self, package: &str, debian_arch: &str) -> Result<String, String> {
        let by_hand = format!("run by hand (as root): dpkg --add-architecture {debian_arch} && apt-get update");
        if !command_exists("apt-get") || !command_exists("dpkg-deb") {
            return Err(format!("{package} for {debian_arch} comes from Debian, and this machine has no apt-get; {by_hand}"));
        }
        if self.suite.is_some() {
            self.refresh_lists();
            return Ok(format!("{package}:{debian_arch}"));
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
            let depends = output_of(self.command("apt-cache").args(["depends", metapackage])).unwrap_or_default();
            let found = depends
                .lines()
                .filter_map(|line| line.trim().strip_prefix("Depends: "))
                .find(|name| name.starts_with(prefix))
                .map(|name| name.split(':').next().unwrap_or(name).to_string());
            match found {
                Some(package) => return Ok(package),
                None if !self.lists_refreshed => self.refresh_lists(),
                None => {
                    let sources = match &self.suite {
                        Some(private) => format!("{} (apt's configuration in {})", private.suite, private.dir.display()),
                        None => "Debian bookworm".to_string(),
                    };
                    return Err(format!(
                        "apt cannot resolve {metapackage} to a {prefix}* package (apt-cache depends printed: {depends:?}); \
                         check apt's sources for {sources}, then run: apt-get update"
                    ));
                }
            }
        }
    }

    /// The names of the packages whose names match `pattern` (apt-cache's regular
    /// expression), without their `:arch`.
    pub fn package_names(&mut self, pattern: &str) -> Result<Vec<String>, String> {
        self.refresh_lists();
        let found = output_of(self.command("apt-cache").args(["search", "--names-only", pattern]))?;
        Ok(found.lines().filter_map(|line| line.split_whitespace().next()).map(|name| name.split(':').next().unwrap_or(name).to_string()).collect())
    }

    /// `apt-get download` of `packages` into `dir` (created), after reading the lists
    /// once; the .deb files, sorted.
    pub fn download(&mut self, packages: &[String], dir: &Path) -> Result<Vec<PathBuf>, String> {
        self.refresh_lists();
        std::fs::create_dir_all(dir).map_err(|error| format!("{}: {error}", dir.display()))?;
        let list = packages.join(" ");
        eprintln!("apt: apt-get download {list}");
        run_status(self.command("apt-get").current_dir(dir).args(["download", "-qq"]).args(packages))
            .map_err(|error| format!("{error}\nrun by hand: apt-get download {list}"))?;
        let mut debs: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|error| format!("{}: {error}", dir.display()))?
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.extension().is_some_and(|extension| extension == "deb"))
            .collect();
        debs.sort();
        Ok(debs)
    }

    /// Downloads `package` (qualified) and unpacks it into `dir/tree`, replacing what
    /// `dir` held; returns the package's version.
    pub fn download_and_unpack(&mut self, package: &str, dir: &Path) -> Result<String, String> {
        let download = dir.join("download");
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(&download).map_err(|error| format!("{}: {error}", download.display()))?;
        eprintln!("apt: apt-get download {package}");
        run_status(self.command("apt-get").current_dir(&download).args(["download", "-qq", package]))
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

/// The texts of apt's source files.
pub fn apt_sources() -> Vec<String> {
    let mut sources: Vec<String> = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/etc/apt/sources.list.d") {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".sources") || name.ends_with(".list") {
                sources.extend(std::fs::read_to_string(entry.path()).ok());
            }
        }
    }
    sources.extend(std::fs::read_to_string("/etc/apt/sources.list").ok());
    sources
}

/// The Debian mirror of the system's bookworm entry (deb822 or one-line form), else
/// deb.debian.org.
pub fn system_mirror() -> String {
    apt_sources().iter().find_map(|text| bookworm_mirror(text)).unwrap_or_else(|| "http://deb.debian.org/debian".to_string())
}

/// The first URI that one of `text`'s entries gives for the suite bookworm.
fn bookworm_mirror(text: &str) -> Option<String> {
    for stanza in text.split("\n\n") {
        let field = |key: &str| stanza.lines().find_map(|line| line.strip_prefix(key).map(|rest| rest.trim().to_string()));
        if field("Suites:").unwrap_or_default().split_whitespace().any(|suite| suite == "bookworm") {
            return field("URIs:").and_then(|uris| uris.split_whitespace().next().map(str::to_string));
        }
    }
    text.lines().find_map(|line| {
        let line = line.trim();
        let rest = line.strip_prefix("deb ")?;
        // Options in brackets come before the URI.
        let rest = match rest.trim_start().strip_prefix('[') {
            Some(options) => options.split_once(']')?.1,
            None => rest,
        };
        let mut words = rest.split_whitespace();
        let (uri, suite) = (words.next()?, words.next()?);
        (suite == "bookworm").then(|| uri.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::bookworm_mirror;

    #[test]
    fn the_bookworm_mirror_is_read_from_either_source_format() {
        let deb822 = "Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\n\
                      Types: deb\nURIs: http://security.example/debian-security\nSuites: bookworm-security\n";
        assert_eq!(bookworm_mirror(deb822).as_deref(), Some("http://mirror.example/debian"));
        let one_line = "deb [arch=amd64] http://one.example/debian bookworm main\ndeb http://x.example/debian bookworm-backports main\n";
        assert_eq!(bookworm_mirror(one_line).as_deref(), Some("http://one.example/debian"));
        assert_eq!(bookworm_mirror("Types: deb\nURIs: http://t.example/debian\nSuites: trixie\n"), None);
    }
}
