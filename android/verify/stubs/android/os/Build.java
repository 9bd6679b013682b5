// Compile-time stand-in for the one android.jar class the `android = true` bindings use (tests/android-check.sh).
// Never packaged: the AAR's classes.jar holds only the generated io.refundkit classes. Same signatures as the SDK.
package android.os;

public class Build {
    public static class VERSION {
        // Not a compile-time constant on a device either (read from system properties at run time).
        public static final int SDK_INT = Integer.getInteger("android.sdk_int", 0);
    }

    public static class VERSION_CODES {
        public static final int UPSIDE_DOWN_CAKE = 34;
    }
}
