package org.infrakit4j.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.junit.jupiter.api.Test;

/** What the conformance suite does not cover: the backend's limit and this provider's own vendor info. */
class TemplateInstancePluginTest {
    private static final Spec SMALL = Spec.of(new RawJson("{\"Size\":\"small\"}"), Map.of("g", "1"));

    @Test
    void provisionBeyondTheLimitIsABackendUnavailableErrorAndDestroyMakesRoom() {
        TemplateInstancePlugin plugin = new TemplateInstancePlugin(new TemplateBackend(2, BackendMeter.NONE));
        InstanceId first = plugin.provision(SMALL);
        plugin.provision(SMALL);
        assertThatThrownBy(() -> plugin.provision(SMALL))
                .isInstanceOfSatisfying(InstanceException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).isEqualTo("backend unavailable: the backend holds its limit of 2 machines; destroy some or start "
                        + "the plugin with a larger --max-instances"));
        assertThat(plugin.describeInstances(Map.of("g", "1"), false)).hasSize(2);
        plugin.destroy(first, DestroyContext.TERMINATE);
        assertThat(plugin.provision(SMALL)).isNotEqualTo(first);
    }

    @Test
    void aDestroyedPetIsProvisionedAnewNotBroughtBack() {
        TemplateInstancePlugin plugin = new TemplateInstancePlugin(new TemplateBackend(10, BackendMeter.NONE));
        InstanceId first = plugin.provision(SMALL.withLogicalId("db-1"));
        plugin.destroy(first, DestroyContext.TERMINATE);
        InstanceId second = plugin.provision(SMALL.withLogicalId("db-1"));
        assertThat(second).isNotEqualTo(first);
        assertThat(plugin.describeInstances(Map.of(), false)).singleElement()
                .satisfies(d -> assertThat(d.logicalId()).contains("db-1"));
    }

    @Test
    void vendorInfoIsThisProvidersNameAndVersion() {
        TemplateInstancePlugin plugin = new TemplateInstancePlugin(new TemplateBackend(1, BackendMeter.NONE));
        assertThat(plugin.vendorInfo().name()).isEqualTo("infrakit4j-provider-template");
        assertThat(plugin.vendorInfo().version()).isNotBlank().doesNotContain("${");
    }
}
