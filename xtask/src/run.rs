//! `cargo xtask run` and the installed `freeclone-run`: runs any static Linux binary
//! under qemu-user, on the host, or as `/init` of its architecture's Debian kernel,
//! streams its output, and exits with its exit status.

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitCode, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;

use crate::arches::{self, Arch, Machine};
use crate::debian::Apt;
use crate::elf::{self, BinaryHeader};
use crate::kernel::{self, BootEnd, Console, KernelSpec};
use crate::setup::{self, Needs};

/// The runner failed: bad arguments, a binary no tier can run, a failed setup step, or
/// a boot that ended without init's status (another panic, qemu failing).
pub const RUNNER_FAILED: u8 = 125;

/// The run outlived `--timeout` (the status timeout(1) uses).
pub const TIMED_OUT: u8 = 124;

/// How long qemu may take to exit once the console showed that the program halted
/// the machine, which then never exits by itself (a failure either way).
const EXIT_GRACE: Duration = Duration::from_secs(3);

/// The command line, as clap reads it.
#[derive(Parser, Debug)]
#[command(
    about = "Runs a static Linux binary under qemu-user, on the host, or as /init of its architecture's Debian kernel",
    after_help = "Exit status: the program's own (128 + N if signal N killed it); 124 if --timeout expired; \
                  125 if the runner failed (bad arguments, an unsupported binary, setup, or a boot that ended \
                  without init's status). As /init, a program that powers the machine off reports 0."
)]
struct Cli {
    /// The binary's architecture (default: read from its ELF header).
    #[arg(long)]
    arch: Option<String>,
    /// Where to run it (default: native where the host runs it, else user).
    #[arg(long, value_enum)]
    tier: Option<Machine>,
    /// Kill the run after this many seconds (a kernel's boot included).
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<u64>,
    /// The static Linux binary, then its arguments: everything from the binary on is
    /// the program's, options included.
    #[arg(value_name = "BINARY [ARGS]", required = true, num_args = 1.., trailing_var_arg = true)]
    command: Vec<OsString>,
}

/// What to run, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunArgs {
    /// The binary's architecture; `None`: read from its ELF header.
    pub arch: Option<String>,
    /// `None`: native where the host runs it, else user.
    pub tier: Option<Machine>,
    /// Seconds before the run is killed; `None`: no limit.
    pub timeout: Option<u64>,
    pub binary: PathBuf,
    pub args: Vec<OsString>,
}

/// Reads the runner's command line (`args` without the program name; `name` is how it
/// was invoked, for the usage message).
pub fn parse(name: &str, args: impl IntoIterator<Item = OsString>) -> Result<RunArgs, clap::Error> {
    let cli = Cli::try_parse_from(std::iter::once(OsString::from(name)).chain(args))?;
    let mut command = cli.command.into_iter();
    let binary = PathBuf::from(command.next().expect("clap requires the binary"));
    Ok(RunArgs { arch: cli.arch, tier: cli.tier, timeout: cli.timeout, binary, args: command.collect() })
}

/// A run that ended without a status of the program's.
#[derive(Debug, PartialEq, Eq)]
pub struct RunError {
    /// [`RUNNER_FAILED`] or [`TIMED_OUT`].
    pub status: u8,
    pub message: String,
}

fn failed(message: impl Into<String>) -> RunError {
    RunError { status: RUNNER_FAILED, message: message.into() }
}

/// The whole command: parses `args` (without the program name) the way `name` is
/// invoked, runs, and returns the exit code to end with.
pub fn main(name: &str, args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let args = match parse(name, args) {
        Ok(args) => args,
        Err(error) => {
            let _ = error.print();
            // --help and --version are not failures; anything else is the runner's.
            return ExitCode::from(if error.use_stderr() { RUNNER_FAILED } else { 0 });
        }
    };
    match run(&args) {
        Ok(status) => ExitCode::from(status),
        Err(error) => {
            eprintln!("{name}: error: {}", error.message);
            ExitCode::from(error.status)
        }
    }
}

