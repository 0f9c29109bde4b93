//! `cargo xtask mutants`: the mutation gate. Each mutant of `xtask/mutants.toml` is one
//! realistic bug, an exact textual change to one file, with the smallest test command
//! that should catch it. The gate copies the sources to `target/mutants/tree`, applies
//! one mutant at a time there (never to the working tree), runs its command, restores
//! the file, and prints `caught` (the test failed) or `survived`; it ends with
//! `N passed, N failed`, where a survivor, a stale mutant and an error are failures.
//!
//! Builds reuse the xtask's own code with target directories under `target/mutants/`
//! that live across mutants and runs, so build-std's `core` is built once per target and
//! a mutant recompiles only freeclone and the conformance program.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Deserialize;

use xtask::arches::{self, Arch, Machine};
use xtask::util::run_with_timeout;
use xtask::{debian, setup};

use crate::build::{self, Program};
use crate::tier::conformance::case_name;
use crate::tier::{Row, RunResult, cfi, direct, kernel, structural};

/// The mutants, relative to the workspace root.
pub const MUTANTS_FILE: &str = "xtask/mutants.toml";

/// The `--arch` name that selects the mutants of the portable layer (`src/`).
const PORTABLE: &str = "portable";

/// A conformance run of a mutant is killed after this long (a hang is a catch, but
/// every second of it is waited for).
const USER_NATIVE_TIMEOUT: Duration = Duration::from_secs(60);
const KERNEL_TIMEOUT: Duration = Duration::from_secs(180);
/// The host unit tests, compile included.
const HOST_TIMEOUT: Duration = Duration::from_secs(600);

/// The host unit tests a `host` mutant runs: the library's and its memory functions',
/// as CI runs them.
const HOST_TEST_ARGS: [&str; 8] = ["test", "-p", "freeclone", "-p", "freeclone-mem", "--features", "freeclone/rt,freeclone/probes", "--lib"];

#[derive(clap::Args)]
pub struct MutantsArgs {
    /// Only the mutants tested on these architectures, comma-separated (`portable`: the
    /// mutants of src/, wherever they are tested).
    #[arg(long, value_delimiter = ',')]
    arch: Option<Vec<String>>,
    /// Only the quick subset (mutants marked `quick`), which CI can afford.
    #[arg(long)]
    quick: bool,
    /// Print the mutants with their bugs and test commands, and whether each is stale;
    /// build and run nothing.
    #[arg(long)]
    list: bool,
    /// Only the mutants whose names contain one of these.
    names: Vec<String>,
}

/// One mutant as `xtask/mutants.toml` writes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct MutantEntry {
    name: String,
    file: String,
    /// Where `original` is looked for: from this text's one occurrence in `file` to the
    /// end of that item (the next line that is a lone `}`), for code that an item repeats
    /// (the clone and clone3 entries share their child's instructions).
    #[serde(default)]
    within: Option<String>,
    original: String,
    replacement: String,
    bug: String,
    #[serde(default)]
    arches: Vec<String>,
    tiers: Vec<String>,
    #[serde(default)]
    cases: Vec<String>,
    #[serde(default)]
    quick: bool,
    #[serde(default)]
    caught_by_build: bool,
    pending_case: Option<String>,
    why: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MutantsFile {
    mutant: Vec<MutantEntry>,
}

/// Where a mutant's test runs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum TestTier {
    /// The conformance program on a tier of `cargo xtask test`.
    Conformance(Machine),
    /// The library's host unit tests (`cargo test -p freeclone --lib`).
    Host,
    /// The structural checks of an assembly-only architecture (ia64).
    Structural,
    /// The checks of the built conformance program's `.eh_frame` (`cargo xtask test`'s
    /// tier cfi).
    Cfi,
    /// A tier this xtask has no runner for (yet): the mutant cannot be judged.
    NotRunnable(String),
}

impl TestTier {
    fn parse(name: &str) -> TestTier {
        match name {
            "user" => TestTier::Conformance(Machine::User),
            "native" => TestTier::Conformance(Machine::Native),
            "kernel" => TestTier::Conformance(Machine::Kernel),
            "host" => TestTier::Host,
            "structural" => TestTier::Structural,
            "cfi" => TestTier::Cfi,
            other => TestTier::NotRunnable(other.to_string()),
        }
    }

    fn name(&self) -> &str {
        match self {
            TestTier::Conformance(tier) => tier.name(),
            TestTier::Host => "host",
            TestTier::Structural => "structural",
            TestTier::Cfi => "cfi",
            TestTier::NotRunnable(name) => name,
        }
    }
}

/// One command of a mutant's test: a tier, on an architecture where the tier needs one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct TestRun {
    arch: Option<String>,
    tier: TestTier,
}

impl TestRun {
    fn label(&self) -> String {
        match &self.arch {
            Some(arch) => format!("{arch} {}", self.tier.name()),
            None => self.tier.name().to_string(),
        }
    }
}

/// A validated mutant.
#[derive(Debug, Clone)]
struct Mutant {
    name: String,
    file: String,
    within: Option<String>,
    original: String,
    replacement: String,
    bug: String,
    arches: Vec<String>,
    runs: Vec<TestRun>,
    /// Case filters (conformance), test-name filters (host) or check names (structural);
    /// empty: everything.
    cases: Vec<String>,
    quick: bool,
    caught_by_build: bool,
    /// The conformance case the main branch is adding for this bug; run with the others
    /// when the tree has it.
    pending_case: Option<String>,
    why: Option<String>,
}

impl Mutant {
    /// The filters the test command passes: the cases, and the pending case.
    fn filters(&self) -> Vec<String> {
        let mut filters = self.cases.clone();
        filters.extend(self.pending_case.iter().cloned());
        filters
    }

    fn is_portable(&self) -> bool {
        self.file.starts_with("src/")
    }

    /// The test command of one run, in words.
    fn command_text(&self, run: &TestRun) -> String {
        let filters = self.filters();
        let shown = if filters.is_empty() { "(every case)".to_string() } else { filters.join(" ") };
        match &run.tier {
            TestTier::Conformance(Machine::Kernel) => format!("{}: /init of its kernel with `-- {shown}`", run.label()),
            TestTier::Conformance(_) => format!("{}: conformance {shown}", run.label()),
            TestTier::Host => format!("host: cargo {} -- {}", HOST_TEST_ARGS.join(" "), self.cases.join(" ")),
            TestTier::Structural => format!(
                "{}: the checks of `cargo xtask test --arch {}`: {}",
                run.label(),
                run.arch.as_deref().unwrap_or_default(),
                if self.cases.is_empty() { "(every check)".to_string() } else { self.cases.join(" ") }
            ),
            TestTier::Cfi => format!(
                "{}: the .eh_frame checks of `cargo xtask test`: {}",
                run.label(),
                if self.cases.is_empty() { "(every check)".to_string() } else { self.cases.join(" ") }
            ),
            TestTier::NotRunnable(tier) => format!("{}: tier `{tier}` (no runner in this xtask yet)", run.label()),
        }
    }
}

