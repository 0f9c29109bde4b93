//! Tier `kernel`: boots Debian's kernel for an architecture under qemu-system with a
//! static program as `/init`, and reads its serial console.
//!
//! The kernel comes from Debian bookworm, or from the suite its spec names
//! (`linux-image-<flavour>` resolved to its versioned package through apt), extracted
//! once into freeclone's cache outside the source tree (see [`crate::debian`]).
//!
//! How a boot ended is qemu's word, not the console's ([`crate::qmp`]): a power-off by
//! init is qemu's `SHUTDOWN` with reason `guest-shutdown`, whatever the kernel prints.
//! When `/init` exits, Linux panics with `Kernel panic - not syncing: Attempted to kill
//! init! exitcode=0x%08x`, the value being init's wait status; `panic=-1` makes the
//! kernel reboot at once and `-no-reboot` makes qemu exit instead (`guest-reset`;
//! s390x and powerpc64le report `guest-panic`).
//! [`Console`] reads that line, the only place init's status appears, and tells the
//! program's output from the firmware's and the kernel's.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

use crate::debian::{Apt, cache_root};
use crate::qmp::{Ending, Monitor};
use crate::util::{Finished, run_with_timeout};

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
    /// The guest's memory, as qemu's `-m` takes it; [`DEFAULT_MEMORY`] if absent.
    pub memory: Option<String>,
    /// Kernel command-line parameters the machine needs, before init's arguments
    /// (`initcall_blacklist=...` for a driver that breaks the boot there).
    #[serde(default)]
    pub kernel_args: Vec<String>,
    /// The serial console device the kernel writes to (ttyS0, ttyAMA0, ttysclp0).
    pub console: String,
}

/// qemu-system's `-m` where the spec names no memory size.
pub const DEFAULT_MEMORY: &str = "256";

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
    let mut package = apt.qualified(&package, &spec.debian_arch)?;
    eprintln!("kernel: downloading {package} (Debian's {} kernel from {from})", spec.flavour);
    let unpacked = dir.join("unpacked");
    let mut version = match apt.download_and_unpack(&package, &unpacked) {
        Ok(version) => version,
        Err(error) => {
            // A mirror may name a build in its index that it does not serve (measured:
            // trixie's ppc64el 6.12.117 image answered 404 while 6.12.107 downloaded):
            // the newest other build of the flavour that downloads.
            let (older, version) = download_older_build(apt, spec, &package, &unpacked).map_err(|older| format!("{error}\n{older}"))?;
            package = older;
            version
        }
    };
    let mut source = package.clone();
    let mut vmlinuz = find_kernel_image(&unpacked.join("tree"));
    if vmlinuz.is_none() {
        // In Debian's newer kernel packages (measured: 7.2 and 7.3) linux-image-<version>
        // is a metapackage too: the image is in linux-binary-<version>, under
        // /usr/lib/modules/<version>/.
        let binary = apt.dependency(&package, "linux-binary-")?;
        let binary = apt.qualified(&binary, &spec.debian_arch)?;
        eprintln!("kernel: downloading {binary} (the image of {package})");
        version = apt.download_and_unpack(&binary, &unpacked)?;
        vmlinuz = find_kernel_image(&unpacked.join("tree"));
        source = binary;
    }
    let vmlinuz = vmlinuz.ok_or_else(|| format!("{source} holds no kernel image (boot/vmlinu*, usr/lib/modules/*/vmlinuz)"))?;
    let bytes = std::fs::read(&vmlinuz).map_err(|error| format!("{}: {error}", vmlinuz.display()))?;
    let bytes = match unpack_efi_zboot(&bytes).map_err(|error| format!("{source}: {error}"))? {
        Some(raw) => {
            eprintln!("kernel: unpacked the EFI zboot image of {source} ({} bytes)", raw.len());
            raw
        }
        None => bytes,
    };
    std::fs::write(&image, bytes).map_err(|error| format!("cannot write the kernel: {error}"))?;
    let _ = std::fs::remove_dir_all(&unpacked);
    std::fs::write(dir.join("package"), format!("{source} {version}\n")).map_err(|error| error.to_string())?;
    Ok(image)
}

