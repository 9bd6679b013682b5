/* Compile-time stand-in for <stdlib.h> when building ring for x86/x86_64 Android WITHOUT the NDK
 * (tests/android-check.sh --all-abis): clang's <immintrin.h> includes <mm_malloc.h>, which includes <stdlib.h>
 * for these three declarations. ring calls none of them; with the NDK the real bionic header is used. */
#ifndef REFUNDKIT_CROSS_STDLIB_H
#define REFUNDKIT_CROSS_STDLIB_H
#include <stddef.h>
void *malloc(size_t size);
void free(void *ptr);
int posix_memalign(void **memptr, size_t alignment, size_t size);
#endif
