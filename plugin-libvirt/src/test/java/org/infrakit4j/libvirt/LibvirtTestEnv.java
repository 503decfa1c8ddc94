package org.infrakit4j.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real libvirtd the qemu:///system tests use, as scripts/backends/up.sh describes it in the environment.
 * Unset variables fail the tests (never skip them): the test command must start libvirtd.
 */
final class LibvirtTestEnv {
    private LibvirtTestEnv() {
    }

    static String uri() {
        return require("IK4J_LIBVIRT_URI");
    }

    static String pool() {
        return require("IK4J_LIBVIRT_POOL");
    }

    private static String require(String name) {
        String value = System.getenv(name);
        if (value == null || value.isBlank()) {
            throw new AssertionError(name + " is not set: run the tests through scripts/test.sh, which starts "
                    + "libvirtd");
        }
        return value;
    }

    /** Runs {@code virsh -c URI args...}; fails the test unless it exits 0. */
    static String virsh(String... args) {
        List<String> command = new ArrayList<>(List.of("virsh", "-q", "-c", uri()));
        command.addAll(List.of(args));
        return run(command);
    }

    /** The domains, in any state, whose names start with the prefix. */
    static List<String> domains(String prefix) {
        return Arrays.stream(virsh("list", "--all", "--name").split("\n")).map(String::strip)
                .filter(n -> n.startsWith(prefix)).toList();
    }

    /** The test pool's volumes whose names start with the prefix. */
    static List<String> volumes(String prefix) {
        return Arrays.stream(virsh("vol-list", pool()).split("\n")).map(l -> l.strip().split("\\s+")[0])
                .filter(n -> n.startsWith(prefix)).toList();
    }

    /** Removes, with virsh, the domains and volumes starting with the prefix that a failed test left behind. */
    static void removeAll(String prefix) {
        for (String d : domains(prefix)) {
            if (!virsh("domstate", d).strip().equals("shut off")) {
                virsh("destroy", d);
            }
            virsh("undefine", d);
        }
        for (String v : volumes(prefix)) {
            virsh("vol-delete", "--pool", pool(), v);
        }
    }

    static String run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
            assertThat(p.exitValue()).as("%s: %s", command, out).isZero();
            return out;
        } catch (java.io.IOException e) {
            throw new AssertionError("cannot run " + command + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
