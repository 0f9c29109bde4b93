//! What `cargo xtask` and the installed `freeclone-run` share: the architecture table
//! (embedded from `arch/*/targets.toml`), the machines programs run on, setup, Debian's kernels and the
//! boot under qemu-system (with qemu's own report of how it ended, [`qmp`]), and the runner for any static binary ([`run`]).

pub mod arches;
pub mod debian;
pub mod elf;
pub mod kernel;
pub mod qmp;
pub mod run;
pub mod setup;
pub mod util;
