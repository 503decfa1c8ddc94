package org.infrakit4j.docker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.ContainerNetwork;
import java.util.Map;
import java.util.TreeMap;
import org.infrakit4j.spi.RawJson;

/**
 * What Describe shows as an instance's Properties: name, image, state, exit code, start and finish times, error,
 * health (when the image has a health check), restart count and the addresses on each network. The state is the
 * engine's ({@code running}, {@code exited}, ...), but {@value #STARTING} while this plugin is starting the
 * container and the engine still says {@code created} or {@code exited}: such a container is not dead.
 */
final class DockerContainerState {
    private DockerContainerState() {
    }

    static final String STARTING = "starting";

    static RawJson of(InspectContainerResponse c, boolean starting) {
        ObjectNode node = DockerJson.MAPPER.createObjectNode();
        node.put("Name", c.getName() == null ? null : c.getName().replaceFirst("^/", ""));
        node.put("Image", c.getConfig() == null ? null : c.getConfig().getImage());
        node.put("ImageID", c.getImageId());
        node.put("Created", c.getCreated());
        InspectContainerResponse.ContainerState s = c.getState();
        if (s != null) {
            boolean notYet = starting && DockerDeadContainers.DEAD_STATES.contains(s.getStatus());
            node.put("State", notYet ? STARTING : s.getStatus());
            node.put("ExitCode", s.getExitCodeLong());
            node.put("StartedAt", s.getStartedAt());
            node.put("FinishedAt", s.getFinishedAt());
            if (s.getError() != null && !s.getError().isEmpty()) {
                node.put("Error", s.getError());
            }
            if (s.getHealth() != null && s.getHealth().getStatus() != null) {
                node.put("Health", s.getHealth().getStatus());
            }
        }
        node.put("RestartCount", c.getRestartCount());
        ObjectNode networks = node.putObject("Networks");
        Map<String, ContainerNetwork> byName = c.getNetworkSettings() == null
                || c.getNetworkSettings().getNetworks() == null ? Map.of() : c.getNetworkSettings().getNetworks();
        new TreeMap<>(byName).forEach((name, n) -> {
            ObjectNode net = networks.putObject(name);
            net.put("IPAddress", n.getIpAddress());
            net.put("IPv6Address", n.getGlobalIPv6Address());
            net.put("MacAddress", n.getMacAddress());
        });
        try {
            return new RawJson(DockerJson.MAPPER.writeValueAsString(node));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
