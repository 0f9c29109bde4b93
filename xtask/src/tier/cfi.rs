//! The "return address marked undefined in the CFI" statement, checked in the built
//! conformance program's `.eh_frame`: the child's region of the clone entry and the
//! process entry `_start` must each begin with the return-address register's rule
//! `undefined` (so unwinders and debuggers stop there), while the parent's region of
//! the clone entry must not (it returns to its caller). With them, the structural
//! checks of entry code that no tier executes (`entry_words`).

mod entry_words;

use std::path::Path;

use gimli::{BaseAddresses, CieOrFde, EhFrame, RegisterRule, RunTimeEndian, UnwindContext, UnwindSection};
use object::{Object, ObjectSection, ObjectSymbol};

use super::{Row, RunResult};

/// One checked statement about the binary's unwind information.
pub struct Check {
    pub name: String,
    pub result: Result<(), String>,
}

/// The unwind regions (FDEs) of the binary: start address, length, and whether the
/// return-address rule at the start is `undefined`.
struct Region {
    start: u64,
    length: u64,
    return_address_undefined: bool,
}

/// Tier cfi: the checks of `arch`'s built `binary`, counted as cases.
pub(crate) fn run(arch: &str, binary: &Path) -> RunResult {
    let mut result = RunResult::new(arch, Row::Cfi);
    match check(binary) {
        Ok(checks) => {
            result.ran = true;
            for check in checks {
                result.record_check(check.name, check.result);
            }
        }
        Err(error) => result.error = Some(error),
    }
    println!("  {arch} cfi: {} passed, {} failed", result.passed, result.failed);
    result
}

pub fn check(binary: &Path) -> Result<Vec<Check>, String> {
    let data = std::fs::read(binary).map_err(|error| format!("{}: {error}", binary.display()))?;
    let file = object::File::parse(&*data).map_err(|error| format!("{}: {error}", binary.display()))?;
    let regions = regions(&file)?;
    // Functions only (not the assembler's local `.Lfunc_end` labels); Thumb symbols
    // carry bit 0, FDE addresses do not.
    let symbol = |what: &str, matches: &dyn Fn(&str) -> bool| {
        file.symbols()
            .find(|symbol| symbol.kind() == object::SymbolKind::Text && symbol.name().is_ok_and(|name| !name.starts_with('.') && matches(name)))
            .map(|symbol| (symbol.address() & !1, symbol.size()))
            .ok_or_else(|| format!("no function {what} in {}", binary.display()))
    };
    // `arch::clone_entry`, mangled the legacy way (`..11clone_entry17h<hash>E`) or v0's.
    let is_clone_entry = |name: &str| name.contains("4arch11clone_entry17h") || name.ends_with("4arch11clone_entry");
    let (entry, entry_size) = symbol("arch::clone_entry", &is_clone_entry)?;
    // A naked function's size covers its code; fall back to the bound the probes use.
    let entry_end = entry + if entry_size == 0 { 256 } else { entry_size };
    let in_entry: Vec<&Region> = regions.iter().filter(|region| region.start >= entry && region.start < entry_end).collect();
    let parent = in_entry.iter().find(|region| region.start == entry);
    let child = in_entry.iter().find(|region| region.start > entry);

    let mut checks = Vec::new();
    checks.push(Check {
        name: "cfi_child_region_of_the_clone_entry_marks_the_return_address_undefined".into(),
        result: match child {
            Some(region) if region.return_address_undefined => Ok(()),
            Some(region) => Err(format!("the child's region at {:#x} ({} bytes) leaves the return address defined", region.start, region.length)),
            None => Err(format!("no unwind region starts inside the clone entry after {entry:#x}: the child has no CFI of its own")),
        },
    });
    checks.push(Check {
        name: "cfi_parent_region_of_the_clone_entry_returns_to_its_caller".into(),
        result: match parent {
            Some(region) if !region.return_address_undefined => Ok(()),
            Some(_) => Err("the parent's region marks the return address undefined".into()),
            None => Err(format!("no unwind region starts at the clone entry {entry:#x}")),
        },
    });
    let (start, _) = symbol("__freeclone_start", &|name| name == "__freeclone_start")?;
    checks.push(Check {
        name: "cfi_process_entry_marks_the_return_address_undefined".into(),
        result: match regions.iter().find(|region| region.start == start) {
            Some(region) if region.return_address_undefined => Ok(()),
            Some(_) => Err("_start's region leaves the return address defined".into()),
            None => Err(format!("no unwind region starts at _start ({start:#x})")),
        },
    });
    // Entry paths no tier executes, checked in the instruction words instead.
    checks.extend(entry_words::checks(&file));
    Ok(checks)
}

fn regions(file: &object::File<'_>) -> Result<Vec<Region>, String> {
    let section = file.section_by_name(".eh_frame").ok_or("the binary has no .eh_frame")?;
    let data = section.data().map_err(|error| error.to_string())?;
    let endian = if file.is_little_endian() { RunTimeEndian::Little } else { RunTimeEndian::Big };
    let mut eh_frame = EhFrame::new(data, endian);
    eh_frame.set_address_size(if file.is_64() { 8 } else { 4 });
    let mut bases = BaseAddresses::default().set_eh_frame(section.address());
    if let Some(text) = file.section_by_name(".text") {
        bases = bases.set_text(text.address());
    }
    let mut context = UnwindContext::new();
    let mut regions = Vec::new();
    let mut entries = eh_frame.entries(&bases);
    while let Some(entry) = entries.next().map_err(|error| format!(".eh_frame: {error}"))? {
        let CieOrFde::Fde(partial) = entry else { continue };
        let fde = partial
            .parse(|section, bases, offset| section.cie_from_offset(bases, offset))
            .map_err(|error| format!(".eh_frame FDE: {error}"))?;
        let mut rows = fde.rows(&eh_frame, &bases, &mut context).map_err(|error| format!(".eh_frame rows: {error}"))?;
        let Some(row) = rows.next_row().map_err(|error| format!(".eh_frame row: {error}"))? else { continue };
        let rule = row.register(fde.cie().return_address_register());
        regions.push(Region {
            start: fde.initial_address(),
            length: fde.len(),
            // Only an explicit rule counts: an unmentioned register is not "undefined".
            return_address_undefined: matches!(rule, Some(RegisterRule::Undefined)),
        });
    }
    Ok(regions)
}
