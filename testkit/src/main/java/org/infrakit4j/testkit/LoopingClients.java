package org.infrakit4j.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;

/**
 * Clients that call a plugin in a loop, as a fault test's load, recording every call as the client saw it. Each
 * round calls all four methods: Describe of the client's group, Provision, Label of a long-lived instance and
 * Destroy. Each client first makes its long-lived instance (tagged {@code keeper=yes}) and one it destroys, so the
 * loop always has something to label and destroy, even while the backend is away.
 */
public final class LoopingClients implements AutoCloseable {
    /** The methods each round calls, in order. */
    public static final List<String> METHODS = List.of("Describe", "Provision", "Label", "Destroy");
    /** The tag that names the client ({@code c0}, {@code c1}, ...) on everything it makes. */
    public static final String TAG = "ik4j.load";

    /** One client call as the client saw it: which method, when (System.nanoTime), its error message or null. */
    public record Call(String method, long start, long end, String error) {
        public long millis() {
            return TimeUnit.NANOSECONDS.toMillis(end - start);
        }

        public boolean failed() {
            return error != null;
        }
    }

    private final ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
    private final ExecutorService pool;
    private final List<Future<?>> loops = new ArrayList<>();
    private volatile boolean running = true;

    private LoopingClients(int clients) {
        pool = Executors.newFixedThreadPool(clients, r -> {
            Thread t = new Thread(r, "ik4j-looping-client");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts {@code clients} loops on {@code client}, each provisioning with {@code properties}. */
    public static LoopingClients start(InstancePluginClient client, RawJson properties, int clients) {
        LoopingClients load = new LoopingClients(clients);
        for (int t = 0; t < clients; t++) {
            String name = "c" + t;
            load.loops.add(load.pool.submit(() -> load.loop(client, properties, name)));
        }
        return load;
    }

    private void loop(InstancePluginClient client, RawJson properties, String name) {
        Map<String, String> tags = Map.of(TAG, name);
        InstanceId keeper = client.provision(Spec.of(properties, Map.of(TAG, name, "keeper", "yes")));
        InstanceId destroyed = client.provision(Spec.of(properties, tags));
        client.destroy(destroyed, DestroyContext.TERMINATE);
        for (int i = 0; running; i++) {
            String step = Integer.toString(i);
            timed("Describe", () -> client.describeInstances(tags, false));
            InstanceId made = timed("Provision", () -> client.provision(Spec.of(properties, tags)));
            timed("Label", () -> {
                client.label(keeper, Map.of("step", step));
                return true;
            });
            // Destroy is idempotent: while nothing new was made, the last destroyed instance is destroyed again.
            InstanceId victim = made != null ? made : destroyed;
            if (timed("Destroy", () -> {
                client.destroy(victim, DestroyContext.TERMINATE);
                return true;
            }) != null) {
                destroyed = victim;
            }
        }
    }

    private <T> T timed(String method, Supplier<T> call) {
        long start = System.nanoTime();
        try {
            T result = call.get();
            calls.add(new Call(method, start, System.nanoTime(), null));
            return result;
        } catch (InstanceException e) {
            calls.add(new Call(method, start, System.nanoTime(), WireErrors.text(e)));
            return null;
        }
    }

    /** The calls made so far. */
    public List<Call> calls() {
        return List.copyOf(calls);
    }

    /** The calls that started at or after {@code begin} and ended by {@code end} (System.nanoTime). */
    public List<Call> within(long begin, long end) {
        return calls.stream().filter(c -> c.start() >= begin && c.end() <= end).toList();
    }

    /** The calls that started at or after {@code begin}. */
    public List<Call> since(long begin) {
        return calls.stream().filter(c -> c.start() >= begin).toList();
    }

    /**
     * Lets every client finish its round and waits for them; rethrows what ended a client early (its set-up
     * calls are not caught).
     */
    public void stop(Duration wait) throws Exception {
        running = false;
        long deadline = System.nanoTime() + wait.toNanos();
        for (Future<?> f : loops) {
            f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void close() {
        running = false;
        pool.shutdownNow();
    }
}
