package org.infrakit4j.docker;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The plugin's plain JSON mapper, for its own files (the label store), the Properties Describe reports, label
 * values and engine error bodies. Not a Properties decoder: Properties go through {@link DockerPropertiesDecoder},
 * which is strict where this mapper is not.
 */
final class DockerJson {
    static final ObjectMapper MAPPER = JsonMapper.builder().build();

    private DockerJson() {
    }
}
