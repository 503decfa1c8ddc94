package org.infrakit4j.docker;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a Provision asks of the engine, from either Properties shape: our {@link DockerProperties}, plus what only
 * InfraKit's reference shape ({@link DockerReferenceProperties}) carries: its Properties {@code Tags} (tags, under the
 * Spec's), {@code HostConfig.AutoRemove}, and the drivers its {@code NetworkAttachments} require.
 */
record DockerRequest(DockerProperties properties, Map<String, String> tags, boolean autoRemove,
                     List<NetworkAttachment> networkAttachments) {

    /** A network the container joins, and the driver the existing network must have (null: any). */
    record NetworkAttachment(String name, String driver) {
        NetworkAttachment {
            Objects.requireNonNull(name, "name");
        }
    }

    DockerRequest {
        Objects.requireNonNull(properties, "properties");
        tags = Map.copyOf(tags);
        networkAttachments = List.copyOf(networkAttachments);
    }

    /** A request in our own shape: nothing beyond the Properties. */
    static DockerRequest of(DockerProperties properties) {
        return new DockerRequest(properties, Map.of(), false, List.of());
    }
}
