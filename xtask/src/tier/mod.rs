//! The tiers of `cargo xtask test`, one module each, and the results they report.
//!
//! - [`direct`]: tiers `user` and `native`, the conformance program started as a
//!   command (under qemu-user, or on the host);
//! - [`kernel`]: tier `kernel`, the conformance program as /init of a real kernel, and
//!   its negative boots (rows `kernel neg`);
//! - [`peer`]: tier `peer`, glibc's clone tests, the C ABI's smoke test and the
//!   differential fuzz, on the machines of the tiers above;
//! - [`cfi`]: tier `cfi`, checks of the built conformance program's unwind information
//!   and entry code;
//! - [`structural`]: tier `structural`, the assembly of an architecture without a Rust
//!   target (ia64's `__clone2`) assembled, linked and checked, never run;
//!
//! and the checks that run once per `cargo xtask test` ([`host`]) and per architecture
//! ([`template`]). [`conformance`] holds what the conformance tiers share: how the
//! program is started and how its lines are read.
//!
//! [`Tier`] names what `--tier` selects; [`Row`] names a row of the results table.

pub(crate) mod cfi;
pub(crate) mod conformance;
pub(crate) mod direct;
pub(crate) mod host;
pub(crate) mod kernel;
pub(crate) mod peer;
pub(crate) mod structural;
pub(crate) mod template;

use std::fmt;
use std::path::Path;

use clap::ValueEnum;

use xtask::arches::{Arch, Machine};

/// A tier of `cargo xtask test`, as `--tier` names it.
#[derive(Copy, Clone, PartialEq, Eq, Debug, ValueEnum)]
pub(crate) enum Tier {
    /// The conformance program under qemu-user, which emulates the CPU and implements
    /// clone itself.
    User,
    /// The conformance program directly on the host, for the architectures it runs.
    Native,
    /// The conformance program as /init of the architecture's real Linux kernel under
    /// qemu-system, and the negative boots (an init that does not power off).
    Kernel,
    /// glibc's own clone tests, linked with freeclone's C ABI and with glibc alone, the
    /// C ABI's smoke test and the differential fuzz, on the machines of the tiers
    /// selected (on all three when it is selected alone).
    Peer,
    /// The built conformance program's CFI and entry code, read, not run (with any of
    /// user, native, kernel it runs too).
    Cfi,
    /// The architectures without a Rust target (ia64): their assembly assembled, linked
    /// and checked structurally, never run (with any of user, native, kernel it runs too).
    Structural,
}

impl Tier {
    /// Every tier: what runs without `--tier`.
    pub(crate) const ALL: [Tier; 6] = [Tier::User, Tier::Native, Tier::Kernel, Tier::Peer, Tier::Cfi, Tier::Structural];

    /// The machine the tier runs the conformance program on (user, native, kernel).
    pub(crate) fn machine(self) -> Option<Machine> {
        match self {
            Tier::User => Some(Machine::User),
            Tier::Native => Some(Machine::Native),
            Tier::Kernel => Some(Machine::Kernel),
            Tier::Peer | Tier::Cfi | Tier::Structural => None,
        }
    }
}

/// What runs, from `--tier` and `--cases`.
pub(crate) struct Plan {
    /// The machines the conformance program runs on.
    pub machines: Vec<Machine>,
    /// The machines the peer tier runs on; empty when it does not run.
    pub peer_machines: Vec<Machine>,
    pub cfi: bool,
    pub structural: bool,
    /// No `--cases`: the checks that are not conformance cases run too (the host
    /// checks, the template, the negative boots, peer, cfi).
    pub everything: bool,
    /// `--cases`: the conformance program's arguments.
    pub filters: Vec<String>,
}

impl Plan {
    pub(crate) fn new(tiers: Option<&[Tier]>, cases: Option<&[String]>) -> Plan {
        let selected = tiers.unwrap_or(&Tier::ALL);
        let everything = cases.is_none();
        let machines: Vec<Machine> = selected.iter().filter_map(|tier| tier.machine()).collect();
        let conformance = !machines.is_empty();
        let peer_machines = match (selected.contains(&Tier::Peer) && everything, conformance) {
            (false, _) => Vec::new(),
            (true, true) => machines.clone(),
            (true, false) => Machine::ALL.to_vec(),
        };
        Plan {
            cfi: everything && (conformance || selected.contains(&Tier::Cfi)),
            structural: conformance || selected.contains(&Tier::Structural),
            machines,
            peer_machines,
            everything,
            filters: cases.map(<[String]>::to_vec).unwrap_or_default(),
        }
    }

