package org.infrakit4j.aws;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.infrakit4j.spi.Description;
import software.amazon.awssdk.services.ec2.model.Instance;

/**
 * Instances launched by this process that EC2's describe may not show yet (EC2 is eventually consistent): Describe
 * adds them until EC2 lists them or the window passes, and Label/Destroy retry a NotFound for them instead of
 * taking it as final. Destroy forgets them at once.
 */
final class Ec2RecentLaunches {
    private record Launch(Instance instance, Instant until) {
    }

    private final Map<String, Launch> launches = new ConcurrentHashMap<>();
    private final Duration window;
    private final Clock clock;

    Ec2RecentLaunches(Duration window, Clock clock) {
        this.window = window;
        this.clock = clock;
    }

    /** Remembers an instance as RunInstances answered it, with the tags it was launched with. */
    void add(Instance instance) {
        launches.put(instance.instanceId(), new Launch(instance, clock.instant().plus(window)));
    }

    boolean contains(String instanceId) {
        Launch l = launches.get(instanceId);
        return l != null && clock.instant().isBefore(l.until());
    }

    /** EC2 lists it now (or it is gone): no need to vouch for it any more. */
    void forget(String instanceId) {
        launches.remove(instanceId);
    }

    /** EC2 may have lost them (its endpoint went away): from now on only its own listing counts. */
    void forgetAll() {
        launches.clear();
    }

    /** The remembered instances carrying all {@code tags}, except those in {@code listed}. */
    List<Instance> unlisted(Map<String, String> tags, Set<String> listed) {
        Instant now = clock.instant();
        List<Instance> out = new ArrayList<>();
        for (Launch l : launches.values()) {
            if (!now.isBefore(l.until())) {
                launches.remove(l.instance().instanceId(), l);
            } else if (!listed.contains(l.instance().instanceId()) && Description.matches(tagMap(l.instance()), tags)) {
                out.add(l.instance());
            }
        }
        return out;
    }

    static Map<String, String> tagMap(Instance instance) {
        Map<String, String> tags = new HashMap<>();
        instance.tags().forEach(t -> tags.put(t.key(), t.value()));
        return tags;
    }
}
