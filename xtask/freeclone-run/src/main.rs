//! `freeclone-run [--arch A] [--tier user|native|kernel] [--timeout S] <binary> [args...]`:
//! runs a static Linux binary under qemu-user, on the host, or as `/init` of its
//! architecture's Debian kernel, and exits with its exit status. Usable as a cargo
//! runner; install it with `cargo install --path <freeclone>/xtask/freeclone-run --locked`.

fn main() -> std::process::ExitCode {
    xtask::run::main("freeclone-run", std::env::args_os().skip(1))
}
