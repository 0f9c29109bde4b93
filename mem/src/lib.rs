//! The bodies of the C memory and string functions that `freeclone::entry!` defines in
//! a freestanding binary (`memcpy`, `memmove`, `memset`, `memcmp`/`bcmp`, `strlen`).
//! Not an API of its own: freeclone's `rt` feature re-exports it.
//!
//! Why a crate: LLVM turns a copy loop back into a call to `memcpy`, which would call
//! itself; `#![no_builtins]` forbids that, but only crate-wide, and a `no_builtins`
//! crate's object is linked outside link-time optimisation. So it must refer to no
//! other crate's symbols, or an LTO build, which internalises them, cannot link it.
//! This crate has only these loops: scalar loads and stores, wrapping arithmetic (no
//! overflow checks, so no panic machinery in a debug build either), nothing from
//! `core` that is not inlined. `cargo xtask test` checks that its object has no
//! undefined symbols and builds programs on it with `lto = "fat"` and `"thin"`.

#![no_std]
#![no_builtins]
#![warn(missing_docs, unsafe_op_in_unsafe_fn)]

const WORD: usize = core::mem::size_of::<usize>();
/// 0x0101..01.
const ONES: usize = usize::MAX / 0xff;

/// `memcpy`: copies `n` bytes, lowest address first (also what `memmove` needs when
/// `dest` is below `src`).
///
/// # Safety
/// `src..src+n` readable, `dest..dest+n` writable; if they overlap, `dest <= src`.
#[inline(never)]
pub unsafe fn copy_forward(dest: *mut u8, src: *const u8, n: usize) {
    let mut i = 0;
    // Words when both pointers can be word-aligned at once.
    if (dest as usize ^ src as usize) & (WORD - 1) == 0 {
        while i < n && (dest as usize).wrapping_add(i) & (WORD - 1) != 0 {
            unsafe { *dest.wrapping_add(i) = *src.wrapping_add(i) };
            i = i.wrapping_add(1);
        }
        while n.wrapping_sub(i) >= WORD {
            unsafe { *(dest.wrapping_add(i) as *mut usize) = *(src.wrapping_add(i) as *const usize) };
            i = i.wrapping_add(WORD);
        }
    }
    while i < n {
        unsafe { *dest.wrapping_add(i) = *src.wrapping_add(i) };
        i = i.wrapping_add(1);
    }
}

/// Copies `n` bytes, highest address first: `memmove` when `dest` is above `src`.
///
/// # Safety
/// As [`copy_forward`], with `dest >= src` if they overlap.
#[inline(never)]
pub unsafe fn copy_backward(dest: *mut u8, src: *const u8, n: usize) {
    let mut i = n;
    if (dest as usize ^ src as usize) & (WORD - 1) == 0 {
        while i > 0 && (dest as usize).wrapping_add(i) & (WORD - 1) != 0 {
            i = i.wrapping_sub(1);
            unsafe { *dest.wrapping_add(i) = *src.wrapping_add(i) };
        }
        while i >= WORD {
            i = i.wrapping_sub(WORD);
            unsafe { *(dest.wrapping_add(i) as *mut usize) = *(src.wrapping_add(i) as *const usize) };
        }
    }
    while i > 0 {
        i = i.wrapping_sub(1);
        unsafe { *dest.wrapping_add(i) = *src.wrapping_add(i) };
    }
}

/// `memmove`: copies `n` bytes between areas that may overlap.
///
/// # Safety
/// `src..src+n` readable, `dest..dest+n` writable.
pub unsafe fn copy(dest: *mut u8, src: *const u8, n: usize) {
    if (dest as usize) <= (src as usize) {
        unsafe { copy_forward(dest, src, n) }
    } else {
        unsafe { copy_backward(dest, src, n) }
    }
}

/// `memset`: fills `n` bytes with `byte`.
///
/// # Safety
/// `dest..dest+n` writable.
#[inline(never)]
pub unsafe fn set(dest: *mut u8, byte: u8, n: usize) {
    let mut i = 0;
    while i < n && (dest as usize).wrapping_add(i) & (WORD - 1) != 0 {
        unsafe { *dest.wrapping_add(i) = byte };
        i = i.wrapping_add(1);
    }
    // The byte in every byte of a word; an array repeat here would itself become a
    // memset call.
    let word = ONES.wrapping_mul(usize::from(byte));
    while n.wrapping_sub(i) >= WORD {
        unsafe { *(dest.wrapping_add(i) as *mut usize) = word };
        i = i.wrapping_add(WORD);
    }
    while i < n {
        unsafe { *dest.wrapping_add(i) = byte };
        i = i.wrapping_add(1);
    }
}

