package org.infrakit4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import net.jqwik.api.statistics.Statistics;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.rpc.PluginMetrics;
import org.infrakit4j.rpc.PluginServer;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstancePlugin;
import org.infrakit4j.spi.RawJson;

/**
 * A provider's plugin served on the real socket for fuzzing Validate: each check sends Properties through the real
 * client and accepts only success or an invalid-properties error naming a field path, and no backend call at all
 * (counted by the plugin's own meter, from the moment the plugin was made).
 */
public final class ValidateFuzzHarness implements AutoCloseable {
    /** Makes the provider's plugin, reporting its backend calls to the meter given. */
    @FunctionalInterface
    public interface Factory<P extends InstancePlugin & AutoCloseable> {
        P create(BackendMeter meter) throws Exception;
    }

    private final PluginMetrics metrics;
    private final AutoCloseable plugin;
    private final PluginHarness harness;
    private final long callsAtStart;
    private final String backend;

    private ValidateFuzzHarness(PluginMetrics metrics, AutoCloseable plugin, PluginHarness harness, String backend) {
        this.metrics = metrics;
        this.plugin = plugin;
        this.harness = harness;
        this.backend = backend;
        this.callsAtStart = metrics.backendCalls(); // a plugin may check its backend once when it is made
    }

    /** Makes the plugin and serves it; {@code backend} names the backend in failure messages ("EC2"). */
    public static <P extends InstancePlugin & AutoCloseable> ValidateFuzzHarness serve(String backend,
            Factory<P> factory) throws Exception {
        PluginMetrics metrics = new PluginMetrics(PluginHarness.NAME);
        P plugin = factory.create(metrics);
        try {
            PluginHarness harness = PluginHarness.serve(Map.<String, InstancePlugin>of("", plugin),
                    PluginServer.Config.DEFAULT_MAX_BODY, Duration.ofSeconds(30), metrics);
            return new ValidateFuzzHarness(metrics, plugin, harness, backend);
        } catch (Exception | Error e) {
            plugin.close();
            throw e;
        }
    }

    public InstancePluginClient client() {
        return harness.client();
    }

    /**
     * Validates {@code properties} through the socket.
     *
     * @return true when they are valid, false when refused as invalid properties (any other answer fails)
     */
    public boolean validate(String properties) {
        boolean valid;
        try {
            client().validate(new RawJson(properties));
            Statistics.collect("valid");
            valid = true;
        } catch (InstanceException e) {
            assertThat(e.code()).as(e.getMessage()).isEqualTo(ErrorCode.INVALID_PROPERTIES);
            assertThat(e.getMessage()).startsWith("Properties");
            Statistics.collect("invalid properties");
            valid = false;
        }
        assertNoBackendCall();
        return valid;
    }

    public void assertNoBackendCall() {
        assertThat(metrics.backendCalls() - callsAtStart).as(backend + " calls made by Validate").isZero();
    }

    @Override
    public void close() throws Exception {
        try {
            harness.close();
        } finally {
            plugin.close();
        }
    }
}
