//! The clone3 entry's child path on the powerpcs, checked in the built conformance
//! program's instruction words. No tier executes it for powerpc (32-bit) and
//! big-endian powerpc64: qemu-user answers clone3 with ENOSYS, and no kernel of theirs
//! is within reach. powerpc64le's, from the same source, runs on its kernel and is
//! checked the same way, which shows the checks hold of code that works.
//!
//! Every instruction is one 32-bit word. The child path is where the `beq` after the
//! clone3 `sc` goes; in it, in this order: r1 aligned down to 16 (`clrrwi` / `clrrdi`),
//! the zero back chain stored with update (`stwu` / `stdu r0, -N(r1)` after `li r0,0`),
//! an indirect call (`bctrl`), then `li r0, SYS_exit` and `sc`.

use object::{Object, ObjectSection, ObjectSymbol};

use super::Check;

/// `sc`.
const SC: u32 = 0x4400_0002;
/// `bctrl`.
const BCTRL: u32 = 0x4e80_0421;
/// `li r0, 0`.
const LI_R0_0: u32 = 0x3800_0000;
/// `clrrwi r1, r1, 4` (`rlwinm r1, r1, 0, 0, 27`).
const CLRRWI_R1_4: u32 = 0x5421_0036;
/// `clrrdi r1, r1, 4` (`rldicr r1, r1, 0, 59`).
const CLRRDI_R1_4: u32 = 0x7821_06e4;

/// The checks for a powerpc binary; none for other architectures.
pub fn checks(file: &object::File<'_>) -> Vec<Check> {
    if !matches!(file.architecture(), object::Architecture::PowerPc | object::Architecture::PowerPc64) {
        return Vec::new();
    }
    let words = match clone3_entry_words(file) {
        Ok(words) => words,
        Err(error) => return vec![Check { name: NAME.into(), result: Err(error) }],
    };
    vec![Check { name: NAME.into(), result: child_path(&words).and_then(|path| check_child_path(path, exit_number(file))) }]
}

const NAME: &str = "structure_powerpc_clone3_child_aligns_its_stack_ends_the_chain_calls_fn_and_exits";

/// `SYS_exit`: 1 on every powerpc.
fn exit_number(_: &object::File<'_>) -> u32 {
    1
}

/// The words of `arch::clone3_entry` (through its ELFv1 descriptor where it has one).
fn clone3_entry_words(file: &object::File<'_>) -> Result<Vec<u32>, String> {
    let is_entry = |name: &str| name.contains("4arch12clone3_entry17h") || name.ends_with("4arch12clone3_entry");
    let symbol = file
        .symbols()
        .find(|symbol| symbol.name().is_ok_and(|name| !name.starts_with('.') && is_entry(name)))
        .ok_or("no arch::clone3_entry symbol")?;
    let mut address = symbol.address();
    let size = if symbol.size() == 0 { 256 } else { symbol.size() };
    let read = |address: u64, length: u64| -> Result<Vec<u8>, String> {
        let section = file
            .sections()
            .find(|section| section.address() <= address && address + length <= section.address() + section.size())
            .ok_or_else(|| format!("no section holds {address:#x}"))?;
        let data = section.data().map_err(|error| error.to_string())?;
        let start = (address - section.address()) as usize;
        Ok(data[start..start + length as usize].to_vec())
    };
    let in_opd = file.section_by_name(".opd").is_some_and(|opd| opd.address() <= address && address < opd.address() + opd.size());
    let code_size = if in_opd {
        // ELFv1: the symbol is the descriptor; its first doubleword is the code.
        let descriptor = read(address, 8)?;
        address = u64::from_be_bytes(descriptor.try_into().map_err(|_| "short descriptor")?);
        256
    } else {
        size
    };
    let bytes = read(address, code_size)?;
    let big = !file.is_little_endian();
    Ok(bytes
        .chunks_exact(4)
        .map(|word| {
            let word: [u8; 4] = word.try_into().unwrap_or_default();
            if big { u32::from_be_bytes(word) } else { u32::from_le_bytes(word) }
        })
        .collect())
}