    /// The machines setup must provide for.
    pub(crate) fn needed_machines(&self) -> &[Machine] {
        if self.peer_machines.is_empty() { &self.machines } else { &self.peer_machines }
    }

    /// Whether the conformance program is built for each architecture.
    pub(crate) fn builds_conformance(&self) -> bool {
        !self.machines.is_empty() || self.cfi
    }

    /// The checks that are neither a tier's nor a case: the host's and the template's.
    pub(crate) fn host_and_template(&self) -> bool {
        !self.machines.is_empty() && self.everything
    }
}

/// What a row of the results table is, as its `tier` column names it.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(crate) enum Row {
    /// A run on a machine: the conformance program's (tiers user, native, kernel), or
    /// the template's.
    Machine(Machine),
    /// The kernel tier's negative boots: `kernel neg`.
    KernelNeg,
    /// One negative boot, its init ended by `--end-by <mode>` (never a row of its own).
    EndBy(&'static str),
    /// The peer tier on a machine: `peer user`, `peer native`, `peer kernel`.
    Peer(Machine),
    /// The peer tier's setup or build, when it failed: `peer`.
    PeerSetup,
    Cfi,
    /// The structural checks: not runtime cases, counted only when they fail.
    Structural,
    /// A build (counted only when it fails), or checks of one.
    Build,
    /// The library with the declared rust-version.
    RustVersion,
    /// A library build with stable Rust.
    Stable,
    /// The README's template files.
    Readme,
    /// A std program with `rt` on, with the `lto` given: `std+rt`, `std+rt lto=fat`.
    StdWithRt(Option<&'static str>),
    /// The C ABI as the README tells a C programmer to build it.
    CAbiRecipe,
}

impl Row {
    /// The rows the time summary adds up, in its order.
    const TIMED: [Row; 7] = [
        Row::Machine(Machine::User),
        Row::Machine(Machine::Native),
        Row::Machine(Machine::Kernel),
        Row::KernelNeg,
        Row::Peer(Machine::User),
        Row::Peer(Machine::Native),
        Row::Peer(Machine::Kernel),
    ];

    /// Whether the row's passes are build checks, not runtime cases.
    fn is_build_checks(self) -> bool {
        matches!(self, Row::Build | Row::Structural)
    }
}

impl fmt::Display for Row {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Row::Machine(machine) => formatter.pad(machine.name()),
            Row::KernelNeg => formatter.pad("kernel neg"),
            Row::EndBy(mode) => formatter.pad(&format!("kernel --end-by {mode}")),
            Row::Peer(machine) => formatter.pad(&format!("peer {}", machine.name())),
            Row::PeerSetup => formatter.pad("peer"),
            Row::Cfi => formatter.pad("cfi"),
            Row::Structural => formatter.pad("structural"),
            Row::Build => formatter.pad("build"),
            Row::RustVersion => formatter.pad("rust-version"),
            Row::Stable => formatter.pad("stable"),
            Row::Readme => formatter.pad("readme"),
            Row::StdWithRt(None) => formatter.pad("std+rt"),
            Row::StdWithRt(Some(lto)) => formatter.pad(&format!("std+rt lto={lto}")),
            Row::CAbiRecipe => formatter.pad("C ABI recipe"),
        }
    }
}

/// One row of results: a run of the conformance program, or a tier's or a check's
/// cases, counted.
pub(crate) struct RunResult {
    pub arch: String,
    pub tier: Row,
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    /// The run did not complete (build error, crash, timeout, no closing line).
    pub error: Option<String>,
    /// How long the run took (booting a kernel included).
    pub seconds: f64,
    /// Whether the program was started (false: it could not be, or was never built).
    pub ran: bool,
    /// The cases (or checks) the run reported, in order: name and `ok`, `FAIL` or `skip`.
    pub cases: Vec<(String, &'static str)>,
    /// The run's `FAIL ...` lines, and its `skip ...` lines where a skip counts as failed.
    pub fail_lines: Vec<String>,
    /// Everything the run printed (a kernel's console whole), for the soak report.
    pub output: String,
    /// The program's `init: ...` lines (as PID 1 it reports how its cases ended).
    pub init_lines: Vec<String>,
}

impl RunResult {
    pub(crate) fn new(arch: &str, tier: Row) -> Self {
        RunResult {
            arch: arch.into(),
            tier,
            passed: 0,
            failed: 0,
            skipped: 0,
            error: None,
            seconds: 0.0,
            ran: false,
            cases: Vec::new(),
            fail_lines: Vec::new(),
            init_lines: Vec::new(),
            output: String::new(),
        }
    }

