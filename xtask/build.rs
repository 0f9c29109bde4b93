//! Embeds every `arch/<folder>/targets.toml` in the build, so that an installed
//! `freeclone-run` needs no source tree: it writes `$OUT_DIR/arch_tables.rs`, one
//! `include_str!` per folder, in folder order.

use std::path::PathBuf;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let arch_dir = manifest_dir.join("..").join("arch");
    // A new folder, not only an edited file, must rebuild the table: watch the directory.
    println!("cargo::rerun-if-changed={}", arch_dir.display());
    let entries = std::fs::read_dir(&arch_dir).unwrap_or_else(|error| {
        panic!("cannot list {}: {error}; the xtask builds from a freeclone checkout, next to arch/", arch_dir.display())
    });
    let mut folders: Vec<(String, PathBuf)> = entries
        .filter_map(|entry| entry.ok())
        .map(|entry| (entry.file_name().to_string_lossy().into_owned(), entry.path().join("targets.toml")))
        .filter(|(_, table)| table.is_file())
        .collect();
    folders.sort();
    let mut source = String::from("/// Each `(folder under arch/, its targets.toml)`, in folder order.\n");
    source.push_str("pub static ARCH_TABLES: &[(&str, &str)] = &[\n");
    for (folder, table) in &folders {
        let table = table.canonicalize().unwrap_or_else(|error| panic!("{}: {error}", table.display()));
        source.push_str(&format!("    ({folder:?}, include_str!({:?})),\n", table.display().to_string()));
    }
    source.push_str("];\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("arch_tables.rs");
    std::fs::write(&out, source).unwrap_or_else(|error| panic!("{}: {error}", out.display()));
}
