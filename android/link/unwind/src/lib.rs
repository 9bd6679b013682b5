//! `_Unwind_RaiseException`, `_Unwind_Resume`, `_Unwind_GetIP`, ... from the `unwinding` crate, for the no-NDK
//! link of librefundkit_ffi.so (see Cargo.toml). Nothing else is exported.
#![no_std]

pub use unwinding::abi::*;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {}
}
