package org.infrakit4j.bench;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.InstanceId;

/**
 * Checks each Describe a soak client gets against what that client knows, and collects what was wrong: every
 * instance it holds is described once, with its last label; anything else described must be one it destroyed
 * within the last minute (a plugin may show an instance until its backend has removed it).
 */
final class SoakChecker {
    /** Problems kept for the verdict; the count goes on past it. */
    static final int MAX_KEPT = 1000;
    private final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicLong count = new java.util.concurrent.atomic.AtomicLong();

    /** What one client holds: its instances and their last labels, and when it destroyed the others. */
    record Known(Map<InstanceId, String> mine, Map<InstanceId, String> labels, Map<InstanceId, Long> destroyedAt) {
    }

    void check(String group, List<Description> described, Known known, long nowNanos) {
        Set<InstanceId> seen = new HashSet<>();
        long lingerLimit = nowNanos - TimeUnit.MINUTES.toNanos(1);
        for (Description d : described) {
            if (!seen.add(d.id())) {
                report(group + ": described twice: " + d.id());
            }
            if (!known.mine().containsKey(d.id())) {
                Long gone = known.destroyedAt().get(d.id());
                if (gone == null || gone < lingerLimit) {
                    report(group + ": described but never provisioned or destroyed long ago: " + d.id());
                }
                continue;
            }
            String label = known.labels().get(d.id());
            if (label != null && !label.equals(d.tags().get("soak.label"))) {
                report(group + ": label " + label + " missing on " + d.id() + ": " + d.tags());
            }
        }
        for (InstanceId id : known.mine().keySet()) {
            if (!seen.contains(id)) {
                report(group + ": lost: " + id + " was provisioned but is not described");
            }
        }
    }

    void report(String problem) {
        if (count.incrementAndGet() <= MAX_KEPT) {
            problems.add(problem);
        }
    }

    List<String> problems() {
        return List.copyOf(problems);
    }

    long count() {
        return count.get();
    }
}
