package org.infrakit4j.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import org.infrakit4j.testkit.PropertiesFuzz;

/** The Docker plugin's vocabulary for fuzzing Validate (the shapes come from {@link PropertiesFuzz}). */
final class DockerFuzzProperties {
    /** Valid Properties: every member the plugin knows, the documented example, the least there can be. */
    static final List<String> VALID = List.of(
            "{\"Image\":\"busybox:latest\",\"Pull\":\"never\",\"Cmd\":[\"sleep\",\"3600\"],"
                    + "\"Entrypoint\":[\"/bin/sh\",\"-c\"],\"Env\":{\"ROLE\":\"worker\",\"EMPTY\":\"\"},"
                    + "\"WorkingDir\":\"/tmp\",\"User\":\"1000:1000\",\"Hostname\":\"web-1\","
                    + "\"Labels\":{\"team\":\"x\"},\"ExposedPorts\":[\"80\",\"53/udp\"],"
                    + "\"PortBindings\":[{\"ContainerPort\":\"8080/tcp\",\"HostIp\":\"127.0.0.1\","
                    + "\"HostPort\":\"8000-8010\"}],"
                    + "\"Mounts\":[{\"Type\":\"volume\",\"Source\":\"data\",\"Target\":\"/data\"},"
                    + "{\"Type\":\"bind\",\"Source\":\"/srv\",\"Target\":\"/srv\",\"ReadOnly\":true},"
                    + "{\"Type\":\"tmpfs\",\"Target\":\"/run\"}],\"Volumes\":[\"/scratch\"],"
                    + "\"Networks\":[\"backend\",\"frontend\"],"
                    + "\"RestartPolicy\":{\"Name\":\"on-failure\",\"MaximumRetryCount\":3},"
                    + "\"Resources\":{\"Memory\":\"512m\",\"Cpus\":1.5},\"Init\":true,"
                    + "\"InitScript\":{\"Path\":\"/opt/boot.sh\",\"Run\":false,\"Shell\":\"/bin/bash\"},"
                    + "\"Privileged\":false,\"CapAdd\":[\"NET_ADMIN\",\"cap_sys_time\"],"
                    + "\"CapDrop\":[\"MKNOD\"],\"StopTimeout\":30}",
            DockerProperties.EXAMPLE.json(),
            "{\"Image\":\"busybox\"}");

    private static final List<String> NAMES = List.of("Image", "Pull", "Cmd", "Entrypoint", "Env", "WorkingDir",
            "User", "Hostname", "Labels", "ExposedPorts", "PortBindings", "ContainerPort", "HostIp", "HostPort",
            "Mounts", "Type", "Source", "Target", "ReadOnly", "Volumes", "NetworkMode", "Networks", "RestartPolicy",
            "Name", "MaximumRetryCount", "Resources", "Memory", "Cpus", "Init", "InitScript", "Path", "Run", "Shell",
            "Privileged", "CapAdd", "CapDrop", "StopTimeout", "org.infrakit4j.docker.managed", "A=B");

    private static final List<String> TEXTS = List.of("busybox:latest", "busybox", "never", "if-missing", "always",
            "sleep", "3600", "/bin/sh", "/tmp", "root", "0:0", "80", "80/tcp", "53/udp", "99999/sctp", "8000-8010",
            "127.0.0.1", "volume", "bind", "tmpfs", "/data", "data", "none", "host", "container:x", "bridge", "no",
            "unless-stopped", "on-failure", "512m", "2G", "1048576", "0", "99999999999999999999",
            "9223372036854775807k", "NET_ADMIN", "CAP_CHOWN", "all", "/infrakit/init.sh", "/a/../b", "/a//b", "", " ",
            "BUSYBOX", "yes");

    static final PropertiesFuzz FUZZ = new PropertiesFuzz(VALID, NAMES, TEXTS, List.of("busybox\u0000",
            "busybox --privileged", "/var/run/docker.sock"), List.of(3601), "Image");

    private DockerFuzzProperties() {
    }

    /** Objects with an Image (a reference or something like one) and up to two random members: trees that can pass. */
    static Arbitrary<JsonNode> imageAndMembers() {
        return Combinators.combine(FUZZ.strings(), FUZZ.objects(FUZZ.trees(2), 2))
                .as((image, members) -> {
                    ObjectNode o = members.deepCopy();
                    o.put("Image", image);
                    return o;
                });
    }
}