/// Parses and validates the mutants file's text against the known architectures.
fn parse(text: &str, known_arches: &[Arch]) -> Result<Vec<Mutant>, String> {
    let file: MutantsFile = toml::from_str(text).map_err(|error| format!("{MUTANTS_FILE}: {error}"))?;
    let mut names = BTreeSet::new();
    let mut mutants = Vec::new();
    for entry in file.mutant {
        let name = entry.name.clone();
        let mutant = validate(entry, known_arches).map_err(|error| format!("{MUTANTS_FILE}: mutant `{name}`: {error}"))?;
        if !names.insert(mutant.name.clone()) {
            return Err(format!("{MUTANTS_FILE}: two mutants are named `{}`", mutant.name));
        }
        mutants.push(mutant);
    }
    Ok(mutants)
}

fn validate(entry: MutantEntry, known_arches: &[Arch]) -> Result<Mutant, String> {
    let one_line = |field: &str, value: &str| {
        if value.trim().is_empty() || value.contains('\n') {
            Err(format!("`{field}` must be one non-empty line"))
        } else {
            Ok(())
        }
    };
    one_line("name", &entry.name)?;
    if entry.name.contains(char::is_whitespace) {
        return Err("`name` must have no spaces".into());
    }
    one_line("bug", &entry.bug)?;
    let file = Path::new(&entry.file);
    if entry.file.is_empty() || file.is_absolute() || file.components().any(|part| part.as_os_str() == "..") {
        return Err(format!("`file` must be a path inside the workspace, not `{}`", entry.file));
    }
    if entry.original.is_empty() {
        return Err("`original` is empty".into());
    }
    if entry.original == entry.replacement {
        return Err("`replacement` is the same as `original`".into());
    }
    for arch in &entry.arches {
        if !known_arches.iter().any(|known| &known.name == arch) {
            return Err(format!("unknown architecture `{arch}`"));
        }
    }
    for filter in entry.cases.iter().chain(entry.pending_case.iter()) {
        // Filters travel on a kernel command line and as program arguments.
        if filter.is_empty() || filter.contains(|c: char| c.is_whitespace() || c == '"' || c == '\'') {
            return Err(format!("case filter `{filter}` must be one word"));
        }
    }
    if entry.tiers.is_empty() {
        return Err("`tiers` is empty: name the tier that catches it".into());
    }
    let mut runs = Vec::new();
    for tier in entry.tiers.iter().map(|tier| TestTier::parse(tier)) {
        match &tier {
            TestTier::Host => {
                if !entry.arches.is_empty() {
                    return Err("tier `host` runs on the build machine: give no `arches`".into());
                }
                runs.push(TestRun { arch: None, tier });
            }
            _ => {
                if entry.arches.is_empty() {
                    return Err(format!("tier `{}` needs `arches`", tier.name()));
                }
                for arch in &entry.arches {
                    let known = known_arches.iter().find(|known| &known.name == arch).expect("checked above");
                    let available = match &tier {
                        TestTier::Conformance(Machine::User) => known.qemu_user.is_some(),
                        TestTier::Conformance(Machine::Native) => !known.native_hosts.is_empty(),
                        TestTier::Conformance(Machine::Kernel) => known.kernel.is_some(),
                        TestTier::Structural => known.rust_target.is_none(),
                        TestTier::Cfi => known.rust_target.is_some(),
                        _ => true,
                    };
                    if !available {
                        return Err(format!("architecture `{arch}` has no tier `{}`", tier.name()));
                    }
                    runs.push(TestRun { arch: Some(arch.clone()), tier: tier.clone() });
                }
            }
        }
    }
    if entry.pending_case.is_some() && !runs.iter().any(|run| matches!(run.tier, TestTier::Conformance(_))) {
        return Err("`pending_case` names a conformance case, but no tier runs the conformance program".into());
    }
    Ok(Mutant {
        name: entry.name,
        file: entry.file,
        within: entry.within,
        original: entry.original,
        replacement: entry.replacement,
        bug: entry.bug,
        arches: entry.arches,
        runs,
        cases: entry.cases,
        quick: entry.quick,
        caught_by_build: entry.caught_by_build,
        pending_case: entry.pending_case,
        why: entry.why,
    })
}

/// Reads and validates the repository's mutants.
fn load(root: &Path, known_arches: &[Arch]) -> Result<Vec<Mutant>, String> {
    let path = root.join(MUTANTS_FILE);
    let text = std::fs::read_to_string(&path).map_err(|error| format!("{}: {error}", path.display()))?;
    parse(&text, known_arches)
}

/// How many times `needle` occurs in `text`, overlapping occurrences included.
fn occurrences(text: &str, needle: &str) -> usize {
    (0..text.len()).filter(|&start| text.is_char_boundary(start) && text[start..].starts_with(needle)).count()
}

/// `text` with the mutant applied, or why the mutant is stale: its original text must
/// occur exactly once.
fn apply(text: &str, mutant: &Mutant) -> Result<String, String> {
    let (start, end, place) = match &mutant.within {
        None => (0, text.len(), mutant.file.clone()),
        Some(anchor) => {
            let start = match occurrences(text, anchor) {
                1 => text.find(anchor.as_str()).unwrap_or_default(),
                count => return Err(format!("stale: `within` text {anchor:?} occurs {count} times in {}, not once", mutant.file)),
            };
            let end = text[start..].find("\n}\n").map_or(text.len(), |offset| start + offset + 3);
            (start, end, format!("{} within {anchor:?}", mutant.file))
        }
    };
    let region = &text[start..end];
    match occurrences(region, &mutant.original) {
        1 => Ok(format!("{}{}{}", &text[..start], region.replacen(&mutant.original, &mutant.replacement, 1), &text[end..])),
        0 => Err(format!("stale: its original text no longer occurs in {place}")),
        count => Err(format!("stale: its original text occurs {count} times in {place}, not once")),
    }
}

/// Whether the mutant is stale in the tree at `root` (`Err` says why).
fn check_fresh(root: &Path, mutant: &Mutant) -> Result<(), String> {
    let path = root.join(&mutant.file);
    let text = std::fs::read_to_string(&path).map_err(|error| format!("stale: {}: {error}", mutant.file))?;
    apply(&text, mutant).map(drop)
}