/// The other builds of `spec`'s flavour that apt knows (`linux-image-<version>-<flavour>`),
/// newest first, tried in turn after `failed` did not download; the package and its
/// version for the first that does.
fn download_older_build(apt: &mut Apt, spec: &KernelSpec, failed: &str, unpacked: &Path) -> Result<(String, String), String> {
    let suffix = format!("-{}", spec.flavour);
    let mut builds: Vec<String> = apt
        .package_names(&format!("^linux-image-[0-9].*{suffix}$"))?
        .into_iter()
        .filter(|name| name.strip_prefix("linux-image-").and_then(|rest| rest.strip_suffix(&suffix)).is_some_and(|version| !version.contains('-')))
        .filter(|name| !failed.starts_with(&format!("{name}:")) && name != failed)
        .collect();
    builds.sort_by_key(|name| std::cmp::Reverse(version_key(name)));
    for build in builds {
        let package = apt.qualified(&build, &spec.debian_arch)?;
        eprintln!("kernel: trying {package} instead");
        if let Ok(version) = apt.download_and_unpack(&package, unpacked) {
            return Ok((package, version));
        }
    }
    Err(format!("no other build of linux-image-*-{} downloads either", spec.flavour))
}

/// The numbers in a package name, in order: enough to order kernel builds by version.
fn version_key(name: &str) -> Vec<u64> {
    name.split(|c: char| !c.is_ascii_digit()).filter(|part| !part.is_empty()).filter_map(|part| part.parse().ok()).collect()
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

/// The raw kernel inside an EFI zboot image (`MZ`, then `zimg`: the payload's offset
/// and size at 8 and 12, its compression's name at 24; Linux's
/// drivers/firmware/efi/libstub/zboot-header.S) whose compression qemu's loader cannot
/// undo (it unpacks gzip only; measured with QEMU 10.0.2: sid's loong64 kernel is
/// zstd). `None` for any other image, which qemu loads as it is.
pub fn unpack_efi_zboot(image: &[u8]) -> Result<Option<Vec<u8>>, String> {
    if image.len() < 32 || &image[0..2] != b"MZ" || &image[4..8] != b"zimg" {
        return Ok(None);
    }
    let word = |at: usize| u32::from_le_bytes(image[at..at + 4].try_into().unwrap()) as usize;
    let (offset, size) = (word(8), word(12));
    let compression: String = image[24..32].iter().take_while(|&&byte| byte != 0).map(|&byte| byte as char).collect();
    let payload = image
        .get(offset..offset.saturating_add(size))
        .ok_or_else(|| format!("EFI zboot image: payload {offset:#x}+{size:#x} past the end ({:#x} bytes)", image.len()))?;
    match compression.as_str() {
        "gzip" => Ok(None),
        "zstd" => {
            // One zstd frame (the build appends the raw size after it, which is not read).
            use std::io::Read;
            let mut raw = Vec::new();
            let mut input = payload;
            ruzstd::decoding::StreamingDecoder::new(&mut input)
                .map_err(|error| format!("EFI zboot image: zstd payload: {error}"))?
                .read_to_end(&mut raw)
                .map_err(|error| format!("EFI zboot image: zstd payload: {error}"))?;
            Ok(Some(raw))
        }
        other => Err(format!("EFI zboot image compressed with {other:?}, which neither qemu nor the xtask unpacks")),
    }
}

/// Writes a newc initramfs holding `/dev/console`, `program` as `/init`, and each
/// `(path, file)` of `extra_files` as an executable at `path` (relative, such as
/// `bin/exit_status`; its directories are created).
pub fn write_initramfs(program: &Path, extra_files: &[(&str, &Path)], output: &Path) -> Result<(), String> {
    use cpio::newc::Builder;
    let read = |file: &Path| std::fs::read(file).map_err(|error| format!("{}: {error}", file.display()));
    let init = read(program)?;
    let mut entries = vec![
        (Builder::new("dev").mode(0o040755).nlink(2), std::io::Cursor::new(Vec::new())),
        // The kernel opens /dev/console as init's stdin, stdout and stderr.
        (Builder::new("dev/console").mode(0o020600).rdev_major(5).rdev_minor(1), std::io::Cursor::new(Vec::new())),
        (Builder::new("init").mode(0o100755), std::io::Cursor::new(init)),
    ];
    let mut directories: Vec<String> = Vec::new();
    for (path, file) in extra_files {
        let mut directory = String::new();
        for part in path.split('/').collect::<Vec<_>>().split_last().map_or(&[][..], |(_, parents)| parents) {
            directory = if directory.is_empty() { part.to_string() } else { format!("{directory}/{part}") };
            if directory != "dev" && !directories.contains(&directory) {
                directories.push(directory.clone());
                entries.push((Builder::new(&directory).mode(0o040755).nlink(2), std::io::Cursor::new(Vec::new())));
            }
        }
        entries.push((Builder::new(path).mode(0o100755), std::io::Cursor::new(read(file)?)));
    }
    let file = File::create(output).map_err(|error| format!("{}: {error}", output.display()))?;
    cpio::write_cpio(entries.into_iter(), file).map_err(|error| format!("writing {}: {error}", output.display()))?;
    Ok(())
}

/// A qemu-system boot, ready to start: the command, and the QMP monitor that hears how
/// it ended.
pub struct Boot {
    /// qemu-system, with the serial console as its standard output.
    pub command: Command,
    /// Attached to `command`: qemu starts stopped and waits for it ([`Monitor::watch`]).
    pub monitor: Monitor,
}

impl Boot {
    /// Runs the boot to its end (the whole process group killed after `timeout`): the
    /// console's text, and how qemu said the run ended.
    pub fn run(mut self, timeout: std::time::Duration) -> Result<(Finished, Ending), String> {
        let watcher = self.monitor.watch();
        let finished = run_with_timeout(&mut self.command, timeout);
        let ending = watcher.finish();
        let finished = finished?;
        // A run killed at its timeout has no SHUTDOWN to report: the timeout says it.
        let ending = if finished.timed_out { ending.unwrap_or_default() } else { ending? };
        Ok((finished, ending))
    }
}

/// The qemu-system command that boots `kernel` with `initramfs` and `command_line`; the
/// serial console is its standard output. Not `-nographic`: with it, a PC's firmware
/// copies its screen (SeaBIOS's and iPXE's banners, the kernel's real-mode setup) to
/// the serial port.
pub fn boot_command(spec: &KernelSpec, kernel: &Path, initramfs: &Path, command_line: &str) -> Result<Boot, String> {
    let mut command = Command::new(&spec.qemu_system);
    command
        .arg("-m")
        .arg(spec.memory.as_deref().unwrap_or(DEFAULT_MEMORY))
        .args(["-display", "none", "-serial", "stdio", "-no-reboot", "-monitor", "none"])
        .args(&spec.machine)
        .arg("-kernel")
        .arg(kernel)
        .arg("-initrd")
        .arg(initramfs)
        .arg("-append")
        .arg(command_line);
    let monitor = Monitor::new()?;
    monitor.attach(&mut command);
    Ok(Boot { command, monitor })
}

/// Everything a boot needs, in one step: the kernel (downloaded on first use), the
/// initramfs with `program` as `/init` (and `extra_files` as [`write_initramfs`] says)
/// written to `initramfs`, and the qemu-system boot that passes `init_args` to it.
pub fn prepare_boot(
    spec: &KernelSpec,
    program: &Path,
    extra_files: &[(&str, &Path)],
    init_args: &[String],
    initramfs: &Path,
    apt: &mut Apt,
) -> Result<Boot, String> {
    let command_line = command_line(spec, init_args)?;
    let image = ensure_kernel(spec, apt)?;
    write_initramfs(program, extra_files, initramfs)?;
    boot_command(spec, &image, initramfs, &command_line)
}

/// Init's arguments besides `argv[0]`: the kernel keeps MAX_INIT_ARGS (32) of them, and
/// one more panics it before its console exists ("Too many boot init vars"), so the
/// boot ends without a word.
pub const MAX_INIT_ARGUMENTS: usize = 32;

/// The smallest COMMAND_LINE_SIZE among the kernels here (arm's, with its NUL): the
/// kernel cuts a longer command line without a word.
pub const COMMAND_LINE_LIMIT: usize = 1024;

/// The kernel command line: the console; log level 6, so that the kernel prints its
/// notices and worse (its `Linux version` banner first, which tells [`Console`] where
/// the firmware's output ends) and none of its info chatter; timestamps on the
/// kernel's lines, which is how [`Console`] tells them from the program's; a panic
/// reboots at once (qemu then exits: `-no-reboot`); the spec's own parameters; and
/// after ` -- `, init's arguments.
///
/// The kernel splits its command line at white space, except inside double quotes,
/// which it removes: an argument with white space is quoted. It has no escape for a
/// double quote, and it ends init's arguments at a `--`: those are refused, as are
/// more than [`MAX_INIT_ARGUMENTS`] and a line of [`COMMAND_LINE_LIMIT`] bytes or more.
pub fn command_line(spec: &KernelSpec, init_args: &[String]) -> Result<String, String> {
    let mut line = format!("console={} loglevel=6 printk.time=1 panic=-1", spec.console);
    for parameter in &spec.kernel_args {
        line.push(' ');
        line.push_str(parameter);
    }
    if init_args.len() > MAX_INIT_ARGUMENTS {
        return Err(format!(
            "{} arguments for the program, and the kernel passes at most {MAX_INIT_ARGUMENTS} to init (MAX_INIT_ARGS)",
            init_args.len()
        ));
    }
    if !init_args.is_empty() {
        line.push_str(" --");
    }
    for argument in init_args {
        if argument.contains('"') {
            return Err(format!("argument {argument:?} holds a double quote, which the kernel command line cannot carry to init"));
        }
        if argument == "--" {
            return Err("argument `--`: the kernel ends init's arguments there and would drop the rest".into());
        }
        // The kernel's isspace(): ASCII white space and, from Latin-1, 0xa0, which is
        // also a byte of UTF-8 characters such as `à`.
        let splits = argument.is_empty() || argument.bytes().any(|byte| byte.is_ascii_whitespace() || byte == 0x0b || byte == 0xa0);
        line.push(' ');
        if splits {
            line.push('"');
            line.push_str(argument);
            line.push('"');
        } else {
            line.push_str(argument);
        }
    }
    if line.len() >= COMMAND_LINE_LIMIT {
        return Err(format!(
            "the kernel command line would be {} bytes, and kernels here keep at most {} (COMMAND_LINE_SIZE): shorten the arguments",
            line.len(),
            COMMAND_LINE_LIMIT - 1
        ));
    }
    Ok(line)
}

/// A console line without carriage returns and terminal escape sequences (a PC BIOS
/// resets the terminal right before the kernel's first output).
pub fn strip_terminal_controls(line: &str) -> String {
    let mut text = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {}
            '\x1b' => {
                // CSI: ESC [ parameters final-byte; anything else: ESC and one character.
                if chars.next_if_eq(&'[').is_some() {
                    while chars.next().is_some_and(|c| !('@'..='~').contains(&c)) {}
                } else {
                    chars.next();
                }
            }
            c => text.push(c),
        }
    }
    text
}

