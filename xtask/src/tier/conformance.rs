//! What the conformance tiers (user, native, kernel) share: how the conformance program
//! is started, and its line format, read here and nowhere else. The program (and the C
//! ABI's smoke test, which prints the same format) prints one line per case, `ok NAME`,
//! `FAIL NAME: why` or `skip NAME: why`, and ends with `N passed, N failed, N skipped`.

use std::process::Command;
use std::time::Duration;

use xtask::arches::Machine;
use xtask::kernel;
use xtask::util::run_with_timeout;

use super::{Row, RunResult};

/// Where the kernel tier's initramfs holds examples/exit_status, which the conformance
/// program's process cases start (it looks there when [`EXIT_STATUS_VARIABLE`] is unset).
pub(crate) const EXIT_STATUS_IN_INITRAMFS: &str = "bin/exit_status";
/// The environment variable that gives the conformance program examples/exit_status's
/// path on the user and native tiers.
pub(crate) const EXIT_STATUS_VARIABLE: &str = "FREECLONE_EXIT_STATUS";

/// Per run, at most this long: a hang shows as a failed run.
pub(crate) const RUN_TIMEOUT: Duration = Duration::from_secs(300);

/// One line of the conformance program's output, read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Line<'a> {
    /// `ok NAME`, `FAIL NAME: why`, `skip NAME: why`: the outcome (`ok`, `FAIL`,
    /// `skip`), the case's name if the line names one (a name has no spaces), and the
    /// text after the outcome.
    Case { outcome: &'static str, name: Option<&'a str>, text: &'a str },
    /// The closing line, `N passed, N failed, N skipped`.
    Closing { passed: usize, failed: usize, skipped: usize },
    /// Anything else.
    Other,
}

/// Reads one line of the conformance program's output.
pub(crate) fn parse_line(line: &str) -> Line<'_> {
    let outcome = [("ok ", "ok"), ("FAIL ", "FAIL"), ("skip ", "skip")]
        .iter()
        .find_map(|(prefix, outcome)| line.strip_prefix(prefix).map(|rest| (rest, *outcome)));
    if let Some((rest, outcome)) = outcome {
        let name = rest.split(':').next().map(str::trim).filter(|name| !name.is_empty() && !name.contains(' '));
        return Line::Case { outcome, name, text: rest };
    }
    let mut numbers = line.split(", ").zip(["passed", "failed", "skipped"]).map(|(part, word)| {
        part.strip_suffix(word).and_then(|number| number.trim().parse::<usize>().ok())
    });
    let mut closing = || Some((numbers.next()??, numbers.next()??, numbers.next()??));
    match closing() {
        Some((passed, failed, skipped)) if line.matches(", ").count() == 2 => Line::Closing { passed, failed, skipped },
        _ => Line::Other,
    }
}

/// Whether `line` ends with a closing line, after whatever a console put before it
/// (a kernel's message cut short, on a console that hands lines over in chunks).
pub(crate) fn ends_with_closing_line(line: &str) -> bool {
    let mut starts = line.char_indices().filter(|&(index, _)| index == 0 || line[..index].ends_with(|c: char| !c.is_ascii_digit()));
    starts.any(|(index, _)| matches!(parse_line(&line[index..]), Line::Closing { .. }))
}

/// The case a result line names and its outcome: `ok NAME`, `FAIL NAME: why`,
/// `skip NAME: why`.
pub(crate) fn case_name(line: &str) -> Option<(&str, &'static str)> {
    match parse_line(line) {
        Line::Case { outcome, name: Some(name), .. } => Some((name, outcome)),
        _ => None,
    }
}

/// How the conformance program is started: a command whose exit code is the
/// program's (qemu-user, native), or a kernel's boot, which must end in a power-off.
pub(crate) enum Launch<'a> {
    Direct(&'a mut Command),
    Kernel(kernel::Boot),
    /// A boot whose init is meant to die: its failure is reported without the dump.
    DeadInit(kernel::Boot),
}

