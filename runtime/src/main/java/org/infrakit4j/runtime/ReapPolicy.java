package org.infrakit4j.runtime;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a plugin does with its dead instances (not running, and not coming back by themselves): whether Describe
 * still lists them, and when the plugin destroys them.
 *
 * <p>By default Describe leaves a dead instance out, so a group plugin counts one fewer and provisions a
 * replacement (for a pet, the same LogicalID, which brings the same instance back), and the plugin destroys a dead
 * cattle instance {@link #DEFAULT_REAP_AFTER} after it first saw it dead. Dead pets are kept unless asked for: their
 * disk may be the only copy of their data.
 *
 * @param reportDead whether Describe lists dead instances too (their state in Properties)
 * @param reapAfter how long an instance stays dead before it is destroyed; empty: never
 * @param reapPets whether dead pets (instances with a LogicalID) are destroyed too
 */
public record ReapPolicy(boolean reportDead, Optional<Duration> reapAfter, boolean reapPets) {
    /**
     * Five minutes: long enough for an operator paged by the death to look at the instance as it died (its last
     * state is logged before it goes, in any case), short enough that a crash-looping group (one death per poll,
     * InfraKit's default poll being 10 s) keeps about 30 dead instances per failing member, not thousands.
     */
    public static final Duration DEFAULT_REAP_AFTER = Duration.ofMinutes(5);

    public static final ReapPolicy DEFAULT = new ReapPolicy(false, Optional.of(DEFAULT_REAP_AFTER), false);

    private static final Pattern PART = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

    public ReapPolicy {
        if (reapAfter.isPresent() && reapAfter.get().isNegative()) {
            throw new IllegalArgumentException("reapAfter must not be negative: " + reapAfter.get());
        }
    }

    /** Whether Describe lists an instance in this liveness. */
    public boolean describes(boolean dead) {
        return !dead || reportDead;
    }

    /** Whether a dead instance, a pet or not, is ever destroyed by the plugin. */
    public boolean reaps(boolean pet) {
        return reapAfter.isPresent() && (!pet || reapPets);
    }

    /**
     * A duration as Go writes them ({@code 90s}, {@code 5m}, {@code 1h30m}, {@code 500ms}), {@code 0}, or
     * {@code never} (empty).
     *
     * @throws IllegalArgumentException naming what was wrong
     */
    public static Optional<Duration> parseReapAfter(String text) {
        String t = text.strip();
        if (t.equals("never")) {
            return Optional.empty();
        }
        if (t.equals("0")) {
            return Optional.of(Duration.ZERO);
        }
        Matcher m = PART.matcher(t);
        Duration total = Duration.ZERO;
        int at = 0;
        while (at < t.length() && m.find(at) && m.start() == at) {
            long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            });
            at = m.end();
        }
        if (t.isEmpty() || at != t.length()) {
            throw new IllegalArgumentException("not a duration: \"" + LogEscaper.escape(t)
                    + "\" (say e.g. 30s, 5m, 1h30m, 0 for at once, or never)");
        }
        return Optional.of(total);
    }

    /** The flags of a plugin whose instances can die: declared on its {@link Flags} by the constructor. */
    public static final class Options {
        final Flags.Flag<Boolean> reportDead;
        final Flags.Flag<String> reapAfter;
        final Flags.Flag<Boolean> reapPets;

        public Options(Flags flags) {
            reportDead = flags.flag("--report-dead",
                    "List dead instances in Describe too, with their state in Properties, so a group "
                            + "does not replace them (default: left out, so the group replaces them).");
            reapAfter = flags.value("--reap-after", "DURATION", Flags.TEXT,
                    "Destroy a dead instance this long after it was first seen dead, its last state "
                            + "logged first: e.g. 30s, 5m, 1h; 0 at once; never keeps them (default: 5m).")
                    .defaultValue("5m");
            reapPets = flags.flag("--reap-pets",
                    "Reap dead pets (instances with a LogicalID) too; by default a dead pet is kept for "
                            + "its LogicalID's next Provision to start again, with its disk.");
        }

        /** The policy the flags ask for; a bad {@code --reap-after} is a usage error (exit 2). */
        public ReapPolicy policy() throws PluginLauncher.UsageException {
            try {
                return new ReapPolicy(reportDead.get(), parseReapAfter(reapAfter.get()), reapPets.get());
            } catch (IllegalArgumentException e) {
                throw new PluginLauncher.UsageException("--reap-after: " + e.getMessage());
            }
        }
    }
}
