package org.infrakit4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The soak's pass/fail rules, on windows made up to sit just inside and just outside each limit. */
class SoakVerdictTest {
    private static final long MB = 1 << 20;

    /** A window with 1,000 calls, no errors, p99 {@code p99}, mean 1 ms of which {@code backendMs} in the backend. */
    private static SoakWindow w(int n, double p99, double meanMs, double backendMs, long rssMb, long fds) {
        return new SoakWindow(n, 1000, 0, 0.5, p99, p99, meanMs, backendMs, rssMb * MB, fds);
    }

    private static List<SoakWindow> steady() {
        return List.of(w(1, 9, 1, 0, 80, 40), w(2, 2, 1, 0, 90, 40), w(3, 2.1, 1, 0, 95, 40), w(4, 2.2, 1, 0, 100, 41));
    }

    @Test
    void aSteadyRunPasses() {
        SoakVerdict v = SoakVerdict.of(steady(), List.of(), 0, 20);
        assertThat(v.failures()).isEmpty();
        assertThat(v.passed()).isTrue();
        assertThat(v.summary().get(0)).isEqualTo("calls 4000, errors 0, problems 0");
    }

    @Test
    void theFirstWindowIsWarmUpAndNotTheBaseline() {
        // p99 9 ms in window 1 and 2.2 in the last: measured from window 2 (2 ms), +10%, within 20%.
        assertThat(SoakVerdict.of(steady(), List.of(), 0, 20).summary().get(1)).startsWith("p99 2.00 ms -> 2.20 ms");
    }

    @Test
    void anyProblemFailsTheRunAndIsListed() {
        SoakVerdict v = SoakVerdict.of(steady(), List.of("g-1: lost: instance-1"), 1, 20);
        assertThat(v.passed()).isFalse();
        assertThat(v.failures()).containsExactly("problem: g-1: lost: instance-1");
    }

    @Test
    void onlyTwentyProblemsAreListedAndTheRestCounted() {
        List<String> many = java.util.stream.IntStream.range(0, 25).mapToObj(i -> "p" + i).toList();
        SoakVerdict v = SoakVerdict.of(steady(), many, 1025, 20);
        assertThat(v.failures()).hasSize(21).last().isEqualTo("1005 more problems");
    }

    @Test
    void failedCallsFailTheRun() {
        List<SoakWindow> windows = List.of(w(1, 2, 1, 0, 90, 40),
                new SoakWindow(2, 1000, 3, 0.5, 2, 2, 1, 0, 90 * MB, 40));
        assertThat(SoakVerdict.of(windows, List.of(), 0, 20).failures()).containsExactly("3 calls failed");
    }

    @Test
    void rssGrowingOverTheSecondHalfFailsButGrowingEarlyDoesNot() {
        List<SoakWindow> early = List.of(w(1, 2, 1, 0, 40, 40), w(2, 2, 1, 0, 90, 40), w(3, 2, 1, 0, 100, 40),
                w(4, 2, 1, 0, 105, 40));
        assertThat(SoakVerdict.of(early, List.of(), 0, 20).passed()).as("heap expanding early").isTrue();
        List<SoakWindow> leak = List.of(w(1, 2, 1, 0, 80, 40), w(2, 2, 1, 0, 90, 40), w(3, 2, 1, 0, 100, 40),
                w(4, 2, 1, 0, 125, 40));
        assertThat(SoakVerdict.of(leak, List.of(), 0, 20).failures()).containsExactly(
                "RSS grew by 25% over the second half");
    }

    @Test
    void p99GrowthFailsOnlyWhenThePluginsOwnShareGrew() {
        // p99 doubles while the backend's time per call goes from 0.5 to 1.5 ms and the plugin's own stays 0.5 ms.
        List<SoakWindow> slowerBackend = List.of(w(1, 2, 1, 0.5, 90, 40), w(2, 2, 1, 0.5, 90, 40),
                w(3, 4, 2, 1.5, 90, 40));
        SoakVerdict backend = SoakVerdict.of(slowerBackend, List.of(), 0, 20);
        assertThat(backend.passed()).isTrue();
        assertThat(backend.summary()).anyMatch(l -> l.startsWith("note: p99 grew by 100%"));
        // The same p99 growth with the plugin's own time per call going from 0.5 to 2.5 ms.
        List<SoakWindow> slowerPlugin = List.of(w(1, 2, 1, 0.5, 90, 40), w(2, 2, 1, 0.5, 90, 40),
                w(3, 4, 3, 0.5, 90, 40));
        assertThat(SoakVerdict.of(slowerPlugin, List.of(), 0, 20).failures()).containsExactly(
                "p99 grew by 100% and the plugin's own time per call by 400%");
    }

    @Test
    void openDescriptorsGrowingFails() {
        List<SoakWindow> fds = List.of(w(1, 2, 1, 0, 90, 40), w(2, 2, 1, 0, 90, 40), w(3, 2, 1, 0, 90, 49));
        assertThat(SoakVerdict.of(fds, List.of(), 0, 20).failures()).containsExactly(
                "open descriptors grew from 40 to 49");
        List<SoakWindow> within = List.of(w(1, 2, 1, 0, 90, 40), w(2, 2, 1, 0, 90, 40), w(3, 2, 1, 0, 90, 48));
        assertThat(SoakVerdict.of(within, List.of(), 0, 20).passed()).isTrue();
    }

    @Test
    void noWindowIsAFailureNotAPass() {
        assertThat(SoakVerdict.of(List.of(), List.of(), 0, 20).failures()).containsExactly("no window was measured");
    }
}
