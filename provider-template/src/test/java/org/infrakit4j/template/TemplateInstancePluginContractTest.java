package org.infrakit4j.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.infrakit4j.spi.Attachment;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.InstancePlugin;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.infrakit4j.testkit.Capabilities;
import org.infrakit4j.testkit.InstancePluginContract;

/** The whole conformance suite, through the real socket and client, against a fresh backend per test. */
class TemplateInstancePluginContractTest extends InstancePluginContract {
    private TemplateBackend machines;

    /**
     * An in-memory machine costs nothing: a hundred at once is no load. The backend keeps Init and attachments of
     * any type as given. A real backend declares the attachment types it applies, the one it refuses with its exact
     * error ({@code attachments(types, refusedType, error)}), and {@code initRefused} or {@code labelRefused} when
     * it cannot do those here.
     */
    @Override
    protected Capabilities capabilities() {
        return Capabilities.holding(100).anyAttachmentType(Set.of("disk", "network")).build();
    }

    @Override
    protected InstancePlugin createPlugin(BackendMeter meter) {
        machines = new TemplateBackend(1000, meter);
        return new TemplateInstancePlugin(machines);
    }

    @Override
    protected RawJson validProperties() {
        return new RawJson("{\"Size\":\"small\",\"Labels\":{\"team\":\"web\"}}");
    }

    @Override
    protected List<BadProperties> badProperties() {
        return List.of(
                new BadProperties("null", ""),
                new BadProperties("[1,2]", ""),
                new BadProperties("{}", "Size"),
                new BadProperties("{\"Size\":\"huge\"}", "Size"),
                new BadProperties("{\"Size\":1}", "Size"),
                new BadProperties("{\"Size\":\"small\",\"Colour\":\"red\"}", "Colour"),
                new BadProperties("{\"Size\":\"small\",\"Labels\":[\"a\"]}", "Labels"),
                new BadProperties("{\"Size\":\"small\",\"Labels\":{\"a\":1}}", "Labels[\"a\"]"),
                new BadProperties("{\"Size\":\"small\",\"Labels\":{\"infrakit.group\":\"x\"}}",
                        "Labels[\"infrakit.group\"]"));
    }

    @Override
    protected Spec specWithInitAndAttachments() {
        return new Spec(validProperties(), Map.of(), "#!/bin/sh\necho hello <&>", Optional.empty(),
                List.of(new Attachment("vol-1", "disk"), new Attachment("net-1", "network")));
    }

    @Override
    protected void assertInitAndAttachmentsApplied(InstanceId id, Spec spec) throws Exception {
        TemplateBackend.Machine m = machines.get(id.value()).orElseThrow();
        assertThat(m.init()).isEqualTo(spec.init());
        assertThat(m.attachments()).isEqualTo(spec.attachments());
        String described = plugin.describeInstances(runTag, true).get(0).properties().json();
        assertThat(JSON.readTree(described).path("Attachments").toString())
                .isEqualTo("[{\"ID\":\"vol-1\",\"Type\":\"disk\"},{\"ID\":\"net-1\",\"Type\":\"network\"}]");
        assertThat(described).as("Describe leaves Init out").doesNotContain("echo hello");
    }
}