/// How a boot ended, as the console showed it: where the program's output ends, and
/// init's exit status. Whether the machine was powered off is qemu's to say
/// ([`crate::qmp::Ending`]): some kernels print no line for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BootEnd {
    /// Init exited, with this wait status.
    InitExited(u32),
    /// Init powered the machine off (reboot(2), `reboot: Power down`).
    PoweredOff,
    /// Init halted or restarted the machine: the kernel's line says which.
    Stopped(String),
    /// The kernel panicked for another reason: its line.
    Panicked(String),
}

/// Reads the serial console line by line and tells the program's output from the
/// firmware's and the kernel's: what comes before the kernel's first line is the
/// firmware's and the boot loader's (SeaBIOS, s390x's decompressor), the kernel's own
/// lines carry a timestamp, everything after the line that ends the boot is the
/// kernel's (a panic's report), and terminal controls go.
#[derive(Debug, Default)]
pub struct Console {
    kernel_started: bool,
    /// Set by the line that ended the boot.
    pub end: Option<BootEnd>,
    /// The last lines of the console, whoever printed them, for a report.
    recent: std::collections::VecDeque<String>,
}

/// How many of the console's last lines [`Console::recent_lines`] keeps.
const RECENT_LINES: usize = 20;

impl Console {
    /// One console line (without its newline): what of it the program printed, with
    /// the newline when the line ended in the program's output. Empty if none of it is
    /// the program's.
    pub fn program_text(&mut self, raw_line: &str) -> String {
        let line = strip_terminal_controls(raw_line);
        if self.recent.len() == RECENT_LINES {
            self.recent.pop_front();
        }
        self.recent.push_back(line.clone());
        if self.end.is_some() {
            return String::new();
        }
        match kernel_message(&line) {
            None if self.kernel_started => line + "\n",
            None => String::new(),
            Some((start, message)) => {
                let program = if self.kernel_started { &line[..start] } else { "" };
                self.kernel_started = true;
                self.end = boot_end(message);
                program.to_string()
            }
        }
    }

