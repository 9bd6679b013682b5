/* Minimal stand-in for the C library's stdlib.h, used only by tests/cross-cargo.sh (iOS targets, -nostdlibinc) on a
 * machine without Xcode. On x86_64, ring's curve25519_64_adx.c includes clang's immintrin.h, whose mm_malloc.h
 * includes <stdlib.h> for its inline _mm_malloc/_mm_free (which ring never calls). Declaring the two functions they
 * use is enough; nothing is linked from here. A machine with Xcode uses the real SDK and never sees this file. */
#ifndef REFUNDKIT_STDLIB_SHIM_H
#define REFUNDKIT_STDLIB_SHIM_H
#include <stddef.h>
void *malloc(size_t size);
void free(void *ptr);
#endif
