// Compile-time stand-in (see android/os/Build.java) for androidx.annotation:annotation's RequiresApi, which is on
// Google's Maven repository only. The Gradle module depends on the real artifact.
package androidx.annotation;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

@Retention(RetentionPolicy.CLASS)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.CONSTRUCTOR, ElementType.FIELD, ElementType.PACKAGE})
public @interface RequiresApi {
    int value() default 1;

    int api() default 1;
}