/// The mutants `args` selects, each with only the runs on the selected architectures.
fn select(mutants: Vec<Mutant>, args: &MutantsArgs, known_arches: &[Arch]) -> Result<Vec<Mutant>, String> {
    if let Some(names) = &args.arch {
        for name in names {
            if name != PORTABLE && !known_arches.iter().any(|arch| &arch.name == name) {
                let known: Vec<&str> = known_arches.iter().map(|arch| arch.name.as_str()).collect();
                return Err(format!("unknown architecture `{name}`; known: {PORTABLE}, {}", known.join(", ")));
            }
        }
    }
    let selected = mutants
        .into_iter()
        .filter(|mutant| !args.quick || mutant.quick)
        .filter(|mutant| args.names.is_empty() || args.names.iter().any(|name| mutant.name.contains(name.as_str())))
        .filter_map(|mut mutant| {
            let Some(names) = &args.arch else { return Some(mutant) };
            if mutant.is_portable() && names.iter().any(|name| name == PORTABLE) {
                return Some(mutant);
            }
            if !mutant.arches.iter().any(|arch| names.contains(arch)) {
                return None;
            }
            mutant.runs.retain(|run| run.arch.as_ref().is_none_or(|arch| names.contains(arch)));
            Some(mutant)
        })
        .collect();
    Ok(selected)
}

pub fn run(root: &Path, args: &MutantsArgs) -> Result<(), String> {
    let total_start = Instant::now();
    let known_arches = arches::all()?;
    let mutants = select(load(root, &known_arches)?, args, &known_arches)?;
    if args.list {
        print_list(root, &mutants);
        return Ok(());
    }
    if mutants.is_empty() {
        return Err("no mutant matches the selection".into());
    }
    let mut gate = Gate::new(root, &known_arches, &mutants)?;
    crate::timed("mutants: copy of the sources", || gate.sync())?;
    crate::timed("mutants: builds and runs of the unmutated tree", || gate.baselines(&mutants));

    let mut verdicts = Vec::new();
    for (index, mutant) in mutants.iter().enumerate() {
        println!();
        println!("== mutant {}/{}: {} ({})", index + 1, mutants.len(), mutant.name, mutant.file);
        println!("   bug: {}", mutant.bug);
        let start = Instant::now();
        let verdict = gate.judge(mutant);
        let seconds = start.elapsed().as_secs_f64();
        println!("{} {}: {} ({seconds:.1} s)", verdict.word(), mutant.name, verdict.detail());
        verdicts.push((mutant, verdict, seconds));
    }

    println!();
    let width = verdicts.iter().map(|(mutant, _, _)| mutant.name.len()).max().unwrap_or(0);
    println!("{:<width$} {:<12} {:>7}  detail", "mutant", "verdict", "time");
    for (mutant, verdict, seconds) in &verdicts {
        println!("{:<width$} {:<12} {:>5.1} s  {}", mutant.name, verdict.word(), seconds, verdict.detail());
    }
    let passed = verdicts.iter().filter(|(_, verdict, _)| verdict.passed()).count();
    let failed = verdicts.len() - passed;
    let mutant_seconds: f64 = verdicts.iter().map(|(_, _, seconds)| seconds).sum();
    println!();
    println!("time: mutants: {mutant_seconds:.1} s for {} mutants", verdicts.len());
    println!("time: total: {:.1} s", total_start.elapsed().as_secs_f64());
    println!("{passed} passed, {failed} failed");
    if failed > 0 { Err(format!("{failed} failed")) } else { Ok(()) }
}

fn print_list(root: &Path, mutants: &[Mutant]) {
    for mutant in mutants {
        let mut marks = Vec::new();
        if mutant.quick {
            marks.push("quick".to_string());
        }
        if mutant.caught_by_build {
            marks.push("caught by the build".to_string());
        }
        if let Err(why) = check_fresh(root, mutant) {
            marks.push(why);
        }
        let marks = if marks.is_empty() { String::new() } else { format!(" [{}]", marks.join("; ")) };
        println!("{}{marks}", mutant.name);
        println!("  file: {}", mutant.file);
        println!("  bug: {}", mutant.bug);
        for run in &mutant.runs {
            println!("  test: {}", mutant.command_text(run));
        }
        if let Some(case) = &mutant.pending_case {
            println!("  pending case: {case} (being added on the main branch)");
        }
        if let Some(why) = &mutant.why {
            println!("  why: {}", why.split_whitespace().collect::<Vec<_>>().join(" "));
        }
    }
    println!("{} mutants", mutants.len());
}

/// What one run of a mutant's test found.
enum RunOutcome {
    Caught(String),
    Survived(String),
    Error(String),
    NotRunnable(String),
}

/// A mutant's verdict: caught is a pass; everything else is a failure.
enum Verdict {
    Caught(String),
    Survived(String),
    Stale(String),
    Error(String),
    NotRunnable(String),
}

impl Verdict {
    fn passed(&self) -> bool {
        matches!(self, Verdict::Caught(_))
    }

    fn word(&self) -> &'static str {
        match self {
            Verdict::Caught(_) => "caught",
            Verdict::Survived(_) => "survived",
            Verdict::Stale(_) => "STALE",
            Verdict::Error(_) => "ERROR",
            Verdict::NotRunnable(_) => "NOT RUNNABLE",
        }
    }

    fn detail(&self) -> &str {
        match self {
            Verdict::Caught(detail)
            | Verdict::Survived(detail)
            | Verdict::Stale(detail)
            | Verdict::Error(detail)
            | Verdict::NotRunnable(detail) => detail,
        }
    }

    /// The verdict of the runs together: caught only where every run caught it.
    fn of(outcomes: Vec<(TestRun, RunOutcome)>) -> Verdict {
        let mut caught = Vec::new();
        let mut survived = Vec::new();
        let mut errors = Vec::new();
        let mut not_runnable = Vec::new();
        for (run, outcome) in outcomes {
            match outcome {
                RunOutcome::Caught(detail) => caught.push(format!("{}: {detail}", run.label())),
                RunOutcome::Survived(detail) => survived.push(format!("{}: {detail}", run.label())),
                RunOutcome::Error(detail) => errors.push(format!("{}: {detail}", run.label())),
                RunOutcome::NotRunnable(detail) => not_runnable.push(format!("{}: {detail}", run.label())),
            }
        }
        let join = |parts: Vec<String>| parts.join(" | ");
        if !errors.is_empty() {
            Verdict::Error(join(errors))
        } else if !not_runnable.is_empty() {
            Verdict::NotRunnable(join(not_runnable))
        } else if !survived.is_empty() {
            Verdict::Survived(join(survived.into_iter().chain(caught).collect()))
        } else {
            Verdict::Caught(join(caught))
        }
    }
}