/// Runs the conformance program as `launch` says (killed after `timeout`) and counts
/// its result lines.
pub(crate) fn run(arch: &str, tier: Row, launch: Launch, timeout: Duration) -> RunResult {
    println!("run: {arch} on tier {tier}");
    let expect_failure = matches!(launch, Launch::DeadInit(_));
    let run = match launch {
        Launch::Direct(command) => run_with_timeout(command, timeout).map(|finished| (finished, None)),
        Launch::Kernel(boot) | Launch::DeadInit(boot) => boot.run(timeout).map(|(finished, ending)| (finished, Some(ending))),
    };
    let (finished, ending) = match run {
        Ok(run) => run,
        Err(error) => return RunResult::error(arch, tier, error),
    };
    let mut result = RunResult { seconds: finished.elapsed.as_secs_f64(), ran: true, ..RunResult::new(arch, tier) };
    result.output = finished.output.clone();
    let mut closing = None;
    let mut skip_lines = Vec::new();
    for line in finished.output.lines().map(kernel::strip_terminal_controls) {
        let line = line.as_str();
        if line.starts_with("init: ") {
            result.init_lines.push(line.to_string());
        }
        match parse_line(line) {
            Line::Case { outcome, name, .. } => {
                if let Some(name) = name {
                    result.cases.push((name.to_string(), outcome));
                }
                match outcome {
                    "ok" => result.passed += 1,
                    "FAIL" => {
                        result.failed += 1;
                        result.fail_lines.push(line.to_string());
                        println!("  {line}");
                    }
                    _ => {
                        result.skipped += 1;
                        skip_lines.push(line.to_string());
                        println!("  {line}");
                    }
                }
            }
            Line::Closing { passed, failed, skipped } => closing = Some((passed, failed, skipped)),
            Line::Other => {}
        }
    }
    // The program's own exit code is qemu-system's only for the user and native tiers;
    // under a kernel, init powers the machine off and qemu exits 0.
    let expected_code = if ending.is_some() || result.failed == 0 { 0 } else { 1 };
    if finished.timed_out {
        result.error = Some(format!("timed out after {} s", timeout.as_secs()));
    } else if closing != Some((result.passed, result.failed, result.skipped)) || finished.code != Some(expected_code) {
        result.error = Some(format!(
            "the program did not finish its run (exit code {:?}, closing line {:?})",
            finished.code, closing
        ));
    } else if let Some(ending) = ending.filter(|ending| !ending.powered_off()) {
        // Whatever it printed, an init that did not power off died or hung.
        result.error = Some(format!("init did not power the machine off: {}", ending.describe()));
    }
    // A skip is a proven qemu-user limitation; anywhere else it hides a failure.
    if tier != Row::Machine(Machine::User) && result.skipped > 0 {
        println!("  {arch} {tier}: {} skipped outside qemu-user, counted as failed", result.skipped);
        result.failed += result.skipped;
        result.skipped = 0;
        result.fail_lines.extend(skip_lines);
    }
    if let Some(error) = result.error.as_ref().filter(|_| !expect_failure) {
        println!("  ERROR {arch} {tier}: {error}; its last output:");
        let lines: Vec<&str> = finished.output.lines().collect();
        for line in &lines[lines.len().saturating_sub(20)..] {
            println!("  | {line}");
        }
    }
    println!(
        "  {arch} {tier}: {} passed, {} failed, {} skipped ({:.1} s)",
        result.passed, result.failed, result.skipped, finished.elapsed.as_secs_f64()
    );
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_line_is_parsed_only_in_its_exact_form() {
        assert_eq!(parse_line("14 passed, 0 failed, 2 skipped"), Line::Closing { passed: 14, failed: 0, skipped: 2 });
        assert_eq!(parse_line("14 passed, 0 failed"), Line::Other);
        assert_eq!(parse_line("x passed, 0 failed, 2 skipped"), Line::Other);
        assert_eq!(parse_line("14 passed, 0 failed, 2 skipped, 1 more"), Line::Other);
        // A result line is never a closing line.
        assert_eq!(parse_line("ok 14 passed, 0 failed, 2 skipped"), Line::Case { outcome: "ok", name: None, text: "14 passed, 0 failed, 2 skipped" });
    }

    #[test]
    fn a_closing_line_is_found_after_a_consoles_debris() {
        assert!(ends_with_closing_line("10 passed, 0 failed, 0 skipped"));
        assert!(ends_with_closing_line("[    1.23410 passed, 0 failed, 0 skipped"));
        assert!(!ends_with_closing_line("10 passed, 0 failed"));
        assert!(!ends_with_closing_line("ok 10 passed, 0 failed, 0 skipped, more"));
    }

    #[test]
    fn result_lines_name_their_case() {
        assert_eq!(case_name("ok child_runs_fn"), Some(("child_runs_fn", "ok")));
        assert_eq!(case_name("FAIL child_runs_fn: arg not intact; "), Some(("child_runs_fn", "FAIL")));
        assert_eq!(case_name("skip vfork_suspends: clone answered EINVAL"), Some(("vfork_suspends", "skip")));
        assert_eq!(case_name("init: the conformance cases ended"), None);
        assert_eq!(case_name("ok "), None);
        assert_eq!(parse_line("ok "), Line::Case { outcome: "ok", name: None, text: "" });
        assert_eq!(parse_line("FAIL a: b: c"), Line::Case { outcome: "FAIL", name: Some("a"), text: "a: b: c" });
    }
}
