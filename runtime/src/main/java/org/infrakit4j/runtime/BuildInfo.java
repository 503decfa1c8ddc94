package org.infrakit4j.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version of this build, for {@code --version}, vendor info and logs. */
public final class BuildInfo {
    private static final String VERSION = load();

    public static String version() {
        return VERSION;
    }

    /**
     * The version of the jar that holds {@code type} (its manifest's {@code Implementation-Version}): what a
     * provider reports as its own in its vendor info, whoever built it. When {@code type} is not in a jar (run from
     * a build's classes), this build's {@link #version()}.
     */
    public static String versionOf(Class<?> type) {
        String v = type.getPackage() == null ? null : type.getPackage().getImplementationVersion();
        return v == null || v.isBlank() ? VERSION : v;
    }

    private static String load() {
        try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "dev");
        } catch (IOException e) {
            return "dev";
        }
    }

    /** What {@code --version} prints. */
    public static String versionLine() {
        return "infrakit4j " + VERSION + " (Instance SPI 0.6.0 and 0.6.1), Java " + System.getProperty("java.version");
    }

    private BuildInfo() {
    }
}
