package org.infrakit4j.docker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.infrakit4j.runtime.StrictProperties;
import org.infrakit4j.spi.RawJson;

/** JSON of the Docker plugin: strict decoding of {@link DockerProperties}, and a plain mapper for its own files. */
final class DockerJson {
    static final ObjectMapper MAPPER = JsonMapper.builder().build();

    private DockerJson() {
    }

    /** Decodes and checks Properties; every failure is INVALID_PROPERTIES naming the field path. */
    static DockerProperties decode(RawJson properties) {
        return StrictProperties.decode(properties, DockerProperties.class, null,
                "an object with at least \"Image\"");
    }

    /**
     * Decodes Properties of either shape: InfraKit's reference shape when a top-level member is one of its
     * ({@link DockerReferenceProperties#MEMBERS}), else ours. Offline, as Validate must be.
     */
    static DockerRequest request(RawJson properties) {
        if (!properties.isNull()) {
            JsonNode tree;
            try {
                tree = MAPPER.readTree(properties.json());
            } catch (JsonProcessingException e) {
                tree = null; // our decoder says what is wrong with it
            }
            if (DockerReferenceProperties.isReferenceShape(tree)) {
                return DockerReferenceProperties.decode(properties);
            }
        }
        return DockerRequest.of(decode(properties));
    }
}