/// The words from the `beq` target after the first `sc` to the next `sc`, inclusive.
fn child_path(words: &[u32]) -> Result<&[u32], String> {
    let sc = words.iter().position(|&word| word == SC).ok_or("no sc in the entry")?;
    let (beq, target) = words[sc..]
        .iter()
        .enumerate()
        .find_map(|(offset, &word)| {
            // bc 12, 2, target (beq cr0): opcode 16, BO 12, BI 2, not absolute, no link.
            let is_beq = word >> 26 == 16 && (word >> 21) & 31 == 12 && (word >> 16) & 31 == 2 && word & 3 == 0;
            let displacement = i64::from((word & 0xfffc) as u16 as i16) / 4;
            is_beq.then(|| (sc + offset, (sc + offset) as i64 + displacement))
        })
        .ok_or("no beq after the entry's sc: where does the child go?")?;
    let target = usize::try_from(target).ok().filter(|&target| target > beq && target < words.len()).ok_or("the beq leaves the entry")?;
    let end = words[target..].iter().position(|&word| word == SC).ok_or("the child path has no sc")?;
    Ok(&words[target..=target + end])
}

fn check_child_path(path: &[u32], exit: u32) -> Result<(), String> {
    let at = |what: &str, found: Option<usize>| found.ok_or_else(|| format!("the child path has no {what}: {path:08x?}"));
    let align = at("clrrwi/clrrdi r1, r1, 4", path.iter().position(|&word| word == CLRRWI_R1_4 || word == CLRRDI_R1_4))?;
    let zero = at("li r0, 0 after the alignment", path[align..].iter().position(|&word| word == LI_R0_0).map(|index| align + index))?;
    // stwu r0, -N(r1) (opcode 37) or stdu r0, -N(r1) (opcode 62, DS form, XO 1).
    let store = path[zero..].iter().position(|&word| {
        let (opcode, rs, ra, displacement) = (word >> 26, (word >> 21) & 31, (word >> 16) & 31, word as u16 as i16);
        rs == 0 && ra == 1 && displacement < 0 && (opcode == 37 || (opcode == 62 && word & 3 == 1))
    });
    let store = at("stwu/stdu r0, -N(r1) storing the zero back chain", store.map(|index| zero + index))?;
    let call = at("bctrl after the frame", path[store..].iter().position(|&word| word == BCTRL).map(|index| store + index))?;
    let li_exit = 0x3800_0000 | exit;
    match path[call..] {
        [_, li, sc, ..] if li == li_exit && sc == SC => Ok(()),
        _ => Err(format!("after fn's call the child does not load SYS_exit ({exit}) and sc: {:08x?}", &path[call..])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// powerpc's child path as arch/powerpc assembles it.
    const POWERPC_CHILD: [u32; 8] = [CLRRWI_R1_4, LI_R0_0, 0x9401_fff0, 0x7de3_7b78, 0x7dc9_03a6, BCTRL, 0x3800_0001, SC];

    #[test]
    fn a_child_path_with_every_step_in_order_passes_and_one_without_alignment_fails() {
        assert_eq!(check_child_path(&POWERPC_CHILD, 1), Ok(()));
        let mut unaligned = POWERPC_CHILD;
        unaligned[0] = 0x6000_0000; // nop
        assert!(check_child_path(&unaligned, 1).unwrap_err().contains("clrrwi"));
        let mut no_chain = POWERPC_CHILD;
        no_chain[2] = 0x9001_fff0; // stw, no update
        assert!(check_child_path(&no_chain, 1).unwrap_err().contains("back chain"));
        assert!(check_child_path(&POWERPC_CHILD, 60).unwrap_err().contains("SYS_exit"));
    }

    #[test]
    fn the_child_path_starts_at_the_beq_target_after_sc() {
        // sc; beq +3 words; blr; trap; <child...>
        let mut words = vec![SC, 0x4182_000c, 0x4e80_0020, 0x7fe0_0008];
        words.extend(POWERPC_CHILD);
        assert_eq!(child_path(&words).unwrap(), &POWERPC_CHILD);
    }
}
