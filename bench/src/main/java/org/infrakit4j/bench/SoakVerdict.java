package org.infrakit4j.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Whether a soak passed, from its windows and the problems its checker found: nothing lost or duplicated, no call
 * failed, RSS steady over the second half, p99 steady from the first full window to the last unless only the
 * backend's share of each call grew, and open descriptors steady.
 *
 * @param summary the lines that explain the figures, printed before the failures
 * @param failures why the soak failed; empty when it passed
 */
record SoakVerdict(List<String> summary, List<String> failures) {
    SoakVerdict {
        summary = List.copyOf(summary);
        failures = List.copyOf(failures);
    }

    boolean passed() {
        return failures.isEmpty();
    }

    static SoakVerdict of(List<SoakWindow> windows, List<String> problems, long problemCount, double maxGrowth) {
        if (windows.isEmpty()) {
            return new SoakVerdict(List.of(), List.of("no window was measured"));
        }
        // The first window holds the JIT warm-up and the groups filling up; growth is measured from the second.
        SoakWindow first = windows.get(Math.min(1, windows.size() - 1));
        SoakWindow middle = windows.get(windows.size() / 2);
        SoakWindow last = windows.get(windows.size() - 1);
        long calls = windows.stream().mapToLong(SoakWindow::calls).sum();
        long failed = windows.stream().mapToLong(SoakWindow::errors).sum();
        double p99Growth = growth(first.p99Ms(), last.p99Ms());
        // A JVM's resident size climbs from its idle size towards its heap bound as it expands the heap, then
        // stays: that is not the plugin's data. A leak keeps growing, so the check is on the second half of the run.
        double rssGrowth = growth(middle.rssBytes(), last.rssBytes());
        // Some backends slow down as their own state grows (an emulator that keeps every terminated instance, a
        // host running more machines): that is not the plugin degrading. Its own share of each call must not grow.
        double ownGrowth = growth(first.ownMs(), last.ownMs());
        List<String> summary = new ArrayList<>();
        summary.add(String.format(Locale.ROOT, "calls %d, errors %d, problems %d", calls, failed, problemCount));
        summary.add(String.format(Locale.ROOT, "p99 %.2f ms -> %.2f ms (%+.0f%%); RSS %d MB -> %d MB at half time "
                + "-> %d MB (%+.0f%% over the second half); fds %d -> %d", first.p99Ms(), last.p99Ms(), p99Growth,
                first.rssBytes() >> 20, middle.rssBytes() >> 20, last.rssBytes() >> 20, rssGrowth, first.fds(),
                last.fds()));
        summary.add(String.format(Locale.ROOT, "per call: backend %.2f ms -> %.2f ms, own %.2f ms -> %.2f ms "
                + "(%+.0f%%)", first.backendMs(), last.backendMs(), first.ownMs(), last.ownMs(), ownGrowth));
        List<String> failures = new ArrayList<>();
        problems.stream().limit(20).forEach(p -> failures.add("problem: " + p));
        if (problemCount > 20) {
            failures.add((problemCount - 20) + " more problems");
        }
        if (failed > 0 && problemCount == 0) {
            failures.add(failed + " calls failed");
        }
        if (rssGrowth > maxGrowth) {
            failures.add("RSS grew by " + Math.round(rssGrowth) + "% over the second half");
        }
        boolean ownSteady = ownGrowth <= maxGrowth || last.ownMs() - first.ownMs() < 1;
        if (p99Growth > maxGrowth && !ownSteady) {
            failures.add("p99 grew by " + Math.round(p99Growth) + "% and the plugin's own time per call by "
                    + Math.round(ownGrowth) + "%");
        } else if (p99Growth > maxGrowth) {
            summary.add(String.format(Locale.ROOT, "note: p99 grew by %.0f%% with the backend's time per call; the "
                    + "plugin's own time per call did not grow beyond %.0f%%", p99Growth, maxGrowth));
        }
        if (last.fds() > first.fds() + Math.max(8, first.fds() / 5)) {
            failures.add("open descriptors grew from " + first.fds() + " to " + last.fds());
        }
        return new SoakVerdict(summary, failures);
    }

    private static double growth(double from, double to) {
        return from <= 0 ? 0 : (to - from) * 100 / from;
    }
}
