//! Tier `structural`: the architectures without a Rust target, whose assembly is built
//! and checked structurally, never run. Today that is ia64 and its `__clone2`
//! (`arch/ia64/*.S`).
//!
//! ia64 has no Rust target and no emulator, so the assembly cannot be run
//! here. Instead it is assembled with dependency-violation checking, linked
//! into the freestanding test program, and the result is inspected with the
//! cross binutils (`binutils-ia64-linux-gnu`): ELF header, symbol table,
//! disassembly and unwind table. The disassembly checks follow the code
//! from the entry points (direct branches and calls) and walk the child's
//! path after the clone2 syscall under the facts the kernel guarantees the
//! child (r8 == 0, r10 == 0), so that the exit syscall, the call of `fn`
//! and the absence of `br.ret` are checked on the paths the child can take.
//!
//! The checks use std alone.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{Row, RunResult};

/// Tier structural for `arch`, an architecture without a Rust target: its assembly
/// built and checked, nothing run. Passed checks are reported apart from runtime cases.
pub(crate) fn run(root: &Path, arch: &xtask::arches::Arch) -> RunResult {
    if arch.name != "ia64" {
        return RunResult::error(&arch.name, Row::Build, "no Rust target and no checker for it".into());
    }
    let build_dir = root.join("target").join("ia64");
    let mut result = RunResult::new(&arch.name, Row::Structural);
    for check in build_and_check(root, &build_dir) {
        if check.result.is_ok() {
            println!("  ok {}", check.name);
        }
        result.record_check(check.name.to_string(), check.result);
    }
    println!("  ia64: built and checked, not executed (no ia64 emulator): {} build checks passed, {} failed", result.passed, result.failed);
    result
}

/// One structural check of the ia64 build.
pub struct Check {
    pub name: &'static str,
    pub result: Result<(), String>,
}

const AS: &str = "ia64-linux-gnu-as";
const LD: &str = "ia64-linux-gnu-ld";
const OBJDUMP: &str = "ia64-linux-gnu-objdump";
const READELF: &str = "ia64-linux-gnu-readelf";
const PACKAGE: &str = "binutils-ia64-linux-gnu";

/// Name of the linked test program inside `build_dir`.
const EXE_NAME: &str = "clone2_test";
/// The source that holds `__clone2`; its object's symbol table is checked.
const CLONE2_SOURCE: &str = "clone2.S";

const ENTRY_ERRNO: &str = "__clone2";
const ENTRY_RAW: &str = "freeclone_clone2_raw";
const ERRNO_LOCATION: &str = "__errno_location";

const NR_EXIT: i64 = 1025;
const NR_CLONE2: i64 = 1213;
const BREAK_SYSCALL: u64 = 0x10_0000;
const EINVAL: i64 = 22;
const EM_IA_64: u16 = 50;
const ET_EXEC: u16 = 2;

/// Assembles arch/ia64/*.S with `ia64-linux-gnu-as -x` (dependency-violation checking; any warning is a failed check), links a static executable with ia64-linux-gnu-ld into `build_dir`, and checks it.
pub fn build_and_check(workspace_root: &Path, build_dir: &Path) -> Vec<Check> {
    let mut checks = Vec::new();
    let mut push = |name: &'static str, result: Result<(), String>| {
        checks.push(Check { name, result });
    };

    // 1. Assemble every source; any diagnostic fails the check.
    let objects = assemble_all(&workspace_root.join("arch").join("ia64"), build_dir);
    push(
        "assembles_without_dependency_violations",
        objects.as_ref().map(|_| ()).map_err(Clone::clone),
    );

    // 2. The object of clone2.S exports both entry points and only imports
    //    __errno_location.
    let clone2_obj = build_dir.join(Path::new(CLONE2_SOURCE).with_extension("o"));
    push(
        "clone2_object_declares_entry_points",
        match &objects {
            Ok(_) => check_object_symbols(&clone2_obj),
            Err(_) => Err(skipped("assembles_without_dependency_violations")),
        },
    );

    // 3. Link.
    let exe = build_dir.join(EXE_NAME);
    let linked = match &objects {
        Ok(objs) => link(objs, &exe),
        Err(_) => Err(skipped("assembles_without_dependency_violations")),
    };
    push("links_static_executable", linked.clone());

    // 4. ELF header.
    push(
        "is_elf64_ia64_executable",
        match &linked {
            Ok(()) => fs::read(&exe)
                .map_err(|e| format!("cannot read {}: {e}", exe.display()))
                .and_then(|bytes| check_elf_header(&bytes)),
            Err(_) => Err(skipped("links_static_executable")),
        },
    );

    // Inspect the executable: symbols, disassembly, unwind table.
    let inspected = match &linked {
        Ok(()) => inspect(&exe),
        Err(_) => Err(skipped("links_static_executable")),
    };

    let analysis = inspected.as_ref().map_err(Clone::clone).and_then(analyze);

    // 5. Unwind entries cover both entry points.
    push(
        "unwind_table_covers_clone2",
        inspected.as_ref().map_err(Clone::clone).and_then(|i| {
            for entry in [ENTRY_ERRNO, ENTRY_RAW] {
                check_unwind_covers(&i.symbols, &i.unwind, entry)?;
            }
            Ok(())
        }),
    );

    // 6.-12. Disassembly checks.
    let with = |f: &dyn Fn(&Analysis) -> Result<(), String>| -> Result<(), String> {
        match &analysis {
            Ok(a) => f(a),
            Err(e) => Err(e.clone()),
        }
    };
    push(
        "clone2_issues_syscall_1213_through_break_0x100000",
        with(&|a| {
            if a.syscall_sites.is_empty() {
                return Err("no clone2 syscall site found".into());
            }
            Ok(())
        }),
    );
    push(
        "clone2_never_uses_epc_gate",
        with(&|a| match &a.epc_at {
            None => Ok(()),
            Some(addr) => Err(format!(
                "`epc` at {addr:#x}: the child would return through the parent's frame"
            )),
        }),
    );
    push(
        "rejects_null_fn_and_stack_before_syscall",
        inspected.as_ref().map_err(Clone::clone).and_then(|i| {
            let site = find_clone2_break(&i.dis, &i.symbols, ENTRY_RAW)?;
            check_null_rejection(&i.dis, ENTRY_RAW, site)
        }),
    );
    push(
        "passes_flags_ptid_ctid_and_tls_in_the_kernels_order",
        inspected.as_ref().map_err(Clone::clone).and_then(|i| {
            let site = find_clone2_break(&i.dis, &i.symbols, ENTRY_RAW)?;
            check_kernel_argument_order(&i.dis, site)
        }),
    );
    push(
        "child_calls_fn_through_descriptor",
        with(&|a| {
            let w = &a.walk;
            w.require_paths()?;
            if w.calls_without_gp > 0 {
                return Err(format!(
                    "{} indirect call(s) on the child path without loading gp (r1) from the descriptor first",
                    w.calls_without_gp
                ));
            }
            if w.exits_without_call > 0 {
                return Err(format!(
                    "{} child path(s) reach exit without calling fn through a branch register",
                    w.exits_without_call
                ));
            }
            Ok(())
        }),
    );
    push(
        "child_exits_with_syscall_1025",
        with(&|a| {
            let w = &a.walk;
            w.require_paths()?;
            if let Some(e) = w.other_ends.first() {
                return Err(format!("child path does not end in exit(1025): {e}"));
            }
            if w.exits == 0 {
                return Err("no child path reaches `break 0x100000` with r15 = 1025".into());
            }
            Ok(())
        }),
    );
    push(
        "child_path_never_returns",
        with(&|a| {
            let w = &a.walk;
            w.require_paths()?;
            match w.returns.first() {
                None => Ok(()),
                Some(addr) => Err(format!("the child can reach br.ret at {addr:#x}")),
            }
        }),
    );
    push(
        "unwind_marks_child_end_of_chain",
        match (&inspected, &analysis) {
            (Ok(i), Ok(a)) => check_child_unwind(i, a),
            (Err(e), _) | (_, Err(e)) => Err(e.clone()),
        },
    );

    checks
}