/// What a run of the unmutated tree found: the cases it reported, and whether it passed.
struct Baseline {
    result: Result<(), String>,
    /// Case (or test, or check) name and whether it ran (false: skipped).
    cases: Vec<(String, bool)>,
}

struct Gate {
    root: PathBuf,
    scratch: PathBuf,
    build_dir: PathBuf,
    host_dir: PathBuf,
    ia64_dir: PathBuf,
    kernel_dir: PathBuf,
    arches: Vec<Arch>,
    apt: debian::Apt,
    baselines: BTreeMap<TestRun, Baseline>,
    /// examples/exit_status per architecture, built once from the unmutated workspace:
    /// the program the conformance program's spawn_exec cases start.
    exit_status: BTreeMap<String, Option<PathBuf>>,
}

impl Gate {
    fn new(root: &Path, known_arches: &[Arch], mutants: &[Mutant]) -> Result<Gate, String> {
        let runs: BTreeSet<&TestRun> = mutants.iter().flat_map(|mutant| &mutant.runs).collect();
        let arch_names: BTreeSet<&str> = runs.iter().filter_map(|run| run.arch.as_deref()).collect();
        let arches: Vec<Arch> = known_arches.iter().filter(|arch| arch_names.contains(arch.name.as_str())).cloned().collect();
        let has = |tier: TestTier| runs.iter().any(|run| run.tier == tier);
        let kernel_arches: BTreeSet<&str> = runs
            .iter()
            .filter(|run| run.tier == TestTier::Conformance(Machine::Kernel))
            .filter_map(|run| run.arch.as_deref())
            .collect();
        let needs = setup::Needs {
            qemu_user: has(TestTier::Conformance(Machine::User)),
            ia64_binutils: has(TestTier::Structural),
            qemu_system: arches
                .iter()
                .filter(|arch| kernel_arches.contains(arch.name.as_str()))
                .filter_map(|arch| arch.kernel.as_ref())
                .map(|spec| (spec.qemu_package.clone(), spec.qemu_system.clone()))
                .collect(),
        };
        crate::timed("mutants: setup", || setup::run(&arches, &needs))?;
        let work = root.join("target").join("mutants");
        Ok(Gate {
            root: root.to_path_buf(),
            scratch: work.join("tree"),
            build_dir: work.join("build"),
            host_dir: work.join("host"),
            ia64_dir: work.join("ia64"),
            kernel_dir: work.join("kernel"),
            arches,
            apt: debian::Apt::default(),
            baselines: BTreeMap::new(),
            exit_status: BTreeMap::new(),
        })
    }

    fn arch(&self, name: &str) -> &Arch {
        self.arches.iter().find(|arch| arch.name == name).expect("selected architectures are known")
    }

    /// Makes the scratch tree a copy of the working tree (target/ and .git left out),
    /// writing only files that differ, so that unchanged files keep their times.
    fn sync(&self) -> Result<(), String> {
        println!("mutants: copying the sources to {}", self.scratch.display());
        sync_tree(&self.root, &self.scratch)
    }

    /// Builds and runs each test command of the selection once on the unmutated tree,
    /// with the union of the mutants' filters: a mutant is judged only against a run
    /// that passes, and every filter must name something that exists.
    fn baselines(&mut self, mutants: &[Mutant]) {
        let mut filters: BTreeMap<TestRun, BTreeSet<String>> = BTreeMap::new();
        let mut everything: BTreeSet<TestRun> = BTreeSet::new();
        for mutant in mutants.iter().filter(|mutant| check_fresh(&self.scratch, mutant).is_ok()) {
            for run in &mutant.runs {
                if matches!(run.tier, TestTier::NotRunnable(_)) {
                    continue;
                }
                if mutant.cases.is_empty() {
                    everything.insert(run.clone());
                }
                filters.entry(run.clone()).or_default().extend(mutant.filters());
            }
        }
        let mut built: BTreeMap<String, Result<PathBuf, String>> = BTreeMap::new();
        for (run, filters) in filters {
            let filters: Vec<String> = if everything.contains(&run) { Vec::new() } else { filters.into_iter().collect() };
            println!("baseline: {} (unmutated)", run.label());
            let baseline = match &run.tier {
                TestTier::Conformance(_) | TestTier::Cfi => {
                    let arch = run.arch.clone().expect("conformance and cfi runs have an architecture");
                    let binary = built.entry(arch.clone()).or_insert_with(|| self.build(&arch)).clone();
                    match binary {
                        Ok(binary) => {
                            let result = self.run_program(&arch, &run.tier, &binary, &filters);
                            let cases = result.cases.iter().map(|(name, outcome)| (name.clone(), *outcome != "skip")).collect();
                            let result = if result.ran && result.error.is_none() && result.failed == 0 {
                                Ok(())
                            } else {
                                Err(format!("the unmutated tree fails it: {}", describe_failure(&result)))
                            };
                            Baseline { result, cases }
                        }
                        Err(error) => Baseline { result: Err(format!("the unmutated tree does not build: {error}")), cases: Vec::new() },
                    }
                }
                TestTier::Host => {
                    let host = self.run_host(&filters);
                    let result = match (&host.outcome, host.built) {
                        (HostOutcome::Passed, _) => Ok(()),
                        (_, false) => Err("the unmutated tree's unit tests do not build".to_string()),
                        (_, true) => Err(format!("the unmutated tree fails them: {}", host.failures.join("; "))),
                    };
                    Baseline { result, cases: host.tests.into_iter().map(|name| (name, true)).collect() }
                }
                TestTier::Structural => {
                    let checks = structural::build_and_check(&self.scratch, &self.ia64_dir);
                    let failing: Vec<String> = checks
                        .iter()
                        .filter_map(|check| check.result.as_ref().err().map(|why| format!("FAIL {}: {why}", check.name)))
                        .collect();
                    let result = if failing.is_empty() { Ok(()) } else { Err(format!("the unmutated tree fails: {}", failing.join("; "))) };
                    Baseline { result, cases: checks.iter().map(|check| (check.name.to_string(), true)).collect() }
                }
                TestTier::NotRunnable(_) => unreachable!("skipped above"),
            };
            match &baseline.result {
                Ok(()) => println!("baseline: {} passes ({} cases)", run.label(), baseline.cases.len()),
                Err(error) => println!("baseline: {}: {error}", run.label()),
            }
            self.baselines.insert(run, baseline);
        }
    }