/// Runs the binary as `args` says and returns the program's exit status.
pub fn run(args: &RunArgs) -> Result<u8, RunError> {
    let binary = std::path::absolute(&args.binary).map_err(|error| failed(format!("{}: {error}", args.binary.display())))?;
    let data = std::fs::read(&binary).map_err(|error| failed(format!("cannot read {}: {error}", binary.display())))?;
    let header = elf::parse(&data).map_err(|error| failed(format!("{} is {error}", binary.display())))?;
    drop(data);
    let arches = arches::all().map_err(failed)?;
    let (arch, tier) = choose(&header, args.arch.as_deref(), args.tier, &arches).map_err(|error| failed(format!("{}: {error}", binary.display())))?;
    let timeout = args.timeout.map(Duration::from_secs);
    // Whatever the kernel tier refuses is refused before anything is installed.
    let boot = match (tier, &arch.kernel) {
        (Machine::Kernel, Some(spec)) => Some((spec, init_arguments(spec, &binary, &header, &args.args)?)),
        _ => None,
    };
    setup::install_tools(std::slice::from_ref(arch), &Needs::for_machines(std::slice::from_ref(arch), &[tier])).map_err(failed)?;
    match boot {
        Some((spec, init_args)) => run_on_kernel(spec, &binary, &init_args, timeout),
        None => run_directly(arch, tier, &binary, &args.args, timeout),
    }
}

/// The architecture and tier for a binary: `--arch` if given (it must run the binary),
/// else the one its ELF header names; `--tier` if given (it must run that
/// architecture here), else native where the host runs it, else user.
pub fn choose<'a>(header: &BinaryHeader, arch: Option<&str>, tier: Option<Machine>, arches: &'a [Arch]) -> Result<(&'a Arch, Machine), String> {
    let inferred = arches::architecture_of(header, arches);
    let arch = match arch {
        None => inferred?,
        Some(name) => {
            let given = arches.iter().find(|arch| arch.name == name).ok_or_else(|| {
                let known: Vec<&str> = arches.iter().map(|arch| arch.name.as_str()).collect();
                format!("unknown architecture `{name}` (--arch); known: {}", known.join(", "))
            })?;
            if !given.runs(header) {
                let what = match &inferred {
                    Ok(arch) => format!("an {} binary ({})", arch.name, header.identity),
                    Err(error) => error.clone(),
                };
                let fix = match &inferred {
                    Ok(arch) => format!("pass --arch {} or none", arch.name),
                    Err(_) => "pick a binary built for it".to_string(),
                };
                return Err(format!("{what}, and --arch {name} runs {} binaries: {fix}", given.elf));
            }
            given
        }
    };
    let available = arch.machines();
    let tier = match tier {
        Some(tier) => tier,
        None => [Machine::Native, Machine::User, Machine::Kernel].into_iter().find(|tier| available.contains(tier)).ok_or_else(|| {
            format!("no tier runs {} binaries (no emulator, no kernel, not this host's)", arch.name)
        })?,
    };
    if !available.contains(&tier) {
        let why = match tier {
            Machine::User => format!("{} has no qemu-user emulator", arch.name),
            Machine::Native => format!("this {} host does not run {} binaries", std::env::consts::ARCH, arch.name),
            Machine::Kernel => format!("Debian ships no kernel for {}", arch.name),
        };
        let others: Vec<&str> = available.iter().map(|tier| tier.name()).collect();
        let others = if others.is_empty() { "none".to_string() } else { others.join(", ") };
        return Err(format!("tier {} cannot run it: {why}; tiers that can: {others}", tier.name()));
    }
    Ok((arch, tier))
}

/// Tiers user and native: the program (or qemu-user) is a child with the runner's
/// standard input, output and environment.
fn run_directly(arch: &Arch, tier: Machine, binary: &Path, args: &[OsString], timeout: Option<Duration>) -> Result<u8, RunError> {
    let mut command = arch.direct_command(tier, binary).expect("choose() checked the tier");
    command.args(args);
    let program = command.get_program().to_string_lossy().into_owned();
    let mut child = command.spawn().map_err(|error| failed(format!("cannot start {program}: {error}")))?;
    let status = wait(&mut child, timeout, &AtomicBool::new(false))?;
    Ok(shell_status(status))
}

/// The status a shell reports: the exit code, or 128 + the signal that killed it.
fn shell_status(status: ExitStatus) -> u8 {
    match (status.code(), status.signal()) {
        (Some(code), _) => code as u8,
        (None, Some(signal)) => 128u8.wrapping_add(signal as u8),
        (None, None) => RUNNER_FAILED,
    }
}

