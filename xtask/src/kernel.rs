//! Tier `kernel`: boots Debian's kernel for an architecture under qemu-system with the
//! static test program as `/init`, and reads its serial console.
//!
//! The kernel comes from Debian bookworm (`linux-image-<flavour>` resolved to its
//! versioned package through apt), extracted once into a cache outside the source
//! tree: `$FREECLONE_CACHE`, else `$XDG_CACHE_HOME/freeclone`, else
//! `~/.cache/freeclone`.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

use crate::util::{output_of, run_status};

/// How to boot an architecture's real kernel (`[<arch>.kernel]` in targets.toml).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KernelSpec {
    /// Debian's name for the architecture (amd64, i386, arm64, armhf, ...).
    pub debian_arch: String,
    /// The kernel flavour: the metapackage is `linux-image-<flavour>`.
    pub flavour: String,
    /// The qemu-system binary, and the Debian package that provides it.
    pub qemu_system: String,
    pub qemu_package: String,
    /// Machine options for qemu-system (`-M virt`, `-cpu ...`).
    #[serde(default)]
    pub machine: Vec<String>,
    /// The serial console device the kernel writes to (ttyS0, ttyAMA0, ttysclp0).
    pub console: String,
}

fn cache_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("FREECLONE_CACHE") {
        return PathBuf::from(dir);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    base.join("freeclone")
}

/// The host's Debian architecture (amd64 here), for which apt needs no `:arch` suffix.
fn host_debian_arch() -> Result<String, String> {
    output_of(Command::new("dpkg").arg("--print-architecture")).map(|text| text.trim().to_string())
}

/// Makes `debian_arch` known to dpkg (a foreign architecture's packages can then be
/// downloaded once apt's lists are refreshed).
fn ensure_foreign_architecture(debian_arch: &str, lists_refreshed: &mut bool) -> Result<(), String> {
    if host_debian_arch()? == debian_arch {
        return Ok(());
    }
    let foreign = output_of(Command::new("dpkg").arg("--print-foreign-architectures"))?;
    if !foreign.lines().any(|line| line.trim() == debian_arch) {
        println!("kernel: dpkg --add-architecture {debian_arch} (to download its kernel package)");
        run_status(Command::new("dpkg").args(["--add-architecture", debian_arch]))
            .map_err(|error| format!("{error}\nrun by hand (as root): dpkg --add-architecture {debian_arch} && apt-get update"))?;
        *lists_refreshed = false;
        refresh_package_lists(lists_refreshed);
    }
    Ok(())
}

/// `apt-get update`, once per run.
fn refresh_package_lists(lists_refreshed: &mut bool) {
    if *lists_refreshed {
        return;
    }
    println!("kernel: apt-get update");
    // A security index of a foreign architecture may fail to load (measured for i386);
    // the resolution that follows says whether what we need is there.
    if let Err(error) = run_status(Command::new("apt-get").args(["update", "-qq"])) {
        println!("kernel: apt-get update reported an error ({error}); going on");
    }
    *lists_refreshed = true;
}

/// The versioned kernel package `metapackage` depends on (apt's lists refreshed once
/// if they do not know it yet).
fn resolve_kernel_package(metapackage: &str, lists_refreshed: &mut bool) -> Result<String, String> {
    loop {
        let depends = output_of(Command::new("apt-cache").args(["depends", metapackage])).unwrap_or_default();
        let package = depends
            .lines()
            .filter_map(|line| line.trim().strip_prefix("Depends: "))
            .find(|name| name.starts_with("linux-image-"))
            .map(|name| name.split(':').next().unwrap_or(name).to_string());
        match package {
            Some(package) => return Ok(package),
            None if !*lists_refreshed => refresh_package_lists(lists_refreshed),
            None => {
                return Err(format!(
                    "apt cannot resolve {metapackage} to a kernel package (apt-cache depends printed: {depends:?}); \
                     check apt's sources for Debian bookworm, then run: apt-get update"
                ));
            }
        }
    }
}