    /// Builds the conformance program of the scratch tree for `arch`.
    fn build(&self, arch: &str) -> Result<PathBuf, String> {
        println!("build: conformance program for {arch}");
        build::freestanding_into(&self.scratch, &self.build_dir, self.arch(arch), Program::Conformance)
    }

    /// Runs the conformance program `binary` of `arch` on a conformance tier with
    /// `filters`, or checks its CFI (tier cfi, where every check runs).
    fn run_program(&mut self, arch: &str, tier: &TestTier, binary: &Path, filters: &[String]) -> RunResult {
        let arch = self.arch(arch).clone();
        let tier = match tier {
            TestTier::Conformance(tier) => *tier,
            TestTier::Cfi => return cfi::run(&arch.name, binary),
            other => unreachable!("tier {} runs no program", other.name()),
        };
        let root = self.root.clone();
        let exit_status = self
            .exit_status
            .entry(arch.name.clone())
            .or_insert_with(|| match build::freestanding(&root, &arch, Program::Example("exit_status")) {
                Ok(binary) => Some(binary),
                Err(error) => {
                    println!("build: examples/exit_status for {}: {error}; the spawn_exec cases will say so", arch.name);
                    None
                }
            })
            .clone();
        if tier == Machine::Kernel {
            // Validated: the architecture has a kernel.
            let dir = self.kernel_dir.join(&arch.name);
            return kernel::run(&dir, &arch, binary, filters, exit_status.as_ref(), KERNEL_TIMEOUT, &mut self.apt);
        }
        direct::run(&arch, tier, binary, filters, exit_status.as_ref(), USER_NATIVE_TIMEOUT)
    }

    /// The library's host unit tests in the scratch tree, with `filters` (libtest's).
    fn run_host(&self, filters: &[String]) -> HostRun {
        let mut command = build::rustup_cargo("stable");
        command
            .current_dir(&self.scratch)
            .args(HOST_TEST_ARGS)
            .arg("--target-dir")
            .arg(&self.host_dir)
            .arg("--")
            .args(filters);
        println!("run: host unit tests: cargo {} -- {}", HOST_TEST_ARGS.join(" "), filters.join(" "));
        match run_with_timeout(&mut command, HOST_TIMEOUT) {
            Ok(finished) => {
                let host = parse_host_output(&finished.output, finished.code);
                if !host.built {
                    let lines: Vec<&str> = finished.output.lines().collect();
                    for line in &lines[lines.len().saturating_sub(30)..] {
                        println!("  | {line}");
                    }
                }
                for failure in &host.failures {
                    println!("  {failure}");
                }
                host
            }
            Err(error) => HostRun { built: false, tests: Vec::new(), failures: Vec::new(), outcome: HostOutcome::Error(error) },
        }
    }

    /// Applies `mutant` to the scratch tree, runs its tests, restores the file.
    fn judge(&mut self, mutant: &Mutant) -> Verdict {
        let path = self.scratch.join(&mutant.file);
        let original_text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) => return Verdict::Stale(format!("stale: {}: {error}", mutant.file)),
        };
        let mutated = match apply(&original_text, mutant) {
            Ok(mutated) => mutated,
            Err(why) => return Verdict::Stale(why),
        };
        // Nothing to build for a tier that cannot run.
        if mutant.runs.iter().all(|run| matches!(run.tier, TestTier::NotRunnable(_))) {
            return Verdict::of(mutant.runs.iter().map(|run| (run.clone(), self.not_runnable(run))).collect());
        }
        if let Err(error) = std::fs::write(&path, &mutated) {
            return Verdict::Error(format!("cannot write {}: {error}", path.display()));
        }
        let restore = Restore { path: &path, text: &original_text };
        let verdict = self.judge_applied(mutant);
        drop(restore);
        verdict
    }

    fn not_runnable(&self, run: &TestRun) -> RunOutcome {
        RunOutcome::NotRunnable(format!(
            "tier `{}` has no runner in this xtask yet: not runnable, counted as failed",
            run.tier.name()
        ))
    }

    fn judge_applied(&mut self, mutant: &Mutant) -> Verdict {
        let filters = mutant.filters();
        let mut outcomes = Vec::new();
        let mut builds: BTreeMap<String, Result<PathBuf, String>> = BTreeMap::new();
        for run in &mutant.runs {
            let outcome = match &run.tier {
                TestTier::NotRunnable(_) => self.not_runnable(run),
                tier => match self.baseline_problem(mutant, run) {
                    Some(problem) => RunOutcome::Error(problem),
                    None => match tier {
                        TestTier::Conformance(_) | TestTier::Cfi => {
                            let arch = run.arch.clone().expect("conformance and cfi runs have an architecture");
                            let binary = builds.entry(arch.clone()).or_insert_with(|| self.build(&arch)).clone();
                            match (binary, mutant.caught_by_build) {
                                (Err(_), true) => RunOutcome::Caught("the build failed, as marked (the compiler's errors are above)".into()),
                                (Err(error), false) => RunOutcome::Error(format!(
                                    "the mutant does not build ({}): a mutant must be a bug that compiles, or be marked caught_by_build",
                                    first_line(&error)
                                )),
                                (Ok(_), true) => RunOutcome::Survived("it builds, but is marked caught_by_build".into()),
                                (Ok(binary), false) => {
                                    let result = self.run_program(&arch, tier, &binary, &filters);
                                    program_outcome(mutant, &result)
                                }
                            }
                        }
                        TestTier::Host => self.host_outcome(mutant),
                        TestTier::Structural => self.structural_outcome(mutant),
                        TestTier::NotRunnable(_) => unreachable!("handled above"),
                    },
                },
            };
            outcomes.push((run.clone(), outcome));
        }
        let mut verdict = Verdict::of(outcomes);
        if let (Verdict::Survived(detail), Some(case)) = (&verdict, &mutant.pending_case) {
            let present = mutant.runs.iter().any(|run| {
                self.baselines.get(run).is_some_and(|baseline| baseline.cases.iter().any(|(name, _)| name.contains(case.as_str())))
            });
            if !present {
                verdict = Verdict::Survived(format!("{detail}; the case that should catch it, {case}, is not in this tree yet"));
            }
        }
        verdict
    }

    /// Why the unmutated run cannot judge `mutant`: it failed, or a filter of the mutant
    /// names no case it ran, or every case it names was skipped there.
    fn baseline_problem(&self, mutant: &Mutant, run: &TestRun) -> Option<String> {
        let Some(baseline) = self.baselines.get(run) else {
            return Some("no baseline run (internal error)".into());
        };
        if let Err(error) = &baseline.result {
            return Some(format!("cannot judge: {error}"));
        }
        fn matching<'a>(cases: &'a [(String, bool)], filter: &'a str) -> impl Iterator<Item = &'a (String, bool)> + 'a {
            cases.iter().filter(move |(name, _)| name.contains(filter))
        }
        let matches = |filter| matching(&baseline.cases, filter);
        for filter in &mutant.cases {
            if matches(filter).next().is_none() {
                return Some(format!("the filter `{filter}` names nothing the unmutated run ran: a stale case name?"));
            }
        }
        let pending_ran = mutant.pending_case.as_deref().is_some_and(|case| matches(case).any(|(_, ran)| *ran));
        if !mutant.cases.is_empty() && !pending_ran && mutant.cases.iter().all(|filter| matches(filter).all(|(_, ran)| !ran)) {
            return Some("every case it names is skipped on this tier: pick a tier where they run".into());
        }
        None
    }

    fn host_outcome(&self, mutant: &Mutant) -> RunOutcome {
        let host = self.run_host(&mutant.cases);
        match host.outcome {
            HostOutcome::Error(error) => RunOutcome::Error(error),
            _ if !host.built && mutant.caught_by_build => RunOutcome::Caught("the unit tests do not build, as marked".into()),
            _ if !host.built => RunOutcome::Error(
                "the unit tests do not build: a mutant must be a bug that compiles, or be marked caught_by_build".into(),
            ),
            _ if mutant.caught_by_build => RunOutcome::Survived("it builds, but is marked caught_by_build".into()),
            HostOutcome::Failed => RunOutcome::Caught(host.failures.join("; ")),
            HostOutcome::Passed => RunOutcome::Survived(format!("{} unit tests passed", host.tests.len())),
        }
    }

    fn structural_outcome(&self, mutant: &Mutant) -> RunOutcome {
        const ASSEMBLES: &str = "assembles_without_dependency_violations";
        let checks = structural::build_and_check(&self.scratch, &self.ia64_dir);
        let counted = |name: &str| mutant.cases.is_empty() || mutant.cases.iter().any(|filter| name.contains(filter.as_str()));
        let failing: Vec<String> = checks
            .iter()
            .filter(|check| counted(check.name))
            .filter_map(|check| check.result.as_ref().err().map(|why| format!("FAIL {}: {}", check.name, one_line(why, 400))))
            .collect();
        for line in &failing {
            println!("  {line}");
        }
        let assembles = checks.iter().find(|check| check.name == ASSEMBLES).is_none_or(|check| check.result.is_ok());
        if !assembles && !counted(ASSEMBLES) {
            return if mutant.caught_by_build {
                RunOutcome::Caught("the assembly does not assemble, as marked".into())
            } else {
                RunOutcome::Error("the mutant does not assemble: a mutant must be a bug that assembles, or be marked caught_by_build".into())
            };
        }
        if failing.is_empty() {
            RunOutcome::Survived("every check passed".into())
        } else {
            RunOutcome::Caught(failing.join("; "))
        }
    }
}

