//! What `cargo xtask` and the installed `freeclone-run` share: the architecture table
//! (embedded from `arch/*/targets.toml`), the tiers, setup, Debian's kernels and the
//! boot under qemu-system, and the runner for any static binary ([`run`]).

pub mod arches;
pub mod debian;
pub mod elf;
pub mod kernel;
pub mod run;
pub mod setup;
pub mod util;
