package org.infrakit4j.file;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.junit.jupiter.api.io.TempDir;

/** The conformance suite against plugin-file on a fresh directory. */
class FileInstancePluginContractTest extends InstancePluginContract {
    @TempDir
    Path dir;

    /**
     * A file and a journal record each: a hundred at once is nothing for the plugin or the disk. Attachments and
     * Init are stored as given (the plugin interprets neither), so any attachment type is kept.
     */
    @Override
    protected Capabilities capabilities() {
        return Capabilities.holding(100).anyAttachmentType(Set.of("ebs", "network")).build();
    }

    @Override
    protected InstancePlugin createPlugin(BackendMeter meter) throws Exception {
        return FileInstancePlugin.open(dir.resolve("instances"), meter);
    }

    @Override
    protected RawJson validProperties() {
        return new RawJson("{\"size\":\"small\",\"n\":1.10}");
    }

    @Override
    protected List<BadProperties> badProperties() {
        return List.of(new BadProperties("[1,2]", ""), new BadProperties("\"text\"", ""),
                new BadProperties("42", ""), new BadProperties("true", ""));
    }

    @Override
    protected Spec specWithInitAndAttachments() {
        return new Spec(validProperties(), Map.of(), "#!/bin/sh\necho hello <&>", Optional.empty(),
                List.of(new Attachment("vol-1", "ebs"), new Attachment("net-1", "network")));
    }

    @Override
    protected void assertInitAndAttachmentsApplied(InstanceId id, Spec spec) throws Exception {
        ((FileInstancePlugin) backend).checkpoint();
        String text = Files.readString(dir.resolve("instances").resolve(id.value() + ".json"));
        JsonNode file = JSON.readTree(text);
        assertThat(file.path("Spec").path("Init").asText()).isEqualTo(spec.init());
        assertThat(file.path("Spec").path("Attachments").toString())
                .isEqualTo("[{\"ID\":\"vol-1\",\"Type\":\"ebs\"},{\"ID\":\"net-1\",\"Type\":\"network\"}]");
        assertThat(text).as("Properties kept byte for byte").contains("{\"size\":\"small\",\"n\":1.10}");
        JsonNode props = JSON.readTree(plugin.describeInstances(runTag, true).get(0).properties().json());
        assertThat(props.path("Init").asText()).isEqualTo(spec.init());
        assertThat(props.path("Attachments").size()).isEqualTo(2);
    }
}
