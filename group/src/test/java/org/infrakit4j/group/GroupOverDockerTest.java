package org.infrakit4j.group;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.infrakit4j.docker.DockerMain;
import org.infrakit4j.testkit.PluginProcess;

/**
 * The group scenarios over plugin-docker on the real engine: containers of the test's namespace label, watched and
 * removed ({@code docker rm -f}) with a docker-java client of the test's own.
 */
class GroupOverDockerTest extends GroupOverBackendScenarios {
    private static final String NAMESPACE_LABEL = "ik4j.namespace";
    /** Where plugin-docker keeps a pet's LogicalID (DockerLabels.LOGICAL_ID). */
    private static final String LOGICAL_ID_LABEL = "org.infrakit4j.docker.logical-id";

    private final String namespace = "gd-" + UUID.randomUUID().toString().substring(0, 8);
    private DockerClient docker;

    @Override
    protected PluginProcess instancePluginProcess() throws Exception {
        DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(env("IK4J_DOCKER_HOST")).withDockerTlsVerify(false).build();
        docker = DockerClientImpl.getInstance(config, new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost()).responseTimeout(Duration.ofSeconds(60)).build());
        return PluginProcess.inNewHome(DockerMain.class, "ik4jgd-", Map.of());
    }

    @Override
    protected List<String> instancePluginArgs() {
        return List.of("--docker-host", env("IK4J_DOCKER_HOST"), "--namespace", NAMESPACE_LABEL + "=" + namespace,
                "--log-level", "info");
    }

    @Override
    protected String instancePlugin() {
        return "instance-docker";
    }

    @Override
    protected String instanceProperties() {
        return "{\"Image\":\"" + env("IK4J_DOCKER_IMAGE") + "\",\"Pull\":\"never\",\"Cmd\":[\"sleep\",\"3600\"],"
                + "\"NetworkMode\":\"none\",\"Init\":true,\"StopTimeout\":1}";
    }

    private List<Container> containers() {
        return docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(NAMESPACE_LABEL, namespace))
                .exec();
    }

    @Override
    protected List<Member> namespace() {
        return containers().stream().map(c -> new Member(c.getId(), c.getLabels(),
                Optional.ofNullable(c.getLabels().get(LOGICAL_ID_LABEL)), "running".equals(c.getState()))).toList();
    }

    @Override
    protected void kill(String id) {
        docker.removeContainerCmd(id).withForce(true).exec();
    }

    @Override
    protected void cleanUp() throws Exception {
        if (docker != null) {
            for (Container c : containers()) {
                docker.removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec();
            }
            docker.close();
        }
    }
}