    /// The console's last lines, hidden ones included: what to show when a boot ends
    /// without init's status.
    pub fn recent_lines(&self) -> impl Iterator<Item = &str> {
        self.recent.iter().map(String::as_str)
    }
}

/// The kernel's message in `line` (after a `[ seconds.micros] ` timestamp), and where
/// its timestamp starts: the program's text may precede it on the same line.
fn kernel_message(line: &str) -> Option<(usize, &str)> {
    line.match_indices('[').find_map(|(start, _)| {
        let rest = line[start + 1..].trim_start_matches(' ');
        let (seconds, rest) = rest.split_once('.')?;
        let (micros, message) = rest.split_once("] ")?;
        let digits = |text: &str| !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit());
        (digits(seconds) && digits(micros)).then_some((start, message))
    })
}

fn boot_end(message: &str) -> Option<BootEnd> {
    if let Some(reason) = message.strip_prefix("Kernel panic - not syncing: ") {
        return Some(match parse_init_exit(reason) {
            Some(wait_status) => BootEnd::InitExited(wait_status),
            None => BootEnd::Panicked(message.to_string()),
        });
    }
    match message.trim_end() {
        "reboot: Power down" => Some(BootEnd::PoweredOff),
        "reboot: System halted" | "reboot: Restarting system" => Some(BootEnd::Stopped(message.trim_end().to_string())),
        _ => None,
    }
}

