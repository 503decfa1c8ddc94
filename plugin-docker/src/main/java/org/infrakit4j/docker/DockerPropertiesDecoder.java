package org.infrakit4j.docker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import org.infrakit4j.runtime.StrictProperties;
import org.infrakit4j.spi.RawJson;

/**
 * Decodes Properties strictly: unknown members, wrong JSON types and bad values are {@code invalid properties}
 * errors naming the field path; names match case-insensitively as in Go. Either shape: ours ({@link
 * DockerProperties}) or InfraKit's reference plugin's ({@link DockerReferenceProperties}), recognised by its
 * top-level members.
 */
final class DockerPropertiesDecoder {
    private DockerPropertiesDecoder() {
    }

    /** Decodes our own shape only; every failure is INVALID_PROPERTIES naming the field path. */
    static DockerProperties ours(RawJson properties) {
        return StrictProperties.decode(properties, DockerProperties.class, null,
                "an object with at least \"Image\"");
    }

    /**
     * Decodes either shape, as Validate and Provision do: InfraKit's reference shape when a top-level member is one
     * of its ({@link DockerReferenceProperties#MEMBERS}), else ours. Offline, as Validate must be.
     */
    static DockerRequest decode(RawJson properties) {
        if (!properties.isNull()) {
            JsonNode tree;
            try {
                tree = DockerJson.MAPPER.readTree(properties.json());
            } catch (JsonProcessingException e) {
                tree = null; // our decoder says what is wrong with it
            }
            if (DockerReferenceProperties.isReferenceShape(tree)) {
                return DockerReferenceProperties.decode(properties);
            }
        }
        return DockerRequest.of(ours(properties));
    }
}