fn skipped(prerequisite: &str) -> String {
    format!("not checked: `{prerequisite}` failed")
}

/// Before the clone2 break: the kernel's arguments 1, 4, 5 and 6 (flags, ptid, ctid,
/// tls: ia64 puts ctid before tls) come from `__clone2`'s in3, in5, in7 and in6. The
/// output registers follow the function's `alloc`, which objdump prints as
/// `alloc rN=ar.pfs,<frame size>,<inputs + locals>,<rotating>`: out0 is r32 + inputs + locals.
fn check_kernel_argument_order(d: &Disasm, site: usize) -> Result<(), String> {
    let func = &d.funcs[d.insns[site].func];
    let before = &d.insns[func.first..site];
    let alloc = before
        .iter()
        .find(|insn| insn.mnemonic == "alloc")
        .ok_or_else(|| format!("no alloc in `{}` before the clone2 break", func.name))?;
    let frame: Vec<i64> = alloc.operands.split(',').skip(1).filter_map(parse_int).collect();
    let [_, inputs_and_locals, ..] = frame[..] else {
        return Err(format!("cannot read the frame of `alloc {}`", alloc.operands));
    };
    let register = |n: i64| format!("r{n}");
    let out = |k: i64| register(32 + inputs_and_locals + k);
    let input = |k: i64| register(32 + k);
    for (argument, (out_k, in_k, what)) in [(1, (0, 3, "flags")), (4, (3, 5, "ptid")), (5, (4, 7, "ctid")), (6, (5, 6, "tls"))] {
        let target = out(out_k);
        let last = before.iter().rev().find(|insn| insn.writes(&target));
        let from = last.and_then(|insn| (insn.mnemonic == "mov").then(|| insn.operands.split_once('=')).flatten());
        match from {
            Some((_, source)) if source.trim() == input(in_k) => {}
            _ => {
                return Err(format!(
                    "kernel argument {argument} ({what}, out{out_k} = {target}) is not set from in{in_k} ({}) before the break: {}",
                    input(in_k),
                    last.map_or("never written".to_string(), |insn| format!("{} {}", insn.mnemonic, insn.operands))
                ));
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Running the tools
// ---------------------------------------------------------------------------

struct ToolOutput {
    success: bool,
    stdout: String,
    stderr: String,
}

fn run_tool(tool: &str, args: &[OsString]) -> Result<ToolOutput, String> {
    match Command::new(tool).args(args).output() {
        Ok(out) => Ok(ToolOutput {
            success: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }),
        Err(e) if e.kind() == ErrorKind::NotFound => Err(missing_tool(tool)),
        Err(e) => Err(format!(
            "cannot run `{tool}`: {e} (it comes from the Debian package {PACKAGE}; `cargo xtask setup` installs it)"
        )),
    }
}

fn missing_tool(tool: &str) -> String {
    format!("`{tool}` not found: install the Debian package {PACKAGE} (run `cargo xtask setup`)")
}

/// Runs a tool that must succeed and print nothing on stderr.
fn run_quiet(tool: &str, args: &[OsString]) -> Result<String, String> {
    let out = run_tool(tool, args)?;
    if !out.success {
        return Err(format!("`{tool}` failed:\n{}", out.stderr.trim_end()));
    }
    if !out.stderr.trim().is_empty() {
        return Err(format!(
            "`{tool}` printed diagnostics (treated as failure):\n{}",
            out.stderr.trim_end()
        ));
    }
    Ok(out.stdout)
}

fn os(s: &str) -> OsString {
    OsString::from(s)
}

fn assemble_all(src_dir: &Path, build_dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut sources: Vec<PathBuf> = fs::read_dir(src_dir)
        .map_err(|e| format!("cannot list {}: {e}", src_dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "S"))
        .collect();
    sources.sort();
    if !sources
        .iter()
        .any(|p| p.file_name().is_some_and(|n| n == CLONE2_SOURCE))
    {
        return Err(format!("{} has no {CLONE2_SOURCE}", src_dir.display()));
    }
    fs::create_dir_all(build_dir)
        .map_err(|e| format!("cannot create {}: {e}", build_dir.display()))?;
    let mut objects = Vec::new();
    let mut errors = Vec::new();
    for src in &sources {
        let obj = build_dir.join(
            src.file_name()
                .map(Path::new)
                .unwrap_or(src)
                .with_extension("o"),
        );
        let _ = fs::remove_file(&obj); // never inspect a stale object
        let args = vec![
            os("-x"),
            os("-o"),
            obj.clone().into_os_string(),
            src.clone().into_os_string(),
        ];
        match run_quiet(AS, &args) {
            Ok(_) => objects.push(obj),
            Err(e) if e.contains(PACKAGE) => return Err(e),
            Err(e) => errors.push(format!("{}: {e}", src.display())),
        }
    }
    if errors.is_empty() {
        Ok(objects)
    } else {
        Err(errors.join("\n"))
    }
}

fn link(objects: &[PathBuf], exe: &Path) -> Result<(), String> {
    let _ = fs::remove_file(exe);
    let mut args = vec![os("-static"), os("-o"), exe.as_os_str().to_owned()];
    args.extend(objects.iter().map(|o| o.clone().into_os_string()));
    run_quiet(LD, &args)?;
    if !exe.is_file() {
        return Err(format!(
            "{LD} reported success but wrote no {}",
            exe.display()
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// ELF header
// ---------------------------------------------------------------------------

fn check_elf_header(bytes: &[u8]) -> Result<(), String> {
    if bytes.len() < 64 {
        return Err(format!(
            "{} bytes: too short for an ELF64 header",
            bytes.len()
        ));
    }
    if &bytes[..4] != b"\x7fELF" {
        return Err("no ELF magic".into());
    }
    if bytes[4] != 2 {
        return Err(format!("EI_CLASS = {}, expected 2 (ELFCLASS64)", bytes[4]));
    }
    if bytes[5] != 1 {
        return Err(format!(
            "EI_DATA = {}, expected 1 (little-endian)",
            bytes[5]
        ));
    }
    let e_type = u16::from_le_bytes([bytes[16], bytes[17]]);
    let e_machine = u16::from_le_bytes([bytes[18], bytes[19]]);
    if e_machine != EM_IA_64 {
        return Err(format!(
            "e_machine = {e_machine}, expected {EM_IA_64} (EM_IA_64)"
        ));
    }
    if e_type != ET_EXEC {
        return Err(format!("e_type = {e_type}, expected {ET_EXEC} (ET_EXEC)"));
    }
    let e_entry = u64::from_le_bytes(bytes[24..32].try_into().expect("8 bytes"));
    if e_entry == 0 {
        return Err("e_entry is 0: no entry point".into());
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Symbols (readelf -sW)
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct Symbol {
    name: String,
    value: u64,
    size: u64,
    kind: String,
    bind: String,
    ndx: String,
}

fn parse_symbols(text: &str) -> Vec<Symbol> {
    let mut out = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 8 || !f[0].ends_with(':') || f[0][..f[0].len() - 1].parse::<u64>().is_err() {
            continue;
        }
        let Ok(value) = u64::from_str_radix(f[1], 16) else {
            continue;
        };
        let size = match f[2].strip_prefix("0x") {
            Some(h) => u64::from_str_radix(h, 16),
            None => f[2].parse(),
        };
        let Ok(size) = size else { continue };
        out.push(Symbol {
            name: f[7].to_string(),
            value,
            size,
            kind: f[3].to_string(),
            bind: f[4].to_string(),
            ndx: f[6].to_string(),
        });
    }
    out
}

fn find_symbol<'a>(symbols: &'a [Symbol], name: &str) -> Result<&'a Symbol, String> {
    symbols
        .iter()
        .find(|s| s.name == name && s.ndx != "UND")
        .ok_or_else(|| format!("no defined symbol `{name}`"))
}

fn check_object_symbols(obj: &Path) -> Result<(), String> {
    let text = run_quiet(READELF, &[os("-sW"), obj.as_os_str().to_owned()])?;
    let symbols = parse_symbols(&text);
    check_object_symbol_table(&symbols)
}

fn check_object_symbol_table(symbols: &[Symbol]) -> Result<(), String> {
    for entry in [ENTRY_ERRNO, ENTRY_RAW] {
        let s = find_symbol(symbols, entry)?;
        if s.kind != "FUNC" || s.bind != "GLOBAL" || s.size == 0 {
            return Err(format!(
                "`{entry}` is {} {} of size {}, expected a GLOBAL FUNC with a size",
                s.bind, s.kind, s.size
            ));
        }
    }
    match symbols.iter().find(|s| s.name == ERRNO_LOCATION) {
        Some(s) if s.ndx == "UND" && s.bind == "GLOBAL" => Ok(()),
        Some(s) => Err(format!(
            "`{ERRNO_LOCATION}` must be an undefined global (the C library's), found {} in section {}",
            s.bind, s.ndx
        )),
        None => Err(format!(
            "`{ENTRY_ERRNO}` does not reference `{ERRNO_LOCATION}`"
        )),
    }
}

// ---------------------------------------------------------------------------
// Unwind table (readelf -u)
// ---------------------------------------------------------------------------

#[derive(Debug)]
struct UnwindEntry {
    start: u64,
    end: u64,
    /// The descriptor lines printed for the entry.
    body: String,
}

fn parse_unwind(text: &str) -> Vec<UnwindEntry> {
    let mut out: Vec<UnwindEntry> = Vec::new();
    for line in text.lines() {
        if line.starts_with('<')
            && let Some(range) = line.split("[0x").nth(1)
        {
            let range = range
                .split(']')
                .next()
                .unwrap_or("")
                .split(')')
                .next()
                .unwrap_or("");
            let mut it = range.split('-');
            let start = it
                .next()
                .and_then(|s| u64::from_str_radix(s.trim(), 16).ok());
            let end = it
                .next()
                .and_then(|s| u64::from_str_radix(s.trim().trim_start_matches("0x"), 16).ok());
            if let (Some(start), Some(end)) = (start, end) {
                out.push(UnwindEntry {
                    start,
                    end,
                    body: String::new(),
                });
                continue;
            }
        }
        if let Some(last) = out.last_mut() {
            last.body.push_str(line.trim());
            last.body.push('\n');
        }
    }
    out
}

fn unwind_entry_for(unwind: &[UnwindEntry], addr: u64) -> Option<&UnwindEntry> {
    unwind.iter().find(|u| u.start <= addr && addr < u.end)
}

fn check_unwind_covers(
    symbols: &[Symbol],
    unwind: &[UnwindEntry],
    name: &str,
) -> Result<(), String> {
    let s = find_symbol(symbols, name)?;
    if s.size == 0 {
        return Err(format!("`{name}` has no size"));
    }
    let end = s.value + s.size;
    if unwind.iter().any(|u| u.start <= s.value && end <= u.end) {
        Ok(())
    } else {
        Err(format!(
            "no unwind entry covers `{name}` [{:#x}, {end:#x}) ({} entries)",
            s.value,
            unwind.len()
        ))
    }
}

// ---------------------------------------------------------------------------
// Disassembly (objdump -d)
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct Insn {
    addr: u64,
    /// Qualifying predicate, None for p0.
    pred: Option<u8>,
    mnemonic: String,
    operands: String,
    func: usize,
}

#[derive(Debug)]
struct Func {
    name: String,
    first: usize,
    /// One past the last instruction.
    end: usize,
}

#[derive(Debug, Default)]
struct Disasm {
    insns: Vec<Insn>,
    funcs: Vec<Func>,
    by_addr: HashMap<u64, usize>,
}

fn parse_objdump(text: &str) -> Disasm {
    let mut d = Disasm::default();
    for line in text.lines() {
        // Function header: "4000000000000100 <freeclone_clone2_raw>:"
        if let Some(rest) = line.strip_suffix(">:")
            && let Some((addr, name)) = rest.split_once(" <")
            && u64::from_str_radix(addr.trim(), 16).is_ok()
        {
            if let Some(f) = d.funcs.last_mut() {
                f.end = d.insns.len();
            }
            d.funcs.push(Func {
                name: name.to_string(),
                first: d.insns.len(),
                end: d.insns.len(),
            });
            continue;
        }
        // Instruction: "addr:\tbytes \t[MII] (p06) text;;"
        let parts: Vec<&str> = line.split('\t').collect();
        if parts.len() < 3 || d.funcs.is_empty() {
            continue;
        }
        let Some(addr) = parts[0]
            .trim()
            .strip_suffix(':')
            .and_then(|a| u64::from_str_radix(a, 16).ok())
        else {
            continue;
        };
        let mut text = parts[2..].join(" ");
        text = text.trim().to_string();
        if text.starts_with('[') {
            text = text
                .split_once(']')
                .map(|(_, r)| r.trim().to_string())
                .unwrap_or_default();
        }
        let mut pred = None;
        if let Some(rest) = text.strip_prefix("(p")
            && let Some((num, r)) = rest.split_once(')')
        {
            pred = num.parse::<u8>().ok().filter(|&p| p != 0);
            text = r.trim().to_string();
        }
        let text = text.trim_end_matches(";;").trim();
        if text.is_empty() {
            continue;
        }
        let (mnemonic, operands) = match text.split_once(char::is_whitespace) {
            Some((m, o)) => (m.to_string(), o.trim().to_string()),
            None => (text.to_string(), String::new()),
        };
        let func = d.funcs.len() - 1;
        d.by_addr.insert(addr, d.insns.len());
        d.insns.push(Insn {
            addr,
            pred,
            mnemonic,
            operands,
            func,
        });
    }
    if let Some(f) = d.funcs.last_mut() {
        f.end = d.insns.len();
    }
    d
}

fn parse_int(s: &str) -> Option<i64> {
    let s = s.trim();
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let v = match s.strip_prefix("0x") {
        Some(h) => i64::from_str_radix(h, 16).ok()?,
        None => s.parse::<i64>().ok()?,
    };
    Some(if neg { -v } else { v })
}

impl Insn {
    /// Destination registers written (before '=').
    fn dests(&self) -> Vec<&str> {
        match self.operands.split_once('=') {
            Some((d, _))
                if !self.mnemonic.starts_with("st") && !self.mnemonic.starts_with("br") =>
            {
                d.split(',').map(str::trim).collect()
            }
            _ => Vec::new(),
        }
    }

    fn writes(&self, reg: &str) -> bool {
        if self.dests().contains(&reg) {
            return true;
        }
        // Post-increment addressing writes the base register too:
        // "ld8 r15=[r14],8" and "st8 [r14]=r15,8" both write r14.
        let Some(base) = self
            .operands
            .split('[')
            .nth(1)
            .and_then(|r| r.split(']').next())
        else {
            return false;
        };
        if base != reg {
            return false;
        }
        let after = self.operands.split(']').nth(1).unwrap_or("");
        if self.mnemonic.starts_with("st") {
            after.contains(',') // "]=r15,8"
        } else {
            after.starts_with(',') // "],8"
        }
    }

    /// The immediate this instruction puts in `reg`, if it is a plain
    /// constant (`mov r15=1213`, `adds r15=1213,r0`, `addl r15=1213,r0`).
    fn immediate_into(&self, reg: &str) -> Option<i64> {
        let (d, src) = self.operands.split_once('=')?;
        if d.trim() != reg {
            return None;
        }
        match self.mnemonic.as_str() {
            "mov" | "movl" => parse_int(src),
            "adds" | "addl" => {
                let (imm, base) = src.split_once(',')?;
                if base.trim() == "r0" {
                    parse_int(imm)
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    fn is_syscall_break(&self) -> bool {
        (self.mnemonic == "break" || self.mnemonic.starts_with("break."))
            && parse_int(&self.operands).is_some_and(|v| v as u64 == BREAK_SYSCALL)
    }

    fn is_branch(&self) -> bool {
        self.mnemonic.starts_with("br.")
            || self.mnemonic == "br"
            || self.mnemonic.starts_with("brl")
    }

    fn is_call(&self) -> bool {
        self.mnemonic.starts_with("br.call") || self.mnemonic.starts_with("brl.call")
    }

    fn is_return(&self) -> bool {
        self.mnemonic.starts_with("br.ret")
    }

    /// Direct branch target (`... 4000000000000180 <sym>`).
    fn target(&self) -> Option<u64> {
        let before = self.operands.split(" <").next()?;
        let tok = before
            .rsplit(|c: char| c == '=' || c.is_whitespace())
            .next()?;
        if tok.starts_with('b') && tok.len() <= 2 && !self.operands.contains(" <") {
            return None; // branch register
        }
        u64::from_str_radix(tok, 16).ok()
    }

    /// Compare: (mnemonic kind, p1, p2, a, b).
    fn compare(&self) -> Option<(&str, u8, u8, &str, &str)> {
        if !self.mnemonic.starts_with("cmp") {
            return None;
        }
        let (preds, srcs) = self.operands.split_once('=')?;
        let (p1, p2) = preds.split_once(',')?;
        let (a, b) = srcs.split_once(',')?;
        let p = |s: &str| {
            s.trim()
                .strip_prefix('p')
                .and_then(|n| n.parse::<u8>().ok())
        };
        Some((self.mnemonic.as_str(), p(p1)?, p(p2)?, a.trim(), b.trim()))
    }
}

/// Functions reachable from `entry` through direct calls and branches.
fn reachable_funcs(d: &Disasm, entry: usize) -> Vec<usize> {
    let mut seen = vec![entry];
    let mut i = 0;
    while i < seen.len() {
        let f = &d.funcs[seen[i]];
        for insn in &d.insns[f.first..f.end] {
            if let Some(t) = insn.target().filter(|_| insn.is_branch())
                && let Some(&idx) = d.by_addr.get(&t)
            {
                let g = d.insns[idx].func;
                if !seen.contains(&g) {
                    seen.push(g);
                }
            }
        }
        i += 1;
    }
    seen
}

fn func_index(d: &Disasm, symbols: &[Symbol], name: &str) -> Result<usize, String> {
    let sym = find_symbol(symbols, name)?;
    let &idx = d
        .by_addr
        .get(&sym.value)
        .ok_or_else(|| format!("`{name}` ({:#x}) is not in the disassembly", sym.value))?;
    Ok(d.insns[idx].func)
}

/// Index of the `break 0x100000` issued with r15 = 1213 in the code
/// reachable from `entry` (r15 tracked in address order per function).
fn find_clone2_break(d: &Disasm, symbols: &[Symbol], entry: &str) -> Result<usize, String> {
    let f = func_index(d, symbols, entry)?;
    let mut seen_breaks = Vec::new();
    for g in reachable_funcs(d, f) {
        let func = &d.funcs[g];
        let mut r15: Option<i64> = None;
        for idx in func.first..func.end {
            let insn = &d.insns[idx];
            if insn.writes("r15") {
                r15 = insn.immediate_into("r15");
            }
            if insn.is_syscall_break() {
                if r15 == Some(NR_CLONE2) {
                    return Ok(idx);
                }
                seen_breaks.push(format!("{:#x} (r15 = {r15:?})", insn.addr));
            }
        }
    }
    Err(format!(
        "no `break 0x100000` with r15 = {NR_CLONE2} reachable from `{entry}`; syscall breaks seen: [{}]",
        seen_breaks.join(", ")
    ))
}

/// Before the clone2 break, inside the entry itself: fn (r32) and the stack
/// base (r33) are compared with 0, each result predicates a branch taken
/// before the syscall, and r8 is set to -EINVAL.
fn check_null_rejection(d: &Disasm, entry: &str, site: usize) -> Result<(), String> {
    let func = &d.funcs[d.insns[site].func];
    if func.name != entry {
        return Err(format!(
            "the clone2 syscall of `{entry}` is in `{}`: cannot check the NULL tests structurally",
            func.name
        ));
    }
    let before = &d.insns[func.first..site];
    if !before
        .iter()
        .any(|i| i.immediate_into("r8") == Some(-EINVAL))
    {
        return Err(format!(
            "r8 is never set to -{EINVAL} (-EINVAL) before the syscall"
        ));
    }
    for (reg, what) in [("r32", "fn"), ("r33", "stack base")] {
        let mut ok = false;
        for (k, insn) in before.iter().enumerate() {
            let Some((m, p1, p2, a, b)) = insn.compare() else {
                continue;
            };
            let zero = |s: &str| s == "0" || s == "r0";
            if !((a == reg && zero(b)) || (b == reg && zero(a))) {
                continue;
            }
            // cmp.eq pT,pF: pT is "== 0"; cmp.ne pF,pT likewise.
            let when_null = if m.starts_with("cmp.eq") || m.starts_with("cmp4.eq") {
                p1
            } else if m.starts_with("cmp.ne") || m.starts_with("cmp4.ne") {
                p2
            } else {
                continue;
            };
            if when_null != 0
                && before[k..]
                    .iter()
                    .any(|b| b.is_branch() && !b.is_call() && b.pred == Some(when_null))
            {
                ok = true;
            }
        }
        if !ok {
            return Err(format!(
                "no branch before the syscall predicated on {what} ({reg}) == 0"
            ));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The child's path after the clone2 syscall
// ---------------------------------------------------------------------------

#[derive(Debug, Default)]
struct ChildWalk {
    /// Paths ending in `break 0x100000` with r15 = 1025.
    exits: usize,
    exits_without_call: usize,
    calls_without_gp: usize,
    /// Addresses of br.ret the child can reach.
    returns: Vec<u64>,
    /// Any other way a path ends (other syscall, unknown branch, ...).
    other_ends: Vec<String>,
    /// Instructions the child can execute.
    visited: HashSet<usize>,
}

impl ChildWalk {
    fn require_paths(&self) -> Result<(), String> {
        if self.exits + self.returns.len() + self.other_ends.len() == 0 {
            Err("the child's path could not be followed".into())
        } else {
            Ok(())
        }
    }
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct WalkState {
    idx: usize,
    /// Known predicate values (p0 is always true).
    preds: [Option<bool>; 64],
    /// r8 and r10 still hold what the kernel gave the child (0 and 0).
    r8_zero: bool,
    r10_zero: bool,
    r15: Option<i64>,
    gp_loaded: bool,
    called: bool,
}

fn walk_child(d: &Disasm, site: usize) -> ChildWalk {
    let mut w = ChildWalk::default();
    let start = WalkState {
        idx: site + 1,
        preds: [None; 64],
        r8_zero: true,
        r10_zero: true,
        r15: None,
        gp_loaded: false,
        called: false,
    };
    let mut work = vec![start];
    let mut seen: HashSet<WalkState> = HashSet::new();
    let mut steps = 0usize;
    while let Some(mut s) = work.pop() {
        loop {
            steps += 1;
            if steps > 100_000 {
                w.other_ends.push("walk limit reached".into());
                return w;
            }
            if !seen.insert(s.clone()) {
                break; // already explored from this exact state (loop)
            }
            let Some(insn) = d.insns.get(s.idx) else {
                w.other_ends.push("falls off the end of the code".into());
                break;
            };
            w.visited.insert(s.idx);
            let pv = match insn.pred {
                None => Some(true),
                Some(p) => s.preds[p as usize],
            };
            if pv == Some(false) {
                s.idx += 1;
                continue;
            }
            let certain = pv == Some(true);

            if insn.is_branch() {
                if insn.is_return() {
                    w.returns.push(insn.addr);
                    if certain {
                        break;
                    }
                    s.idx += 1;
                    continue;
                }
                if insn.is_call() {
                    if insn.target().is_none() {
                        if s.gp_loaded {
                            s.called = true;
                        } else {
                            w.calls_without_gp += 1;
                        }
                    }
                    // The callee returns here with scratch registers changed.
                    s.r8_zero = false;
                    s.r10_zero = false;
                    s.r15 = None;
                    s.preds = forget_scratch_preds(s.preds);
                    s.idx += 1;
                    continue;
                }
                let Some(t) = insn.target() else {
                    w.other_ends.push(format!(
                        "indirect branch at {:#x} cannot be followed",
                        insn.addr
                    ));
                    break;
                };
                let Some(&ti) = d.by_addr.get(&t) else {
                    w.other_ends.push(format!(
                        "branch at {:#x} to {t:#x} outside the code",
                        insn.addr
                    ));
                    break;
                };
                if certain {
                    s.idx = ti;
                } else {
                    let mut taken = s.clone();
                    taken.idx = ti;
                    work.push(taken);
                    s.idx += 1;
                }
                continue;
            }

            if insn.is_syscall_break() {
                if certain {
                    match s.r15 {
                        Some(NR_EXIT) => {
                            w.exits += 1;
                            if !s.called {
                                w.exits_without_call += 1;
                            }
                        }
                        other => w.other_ends.push(format!(
                            "syscall at {:#x} with r15 = {}",
                            insn.addr,
                            other.map_or("unknown".to_string(), |v| v.to_string())
                        )),
                    }
                    break;
                }
                w.other_ends
                    .push(format!("conditional syscall at {:#x}", insn.addr));
                s.idx += 1;
                continue;
            }
            if insn.mnemonic == "epc" {
                w.other_ends.push(format!("epc at {:#x}", insn.addr));
                break;
            }

            // Effects of an ordinary instruction.
            if let Some((m, p1, p2, a, b)) = insn.compare() {
                let fact = if certain {
                    child_compare_fact(m, a, b, &s)
                } else {
                    None
                };
                for p in [p1, p2] {
                    if p != 0 {
                        s.preds[p as usize] = None;
                    }
                }
                if let Some(eq) = fact {
                    if p1 != 0 {
                        s.preds[p1 as usize] = Some(eq);
                    }
                    if p2 != 0 {
                        s.preds[p2 as usize] = Some(!eq);
                    }
                }
            }
            if insn.writes("r8") {
                s.r8_zero = false;
            }
            if insn.writes("r10") {
                s.r10_zero = false;
            }
            if insn.writes("r15") {
                s.r15 = if certain {
                    insn.immediate_into("r15")
                } else {
                    None
                };
            }
            if insn.writes("r1") && insn.mnemonic.starts_with("ld8") {
                s.gp_loaded = certain || s.gp_loaded;
            }
            s.idx += 1;
        }
    }
    w
}

/// p6-p15 are scratch across calls; forget them.
fn forget_scratch_preds(mut preds: [Option<bool>; 64]) -> [Option<bool>; 64] {
    for p in preds.iter_mut().take(16).skip(6) {
        *p = None;
    }
    preds
}

/// For `cmp.eq`/`cmp.ne` of r8 or r10 with 0 or -1 while they still hold the
/// child's values, whether the *equality* holds.
fn child_compare_fact(m: &str, a: &str, b: &str, s: &WalkState) -> Option<bool> {
    let is_eq = m.starts_with("cmp.eq") || m.starts_with("cmp4.eq");
    let is_ne = m.starts_with("cmp.ne") || m.starts_with("cmp4.ne");
    if !(is_eq || is_ne) || m.contains(".and") || m.contains(".or") {
        return None;
    }
    let value = |r: &str| -> Option<i64> {
        match r {
            "r0" => Some(0),
            "r8" if s.r8_zero => Some(0),
            "r10" if s.r10_zero => Some(0),
            _ => parse_int(r),
        }
    };
    let (x, y) = (value(a)?, value(b)?);
    let equal = x == y;
    Some(if is_eq { equal } else { !equal })
}

// ---------------------------------------------------------------------------
// Putting it together
// ---------------------------------------------------------------------------

struct Inspected {
    symbols: Vec<Symbol>,
    unwind: Vec<UnwindEntry>,
    dis: Disasm,
}

fn inspect(exe: &Path) -> Result<Inspected, String> {
    let exe_os = exe.as_os_str().to_owned();
    let symbols = parse_symbols(&run_quiet(READELF, &[os("-sW"), exe_os.clone()])?);
    let unwind = parse_unwind(&run_quiet(READELF, &[os("-u"), exe_os.clone()])?);
    let dis = parse_objdump(&run_quiet(OBJDUMP, &[os("-d"), exe_os])?);
    if dis.insns.is_empty() {
        return Err("objdump printed no instructions".into());
    }
    Ok(Inspected {
        symbols,
        unwind,
        dis,
    })
}

struct Analysis {
    /// clone2 break sites (instruction indices), one per distinct site.
    syscall_sites: Vec<usize>,
    epc_at: Option<u64>,
    walk: ChildWalk,
}

fn analyze(i: &Inspected) -> Result<Analysis, String> {
    let mut sites = Vec::new();
    for entry in [ENTRY_ERRNO, ENTRY_RAW] {
        let site = find_clone2_break(&i.dis, &i.symbols, entry)?;
        if !sites.contains(&site) {
            sites.push(site);
        }
    }
    let mut epc_at = None;
    for entry in [ENTRY_ERRNO, ENTRY_RAW] {
        let f = func_index(&i.dis, &i.symbols, entry)?;
        for g in reachable_funcs(&i.dis, f) {
            let func = &i.dis.funcs[g];
            if let Some(insn) = i.dis.insns[func.first..func.end]
                .iter()
                .find(|x| x.mnemonic == "epc")
            {
                epc_at.get_or_insert(insn.addr);
            }
        }
    }
    let mut walk = ChildWalk::default();
    for &site in &sites {
        let w = walk_child(&i.dis, site);
        walk.exits += w.exits;
        walk.exits_without_call += w.exits_without_call;
        walk.calls_without_gp += w.calls_without_gp;
        walk.returns.extend(w.returns);
        walk.other_ends.extend(w.other_ends);
        walk.visited.extend(w.visited);
    }
    Ok(Analysis {
        syscall_sites: sites,
        epc_at,
        walk,
    })
}

/// Every instruction the child can execute after the syscall is covered by
/// an unwind entry that records `rp` as saved in r0 (end of the chain).
fn check_child_unwind(i: &Inspected, a: &Analysis) -> Result<(), String> {
    a.walk.require_paths()?;
    let mut addrs: Vec<u64> = a
        .walk
        .visited
        .iter()
        .map(|&k| i.dis.insns[k].addr)
        .collect();
    addrs.sort_unstable();
    for addr in addrs {
        match unwind_entry_for(&i.unwind, addr) {
            None => return Err(format!("child code at {addr:#x} has no unwind entry")),
            Some(u) if !u.body.contains("rp_gr(reg=r0)") => {
                return Err(format!(
                    "the unwind entry [{:#x}, {:#x}) covering child code at {addr:#x} does not save rp in r0",
                    u.start, u.end
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Trimmed from real `ia64-linux-gnu-objdump -d` output of clone2.S.
    const DIS: &str = "\
4000000000000100 <freeclone_clone2_raw>:
4000000000000100:\t00 10 38 10 80 05 \t[MII]       alloc r2=ar.pfs,14,8,0
4000000000000106:\t60 00 80 00 72 e0 \t            cmp.eq p6,p0=0,r32
400000000000010c:\t00 08 01 e4       \t            cmp.eq p7,p0=0,r33;;
4000000000000110:\t13 40 a8 f9 ff a7 \t[MBB]       mov r8=-22
4000000000000116:\t41 04 00 c2 80 83 \t      (p06) br.ret.spnt.many b0
400000000000011c:\t08 00 84 01       \t      (p07) br.ret.spnt.many b0;;
4000000000000120:\t01 80 1c 42 00 21 \t[MII]       mov r15=1213
4000000000000126:\t80 02 8c 00 42 60 \t            mov r40=r35
400000000000012c:\t05 28 01 84       \t            nop.i 0x0;;
4000000000000130:\t0b 50 89 22 05 20 \t[MMI]       nop.m 0x0;;
4000000000000136:\t00 00 00 00 04 00 \t            break.m 0x100000
400000000000013c:\t00 00 04 00       \t            nop.i 0x0;;
4000000000000140:\t11 30 fc 15 00 3b \t[MIB]       cmp.eq p6,p0=-1,r10
4000000000000146:\t70 00 20 00 f2 03 \t            cmp.eq p7,p0=0,r8
400000000000014c:\t28 00 00 41       \t      (p07) br.cond.spnt.many 4000000000000180 <freeclone_clone2_child>;;
4000000000000150:\td1 40 00 10 05 20 \t[MIB] (p06) sub r8=r0,r8
4000000000000156:\t00 00 00 02 00 80 \t            nop.i 0x0
400000000000015c:\t08 00 84 00       \t            br.ret.sptk.many b0;;

4000000000000180 <freeclone_clone2_child>:
4000000000000180:\t01 80 20 40 18 14 \t[MII]       ld8 r16=[r32],8
4000000000000186:\t80 02 90 00 42 80 \t            mov r40=r36
400000000000018c:\t01 67 b0 88       \t            and r12=-16,r12;;
4000000000000190:\t11 08 00 40 18 10 \t[MIB]       ld8 r1=[r32]
4000000000000196:\t60 80 04 80 03 00 \t            mov b6=r16
400000000000019c:\t68 00 80 10       \t            br.call.sptk.many b0=b6;;
40000000000001a0:\t01 40 01 10 00 21 \t[MII]       mov r40=r8
40000000000001a6:\tf0 08 00 10 48 00 \t            mov r15=1025
40000000000001ac:\t00 00 04 00       \t            nop.i 0x0;;
40000000000001b0:\t11 00 00 00 00 02 \t[MIB]       break.m 0x100000
40000000000001b6:\t00 00 00 02 00 00 \t            nop.i 0x0
40000000000001bc:\t00 00 00 40       \t            br.few 40000000000001b0 <freeclone_clone2_child+0x30>;;
";

    const SYMS: &str = "\
    14: 4000000000000180    64 FUNC    LOCAL  DEFAULT    1 freeclone_clone2_child
    60: 4000000000000100   128 FUNC    GLOBAL DEFAULT    1 freeclone_clone2_raw
";

    const UNWIND: &str = "\
Unwind section '.IA_64.unwind' at offset 0xb28 contains 2 entries:

<freeclone_clone2_raw>: [0x4000000000000100-0x4000000000000180], info at +0xae0
  v1, flags=0x0 (), len=8 bytes
    R1:prologue(rlen=18)
\tP7:rp_when(t=16)
\tP3:rp_gr(reg=r0)
    R1:body(rlen=6)

<freeclone_clone2_child>: [0x4000000000000180-0x40000000000001c0], info at +0xaf0
  v1, flags=0x0 (), len=8 bytes
    R1:prologue(rlen=0)
\tP7:rp_when(t=0)
\tP3:rp_gr(reg=r0)
    R1:body(rlen=12)
";

    fn inspected(dis: &str, unwind: &str) -> Inspected {
        Inspected {
            symbols: parse_symbols(SYMS),
            unwind: parse_unwind(unwind),
            dis: parse_objdump(dis),
        }
    }

    fn walk(dis: &str) -> ChildWalk {
        let i = inspected(dis, UNWIND);
        let site = find_clone2_break(&i.dis, &i.symbols, ENTRY_RAW).expect("site");
        walk_child(&i.dis, site)
    }

    #[test]
    fn elf_header() {
        let mut h = vec![0u8; 64];
        h[..4].copy_from_slice(b"\x7fELF");
        h[4] = 2;
        h[5] = 1;
        h[16] = 2;
        h[18] = 50;
        h[24] = 0x10;
        assert!(check_elf_header(&h).is_ok());
        let mut wrong = h.clone();
        wrong[18] = 62; // x86-64
        assert!(check_elf_header(&wrong).is_err());
        let mut dyn_ = h.clone();
        dyn_[16] = 3; // ET_DYN
        assert!(check_elf_header(&dyn_).is_err());
        assert!(check_elf_header(&h[..40]).is_err());
    }

    #[test]
    fn finds_clone2_syscall_and_fails_without_it() {
        let i = inspected(DIS, UNWIND);
        assert!(find_clone2_break(&i.dis, &i.symbols, ENTRY_RAW).is_ok());
        let wrong_nr = inspected(&DIS.replace("mov r15=1213", "mov r15=1128"), UNWIND);
        assert!(find_clone2_break(&wrong_nr.dis, &wrong_nr.symbols, ENTRY_RAW).is_err());
        let wrong_gate = inspected(
            &DIS.replace(
                "break.m 0x100000\n4000000000000",
                "break.m 0x0\n4000000000000",
            ),
            UNWIND,
        );
        assert!(find_clone2_break(&wrong_gate.dis, &wrong_gate.symbols, ENTRY_RAW).is_err());
    }

    #[test]
    fn null_rejection() {
        let i = inspected(DIS, UNWIND);
        let site = find_clone2_break(&i.dis, &i.symbols, ENTRY_RAW).unwrap();
        assert!(check_null_rejection(&i.dis, ENTRY_RAW, site).is_ok());
        let no_stack_test = inspected(
            &DIS.replace("(p07) br.ret.spnt.many b0;;", "nop.b 0x0;;"),
            UNWIND,
        );
        let site =
            find_clone2_break(&no_stack_test.dis, &no_stack_test.symbols, ENTRY_RAW).unwrap();
        assert!(check_null_rejection(&no_stack_test.dis, ENTRY_RAW, site).is_err());
    }

    #[test]
    fn child_walk_accepts_the_real_shape() {
        let w = walk(DIS);
        assert_eq!(w.exits, 1);
        assert_eq!(w.exits_without_call, 0);
        assert_eq!(w.calls_without_gp, 0);
        assert!(w.returns.is_empty(), "{:?}", w.returns);
        assert!(w.other_ends.is_empty(), "{:?}", w.other_ends);
    }

    #[test]
    fn child_walk_catches_mistakes() {
        // Child returns instead of exiting.
        let ret = walk(&DIS.replace(
            "[MIB]       break.m 0x100000",
            "[MIB]       br.ret.sptk.many b0",
        ));
        assert!(!ret.returns.is_empty());
        // exit_group instead of exit.
        let eg = walk(&DIS.replace("mov r15=1025", "mov r15=1236"));
        assert_eq!(eg.exits, 0);
        assert!(!eg.other_ends.is_empty());
        // gp not loaded from the descriptor.
        let nogp = walk(&DIS.replace("ld8 r1=[r32]", "ld8 r17=[r32]"));
        assert_eq!(nogp.calls_without_gp, 1);
        assert_eq!(nogp.exits_without_call, 1);
        // The child branch keyed on the wrong register: the child falls into
        // the parent's br.ret.
        let wrong = walk(&DIS.replace("cmp.eq p7,p0=0,r8", "cmp.eq p7,p0=1,r8"));
        assert!(!wrong.returns.is_empty());
    }

    #[test]
    fn unwind_coverage_and_end_of_chain() {
        let i = inspected(DIS, UNWIND);
        assert!(check_unwind_covers(&i.symbols, &i.unwind, ENTRY_RAW).is_ok());
        let site = find_clone2_break(&i.dis, &i.symbols, ENTRY_RAW).unwrap();
        let a = Analysis {
            syscall_sites: vec![site],
            epc_at: None,
            walk: walk_child(&i.dis, site),
        };
        assert!(check_child_unwind(&i, &a).is_ok());

        let no_child_entry: String = UNWIND
            .split("\n<freeclone_clone2_child>")
            .next()
            .unwrap()
            .to_string();
        let j = inspected(DIS, &no_child_entry);
        assert!(check_unwind_covers(&j.symbols, &j.unwind, ENTRY_RAW).is_ok());
        assert!(check_child_unwind(&j, &a).is_err());

        let no_r0 = inspected(DIS, &UNWIND.replace("rp_gr(reg=r0)", "rp_gr(reg=r41)"));
        assert!(check_child_unwind(&no_r0, &a).is_err());
        assert!(check_unwind_covers(&i.symbols, &parse_unwind(""), ENTRY_RAW).is_err());
    }

    #[test]
    fn object_symbols() {
        let good = "\
    11: 0000000000000000   128 FUNC    GLOBAL DEFAULT    1 freeclone_clone2_raw
    12: 00000000000000c0   208 FUNC    GLOBAL DEFAULT    1 __clone2
    13: 0000000000000000     0 FUNC    GLOBAL DEFAULT  UND __errno_location
";
        assert!(check_object_symbol_table(&parse_symbols(good)).is_ok());
        let local = good.replace("208 FUNC    GLOBAL", "208 FUNC    LOCAL ");
        assert!(check_object_symbol_table(&parse_symbols(&local)).is_err());
        let no_errno: String = good.lines().take(2).collect::<Vec<_>>().join("\n");
        assert!(check_object_symbol_table(&parse_symbols(&no_errno)).is_err());
    }

    #[test]
    fn missing_tool_names_package_and_setup() {
        let err = run_tool("freeclone-no-such-tool-ia64", &[])
            .err()
            .expect("must fail");
        assert!(
            err.contains(PACKAGE) && err.contains("cargo xtask setup"),
            "{err}"
        );
    }
}
