package org.infrakit4j.testkit;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.infrakit4j.runtime.PluginLauncher;

/**
 * One plugin command line run in this JVM as its {@code main} runs it, without exiting: its exit code and what it
 * printed to standard error. For start-up failures, which return before anything is served.
 */
public record CommandRun(int exit, String err) {
    /** Runs {@code command} (a plugin's main) with {@code args} through {@link PluginLauncher#execute}. */
    public static CommandRun of(PluginLauncher.PluginCommand command, String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return new CommandRun(PluginLauncher.execute(command, args), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(saved);
        }
    }
}
