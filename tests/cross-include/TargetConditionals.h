/* Minimal stand-in for the Apple SDK's TargetConditionals.h, used only by tests/cross-cargo.sh to compile ring's C
 * code for iOS on a machine without Xcode (ring includes it from base.h and reads nothing else from the SDK). A
 * machine with Xcode uses the real SDK and never sees this file. */
#ifndef REFUNDKIT_TARGET_CONDITIONALS_SHIM_H
#define REFUNDKIT_TARGET_CONDITIONALS_SHIM_H
#define TARGET_OS_MAC 1
#define TARGET_OS_OSX 0
#define TARGET_OS_IPHONE 1
#define TARGET_OS_IOS 1
#define TARGET_OS_TV 0
#define TARGET_OS_WATCH 0
#define TARGET_OS_VISION 0
#if defined(REFUNDKIT_IOS_SIMULATOR)
#define TARGET_OS_SIMULATOR 1
#else
#define TARGET_OS_SIMULATOR 0
#endif
#define TARGET_OS_EMBEDDED (!TARGET_OS_SIMULATOR)
#endif