/// The kernel image for `spec`, downloaded and extracted on first use.
pub fn ensure_kernel(spec: &KernelSpec, lists_refreshed: &mut bool) -> Result<PathBuf, String> {
    let dir = cache_root().join("kernels").join(format!("{}-{}", spec.debian_arch, spec.flavour));
    let image = dir.join("vmlinuz");
    if image.is_file() {
        return Ok(image);
    }
    ensure_foreign_architecture(&spec.debian_arch, lists_refreshed)?;
    let suffix = if host_debian_arch()? == spec.debian_arch { String::new() } else { format!(":{}", spec.debian_arch) };
    let metapackage = format!("linux-image-{}{suffix}", spec.flavour);
    let package = resolve_kernel_package(&metapackage, lists_refreshed)?;
    println!("kernel: downloading {package}{suffix} (Debian's {} kernel)", spec.flavour);
    let download = dir.join("download");
    let _ = std::fs::remove_dir_all(&download);
    std::fs::create_dir_all(&download).map_err(|error| format!("cannot create {}: {error}", download.display()))?;
    run_status(Command::new("apt-get").current_dir(&download).args(["download", "-qq", &format!("{package}{suffix}")]))
        .map_err(|error| format!("{error}\nrun by hand: apt-get download {package}{suffix}"))?;
    let deb = std::fs::read_dir(&download)
        .map_err(|error| error.to_string())?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .find(|path| path.extension().is_some_and(|extension| extension == "deb"))
        .ok_or_else(|| format!("apt-get download left no .deb in {}", download.display()))?;
    let tree = download.join("tree");
    run_status(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&tree))?;
    let boot = tree.join("boot");
    let vmlinuz = std::fs::read_dir(&boot)
        .map_err(|error| format!("{}: {error}", boot.display()))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .find(|path| path.file_name().is_some_and(|name| name.to_string_lossy().starts_with("vmlinu")))
        .ok_or_else(|| format!("{} holds no kernel image", boot.display()))?;
    std::fs::copy(&vmlinuz, &image).map_err(|error| format!("cannot copy the kernel: {error}"))?;
    std::fs::write(dir.join("package"), format!("{package}\n")).map_err(|error| error.to_string())?;
    let _ = std::fs::remove_dir_all(&download);
    Ok(image)
}

/// Writes a newc initramfs holding `/dev/console` and `program` as `/init`.
pub fn write_initramfs(program: &Path, output: &Path) -> Result<(), String> {
    use cpio::newc::Builder;
    let init = std::fs::read(program).map_err(|error| format!("{}: {error}", program.display()))?;
    let empty: &[u8] = &[];
    let entries = vec![
        (Builder::new("dev").mode(0o040755).nlink(2), std::io::Cursor::new(empty.to_vec())),
        // The kernel opens /dev/console as init's stdin, stdout and stderr.
        (Builder::new("dev/console").mode(0o020600).rdev_major(5).rdev_minor(1), std::io::Cursor::new(Vec::new())),
        (Builder::new("init").mode(0o100755), std::io::Cursor::new(init)),
    ];
    let file = File::create(output).map_err(|error| format!("{}: {error}", output.display()))?;
    cpio::write_cpio(entries.into_iter(), file).map_err(|error| format!("writing {}: {error}", output.display()))?;
    Ok(())
}

/// The qemu-system command that boots `kernel` with `initramfs`; the serial console is
/// its standard output.
pub fn boot_command(spec: &KernelSpec, kernel: &Path, initramfs: &Path) -> Command {
    let mut command = Command::new(&spec.qemu_system);
    command
        .args(["-m", "256", "-nographic", "-no-reboot", "-monitor", "none"])
        .args(&spec.machine)
        .arg("-kernel")
        .arg(kernel)
        .arg("-initrd")
        .arg(initramfs)
        .arg("-append")
        .arg(format!("console={} quiet panic=-1", spec.console));
    command
}
