package org.infrakit4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.InstanceId;
import org.junit.jupiter.api.Test;

/** What the soak's checker counts as wrong in a Describe, and what it lets pass. */
class SoakCheckerTest {
    private static final InstanceId A = new InstanceId("a");
    private static final InstanceId B = new InstanceId("b");

    private static Description d(InstanceId id, String label) {
        return Description.of(id, java.util.Optional.empty(), label == null ? Map.of() : Map.of("soak.label", label));
    }

    private static SoakChecker.Known known(Map<InstanceId, String> labels, Map<InstanceId, Long> destroyed,
                                           InstanceId... mine) {
        Map<InstanceId, String> held = new HashMap<>();
        for (InstanceId id : mine) {
            held.put(id, "g");
        }
        return new SoakChecker.Known(held, new HashMap<>(labels), new HashMap<>(destroyed));
    }

    @Test
    void aDescribeOfExactlyWhatIsHeldWithItsLabelsIsClean() {
        SoakChecker c = new SoakChecker();
        c.check("g", List.of(d(A, "v1"), d(B, null)), known(Map.of(A, "v1"), Map.of(), A, B), System.nanoTime());
        assertThat(c.problems()).isEmpty();
    }

    @Test
    void lostTwiceStaleLabelAndStrangersAreProblems() {
        SoakChecker c = new SoakChecker();
        long now = System.nanoTime();
        c.check("g", List.of(d(A, "v1"), d(A, "v1"), d(new InstanceId("x"), null)),
                known(Map.of(A, "v2"), Map.of(), A, B), now);
        assertThat(c.problems()).containsExactlyInAnyOrder(
                "g: described twice: a",
                "g: label v2 missing on a: {soak.label=v1}",
                "g: label v2 missing on a: {soak.label=v1}",
                "g: described but never provisioned or destroyed long ago: x",
                "g: lost: b was provisioned but is not described");
    }

    @Test
    void aJustDestroyedInstanceMayLingerForAMinuteButNotLonger() {
        long now = System.nanoTime();
        SoakChecker recent = new SoakChecker();
        recent.check("g", List.of(d(B, null)), known(Map.of(), Map.of(B, now - TimeUnit.SECONDS.toNanos(5))), now);
        assertThat(recent.problems()).isEmpty();
        SoakChecker old = new SoakChecker();
        old.check("g", List.of(d(B, null)), known(Map.of(), Map.of(B, now - TimeUnit.SECONDS.toNanos(61))), now);
        assertThat(old.problems()).containsExactly("g: described but never provisioned or destroyed long ago: b");
    }

    @Test
    void problemsAreKeptUpToTheBoundAndCountedBeyondIt() {
        SoakChecker c = new SoakChecker();
        for (int i = 0; i < SoakChecker.MAX_KEPT + 5; i++) {
            c.report("p" + i);
        }
        assertThat(c.problems()).hasSize(SoakChecker.MAX_KEPT);
        assertThat(c.count()).isEqualTo(SoakChecker.MAX_KEPT + 5);
    }
}
