//! The C ABI's archive as a C program links it: cargo's `libfreeclone_capi.a` holds
//! every member of `core`, `compiler_builtins` and freeclone with their globals
//! (`__udivdi3`, `__aeabi_*`, ...), which a C program linked with it would take instead
//! of libgcc's, freeclone's `clone` with them. [`pack`] turns it into `libfreeclone.a`,
//! whose only defined globals are the C ABI's ([`SYMBOLS`]); [`check`] proves that.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use object::read::archive::ArchiveFile;
use object::{Object, ObjectSymbol};

use xtask::elf::ElfIdentity;
use xtask::util::run_status;

/// The C ABI: every symbol `capi/src/lib.rs` exports (a unit test keeps the two equal).
pub const SYMBOLS: [&str; 8] = [
    "clone",
    "__clone2",
    "__clone3",
    "clone3",
    "freeclone_clone_raw",
    "freeclone_clone2_raw",
    "freeclone_clone3_raw",
    "freeclone_capi_calls",
];

/// The packed archive's name, next to cargo's.
pub const PACKED_NAME: &str = "libfreeclone.a";

/// `cargo xtask capi <archive> [--binutils-prefix P]`.
#[derive(clap::Args)]
pub struct CapiArgs {
    /// Cargo's `libfreeclone_capi.a` (`target/<triple>/release/`); `libfreeclone.a` is
    /// written next to it.
    archive: PathBuf,
    /// The prefix of the target's binutils (`ld`, `objcopy`, `ar`), such as
    /// `aarch64-linux-gnu-`. Default: none for the host's architecture, else Debian's
    /// `<gnu triple>-` of the archive's architecture.
    #[arg(long)]
    binutils_prefix: Option<String>,
}

/// Packs and checks the archive that `args` names, with the target's binutils.
pub fn run(args: &CapiArgs) -> Result<(), String> {
    let prefix = match &args.binutils_prefix {
        Some(prefix) => prefix.clone(),
        None => default_prefix(&args.archive)?,
    };
    let output = args.archive.with_file_name(PACKED_NAME);
    pack(&args.archive, &output, |tool| Command::new(format!("{prefix}{tool}")))?;
    let renamed = check(&output)?;
    println!("{}: defines {} only", output.display(), SYMBOLS.join(", "));
    if renamed > 0 {
        println!("and {renamed} of the library's own, renamed {RENAMED_PREFIX}<name> (mips64's n64 code needs them global)");
    }
    Ok(())
}

/// The prefix that [`pack`] gives the library's other globals where they cannot be made
/// local (see [`keeps_globals`]): names no C program defines or expects.
pub const RENAMED_PREFIX: &str = "__freeclone_capi_";

/// Writes `output`: one relocatable object holding what [`SYMBOLS`] reach in `input`
/// (`ld -r --gc-sections`), with every other global made local, no debug information
/// (that of the prebuilt `core`, for code mostly collected away) and no embedded LLVM
/// bitcode (binutils' LLVM plugin aborts `nm` and `ar` on a newer LLVM's), alone in an
/// archive. `binutil(name)` is the target's `ld`, `objcopy` or `ar`. Where
/// [`keeps_globals`], the other globals get [`RENAMED_PREFIX`] instead; where not
/// [`collects_sections`], nothing is collected.
pub fn pack(input: &Path, output: &Path, binutil: impl Fn(&str) -> Command) -> Result<(), String> {
    let identity = archive_identity(input)?;
    let keep_globals = keeps_globals(&identity);
    let object = output.with_extension("o");
    let mut ld = binutil("ld");
    ld.arg("-r");
    if collects_sections(&identity) {
        ld.arg("--gc-sections");
    }
    for symbol in SYMBOLS {
        ld.arg("-u").arg(symbol);
    }
    run_status(ld.arg(input).arg("-o").arg(&object))?;
    let mut objcopy = binutil("objcopy");
    objcopy.args(["--strip-debug", "--remove-section=.llvmbc", "--remove-section=.llvmcmd"]);
    if keep_globals {
        let renames = output.with_extension("renames");
        let lines: Vec<String> = defined_globals_of(&object)?
            .into_iter()
            .filter(|name| !SYMBOLS.contains(&name.as_str()))
            .map(|name| format!("{name} {RENAMED_PREFIX}{name}\n"))
            .collect();
        std::fs::write(&renames, lines.concat()).map_err(|error| format!("{}: {error}", renames.display()))?;
        objcopy.arg(format!("--redefine-syms={}", renames.display()));
    } else {
        for symbol in SYMBOLS {
            objcopy.arg(format!("--keep-global-symbol={symbol}"));
        }
    }
    run_status(objcopy.arg(&object))?;
    let _ = std::fs::remove_file(output);
    run_status(binutil("ar").arg("rcs").arg(output).arg(&object))?;
    std::fs::remove_file(&object).map_err(|error| format!("{}: {error}", object.display()))
}

