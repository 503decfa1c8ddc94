package org.infrakit4j.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** The built release as the tests find it: the assembled directory, the tarball, and commands run on them. */
final class Release {
    static final String VERSION = System.getProperty("ik4j.version");
    static final Path DIST = Path.of(System.getProperty("ik4j.dist"));
    static final Path TARBALL = Path.of(System.getProperty("ik4j.tarball"));
    static final Path ROOT = Path.of(System.getProperty("ik4j.root")).normalize();

    private Release() {
    }

    /** Unpacks the tarball into {@code into} (which may hold spaces) and returns the installation directory. */
    static Path unpack(Path into) throws Exception {
        Files.createDirectories(into);
        Result tar = run(List.of("tar", "xzf", TARBALL.toString(), "-C", into.toString()), Map.of(),
                Duration.ofMinutes(2));
        assertThat(tar.exit()).as("tar: %s", tar.err()).isZero();
        Path home = into.resolve("infrakit4j-" + VERSION);
        assertThat(home.resolve("bin/infrakit4j-java")).isExecutable();
        return home;
    }

    /** Every file under {@code dir} with its size and modification time: compared before and after to see a write. */
    static List<String> listing(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted().toList()) {
                out.add(dir.relativize(p) + " " + (Files.isRegularFile(p) ? Files.size(p) : "dir") + " "
                        + Files.getLastModifiedTime(p).toMillis());
            }
        }
        return out;
    }

    /** The outcome of a command that ran to its end. */
    record Result(int exit, String out, String err) {
    }

    /** Runs a command to its end (bounded by {@code limit}) with extra environment variables. */
    static Result run(List<String> command, Map<String, String> env, Duration limit) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        Path out = Files.createTempFile("ik4j-dist-out", ".txt");
        Path err = Files.createTempFile("ik4j-dist-err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        try {
            if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("still running after " + limit + ": " + command + "\n"
                        + Files.readString(err));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