/// Puts a mutated file's text back when dropped, however the mutant's run ended.
struct Restore<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        if let Err(error) = std::fs::write(self.path, self.text) {
            eprintln!("error: cannot restore {}: {error}; the next run's copy restores it", self.path.display());
        }
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// `text`'s lines joined by spaces, cut after `limit` characters.
fn one_line(text: &str, limit: usize) -> String {
    let joined = text.lines().map(str::trim).filter(|line| !line.is_empty()).collect::<Vec<_>>().join(" ");
    match joined.char_indices().nth(limit) {
        Some((cut, _)) => format!("{}...", &joined[..cut]),
        None => joined,
    }
}

/// A mutant's conformance run: caught if a case failed or the program did not finish.
/// A cfi run checks every check; only those the mutant names count.
fn program_outcome(mutant: &Mutant, result: &RunResult) -> RunOutcome {
    if !result.ran {
        return RunOutcome::Error(result.error.clone().unwrap_or_else(|| "the program did not start".into()));
    }
    if result.tier == Row::Cfi {
        let counted = |line: &&String| {
            mutant.cases.is_empty() || mutant.cases.iter().any(|filter| case_name(line).is_some_and(|(name, _)| name.contains(filter.as_str())))
        };
        let failing: Vec<&String> = result.fail_lines.iter().filter(counted).collect();
        return if failing.is_empty() {
            RunOutcome::Survived(format!("{} checks passed", result.passed))
        } else {
            RunOutcome::Caught(failing.iter().map(|line| line.as_str()).collect::<Vec<_>>().join("; "))
        };
    }
    if result.failed > 0 || result.error.is_some() {
        RunOutcome::Caught(describe_failure(result))
    } else {
        RunOutcome::Survived(format!("{} passed, {} skipped", result.passed, result.skipped))
    }
}

/// The FAIL lines of a run (and its skips, where they count as failed), and why it did
/// not finish if it did not: the last case it reported, init's last word.
fn describe_failure(result: &RunResult) -> String {
    let mut parts: Vec<String> = result.fail_lines.clone();
    if let Some(error) = &result.error {
        let last = result.cases.last().map(|(name, _)| format!(" after case {name}")).unwrap_or_default();
        parts.push(format!("{}{last}", first_line(error)));
        // As PID 1 the program says how its cases ended (after its banner).
        parts.extend(result.init_lines.iter().skip(1).cloned());
    }
    parts.join("; ")
}

enum HostOutcome {
    Passed,
    Failed,
    Error(String),
}

/// A run of the host unit tests.
struct HostRun {
    /// Whether the tests compiled (libtest ran).
    built: bool,
    /// The tests that ran.
    tests: Vec<String>,
    /// `test NAME ... FAILED` lines, each with its panic message.
    failures: Vec<String>,
    outcome: HostOutcome,
}

/// Reads libtest's output: `test NAME ... ok|FAILED|ignored`, the panic messages after
/// `---- NAME stdout ----`, and `running N tests` (which shows the tests compiled).
fn parse_host_output(output: &str, code: Option<i32>) -> HostRun {
    let mut tests = Vec::new();
    let mut failed = Vec::new();
    let mut messages: BTreeMap<String, String> = BTreeMap::new();
    let mut built = false;
    let mut current: Option<String> = None;
    for line in output.lines() {
        if line.starts_with("running ") && (line.ends_with(" tests") || line.ends_with(" test")) {
            built = true;
        }
        if let Some((name, status)) = line.strip_prefix("test ").and_then(|rest| rest.rsplit_once(" ... ")) {
            tests.push(name.to_string());
            if status.trim() == "FAILED" {
                failed.push(name.to_string());
            }
        }
        if let Some(name) = line.strip_prefix("---- ").and_then(|rest| rest.strip_suffix(" stdout ----")) {
            current = Some(name.to_string());
        } else if let Some(name) = &current {
            // The line after "thread '...' panicked at FILE:LINE:COLUMN:" is the message.
            if !line.trim().is_empty() && !line.starts_with("thread '") && !messages.contains_key(name) {
                messages.insert(name.clone(), line.trim().to_string());
            }
        }
    }
    let failures: Vec<String> = failed
        .iter()
        .map(|name| match messages.get(name) {
            Some(message) => format!("test {name} ... FAILED: {message}"),
            None => format!("test {name} ... FAILED"),
        })
        .collect();
    let outcome = if code == Some(0) { HostOutcome::Passed } else { HostOutcome::Failed };
    HostRun { built, tests, failures, outcome }
}

