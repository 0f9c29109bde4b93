//! Tier `kernel`: boots Debian's kernel for an architecture under qemu-system with the
//! static test program as `/init`, and reads its serial console.
//!
//! The kernel comes from Debian bookworm, or from the suite its spec names
//! (`linux-image-<flavour>` resolved to its versioned package through apt), extracted
//! once into freeclone's cache outside the source tree (see [`crate::debian`]).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

use crate::debian::{Apt, cache_root};

/// How to boot an architecture's real kernel (`[<arch>.kernel]` in targets.toml).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KernelSpec {
    /// Debian's name for the architecture (amd64, i386, arm64, armhf, ...).
    pub debian_arch: String,
    /// The kernel flavour: the metapackage is `linux-image-<flavour>`.
    pub flavour: String,
    /// The Debian suite to take the kernel from when bookworm's will not do (for
    /// example `trixie-backports`); apt reads it through a private configuration.
    pub suite: Option<String>,
    /// The qemu-system binary, and the Debian package that provides it.
    pub qemu_system: String,
    pub qemu_package: String,
    /// Machine options for qemu-system (`-M virt`, `-cpu ...`).
    #[serde(default)]
    pub machine: Vec<String>,
    /// The serial console device the kernel writes to (ttyS0, ttyAMA0, ttysclp0).
    pub console: String,
}

/// The kernel image for `spec`, downloaded and extracted on first use.
pub fn ensure_kernel(spec: &KernelSpec, apt: &mut Apt) -> Result<PathBuf, String> {
    let mut name = format!("{}-{}", spec.debian_arch, spec.flavour);
    if let Some(suite) = &spec.suite {
        name = format!("{name}-{suite}");
    }
    let dir = cache_root().join("kernels").join(name);
    let image = dir.join("vmlinuz");
    if image.is_file() {
        return Ok(image);
    }
    let mut suite_apt;
    let apt = match &spec.suite {
        Some(suite) => {
            suite_apt = Apt::for_suite(suite, &spec.debian_arch);
            &mut suite_apt
        }
        None => apt,
    };
    let from = spec.suite.as_deref().unwrap_or("bookworm");
    let metapackage = apt.qualified(&format!("linux-image-{}", spec.flavour), &spec.debian_arch)?;
    let package = apt.dependency(&metapackage, "linux-image-")?;
    let package = apt.qualified(&package, &spec.debian_arch)?;
    println!("kernel: downloading {package} (Debian's {} kernel from {from})", spec.flavour);
    let unpacked = dir.join("unpacked");
    let mut version = apt.download_and_unpack(&package, &unpacked)?;
    let mut source = package.clone();
    let mut vmlinuz = find_kernel_image(&unpacked.join("tree"));
    if vmlinuz.is_none() {
        // In Debian's newer kernel packages (measured: 7.2 and 7.3) linux-image-<version>
        // is a metapackage too: the image is in linux-binary-<version>, under
        // /usr/lib/modules/<version>/.
        let binary = apt.dependency(&package, "linux-binary-")?;
        let binary = apt.qualified(&binary, &spec.debian_arch)?;
        println!("kernel: downloading {binary} (the image of {package})");
        version = apt.download_and_unpack(&binary, &unpacked)?;
        vmlinuz = find_kernel_image(&unpacked.join("tree"));
        source = binary;
    }
    let vmlinuz = vmlinuz.ok_or_else(|| format!("{source} holds no kernel image (boot/vmlinu*, usr/lib/modules/*/vmlinuz)"))?;
    std::fs::copy(&vmlinuz, &image).map_err(|error| format!("cannot copy the kernel: {error}"))?;
    let _ = std::fs::remove_dir_all(&unpacked);
    std::fs::write(dir.join("package"), format!("{source} {version}\n")).map_err(|error| error.to_string())?;
    Ok(image)
}

/// The kernel image in an unpacked package: `boot/vmlinu*` (the layout up to Linux
/// 6.12 in Debian) or `usr/lib/modules/<version>/vmlinuz` (linux-binary-*).
fn find_kernel_image(tree: &Path) -> Option<PathBuf> {
    let in_dir = |dir: &Path| {
        std::fs::read_dir(dir).ok()?.filter_map(|entry| entry.ok().map(|entry| entry.path())).find(|path| {
            path.is_file() && path.file_name().is_some_and(|name| name.to_string_lossy().starts_with("vmlinu"))
        })
    };
    in_dir(&tree.join("boot")).or_else(|| {
        std::fs::read_dir(tree.join("usr/lib/modules")).ok()?.filter_map(|entry| entry.ok()).find_map(|entry| in_dir(&entry.path()))
    })
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
/// its standard output. `init_args` reach /init as its `argv[1..]`: the kernel hands
/// every word of its command line after `--` to init unparsed.
pub fn boot_command(spec: &KernelSpec, kernel: &Path, initramfs: &Path, init_args: &[String]) -> Command {
    let mut append = format!("console={} quiet panic=-1", spec.console);
    if !init_args.is_empty() {
        append.push_str(" --");
        for arg in init_args {
            append.push(' ');
            append.push_str(arg);
        }
    }
    let mut command = Command::new(&spec.qemu_system);
    command
        .args(["-m", "256", "-nographic", "-no-reboot", "-monitor", "none"])
        .args(&spec.machine)
        .arg("-kernel")
        .arg(kernel)
        .arg("-initrd")
        .arg(initramfs)
        .arg("-append")
        .arg(append);
    command
}
