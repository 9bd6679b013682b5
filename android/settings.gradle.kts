// The refundkit Android library (AAR) as a stand-alone Gradle build: `gradle assembleRelease` (or
// `gradle publishToMavenLocal`) from this directory after build-aar.sh has put the native libraries in
// src/main/jniLibs/<abi>/ and the generated Kotlin in src/main/kotlin/. See README.md.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "refundkit-android"
