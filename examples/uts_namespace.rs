//! The manual page's example: a child in a new UTS namespace changes its hostname;
//! the parent's stays as it was. Needs CAP_SYS_ADMIN and a real kernel (qemu-user
//! refuses CLONE_NEWUTS).

#![no_std]
#![no_main]

freeclone::entry!(main);

fn main(_args: freeclone::rt::Args) -> i32 {
    0
}