/// Waits for `child`, killing it once `timeout` has passed (an error) or
/// [`EXIT_GRACE`] after `ended` was set.
fn wait(child: &mut Child, timeout: Option<Duration>, ended: &AtomicBool) -> Result<ExitStatus, RunError> {
    let start = Instant::now();
    let mut ended_at = None;
    loop {
        if let Some(status) = child.try_wait().map_err(|error| failed(format!("wait: {error}")))? {
            return Ok(status);
        }
        if let Some(limit) = timeout
            && start.elapsed() > limit
        {
            let _ = child.kill();
            let _ = child.wait();
            return Err(RunError {
                status: TIMED_OUT,
                message: format!("the program was still running after {} s (--timeout); killed it", limit.as_secs()),
            });
        }
        if ended.load(Ordering::Relaxed) {
            let since = *ended_at.get_or_insert_with(Instant::now);
            if since.elapsed() > EXIT_GRACE {
                let _ = child.kill();
                return child.wait().map_err(|error| failed(format!("wait: {error}")));
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Removes the run's scratch directory (the initramfs) however the run ends.
struct ScratchDir(PathBuf);

impl ScratchDir {
    fn new() -> Result<ScratchDir, String> {
        let path = std::env::temp_dir().join(format!("freeclone-run-{}", std::process::id()));
        std::fs::create_dir_all(&path).map_err(|error| format!("{}: {error}", path.display()))?;
        Ok(ScratchDir(path))
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The program's arguments as the kernel tier passes them, once it is sure it can:
/// the program is static (the initramfs holds it alone) and the arguments fit the
/// kernel command line.
fn init_arguments(spec: &KernelSpec, binary: &Path, header: &BinaryHeader, args: &[OsString]) -> Result<Vec<String>, RunError> {
    if let Some(interpreter) = &header.interpreter {
        return Err(failed(format!(
            "{} is dynamically linked (interpreter {interpreter}), and the kernel tier's initramfs holds the program alone: \
             link it statically (Rust: a musl target, or -C target-feature=+crt-static)",
            binary.display()
        )));
    }
    let args: Vec<String> = args
        .iter()
        .map(|arg| arg.to_str().map(str::to_string).ok_or_else(|| failed(format!("argument {arg:?} is not UTF-8, which the kernel command line needs"))))
        .collect::<Result<_, _>>()?;
    kernel::command_line(spec, &args).map_err(failed)?;
    Ok(args)
}

/// Tier kernel: boots `spec`'s kernel with the program as `/init` and `init_args` on
/// the kernel command line, shows the program's console lines as they come, and
/// returns 0 if qemu reports a power-off, else init's status from the kernel's panic
/// line (the only place it appears).
fn run_on_kernel(spec: &KernelSpec, binary: &Path, init_args: &[String], timeout: Option<Duration>) -> Result<u8, RunError> {
    let scratch = ScratchDir::new().map_err(failed)?;
    let boot = kernel::prepare_boot(spec, binary, &[], init_args, &scratch.0.join("initramfs.cpio"), &mut Apt::default()).map_err(failed)?;
    let kernel::Boot { mut command, monitor } = boot;
    let watcher = monitor.watch();
    // qemu's own messages (stderr) go straight to the user's terminal.
    let mut qemu = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|error| failed(format!("cannot start {}: {error}", spec.qemu_system)))?;
    let console_output = qemu.stdout.take().expect("stdout is piped");
    let ended = Arc::new(AtomicBool::new(false));
    let reader = {
        let ended = Arc::clone(&ended);
        std::thread::spawn(move || show_program_output(console_output, &ended, scratch))
    };
    let status = wait(&mut qemu, timeout, &ended);
    let ending = watcher.finish();
    let console = reader.join().map_err(|_| failed("the console reader panicked"))?;
    let status = status?;
    let ending = ending.map_err(failed)?;
    let with_console = |message: String| {
        let lines: Vec<String> = console.recent_lines().map(|line| format!("  | {line}")).collect();
        failed(format!("{message}; the console's last lines:\n{}", lines.join("\n")))
    };
    if ending.powered_off() {
        return Ok(0);
    }
    match console.end.clone() {
        // Init died, and the kernel's panic made the machine end the run.
        Some(BootEnd::InitExited(wait_status)) if ending.shutdown.is_some() => kernel::exit_status_of(wait_status).map_err(failed),
        Some(BootEnd::Stopped(line)) => Err(failed(format!(
            "the program stopped the machine (kernel: \"{line}\") instead of exiting or powering it off, so it left no status"
        ))),
        Some(BootEnd::Panicked(line)) => Err(with_console(format!("the kernel panicked before init exited: \"{line}\""))),
        _ => Err(with_console(format!(
            "{} ended ({status}; {}) without a power-off or init's status (no \"Attempted to kill init!\" line); qemu's own messages, if any, are above",
            spec.qemu_system,
            ending.describe()
        ))),
    }
}

/// Copies the program's part of the console to stdout as it arrives; returns the
/// console read to its end, and sets `ended` as soon as the console shows the boot's end.
/// Removes `scratch` at the first output: qemu read the initramfs whole when it started,
/// and a run interrupted later (Ctrl-C) then leaves nothing behind.
fn show_program_output(console_output: impl std::io::Read, ended: &AtomicBool, scratch: ScratchDir) -> Console {
    let mut reader = BufReader::new(console_output);
    let mut console = Console::default();
    let mut line = Vec::new();
    let stdout = std::io::stdout();
    let mut scratch = Some(scratch);
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return console,
            Ok(_) => drop(scratch.take()),
        }
        let complete = line.last() == Some(&b'\n');
        let text = String::from_utf8_lossy(line.strip_suffix(b"\n").unwrap_or(&line)).into_owned();
        let mut shown = console.program_text(&text);
        if !complete && shown.ends_with('\n') {
            shown.pop(); // the program's last line had no newline
        }
        // A closed stdout (`| head`) must not stop the boot: keep reading.
        let mut out = stdout.lock();
        let _ = out.write_all(shown.as_bytes()).and_then(|()| out.flush());
        // Only a halt leaves qemu running; any other end, qemu reports as it exits.
        if matches!(console.end, Some(BootEnd::Stopped(_))) {
            ended.store(true, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use object::elf as consts;

    use super::*;
    use crate::elf::tests::executable;
    use crate::elf::{ByteOrder, ElfIdentity};

    fn header(machine: u16, class: u8, byte_order: ByteOrder) -> BinaryHeader {
        let identity = ElfIdentity { machine, class, byte_order };
        elf::parse(&executable(identity, 0, None, &[0; 4])).unwrap()
    }

    fn aarch64() -> BinaryHeader {
        header(consts::EM_AARCH64.0, 64, ByteOrder::Little)
    }

    fn chosen(header: &BinaryHeader, arch: Option<&str>, tier: Option<Machine>) -> Result<(String, Machine), String> {
        let arches = arches::all().unwrap();
        choose(header, arch, tier, &arches).map(|(arch, tier)| (arch.name.clone(), tier))
    }

    #[test]
    fn without_options_the_architecture_comes_from_the_elf_header_and_the_tier_from_the_host() {
        let expected_tier = if std::env::consts::ARCH == "aarch64" { Machine::Native } else { Machine::User };
        assert_eq!(chosen(&aarch64(), None, None), Ok(("aarch64".to_string(), expected_tier)));
        let mips = header(consts::EM_MIPS.0, 32, ByteOrder::Big);
        assert_eq!(chosen(&mips, None, None), Ok(("mips".to_string(), Machine::User)));
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn x86_binaries_run_natively_by_default_on_an_x86_64_host() {
        assert_eq!(chosen(&header(consts::EM_X86_64.0, 64, ByteOrder::Little), None, None), Ok(("x86_64".to_string(), Machine::Native)));
        assert_eq!(chosen(&header(consts::EM_386.0, 32, ByteOrder::Little), None, None), Ok(("i386".to_string(), Machine::Native)));
    }

    #[test]
    fn arch_option_must_describe_the_binary() {
        assert_eq!(chosen(&aarch64(), Some("aarch64"), Some(Machine::Kernel)), Ok(("aarch64".to_string(), Machine::Kernel)));
        let error = chosen(&aarch64(), Some("x86_64"), None).unwrap_err();
        assert!(error.contains("an aarch64 binary") && error.contains("--arch x86_64") && error.contains("pass --arch aarch64"), "{error}");
        let error = chosen(&aarch64(), Some("vax"), None).unwrap_err();
        assert!(error.contains("unknown architecture `vax`"), "{error}");
        // The three ARM names share one ELF identity: any of them may be asked for.
        let arm = header(consts::EM_ARM.0, 32, ByteOrder::Little);
        assert_eq!(chosen(&arm, None, Some(Machine::User)), Ok(("arm".to_string(), Machine::User)));
        assert_eq!(chosen(&arm, Some("thumb"), Some(Machine::Kernel)), Ok(("thumb".to_string(), Machine::Kernel)));
    }

    #[test]
    fn a_tier_that_cannot_run_the_architecture_is_refused_with_those_that_can() {
        let mips64 = header(consts::EM_MIPS.0, 64, ByteOrder::Big);
        let error = chosen(&mips64, None, Some(Machine::Kernel)).unwrap_err();
        assert!(error.contains("no kernel for mips64") && error.contains("tiers that can: user"), "{error}");
        let ia64 = header(consts::EM_IA_64.0, 64, ByteOrder::Little);
        let error = chosen(&ia64, None, None).unwrap_err();
        assert!(error.contains("no tier runs ia64"), "{error}");
        if std::env::consts::ARCH != "s390x" {
            let s390x = header(consts::EM_S390.0, 64, ByteOrder::Big);
            let error = chosen(&s390x, None, Some(Machine::Native)).unwrap_err();
            assert!(error.contains("does not run s390x binaries") && error.contains("user, kernel"), "{error}");
        }
    }

    /// A static x86_64 executable: `code` at its entry.
    #[cfg(target_arch = "x86_64")]
    fn x86_64_program(name: &str, code: &[u8]) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let identity = ElfIdentity { machine: consts::EM_X86_64.0, class: 64, byte_order: ByteOrder::Little };
        let path = std::env::temp_dir().join(format!("freeclone-run-test-{}-{name}", std::process::id()));
        std::fs::write(&path, executable(identity, 0, None, code)).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn native_runs_end_with_the_program_exit_code_or_128_plus_its_signal() {
        let run_native = |path: &PathBuf| {
            let args = RunArgs { arch: None, tier: Some(Machine::Native), timeout: Some(60), binary: path.clone(), args: Vec::new() };
            let status = run(&args);
            let _ = std::fs::remove_file(path);
            status
        };
        // mov edi, 3; mov eax, 231 (exit_group); syscall
        let exits_3 = x86_64_program("exit3", &[0xbf, 3, 0, 0, 0, 0xb8, 231, 0, 0, 0, 0x0f, 0x05]);
        assert_eq!(run_native(&exits_3), Ok(3));
        // mov eax, 39 (getpid); syscall; mov edi, eax; mov esi, 9 (SIGKILL); mov eax, 62 (kill); syscall
        let killed = x86_64_program(
            "sigkill",
            &[0xb8, 39, 0, 0, 0, 0x0f, 0x05, 0x89, 0xc7, 0xbe, 9, 0, 0, 0, 0xb8, 62, 0, 0, 0, 0x0f, 0x05],
        );
        assert_eq!(run_native(&killed), Ok(128 + 9));
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn a_run_past_its_timeout_is_killed_and_reported_apart() {
        // pause (34), forever
        let sleeper = x86_64_program("pause", &[0xb8, 34, 0, 0, 0, 0x0f, 0x05, 0xeb, 0xf7]);
        let args = RunArgs { arch: None, tier: Some(Machine::Native), timeout: Some(1), binary: sleeper.clone(), args: Vec::new() };
        let error = run(&args).unwrap_err();
        let _ = std::fs::remove_file(&sleeper);
        assert_eq!(error.status, TIMED_OUT, "{}", error.message);
    }

    #[test]
    fn usage_errors_are_the_runner_s_status_and_program_arguments_pass_untouched() {
        let words = ["--tier", "kernel", "prog", "--arch", "x", "-v", "--"].map(OsString::from);
        let parsed = parse("freeclone-run", words).unwrap();
        assert_eq!((parsed.tier, parsed.arch, parsed.binary), (Some(Machine::Kernel), None, PathBuf::from("prog")));
        assert_eq!(parsed.args, ["--arch", "x", "-v", "--"]);
        assert!(parse("freeclone-run", ["--tier".into(), "kernel".into()]).is_err(), "the binary is required");
        let status = main("freeclone-run", ["--tier".into(), "sideways".into(), "prog".into()]);
        assert_eq!(format!("{status:?}"), format!("{:?}", ExitCode::from(RUNNER_FAILED)));
    }

    #[test]
    fn help_lists_only_the_tiers_that_run_accepts() {
        let summary = parse("freeclone-run", ["-h".into()]).unwrap_err().to_string();
        assert!(summary.contains("[possible values: user, native, kernel]"), "{summary}");
        let help = parse("freeclone-run", ["--help".into()]).unwrap_err().to_string();
        assert!(help.contains("- kernel:") && !help.contains("peer"), "{help}");
        assert!(parse("freeclone-run", ["--tier".into(), "peer".into(), "prog".into()]).is_err());
    }
}
