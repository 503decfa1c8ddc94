package org.infrakit4j.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;

/**
 * One soak client, as a group plugin drives an instance plugin: it keeps its own group of instances (tag
 * {@code soak.group}), mostly polls it with Describe, and now and then provisions, labels or destroys one. Each
 * Describe goes to the {@link SoakChecker}; each call's latency to the shared samples.
 */
final class SoakClient {
    /** How the clients load the plugin. */
    record Load(Path socket, String type, Duration timeout, int groupSize, double changes, int pauseMs,
                String properties, String run) {
    }

    /** Latencies of all clients in the current window: {describe ? 1 : 0, nanos}. */
    static final class Samples {
        private final ConcurrentLinkedQueue<long[]> samples = new ConcurrentLinkedQueue<>();
        private final AtomicLong errors = new AtomicLong();

        void add(boolean describe, long nanos) {
            samples.add(new long[] {describe ? 1 : 0, nanos});
        }

        void failed() {
            errors.incrementAndGet();
        }

        List<long[]> drain() {
            List<long[]> taken = new ArrayList<>();
            for (long[] s; (s = samples.poll()) != null; ) {
                taken.add(s);
            }
            return taken;
        }

        long drainErrors() {
            return errors.getAndSet(0);
        }
    }

    private final int client;
    private final Load load;
    private final SoakChecker checker;
    private final Samples samples;

    SoakClient(int client, Load load, SoakChecker checker, Samples samples) {
        this.client = client;
        this.load = load;
        this.checker = checker;
        this.samples = samples;
    }

    /** Runs until {@code endNanos}; returns the instances it still holds, for the clean-up. */
    Map<InstanceId, String> drive(long endNanos) {
        Random random = new Random(client);
        String group = load.run() + "-" + client;
        Map<String, String> filter = Map.of("soak.group", group);
        SoakChecker.Known known = new SoakChecker.Known(new HashMap<>(), new HashMap<>(), new HashMap<>());
        Map<InstanceId, String> mine = known.mine();
        try (InstancePluginClient plugin = InstancePluginClient.connect(load.socket(), load.type(), load.timeout())) {
            int calls = 0;
            while (System.nanoTime() < endNanos) {
                double roll = random.nextDouble();
                long t = System.nanoTime();
                boolean describe = false;
                try {
                    if (roll >= load.changes() || calls++ == 0) {
                        describe = true;
                        checker.check(group, plugin.describeInstances(filter, false), known, System.nanoTime());
                    } else if (mine.isEmpty() || (roll < load.changes() / 2 && mine.size() < load.groupSize() * 1.2)
                            || mine.size() < load.groupSize() * 0.8) {
                        InstanceId id = plugin.provision(Spec.of(new RawJson(load.properties()),
                                Map.of("soak.group", group, "soak.run", load.run())));
                        if (mine.put(id, group) != null) {
                            checker.report(group + ": Provision returned an ID it had returned before: " + id);
                        }
                    } else if (roll < load.changes() * 0.75) {
                        InstanceId id = pick(mine, random);
                        String value = "v" + calls;
                        plugin.label(id, Map.of("soak.label", value));
                        known.labels().put(id, value);
                    } else {
                        InstanceId id = pick(mine, random);
                        plugin.destroy(id, DestroyContext.TERMINATE);
                        mine.remove(id);
                        known.labels().remove(id);
                        known.destroyedAt().put(id, System.nanoTime());
                    }
                    samples.add(describe, System.nanoTime() - t);
                } catch (InstanceException e) {
                    samples.add(describe, System.nanoTime() - t);
                    samples.failed();
                    checker.report(group + ": " + WireErrors.text(e));
                }
                if (load.pauseMs() > 0) {
                    Thread.sleep(load.pauseMs());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return mine;
    }

    private static InstanceId pick(Map<InstanceId, String> mine, Random random) {
        List<InstanceId> ids = new ArrayList<>(mine.keySet());
        return ids.get(random.nextInt(ids.size()));
    }
}
