//! The uniffi binding generator, pinned to the exact uniffi version of the library.
fn main() {
    uniffi::uniffi_bindgen_main()
}