    pub(crate) fn error(arch: &str, tier: Row, error: String) -> Self {
        RunResult { error: Some(error), ..RunResult::new(arch, tier) }
    }

    /// Counts one named check: `ok` if it held, else a failure whose line is printed
    /// and kept.
    pub(crate) fn record_check(&mut self, name: String, result: Result<(), String>) {
        match result {
            Ok(()) => {
                self.passed += 1;
                self.cases.push((name, "ok"));
            }
            Err(why) => {
                self.failed += 1;
                let line = format!("FAIL {name}: {why}");
                println!("  {line}");
                self.fail_lines.push(line);
                self.cases.push((name, "FAIL"));
            }
        }
    }
}

/// The totals over `results`: passed (build checks only when they fail), failed (a run
/// that did not complete is one more), skipped.
pub(crate) fn totals(results: &[RunResult]) -> (usize, usize, usize) {
    let passed = results.iter().filter(|result| !result.tier.is_build_checks()).map(|result| result.passed).sum();
    let failed = results.iter().map(|result| result.failed + usize::from(result.error.is_some())).sum();
    let skipped = results.iter().map(|result| result.skipped).sum();
    (passed, failed, skipped)
}

/// The arch x tier table.
pub(crate) fn print_table(results: &[RunResult]) {
    println!();
    println!("{:<18} {:<11} {:>7} {:>7} {:>8}  note", "arch", "tier", "passed", "failed", "skipped");
    for result in results {
        let note = match &result.error {
            Some(error) => format!("ERROR: {}", error.lines().next().unwrap_or_default()),
            None if result.tier.is_build_checks() => "build checks, not runtime cases: nothing executed (no emulator)".to_string(),
            None => String::new(),
        };
        println!(
            "{:<18} {:<11} {:>7} {:>7} {:>8}  {note}",
            result.arch, result.tier, result.passed, result.failed, result.skipped
        );
    }
    println!();
}

/// The time each tier's runs took, summed.
pub(crate) fn print_tier_times(results: &[RunResult]) {
    for tier in Row::TIMED {
        let runs: Vec<&RunResult> = results.iter().filter(|result| result.tier == tier).collect();
        if !runs.is_empty() {
            let seconds: f64 = runs.iter().map(|result| result.seconds).sum();
            println!("time: tier {tier}: {seconds:.1} s in {} runs", runs.len());
        }
    }
}

/// Whether this machine runs `arch`'s `binary` on `machine`.
pub(crate) fn runs_here(arch: &Arch, machine: Machine, binary: &Path) -> bool {
    match machine {
        Machine::Kernel => arch.kernel.is_some(),
        _ => arch.direct_command(machine, binary).is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_named_as_the_table_and_the_time_summary_have_always_named_them() {
        let names: Vec<String> = Row::TIMED.iter().map(Row::to_string).collect();
        assert_eq!(names, ["user", "native", "kernel", "kernel neg", "peer user", "peer native", "peer kernel"]);
        assert_eq!(Row::StdWithRt(Some("thin")).to_string(), "std+rt lto=thin");
        assert_eq!(Row::EndBy("segv").to_string(), "kernel --end-by segv");
        assert_eq!(format!("{:<11}|", Row::Cfi), "cfi        |");
    }

    #[test]
    fn cfi_and_structural_ride_along_with_a_conformance_tier_and_run_alone_when_selected() {
        let plan = Plan::new(Some(&[Tier::User]), None);
        assert!(plan.cfi && plan.structural && plan.host_and_template() && plan.peer_machines.is_empty());
        let plan = Plan::new(Some(&[Tier::Cfi]), None);
        assert!(plan.cfi && !plan.structural && !plan.host_and_template() && plan.builds_conformance());
        let plan = Plan::new(Some(&[Tier::Structural]), None);
        assert!(!plan.cfi && plan.structural && !plan.builds_conformance());
        let plan = Plan::new(Some(&[Tier::Peer]), None);
        assert_eq!(plan.peer_machines, Machine::ALL);
        assert!(!plan.builds_conformance() && !plan.structural);
        let plan = Plan::new(None, Some(&["thread".to_string()]));
        assert!(!plan.cfi && plan.peer_machines.is_empty() && !plan.host_and_template() && plan.machines == Machine::ALL);
    }
}
