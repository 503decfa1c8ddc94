package org.infrakit4j.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Stops and starts the libvirtd that scripts/backends/up.sh started, and only that one: it is found through the
 * test pool's directory (STATE/libvirt/pool) beside up.sh's record STATE/libvirt/libvirtd.proc ("pid starttime"),
 * checked against /proc, stopped with SIGTERM, started again with the same command line in its own session
 * (output appended to its log), and re-recorded so down.sh stops the new process.
 */
final class LibvirtDaemon {
    /** A libvirtd this test stopped: how to start it again. */
    record Stopped(List<String> command, Path dir) {
    }

    private LibvirtDaemon() {
    }

    static void restart() throws Exception {
        start(stop());
    }

    /** up.sh's libvirtd (as recorded in STATE/libvirt/libvirtd.proc, checked against /proc). */
    record Daemon(long pid, Path dir) {
        /** Sends a signal (STOP, CONT) to it with kill(1). */
        void signal(String name) throws Exception {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).redirectErrorStream(true)
                    .start();
            String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(kill.waitFor(30, TimeUnit.SECONDS)).as("kill -%s %s finished", name, pid).isTrue();
            assertThat(kill.exitValue()).as("kill -%s %s: %s", name, pid, out).isZero();
        }
    }

    /** The libvirtd up.sh started; fails the test if there is none (this test signals only a daemon it owns). */
    static Daemon recorded() throws Exception {
        String poolXml = LibvirtTestEnv.virsh("pool-dumpxml", LibvirtTestEnv.pool());
        String poolPath = poolXml.replaceAll("(?s).*<path>(.*?)</path>.*", "$1");
        Path dir = Path.of(poolPath).getParent();
        Path record = dir.resolve("libvirtd.proc");
        assertThat(record).as("libvirtd was not started by scripts/backends/up.sh (no %s); this test signals "
                + "only a daemon the test command owns", record).exists();
        String[] pidAndStart = Files.readString(record).trim().split("\\s+");
        long pid = Long.parseLong(pidAndStart[0]);
        assertThat(startTime(pid)).as("libvirtd %s recorded in %s is running", pid, record).isEqualTo(pidAndStart[1]);
        return new Daemon(pid, dir);
    }

    /** SIGTERM to up.sh's libvirtd; returns once it has exited. */
    static Stopped stop() throws Exception {
        Daemon daemon = recorded();
        long pid = daemon.pid();
        Path dir = daemon.dir();
        List<String> command = new ArrayList<>(Arrays.asList(
                Files.readString(Path.of("/proc/" + pid + "/cmdline")).split("\0")));
        assertThat(Path.of(command.get(0)).getFileName().toString()).isEqualTo("libvirtd");

        ProcessHandle old = ProcessHandle.of(pid).orElseThrow();
        old.destroy();
        old.onExit().get(60, TimeUnit.SECONDS);
        return new Stopped(command, dir);
    }

    /** Starts the stopped libvirtd again; returns once virsh gets an answer from it. */
    static void start(Stopped stopped) throws Exception {
        List<String> command = new ArrayList<>(stopped.command());
        command.add(0, "setsid"); // its own session: a Ctrl-C on the test run must not reach it
        Process fresh = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File(
                "/dev/null"))).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(
                stopped.dir().resolve("libvirtd.log").toFile())).start();
        Thread.sleep(200);
        Files.writeString(stopped.dir().resolve("libvirtd.proc"), fresh.pid() + " " + startTime(fresh.pid()) + "\n");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            Process probe = new ProcessBuilder("virsh", "-q", "-c", LibvirtTestEnv.uri(), "version")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (probe.waitFor(10, TimeUnit.SECONDS) && probe.exitValue() == 0) {
                return;
            }
            assertThat(fresh.isAlive()).as("restarted libvirtd exited; see %s",
                    stopped.dir().resolve("libvirtd.log")).isTrue();
            assertThat(System.nanoTime()).as("libvirtd answering within 120 s").isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    /** Field 22 of /proc/PID/stat, as up.sh records it. */
    private static String startTime(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19];
    }
}
