//! A binary's ELF identity (machine, class, byte order), read with the `object` crate.
//! Which architecture a binary belongs to is the architecture table's to say (each
//! architecture's `elf` in targets.toml).

use object::elf;
use object::read::elf::{FileHeader, ProgramHeader};
use object::{Endian, Endianness, FileKind};
use serde::Deserialize;

/// What an architecture's binaries say in their ELF header (`elf` in targets.toml).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElfIdentity {
    /// e_machine (`EM_*`).
    pub machine: u16,
    /// 32 (ELFCLASS32) or 64 (ELFCLASS64).
    pub class: u8,
    pub byte_order: ByteOrder,
}

/// An ELF file's byte order (EI_DATA).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ByteOrder {
    Little,
    Big,
}

impl std::fmt::Display for ElfIdentity {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let order = match self.byte_order {
            ByteOrder::Little => "little-endian",
            ByteOrder::Big => "big-endian",
        };
        match elf::Machine(self.machine).name() {
            Some(name) => write!(formatter, "ELF{}, {order}, {name} (e_machine {})", self.class, self.machine),
            None => write!(formatter, "ELF{}, {order}, e_machine {}", self.class, self.machine),
        }
    }
}

/// What the runner needs from an executable's headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinaryHeader {
    pub identity: ElfIdentity,
    /// e_flags: mips keeps its ABI there.
    pub flags: u32,
    /// PT_INTERP's path: present for a dynamically linked program.
    pub interpreter: Option<String>,
}

/// Reads the headers of an ELF executable (ET_EXEC, or ET_DYN for static-pie).
pub fn parse(data: &[u8]) -> Result<BinaryHeader, String> {
    match FileKind::parse(data) {
        Ok(FileKind::Elf32) => parse_as::<elf::FileHeader32<Endianness>>(data, 32),
        Ok(FileKind::Elf64) => parse_as::<elf::FileHeader64<Endianness>>(data, 64),
        _ => Err("not an ELF file".into()),
    }
}

fn parse_as<Header: FileHeader<Endian = Endianness>>(data: &[u8], class: u8) -> Result<BinaryHeader, String> {
    let header = Header::parse(data).map_err(|error| format!("a damaged ELF header ({error})"))?;
    let endian = header.endian().map_err(|error| format!("a damaged ELF header ({error})"))?;
    let file_type = header.e_type(endian);
    if file_type != elf::ET_EXEC && file_type != elf::ET_DYN {
        return Err(format!("an ELF file of type {file_type}, not an executable (ET_EXEC or ET_DYN)"));
    }
    let program_headers =
        header.program_headers(endian, data).map_err(|error| format!("damaged ELF program headers ({error})"))?;
    let interpreter = program_headers.iter().find(|segment| segment.p_type(endian) == elf::PT_INTERP).map(|segment| {
        let path = segment.data(endian, data).unwrap_or_default();
        String::from_utf8_lossy(path.split(|&byte| byte == 0).next().unwrap_or_default()).into_owned()
    });
    let byte_order = if endian.is_big_endian() { ByteOrder::Big } else { ByteOrder::Little };
    Ok(BinaryHeader {
        identity: ElfIdentity { machine: header.e_machine(endian).0, class, byte_order },
        flags: header.e_flags(endian).0,
        interpreter,
    })
}

/// An ABI that shares an architecture's identity but none of its system calls: mips
/// n32 is ELF32 like o32 and marks itself with EF_MIPS_ABI2.
pub fn unsupported_abi(header: &BinaryHeader) -> Option<&'static str> {
    let n32 = header.identity.machine == elf::EM_MIPS.0 && header.identity.class == 32 && header.flags & elf::EF_MIPS_ABI2.0 != 0;
    n32.then_some("mips n32 (freeclone's mips architectures are o32 and n64)")
}

#[cfg(test)]
pub(crate) mod tests {
    use object::write::elf::{FileHeader, ProgramHeader, Writer};

    use super::*;

    /// A minimal ELF executable: the header, one PT_LOAD segment holding `code` at its
    /// entry, and a PT_INTERP segment when `interpreter` is given.
    pub(crate) fn executable(identity: ElfIdentity, flags: u32, interpreter: Option<&str>, code: &[u8]) -> Vec<u8> {
        const BASE: u64 = 0x40_0000;
        let endian = match identity.byte_order {
            ByteOrder::Little => Endianness::Little,
            ByteOrder::Big => Endianness::Big,
        };
        let mut bytes = Vec::new();
        let mut writer = Writer::new(endian, identity.class == 64, &mut bytes);
        writer.reserve_file_header();
        let segments = 1 + u32::from(interpreter.is_some());
        writer.reserve_program_headers(segments);
        let interpreter = interpreter.map(|path| (writer.reserve(path.len() as u64 + 1, 1), path));
        let code_offset = writer.reserve(code.len() as u64, 16);
        let file_size = writer.reserved_len();
        writer
            .write_file_header(&FileHeader {
                os_abi: elf::ELFOSABI_NONE,
                abi_version: 0,
                e_type: elf::ET_EXEC,
                e_machine: elf::Machine(identity.machine),
                e_entry: BASE + code_offset,
                e_flags: elf::FileFlags(flags),
            })
            .unwrap();
        writer.write_align_program_headers();
        let segment = |p_type, p_flags, offset: u64, size: u64, align| ProgramHeader {
            p_type,
            p_flags,
            p_offset: offset,
            p_vaddr: BASE + offset,
            p_paddr: BASE + offset,
            p_filesz: size,
            p_memsz: size,
            p_align: align,
        };
        if let Some((offset, path)) = interpreter {
            writer.write_program_header(&segment(elf::PT_INTERP, elf::PF_R, offset, path.len() as u64 + 1, 1));
        }
        writer.write_program_header(&segment(elf::PT_LOAD, elf::PF_R | elf::PF_X, 0, file_size, 0x1000));
        if let Some((_, path)) = interpreter {
            writer.write(path.as_bytes());
            writer.write(&[0]);
        }
        writer.write_align(16);
        writer.write(code);
        bytes
    }

    pub(crate) fn identity(machine: u16, class: u8, byte_order: ByteOrder) -> ElfIdentity {
        ElfIdentity { machine, class, byte_order }
    }

    #[test]
    fn the_interpreter_of_a_dynamic_program_is_read() {
        let x86_64 = identity(elf::EM_X86_64.0, 64, ByteOrder::Little);
        let dynamic = parse(&executable(x86_64, 0, Some("/lib64/ld-linux-x86-64.so.2"), &[0; 4])).unwrap();
        assert_eq!(dynamic.interpreter.as_deref(), Some("/lib64/ld-linux-x86-64.so.2"));
        assert_eq!(parse(&executable(x86_64, 0, None, &[0; 4])).unwrap().interpreter, None);
    }

    #[test]
    fn files_that_are_not_executables_are_refused() {
        assert_eq!(parse(b"#!/bin/sh\nexit 3\n"), Err("not an ELF file".to_string()));
        let mut relocatable = executable(identity(elf::EM_X86_64.0, 64, ByteOrder::Little), 0, None, &[0; 4]);
        relocatable[16] = elf::ET_REL.0 as u8; // e_type, little-endian
        assert!(parse(&relocatable).unwrap_err().contains("not an executable"));
    }
}