/// Copies `from` to `to` without `target` and `.git` (at any depth), writing only files
/// whose contents differ and deleting what `from` no longer has.
fn sync_tree(from: &Path, to: &Path) -> Result<(), String> {
    const LEFT_OUT: [&str; 2] = ["target", ".git"];
    let io = |path: &Path, error: std::io::Error| format!("{}: {error}", path.display());
    std::fs::create_dir_all(to).map_err(|error| io(to, error))?;
    let mut present = BTreeSet::new();
    for entry in std::fs::read_dir(from).map_err(|error| io(from, error))? {
        let entry = entry.map_err(|error| io(from, error))?;
        let name = entry.file_name();
        if LEFT_OUT.iter().any(|left_out| name == *left_out) {
            continue;
        }
        present.insert(name.clone());
        let (source, destination) = (entry.path(), to.join(&name));
        let metadata = std::fs::metadata(&source).map_err(|error| io(&source, error))?;
        if metadata.is_dir() {
            if destination.is_file() {
                std::fs::remove_file(&destination).map_err(|error| io(&destination, error))?;
            }
            sync_tree(&source, &destination)?;
        } else {
            let bytes = std::fs::read(&source).map_err(|error| io(&source, error))?;
            if destination.is_dir() {
                std::fs::remove_dir_all(&destination).map_err(|error| io(&destination, error))?;
            }
            if std::fs::read(&destination).ok().as_deref() != Some(bytes.as_slice()) {
                std::fs::write(&destination, &bytes).map_err(|error| io(&destination, error))?;
                std::fs::set_permissions(&destination, metadata.permissions()).map_err(|error| io(&destination, error))?;
            }
        }
    }
    for entry in std::fs::read_dir(to).map_err(|error| io(to, error))? {
        let entry = entry.map_err(|error| io(to, error))?;
        let name = entry.file_name();
        if present.contains(&name) || LEFT_OUT.iter().any(|left_out| name == *left_out) {
            continue;
        }
        let path = entry.path();
        let removed = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
        removed.map_err(|error| io(&path, error))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
    }

    fn known() -> Vec<Arch> {
        arches::all().unwrap()
    }

    const ONE: &str = r#"
[[mutant]]
name = "x86_64-example"
file = "arch/x86_64/mod.rs"
original = '"mov rdi, rbx",'
replacement = '"mov rdi, rcx",'
bug = "the child passes a clobbered register as arg"
arches = ["x86_64"]
tiers = ["native"]
cases = ["child_runs_fn_with_arg"]
quick = true
"#;

    fn parse_one(text: &str) -> Result<Mutant, String> {
        parse(text, &known()).map(|mut mutants| mutants.remove(0))
    }

    #[test]
    fn a_mutant_parses_into_its_runs_and_filters() {
        let mutant = parse_one(ONE).unwrap();
        assert_eq!(mutant.runs, vec![TestRun { arch: Some("x86_64".into()), tier: TestTier::Conformance(Machine::Native) }]);
        assert_eq!(mutant.filters(), vec!["child_runs_fn_with_arg".to_string()]);
        assert!(mutant.quick && !mutant.caught_by_build && !mutant.is_portable());
        let pending = parse_one(&ONE.replace("quick = true", "pending_case = \"new_case\"")).unwrap();
        assert_eq!(pending.filters(), vec!["child_runs_fn_with_arg".to_string(), "new_case".to_string()]);
    }

    #[test]
    fn every_arch_and_tier_pair_is_a_run_and_an_unknown_tier_is_not_runnable() {
        let text = ONE.replace(r#"arches = ["x86_64"]"#, r#"arches = ["arm", "thumb"]"#).replace(r#"["native"]"#, r#"["user", "cfi", "unwinder"]"#);
        let mutant = parse_one(&text).unwrap();
        let labels: Vec<String> = mutant.runs.iter().map(TestRun::label).collect();
        assert_eq!(labels, ["arm user", "thumb user", "arm cfi", "thumb cfi", "arm unwinder", "thumb unwinder"]);
        assert_eq!(mutant.runs[2].tier, TestTier::Cfi);
        assert_eq!(mutant.runs[4].tier, TestTier::NotRunnable("unwinder".into()));
    }

    #[test]
    fn malformed_mutants_are_refused_with_the_reason() {
        let refused = |from: &str, to: &str, reason: &str| {
            let text = ONE.replace(from, to);
            assert_ne!(text, ONE, "{from}");
            let error = parse(&text, &known()).unwrap_err();
            assert!(error.contains(reason), "{error}");
        };
        refused(r#"bug = "the child passes a clobbered register as arg""#, "", "missing field `bug`");
        refused("quick = true", "quickly = true", "unknown field `quickly`");
        refused(r#"'"mov rdi, rcx",'"#, r#"'"mov rdi, rbx",'"#, "the same as `original`");
        refused(r#"["x86_64"]"#, r#"["vax"]"#, "unknown architecture `vax`");
        refused(r#"["native"]"#, "[]", "`tiers` is empty");
        refused(r#"["native"]"#, r#"["host"]"#, "give no `arches`");
        refused(r#"["x86_64"]"#, r#"["mips"]"#, "has no tier `native`");
        refused(r#"["child_runs_fn_with_arg"]"#, r#"["two words"]"#, "must be one word");
        refused(r#""arch/x86_64/mod.rs""#, r#""../elsewhere.rs""#, "inside the workspace");
        refused("the child passes", r"two\nlines", "one non-empty line");
        let twice = format!("{ONE}{ONE}");
        assert!(parse(&twice, &known()).unwrap_err().contains("two mutants are named `x86_64-example`"));
        let kernel_mips = ONE.replace(r#"["x86_64"]"#, r#"["mips"]"#).replace(r#"["native"]"#, r#"["kernel"]"#);
        assert!(parse(&kernel_mips, &known()).unwrap_err().contains("has no tier `kernel`"));
    }

    #[test]
    fn a_mutant_applies_only_where_its_original_occurs_exactly_once() {
        let mutant = parse_one(ONE).unwrap();
        let text = "a\n\"mov rdi, rbx\",\nb\n";
        assert_eq!(apply(text, &mutant).unwrap(), "a\n\"mov rdi, rcx\",\nb\n");
        let missing = apply("a\nb\n", &mutant).unwrap_err();
        assert!(missing.starts_with("stale:") && missing.contains("no longer occurs"), "{missing}");
        let twice = apply(&text.repeat(2), &mutant).unwrap_err();
        assert!(twice.starts_with("stale:") && twice.contains("occurs 2 times"), "{twice}");
        // Overlapping occurrences count too: "aa" occurs twice in "aaa".
        assert_eq!(occurrences("aaa", "aa"), 2);
        assert_eq!(occurrences("é aa é", "aa"), 1);
    }

    #[test]
    fn within_confines_the_original_to_one_item() {
        let mut mutant = parse_one(ONE).unwrap();
        mutant.within = Some("fn second(".into());
        let text = "fn first() {\n\"mov rdi, rbx\",\n}\nfn second() {\n\"mov rdi, rbx\",\n}\n";
        assert_eq!(apply(text, &mutant).unwrap(), "fn first() {\n\"mov rdi, rbx\",\n}\nfn second() {\n\"mov rdi, rcx\",\n}\n");
        mutant.within = Some("fn third(".into());
        let missing = apply(text, &mutant).unwrap_err();
        assert!(missing.contains("`within` text") && missing.contains("0 times"), "{missing}");
    }

    #[test]
    fn the_repository_mutants_parse_and_none_is_stale() {
        let mutants = load(&root(), &known()).unwrap();
        assert!(mutants.iter().any(|mutant| mutant.quick));
        let stale: Vec<String> = mutants
            .iter()
            .filter_map(|mutant| check_fresh(&root(), mutant).err().map(|why| format!("{}: {why}", mutant.name)))
            .collect();
        assert!(stale.is_empty(), "stale mutants (update xtask/mutants.toml):\n{}", stale.join("\n"));
    }

    #[test]
    fn every_architecture_folder_and_the_portable_layer_have_mutants() {
        let mutants = load(&root(), &known()).unwrap();
        for folder in ["x86_64", "i386", "aarch64", "arm", "mips", "mips64", "s390x", "riscv64", "loongarch64", "ia64"] {
            let count = mutants.iter().filter(|mutant| mutant.file.starts_with(&format!("arch/{folder}/"))).count();
            assert!(count >= 3, "arch/{folder} has {count} mutants, fewer than 3");
        }
        for file in ["src/clone.rs", "src/errno.rs", "src/sys/", "src/stack.rs", "src/rt.rs"] {
            assert!(mutants.iter().any(|mutant| mutant.file.starts_with(file)), "no mutant of {file}");
        }
    }

    #[test]
    fn selection_by_architecture_keeps_only_those_runs() {
        let text = ONE.replace(r#"arches = ["x86_64"]"#, r#"arches = ["arm", "thumb"]"#).replace(r#"["native"]"#, r#"["user"]"#);
        let args = |arch: &[&str]| MutantsArgs {
            arch: Some(arch.iter().map(|name| name.to_string()).collect()),
            quick: false,
            list: false,
            names: Vec::new(),
        };
        let mutants = parse(&text, &known()).unwrap();
        let selected = select(mutants.clone(), &args(&["thumb"]), &known()).unwrap();
        assert_eq!(selected[0].runs.len(), 1);
        assert_eq!(selected[0].runs[0].label(), "thumb user");
        assert!(select(mutants.clone(), &args(&["x86_64"]), &known()).unwrap().is_empty());
        assert!(select(mutants.clone(), &args(&[PORTABLE]), &known()).unwrap().is_empty());
        assert!(select(mutants, &args(&["vax"]), &known()).unwrap_err().contains("unknown architecture `vax`"));
    }

    #[test]
    fn multi_line_reasons_become_one_cut_line() {
        assert_eq!(one_line("a:\n  b\n\nc", 100), "a: b c");
        assert_eq!(one_line("abcdef", 3), "abc...");
    }

    #[test]
    fn host_test_output_names_the_failed_tests_and_their_messages() {
        let output = "\
   Compiling freeclone v0.1.0
running 2 tests
test errno::tests::a ... ok
test errno::tests::b ... FAILED

failures:

---- errno::tests::b stdout ----

thread 'errno::tests::b' panicked at src/errno.rs:250:9:
assertion `left == right` failed
  left: Err(E?)

test result: FAILED. 1 passed; 1 failed
";
        let host = parse_host_output(output, Some(101));
        assert!(host.built);
        assert_eq!(host.tests, ["errno::tests::a", "errno::tests::b"]);
        assert_eq!(host.failures, ["test errno::tests::b ... FAILED: assertion `left == right` failed"]);
        assert!(matches!(host.outcome, HostOutcome::Failed));
        let broken = parse_host_output("error[E0308]: mismatched types\nerror: could not compile `freeclone`", Some(101));
        assert!(!broken.built);
    }

    #[test]
    fn the_scratch_copy_leaves_out_target_and_git_and_follows_deletions() {
        let base = std::env::temp_dir().join(format!("freeclone-mutants-test-{}", std::process::id()));
        let (from, to) = (base.join("from"), base.join("to"));
        for dir in ["src", "target/debug", "sub/target"] {
            std::fs::create_dir_all(from.join(dir)).unwrap();
        }
        std::fs::write(from.join("src/lib.rs"), "one").unwrap();
        std::fs::write(from.join(".git"), "gitdir: elsewhere").unwrap();
        std::fs::write(from.join("target/debug/x"), "built").unwrap();
        sync_tree(&from, &to).unwrap();
        assert_eq!(std::fs::read_to_string(to.join("src/lib.rs")).unwrap(), "one");
        assert!(!to.join(".git").exists() && !to.join("target").exists() && !to.join("sub/target").exists());
        // The copy's own target (its build) stays; a file gone from the source goes.
        std::fs::create_dir_all(to.join("target")).unwrap();
        std::fs::write(from.join("src/lib.rs"), "two").unwrap();
        std::fs::write(to.join("src/extra.rs"), "stale").unwrap();
        sync_tree(&from, &to).unwrap();
        assert_eq!(std::fs::read_to_string(to.join("src/lib.rs")).unwrap(), "two");
        assert!(!to.join("src/extra.rs").exists() && to.join("target").exists());
        std::fs::remove_dir_all(&base).unwrap();
    }
}
