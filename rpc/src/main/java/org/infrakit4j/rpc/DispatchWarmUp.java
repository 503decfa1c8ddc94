package org.infrakit4j.rpc;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.InstancePlugin;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;

/**
 * Runs the dispatcher's call path once before the socket is published, so the first calls of a client do not pay
 * for loading and linking it: the envelope and params readers, Provision's Spec, Describe's encoding with and
 * without Properties, the error reply. It uses a dispatcher of its own, with its own metrics, on an in-memory
 * plugin: no backend is touched, nothing is counted or logged, and the served dispatcher's cache stays empty.
 */
final class DispatchWarmUp {
    /** Routed to no plugin: Provision's params are read in full, then refused before any plugin is called. */
    private static final String NO_SUCH_TYPE = "ik4j-warm-up";

    private DispatchWarmUp() {
    }

    /** A daemon thread running the warm-up; joining it is optional (serving loads what it needs anyway). */
    static Thread start() {
        Thread t = new Thread(DispatchWarmUp::run, "ik4j-rpc-warmup");
        t.setDaemon(true);
        t.start();
        return t;
    }

    static void run() {
        RpcDispatcher dispatcher = new RpcDispatcher(Map.of("", new Sample()), List.of(), new PluginMetrics("warm-up"), 1,
                false);
        call(dispatcher, "Handshake.Implements", "{}");
        call(dispatcher, "Instance.Validate", "{\"Type\":\"\",\"Properties\":{\"size\":\"small\"}}");
        call(dispatcher, "Instance.Provision", "{\"Type\":\"" + NO_SUCH_TYPE + "\",\"Spec\":{\"Properties\":"
                + "{\"size\":\"small\",\"i\":1},\"Tags\":{\"a\":\"b\"},\"Init\":\"\",\"LogicalID\":null,"
                + "\"Attachments\":null}}");
        call(dispatcher, "Instance.DescribeInstances", "{\"Type\":\"\",\"Tags\":{\"a\":\"b\"},\"Properties\":false}");
        call(dispatcher, "Instance.DescribeInstances", "{\"Type\":\"\",\"Tags\":null,\"Properties\":true}");
    }

    private static void call(RpcDispatcher dispatcher, String method, String params) {
        dispatcher.handle(("{\"jsonrpc\":\"2.0\",\"method\":\"" + method + "\",\"params\":" + params + ",\"id\":1}")
                .getBytes(StandardCharsets.UTF_8));
    }

    /** Answers from memory; Provision, Label and Destroy are never routed here. */
    private static final class Sample implements InstancePlugin {
        @Override
        public void validate(RawJson properties) {
        }

        @Override
        public InstanceId provision(Spec spec) {
            throw new UnsupportedOperationException("warm-up plugin");
        }

        @Override
        public void label(InstanceId instance, Map<String, String> labels) {
            throw new UnsupportedOperationException("warm-up plugin");
        }

        @Override
        public void destroy(InstanceId instance, DestroyContext context) {
            throw new UnsupportedOperationException("warm-up plugin");
        }

        @Override
        public List<Description> describeInstances(Map<String, String> tags, boolean properties) {
            List<Description> out = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Description d = Description.of(new InstanceId("warm-up-" + i), Optional.of("10.0.0." + i),
                        Map.of("a", "b", "seq", Integer.toString(i)));
                out.add(properties ? new Description(d.id(), d.logicalId(), d.tags(),
                        RawJson.of("{\"size\":\"small\",\"i\":" + i + "}")) : d);
            }
            return out;
        }
    }
}