/// `memcmp`/`bcmp`: the difference of the first differing bytes (as unsigned), or 0.
///
/// # Safety
/// `a..a+n` and `b..b+n` readable.
#[inline(never)]
pub unsafe fn compare(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    while i < n {
        let (x, y) = unsafe { (*a.wrapping_add(i), *b.wrapping_add(i)) };
        if x != y {
            return i32::from(x).wrapping_sub(i32::from(y));
        }
        i = i.wrapping_add(1);
    }
    0
}

/// `strlen`: the bytes before the first NUL.
///
/// # Safety
/// `s` points to a NUL-terminated string.
#[inline(never)]
pub unsafe fn c_string_length(s: *const u8) -> usize {
    let mut n = 0;
    while unsafe { *s.wrapping_add(n) } != 0 {
        n = n.wrapping_add(1);
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every offset and length up to a few words, both pointers at every alignment.
    fn each_case(mut check: impl FnMut(usize, usize, usize)) {
        for dest_offset in 0..WORD {
            for src_offset in 0..WORD {
                for n in 0..4 * WORD + 3 {
                    check(dest_offset, src_offset, n);
                }
            }
        }
    }

    fn pattern() -> [u8; 64] {
        core::array::from_fn(|index| (index * 7 + 1) as u8)
    }

    #[test]
    fn copy_forward_copies_exactly_n_bytes_at_any_alignment() {
        each_case(|dest_offset, src_offset, n| {
            let source = pattern();
            let mut target = [0u8; 64];
            unsafe { copy_forward(target.as_mut_ptr().wrapping_add(dest_offset), source.as_ptr().wrapping_add(src_offset), n) };
            assert_eq!(&target[dest_offset..dest_offset + n], &source[src_offset..src_offset + n]);
            assert!(target[..dest_offset].iter().chain(&target[dest_offset + n..]).all(|&byte| byte == 0));
        });
    }

    #[test]
    fn copy_moves_overlapping_areas_in_either_direction() {
        each_case(|dest_offset, src_offset, n| {
            for (dest_start, src_start) in [(dest_offset, src_offset + 3), (dest_offset + 3, src_offset)] {
                let mut buffer = pattern();
                let expected: [u8; 64] = {
                    let mut copy = buffer;
                    copy.copy_within(src_start..src_start + n, dest_start);
                    copy
                };
                let base = buffer.as_mut_ptr();
                unsafe { copy(base.wrapping_add(dest_start), base.wrapping_add(src_start), n) };
                assert_eq!(buffer, expected, "dest {dest_start}, src {src_start}, n {n}");
            }
        });
    }

    #[test]
    fn set_fills_exactly_n_bytes() {
        each_case(|dest_offset, _, n| {
            let mut target = [0u8; 64];
            unsafe { set(target.as_mut_ptr().wrapping_add(dest_offset), 0xa7, n) };
            assert!(target[dest_offset..dest_offset + n].iter().all(|&byte| byte == 0xa7));
            assert!(target[..dest_offset].iter().chain(&target[dest_offset + n..]).all(|&byte| byte == 0));
        });
    }

    #[test]
    fn compare_orders_by_the_first_differing_byte_as_unsigned() {
        let (a, b) = (*b"abc\x01x", *b"abc\xffa");
        assert_eq!(unsafe { compare(a.as_ptr(), b.as_ptr(), 3) }, 0);
        assert!(unsafe { compare(a.as_ptr(), b.as_ptr(), 5) } < 0);
        assert!(unsafe { compare(b.as_ptr(), a.as_ptr(), 5) } > 0);
        assert_eq!(unsafe { compare(a.as_ptr(), b.as_ptr(), 0) }, 0);
    }

    #[test]
    fn c_string_length_stops_at_the_first_nul() {
        assert_eq!(unsafe { c_string_length(c"".as_ptr().cast()) }, 0);
        assert_eq!(unsafe { c_string_length(c"freeclone".as_ptr().cast()) }, 9);
    }
}