/// mips64's n64 code (position-independent here, see arch/mips64/targets.toml): measured
/// with binutils 2.40, making the other globals local, or `ld -r --gc-sections` alone,
/// gives a smoke test that dies of SIGBUS under qemu-mips64el (see docs/capi.md).
fn keeps_globals(identity: &ElfIdentity) -> bool {
    identity.machine == object::elf::EM_MIPS.0 && identity.class == 64
}

/// Whether `ld -r --gc-sections` gives working code: not on mips64 (above), nor on
/// loongarch64, where binutils 2.44 writes an `.eh_frame` that the final link calls
/// an error, and the smoke test dies of SIGSEGV (localizing is fine).
fn collects_sections(identity: &ElfIdentity) -> bool {
    !keeps_globals(identity) && identity.machine != object::elf::EM_LOONGARCH.0
}

/// The archive's defined global (or weak) symbols must be exactly [`SYMBOLS`] (and, where
/// [`keeps_globals`], names with [`RENAMED_PREFIX`]: how many is the result).
pub fn check(archive: &Path) -> Result<usize, String> {
    let renamed_allowed = keeps_globals(&archive_identity(archive)?);
    let (renamed, defined): (BTreeSet<String>, BTreeSet<String>) = defined_globals(archive)?
        .into_iter()
        .partition(|name| renamed_allowed && name.starts_with(RENAMED_PREFIX));
    let wanted: BTreeSet<String> = SYMBOLS.iter().map(|symbol| symbol.to_string()).collect();
    let extra: Vec<&String> = defined.difference(&wanted).collect();
    let missing: Vec<&String> = wanted.difference(&defined).collect();
    if extra.is_empty() && missing.is_empty() {
        Ok(renamed.len())
    } else {
        Err(format!(
            "{} defines globals beyond the C ABI's ({extra:?}) or lacks some of them ({missing:?})",
            archive.display()
        ))
    }
}

/// The defined non-local symbols of one ELF object.
fn defined_globals_of(path: &Path) -> Result<BTreeSet<String>, String> {
    let data = std::fs::read(path).map_err(|error| format!("{}: {error}", path.display()))?;
    object_globals(&data).map_err(|error| format!("{}: {error}", path.display()))
}

fn object_globals(bytes: &[u8]) -> Result<BTreeSet<String>, String> {
    let object = object::File::parse(bytes).map_err(|error| error.to_string())?;
    let mut defined = BTreeSet::new();
    for symbol in object.symbols().filter(|symbol| symbol.is_definition() && !symbol.is_local()) {
        defined.insert(symbol.name().map_err(|error| error.to_string())?.to_string());
    }
    Ok(defined)
}

