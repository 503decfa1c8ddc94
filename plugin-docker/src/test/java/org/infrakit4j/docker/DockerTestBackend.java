package org.infrakit4j.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * The real engine the tests use, named by the environment that scripts/test.sh sets up, and a docker-java client on
 * it for looking behind the plugin's back. Without that environment every test fails: they never skip.
 */
final class DockerTestBackend {
    private static final SecureRandom RANDOM = new SecureRandom();

    private DockerTestBackend() {
    }

    static String host() {
        return env("IK4J_DOCKER_HOST");
    }

    static String image() {
        return env("IK4J_DOCKER_IMAGE");
    }

    private static String env(String name) {
        String value = System.getenv(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException(name + " is not set: run the tests through scripts/test.sh, which "
                    + "starts dockerd");
        }
        return value;
    }

    static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    static DockerClient client(String host) {
        DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(host).withDockerTlsVerify(false).build();
        return DockerClientImpl.getInstance(config, new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost()).responseTimeout(Duration.ofSeconds(60)).build());
    }

    /**
     * An internal bridge network with no address on the host (inhibit_ipv4) in the benchmarking range 198.18.0.0/15:
     * no routes, no firewall rules, nothing reachable from or to the host (backends.md: never the default bridge).
     */
    static String createNetwork(DockerClient docker, String name) {
        for (int attempt = 0; ; attempt++) {
            int third = RANDOM.nextInt(512);
            String subnet = "198." + (18 + third / 256) + "." + (third % 256) + ".0/24";
            try {
                return docker.createNetworkCmd().withName(name).withDriver("bridge").withInternal(true)
                        .withCheckDuplicate(true)
                        .withOptions(Map.of("com.docker.network.bridge.inhibit_ipv4", "true",
                                "com.docker.network.bridge.name", "ik4j" + randomHex(5)))
                        .withIpam(new Network.Ipam().withConfig(new Network.Ipam.Config().withSubnet(subnet)))
                        .exec().getId();
            } catch (RuntimeException e) {
                if (attempt >= 5) {
                    throw e;
                }
            }
        }
    }

    static void removeNetwork(DockerClient docker, String name) {
        try {
            docker.removeNetworkCmd(name).exec();
        } catch (NotFoundException e) {
            // gone already
        }
    }

    static void removeVolume(DockerClient docker, String name) {
        try {
            docker.removeVolumeCmd(name).exec();
        } catch (NotFoundException | ConflictException e) {
            // gone, or still used by a container a failed test left (the namespace keeps it out of others' way)
        }
    }

    /** Every container carrying all these labels, in any state, as the engine sees it. */
    static List<Container> containersLabelled(DockerClient docker, Map<String, String> labels) {
        return docker.listContainersCmd().withShowAll(true).withLabelFilter(labels).exec();
    }

    /** The content and mode of one file in a container (created, running or exited). */
    record FileInContainer(String content, int mode) {
    }

    static FileInContainer readFile(DockerClient docker, String container, String path) throws IOException {
        try (InputStream in = docker.copyArchiveFromContainerCmd(container, path).exec();
             TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            TarArchiveEntry entry = tar.getNextEntry();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            tar.transferTo(out);
            return new FileInContainer(out.toString(StandardCharsets.UTF_8), entry.getMode() & 07777);
        }
    }

    static void await(Duration limit, String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out after " + limit + " waiting for " + what);
            }
            Thread.sleep(50);
        }
    }
}
