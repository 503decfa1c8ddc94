package org.infrakit4j.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Method labels of services served beside the Instance SPI: their own names, within a bound. */
class PluginMetricsServiceMethodsTest {
    @Test
    void aServicesDeclaredMethodsAreLabelledByNameAndOthersStayOther() {
        PluginMetrics metrics = new PluginMetrics("group");
        metrics.knowServiceMethods("Group", List.of("CommitGroup", "Size"));
        metrics.recordCall("Group.CommitGroup", 1_000_000);
        metrics.recordCall("Group.Size", 1_000_000);
        metrics.recordCall("Group.Invented", 1_000_000);
        metrics.recordCall("Flavor.CommitGroup", 1_000_000);
        String text = new String(metrics.render(), StandardCharsets.UTF_8);
        assertThat(text).contains("infrakit4j_rpc_call_duration_seconds_count{method=\"Group.CommitGroup\"} 1")
                .contains("infrakit4j_rpc_call_duration_seconds_count{method=\"Group.Size\"} 1")
                .contains("infrakit4j_rpc_call_duration_seconds_count{method=\"other\"} 2")
                .doesNotContain("Invented").doesNotContain("Flavor.CommitGroup");
    }

    @Test
    void moreMethodsThanTheBoundAreRefusedClearly() {
        PluginMetrics metrics = new PluginMetrics("many");
        List<String> names = new ArrayList<>();
        for (int i = 0; i <= PluginMetrics.MAX_SERVICE_METHODS; i++) {
            names.add("M" + i);
        }
        assertThatThrownBy(() -> metrics.knowServiceMethods("Big", names))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("services declare more than " + PluginMetrics.MAX_SERVICE_METHODS + " methods: Big.M"
                        + PluginMetrics.MAX_SERVICE_METHODS + " is one too many");
        // Declaring the same names again is no growth.
        PluginMetrics again = new PluginMetrics("again");
        again.knowServiceMethods("S", names.subList(0, PluginMetrics.MAX_SERVICE_METHODS));
        again.knowServiceMethods("S", names.subList(0, PluginMetrics.MAX_SERVICE_METHODS));
    }
}