fn defined_globals(archive: &Path) -> Result<BTreeSet<String>, String> {
    let data = std::fs::read(archive).map_err(|error| format!("{}: {error}", archive.display()))?;
    let file = ArchiveFile::parse(&*data).map_err(|error| format!("{}: {error}", archive.display()))?;
    let mut defined = BTreeSet::new();
    for member in file.members() {
        let member = member.map_err(|error| format!("{}: {error}", archive.display()))?;
        let bytes = member.data(&*data).map_err(|error| format!("{}: {error}", archive.display()))?;
        defined.extend(object_globals(bytes).map_err(|error| {
            format!("{} member {}: {error}", archive.display(), String::from_utf8_lossy(member.name()))
        })?);
    }
    Ok(defined)
}

/// No prefix for the host's architecture; Debian's `<gnu triple>-` for another.
fn default_prefix(archive: &Path) -> Result<String, String> {
    let identity = archive_identity(archive)?;
    let arches = xtask::arches::all()?;
    let arch = arches
        .iter()
        .find(|arch| arch.elf == identity)
        .ok_or_else(|| format!("{}: no architecture of freeclone's is {identity}", archive.display()))?;
    let triple = arch
        .peer
        .as_ref()
        .map(|peer| peer.gnu_triple.clone())
        .ok_or_else(|| format!("{} names no GNU triple: pass --binutils-prefix", arch.name))?;
    let host = triple.split('-').next() == Some(std::env::consts::ARCH);
    Ok(if host { String::new() } else { format!("{triple}-") })
}

/// The ELF identity of the archive's first object.
fn archive_identity(archive: &Path) -> Result<ElfIdentity, String> {
    let data = std::fs::read(archive).map_err(|error| format!("{}: {error}", archive.display()))?;
    let file = ArchiveFile::parse(&*data).map_err(|error| format!("{}: {error}", archive.display()))?;
    for member in file.members() {
        let member = member.map_err(|error| error.to_string())?;
        if let Some(identity) = elf_identity(member.data(&*data).map_err(|error| error.to_string())?) {
            return Ok(identity);
        }
    }
    Err(format!("{} holds no ELF object", archive.display()))
}

fn elf_identity(bytes: &[u8]) -> Option<ElfIdentity> {
    use object::elf::{FileHeader32, FileHeader64};
    use object::read::elf::FileHeader;
    use object::{Endianness, FileKind};
    let (machine, class, big) = match FileKind::parse(bytes).ok()? {
        FileKind::Elf32 => {
            let header = FileHeader32::<Endianness>::parse(bytes).ok()?;
            let endian = header.endian().ok()?;
            (header.e_machine(endian).0, 32, endian == Endianness::Big)
        }
        FileKind::Elf64 => {
            let header = FileHeader64::<Endianness>::parse(bytes).ok()?;
            let endian = header.endian().ok()?;
            (header.e_machine(endian).0, 64, endian == Endianness::Big)
        }
        _ => return None,
    };
    let byte_order = if big { xtask::elf::ByteOrder::Big } else { xtask::elf::ByteOrder::Little };
    Some(ElfIdentity { machine, class, byte_order })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `#[unsafe(no_mangle)]` item of capi/src/lib.rs is in [`SYMBOLS`], and back.
    #[test]
    fn the_symbol_list_is_what_the_library_exports() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let source = std::fs::read_to_string(root.join("capi/src/lib.rs")).unwrap();
        let mut lines = source.lines();
        let mut exported = BTreeSet::new();
        while let Some(line) = lines.next() {
            if line.trim() != "#[unsafe(no_mangle)]" {
                continue;
            }
            let item = lines.by_ref().find(|line| !line.trim_start().starts_with("#[")).unwrap();
            let name = item
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .skip_while(|word| !matches!(*word, "fn" | "static"))
                .nth(1)
                .unwrap();
            exported.insert(name.to_string());
        }
        let listed: BTreeSet<String> = SYMBOLS.iter().map(|symbol| symbol.to_string()).collect();
        assert_eq!(exported, listed);
        let header = std::fs::read_to_string(root.join("capi/include/freeclone.h")).unwrap();
        for symbol in SYMBOLS {
            assert!(header.contains(symbol), "freeclone.h does not declare {symbol}");
        }
    }
}