/// The wait status in `Attempted to kill init! exitcode=0x%08x`.
pub fn parse_init_exit(reason: &str) -> Option<u32> {
    let hex = reason.trim_end().strip_prefix("Attempted to kill init! exitcode=0x")?;
    u32::from_str_radix(hex, 16).ok()
}

/// The status a shell reports for a process that ended with `wait_status`: its exit
/// code, or 128 + the signal that killed it (a dumped core changes nothing).
pub fn exit_status_of(wait_status: u32) -> Result<u8, String> {
    match wait_status & 0x7f {
        0 => Ok((wait_status >> 8) as u8),
        0x7f => Err(format!("wait status {wait_status:#x} is a stopped process's, not an ended one's")),
        signal => Ok(128 + signal as u8),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(console: &str) -> KernelSpec {
        KernelSpec {
            debian_arch: "arm64".into(),
            flavour: "arm64".into(),
            suite: None,
            qemu_system: "qemu-system-aarch64".into(),
            qemu_package: "qemu-system-arm".into(),
            machine: Vec::new(),
            memory: None,
            kernel_args: Vec::new(),
            console: console.into(),
        }
    }

    #[test]
    fn command_line_puts_the_spec_parameters_before_init_arguments() {
        let spec = KernelSpec { kernel_args: args(&["initcall_blacklist=i8042_init"]), ..spec("ttyS0") };
        assert_eq!(
            command_line(&spec, &args(&["3"])).unwrap(),
            "console=ttyS0 loglevel=6 printk.time=1 panic=-1 initcall_blacklist=i8042_init -- 3"
        );
    }

    #[test]
    fn efi_zboot_images_are_unpacked_unless_qemu_can() {
        let raw = b"MZ raw kernel image".repeat(100);
        let mut compressed = Vec::new();
        ruzstd::encoding::compress(&raw[..], &mut compressed, ruzstd::encoding::CompressionLevel::Fastest);
        let zboot = |name: &[u8; 4], payload: &[u8]| {
            let mut image = vec![0u8; 64];
            image[0..2].copy_from_slice(b"MZ");
            image[4..8].copy_from_slice(b"zimg");
            image[8..12].copy_from_slice(&64u32.to_le_bytes());
            image[12..16].copy_from_slice(&(payload.len() as u32).to_le_bytes());
            image[24..28].copy_from_slice(name);
            image.extend_from_slice(payload);
            image.extend_from_slice(&(raw.len() as u32).to_le_bytes()); // the size the build appends
            image
        };
        assert_eq!(unpack_efi_zboot(&zboot(b"zstd", &compressed)).unwrap(), Some(raw.clone()));
        assert_eq!(unpack_efi_zboot(&zboot(b"gzip", b"anything")).unwrap(), None);
        assert!(unpack_efi_zboot(&zboot(b"lzma", b"anything")).unwrap_err().contains("\"lzma\""));
        assert_eq!(unpack_efi_zboot(&raw).unwrap(), None);
        let mut truncated = zboot(b"zstd", &compressed);
        truncated.truncate(70);
        assert!(unpack_efi_zboot(&truncated).unwrap_err().contains("past the end"));
    }

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|arg| arg.to_string()).collect()
    }

    #[test]
    fn kernel_builds_order_by_their_numbers_not_their_text() {
        let mut builds = vec!["linux-image-6.12.99+deb13-powerpc64le", "linux-image-6.12.117+deb13-powerpc64le", "linux-image-6.12.107+deb13-powerpc64le"];
        builds.sort_by_key(|name| std::cmp::Reverse(version_key(name)));
        assert_eq!(builds, ["linux-image-6.12.117+deb13-powerpc64le", "linux-image-6.12.107+deb13-powerpc64le", "linux-image-6.12.99+deb13-powerpc64le"]);
    }

    #[test]
    fn console_lines_lose_escape_sequences_and_carriage_returns() {
        assert_eq!(strip_terminal_controls("\x1bc\x1b[?7l\x1b[2Jok case\r"), "ok case");
        assert_eq!(strip_terminal_controls("plain"), "plain");
    }

    #[test]
    fn command_line_without_arguments_has_no_separator() {
        assert_eq!(command_line(&spec("ttyAMA0"), &[]).unwrap(), "console=ttyAMA0 loglevel=6 printk.time=1 panic=-1");
    }

    #[test]
    fn command_line_passes_arguments_after_the_separator_quoting_white_space() {
        let line = command_line(&spec("ttyS0"), &args(&["3", "two words", "KEY=a b", "", "tab\there", "voilà", "-x"])).unwrap();
        assert_eq!(
            line,
            "console=ttyS0 loglevel=6 printk.time=1 panic=-1 -- 3 \"two words\" \"KEY=a b\" \"\" \"tab\there\" \"voilà\" -x"
        );
    }

    #[test]
    fn command_line_refuses_what_the_kernel_cannot_carry() {
        let error = command_line(&spec("ttyS0"), &args(&["say \"hi\""])).unwrap_err();
        assert!(error.contains("double quote"), "{error}");
        let error = command_line(&spec("ttyS0"), &args(&["a", "--", "b"])).unwrap_err();
        assert!(error.contains("`--`"), "{error}");
        let many: Vec<String> = (0..=MAX_INIT_ARGUMENTS).map(|index| index.to_string()).collect();
        assert!(command_line(&spec("ttyS0"), &many[..MAX_INIT_ARGUMENTS]).is_ok());
        let error = command_line(&spec("ttyS0"), &many).unwrap_err();
        assert!(error.contains("at most 32"), "{error}");
        let long = "x".repeat(COMMAND_LINE_LIMIT);
        let error = command_line(&spec("ttyS0"), &[long]).unwrap_err();
        assert!(error.contains("COMMAND_LINE_SIZE"), "{error}");
    }

    #[test]
    fn init_exit_line_gives_the_wait_status() {
        assert_eq!(parse_init_exit("Attempted to kill init! exitcode=0x00000300"), Some(0x300));
        assert_eq!(parse_init_exit("Attempted to kill init! exitcode=0x0000008b\n"), Some(0x8b));
        assert_eq!(parse_init_exit("VFS: Unable to mount root fs on unknown-block(0,0)"), None);
    }

    #[test]
    fn wait_status_becomes_the_exit_status_a_shell_reports() {
        assert_eq!(exit_status_of(0x0000), Ok(0));
        assert_eq!(exit_status_of(0x0300), Ok(3));
        assert_eq!(exit_status_of(0xff00), Ok(255));
        assert_eq!(exit_status_of(0x0009), Ok(128 + 9)); // SIGKILL
        assert_eq!(exit_status_of(0x008b), Ok(128 + 11)); // SIGSEGV, core dumped
        assert!(exit_status_of(0x137f).is_err()); // stopped by SIGSTOP
    }

    #[test]
    fn console_keeps_the_program_lines_and_reads_the_end_from_the_panic_line() {
        let mut console = Console::default();
        let mut shown = String::new();
        for line in [
            "\x1bc\x1b[?7l\x1b[2J\x1b[0mSeaBIOS (version 1.16.3-debian-1.16.3-2~bpo12+1)\r",
            "KASLR disabled: CPU has no PRNG",
            "[    0.000000] Linux version 6.1.0-28-arm64 (debian-kernel@lists.debian.org)",
            "\x1b[1mhello\x1b[0m from init\r",
            "\r",
            "[    0.912345] random: crng init done",
            "no newline[    1.234567] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000300",
            "[    1.234600] CPU: 0 PID: 1 Comm: init Not tainted 6.1.0-28-arm64 #1  Debian 6.1.119-1",
            "after the panic",
        ] {
            shown.push_str(&console.program_text(line));
        }
        assert_eq!(shown, "hello from init\n\nno newline");
        assert_eq!(console.end, Some(BootEnd::InitExited(0x300)));
        let recent: Vec<&str> = console.recent_lines().collect();
        assert_eq!(recent.len(), 9);
        assert_eq!(recent[1], "KASLR disabled: CPU has no PRNG");
    }

    #[test]
    fn console_shows_the_program_lines_between_kernel_lines_even_when_they_share_a_line() {
        let mut console = Console::default();
        let mut shown = String::new();
        for line in ["[    0.000000] Linux version 6.1.0", "hel[    2.100000] random: crng init done", "lo", "[    2.2] reboot: Power down"] {
            shown.push_str(&console.program_text(line));
        }
        assert_eq!(shown, "hello\n");
    }

    #[test]
    fn console_reads_power_off_and_other_panics() {
        let mut console = Console::default();
        assert_eq!(console.program_text("[    2.000001] reboot: Power down"), "");
        assert_eq!(console.end, Some(BootEnd::PoweredOff));
        let mut console = Console::default();
        console.program_text("[    0.5] Kernel panic - not syncing: No working init found.");
        assert_eq!(console.end, Some(BootEnd::Panicked("Kernel panic - not syncing: No working init found.".into())));
        let mut console = Console::default();
        console.program_text("[ 3.25] reboot: Restarting system");
        assert_eq!(console.end, Some(BootEnd::Stopped("reboot: Restarting system".into())));
    }

    #[test]
    fn bracketed_program_text_that_is_no_timestamp_is_kept() {
        let mut console = Console::default();
        console.program_text("[    0.000000] Linux version 6.1.0");
        assert_eq!(console.program_text("[ok] 3 cases [1.5x faster]"), "[ok] 3 cases [1.5x faster]\n");
        assert_eq!(console.end, None);
    }
}
