//! `cargo xtask test --repeat N`: the same runs N times, and every case whose verdict
//! was not the same in all of them. A case that fails once has failed: nothing here
//! retries; the soak only shows what a single run cannot.

use crate::tier::conformance::case_name;
use crate::tier::{Row, RunResult};

/// A case whose verdict differed between two rounds of one architecture and tier.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Change {
    pub arch: String,
    pub tier: Row,
    pub case: String,
    /// Each differing round: its number (from 1), the verdict (`ok`, `FAIL`, `skip`, or
    /// `missing` when the run ended before the case), and what the round printed about it.
    pub rounds: Vec<(usize, &'static str, String)>,
}

/// The cases whose verdicts were not all the same in `rounds` (runs of one architecture
/// and tier, in order): for each, the first round and the first that differed from it.
pub(crate) fn changed_verdicts(rounds: &[RunResult]) -> Vec<Change> {
    let mut names: Vec<&str> = Vec::new();
    for round in rounds {
        for (name, _) in &round.cases {
            if !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
    }
    let verdict = |round: &RunResult, name: &str| -> &'static str {
        round.cases.iter().find(|(case, _)| case == name).map_or("missing", |(_, outcome)| *outcome)
    };
    let mut changes = Vec::new();
    for name in names {
        let first = verdict(&rounds[0], name);
        if let Some(other) = rounds.iter().position(|round| verdict(round, name) != first) {
            let shown = |index: usize| (index + 1, verdict(&rounds[index], name), what_it_printed(&rounds[index], name));
            changes.push(Change {
                arch: rounds[0].arch.clone(),
                tier: rounds[0].tier,
                case: name.to_string(),
                rounds: vec![shown(0), shown(other)],
            });
        }
    }
    changes
}

/// The round's result line for `case`; for a case the run never reached, how the run
/// ended and its last lines.
fn what_it_printed(round: &RunResult, case: &str) -> String {
    let lines: Vec<String> = round.output.lines().map(crate::kernel::strip_terminal_controls).collect();
    let line = lines.iter().find(|line| case_name(line).is_some_and(|(name, _)| name == case));
    match line {
        Some(line) => line.clone(),
        None => {
            let error = round.error.as_deref().unwrap_or("no error reported");
            let tail = lines[lines.len().saturating_sub(10)..].join("\n    | ");
            format!("not reported; the run: {error}; its last lines:\n    | {tail}")
        }
    }
}

/// Prints every change, or that there was none.
pub(crate) fn report(changes: &[Change], repeat: u32) {
    println!();
    if changes.is_empty() {
        println!("soak: {repeat} rounds, no case changed its verdict");
        return;
    }
    println!("soak: {repeat} rounds, {} case(s) changed their verdict:", changes.len());
    for change in changes {
        println!("CHANGED {} {} {}", change.arch, change.tier, change.case);
        for (round, verdict, printed) in &change.rounds {
            println!("  round {round}: {verdict}: {printed}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(cases: &[(&str, &'static str)], output: &str, error: Option<&str>) -> RunResult {
        let mut result = RunResult::new("x86_64", Row::Machine(xtask::arches::Machine::User));
        result.cases = cases.iter().map(|(name, outcome)| (name.to_string(), *outcome)).collect();
        result.output = output.to_string();
        result.error = error.map(str::to_string);
        result
    }

    #[test]
    fn only_cases_whose_verdict_differs_are_reported_with_both_outputs() {
        let rounds = [
            round(&[("a", "ok"), ("b", "ok"), ("c", "ok")], "ok a\nok b\nok c\n3 passed, 0 failed, 0 skipped\n", None),
            round(&[("a", "ok"), ("b", "FAIL")], "ok a\nFAIL b: it broke\n", Some("timed out after 300 s")),
            round(&[("a", "ok"), ("b", "ok"), ("c", "ok")], "ok a\nok b\nok c\n", None),
        ];
        let changes = changed_verdicts(&rounds);
        assert_eq!(changes.iter().map(|change| change.case.as_str()).collect::<Vec<_>>(), ["b", "c"]);
        assert_eq!(changes[0].rounds[0], (1, "ok", "ok b".to_string()));
        assert_eq!(changes[0].rounds[1], (2, "FAIL", "FAIL b: it broke".to_string()));
        assert_eq!(changes[1].rounds[1].1, "missing");
        assert!(changes[1].rounds[1].2.contains("timed out after 300 s") && changes[1].rounds[1].2.contains("| FAIL b: it broke"));
        assert!(changed_verdicts(&rounds[..1]).is_empty());
    }
}
