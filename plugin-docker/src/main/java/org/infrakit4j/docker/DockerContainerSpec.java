package org.infrakit4j.docker;

import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.ContainerConfig;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.RestartPolicy;
import com.github.dockerjava.api.model.Volume;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.infrakit4j.rpc.GoQuote;
import org.infrakit4j.spi.Attachment;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.Spec;

/**
 * How one Spec becomes a container: the create request (name, labels, host config, command), the networks to
 * connect between create and start, and the Init archive copied in before start.
 *
 * <p>Attachments: {@code volume} mounts the named volume (Docker creates it if missing) at {@code /mnt/<name>},
 * or at the path after a colon ({@code data:/var/lib/data}); {@code network} joins that existing network.
 * Networks: without a NetworkMode the first network is the container's own (set in the create call), the others are
 * connected before start.
 */
record DockerContainerSpec(DockerProperties properties, Optional<String> name, Map<String, String> labels,
                           List<Mount> mounts, String networkMode, List<String> networksToConnect, String init,
                           boolean autoRemove) {
    /** Docker's container-name rule. */
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]+");
    private static final Pattern VOLUME_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
    /** Runs the Init script, then the container's own command; a failing script ends the container. */
    private static final String INIT_WRAPPER = "\"$0\" \"$1\" || exit; shift; [ $# -eq 0 ] || exec \"$@\"";

    DockerContainerSpec {
        mounts = List.copyOf(mounts);
        networksToConnect = List.copyOf(networksToConnect);
        labels = Map.copyOf(labels);
    }

    static DockerContainerSpec of(DockerProperties p, Spec spec, Map<String, String> labels) {
        return of(DockerRequest.of(p), spec, labels);
    }

    /** As {@link #of(DockerProperties, Spec, Map)}, with what only the reference shape carries (AutoRemove). */
    static DockerContainerSpec of(DockerRequest request, Spec spec, Map<String, String> labels) {
        DockerProperties p = request.properties();
        spec.logicalId().ifPresent(id -> {
            if (!NAME.matcher(id).matches()) {
                throw new InstanceException(ErrorCode.INVALID_PROPERTIES, "LogicalID " + GoQuote.quote(id)
                        + " cannot be a container name (" + NAME.pattern() + ")");
            }
        });
        List<Mount> mounts = new ArrayList<>();
        for (DockerProperties.Mount m : p.mounts()) {
            mounts.add(new Mount().withType(MountType.valueOf(m.type().toUpperCase(java.util.Locale.ROOT)))
                    .withSource(m.source()).withTarget(m.target()).withReadOnly(m.readOnly()));
        }
        Set<String> networks = new LinkedHashSet<>(p.networks());
        List<Attachment> attachments = spec.attachments();
        for (int i = 0; i < attachments.size(); i++) {
            Attachment a = attachments.get(i);
            switch (a.type()) {
                case "volume" -> mounts.add(volumeAttachment(a.id(), i));
                case "network" -> {
                    if (a.id().isBlank()) {
                        throw attachmentError(i, "ID", "must name a network");
                    }
                    networks.add(a.id());
                }
                default -> throw attachmentError(i, "Type", "unsupported type " + GoQuote.quote(a.type())
                        + " (volume or network)");
            }
        }
        String mode = p.networkMode();
        List<String> connect = new ArrayList<>(networks);
        if (mode == null && !connect.isEmpty()) {
            mode = connect.remove(0);
        }
        connect.remove(mode);
        if (!connect.isEmpty() && mode != null && (mode.equals("none") || mode.equals("host")
                || mode.startsWith("container:"))) {
            throw new InstanceException(ErrorCode.INVALID_PROPERTIES, "Properties.NetworkMode: " + mode
                    + " cannot be combined with other networks " + connect);
        }
        return new DockerContainerSpec(p, spec.logicalId(), labels, mounts, mode, connect, spec.init(),
                request.autoRemove());
    }

    private static Mount volumeAttachment(String id, int index) {
        int colon = id.indexOf(':');
        String volume = colon < 0 ? id : id.substring(0, colon);
        String target = colon < 0 ? "/mnt/" + id : id.substring(colon + 1);
        if (!VOLUME_NAME.matcher(volume).matches() || !target.startsWith("/")) {
            throw attachmentError(index, "ID", "must be VOLUME or VOLUME:/container/path, got "
                    + GoQuote.quote(id));
        }
        return new Mount().withType(MountType.VOLUME).withSource(volume).withTarget(target);
    }

    private static InstanceException attachmentError(int index, String field, String problem) {
        return new InstanceException(ErrorCode.INVALID_PROPERTIES, "Attachments[" + index + "]." + field + ": "
                + problem);
    }

    boolean hasInit() {
        return !init.isEmpty();
    }

    /** Whether the command must come from the image: the Init wrapper needs the image's entrypoint. */
    boolean needsImageCommand() {
        return hasInit() && properties.initScript().run() && properties.entrypoint() == null;
    }

    /** Fills the create request; {@code image} is the image's config when {@link #needsImageCommand()}. */
    CreateContainerCmd apply(CreateContainerCmd create, ContainerConfig image) {
        DockerProperties p = properties;
        name.ifPresent(create::withName);
        create.withLabels(labels);
        if (hasInit() && p.initScript().run()) {
            List<String> command = new ArrayList<>();
            command.addAll(p.entrypoint() != null ? p.entrypoint() : list(image == null ? null : image.getEntrypoint()));
            command.addAll(p.cmd() != null ? p.cmd()
                    : p.entrypoint() != null ? List.of() : list(image == null ? null : image.getCmd()));
            create.withEntrypoint(p.initScript().shell(), "-c", INIT_WRAPPER, p.initScript().shell(),
                    p.initScript().path());
            create.withCmd(command);
        } else {
            if (p.entrypoint() != null) {
                create.withEntrypoint(p.entrypoint());
            }
            if (p.cmd() != null) {
                create.withCmd(p.cmd());
            }
        }
        if (!p.env().isEmpty()) {
            create.withEnv(p.env().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
        }
        if (p.workingDir() != null) {
            create.withWorkingDir(p.workingDir());
        }
        if (p.user() != null) {
            create.withUser(p.user());
        }
        if (p.hostname() != null) {
            create.withHostName(p.hostname());
        }
        if (p.stopTimeout() != null) {
            create.withStopTimeout(p.stopTimeout());
        }
        Set<String> exposed = new LinkedHashSet<>(p.exposedPorts());
        p.portBindings().forEach(b -> exposed.add(b.containerPort()));
        if (!exposed.isEmpty()) {
            create.withExposedPorts(exposed.stream().map(ExposedPort::parse).toList());
        }
        if (!p.volumes().isEmpty()) {
            create.withVolumes(p.volumes().stream().map(Volume::new).toList());
        }
        return create.withHostConfig(hostConfig());
    }

    private HostConfig hostConfig() {
        DockerProperties p = properties;
        HostConfig host = HostConfig.newHostConfig().withInit(p.init()).withPrivileged(p.privileged());
        if (autoRemove) {
            host.withAutoRemove(true);
        }
        if (networkMode != null) {
            host.withNetworkMode(networkMode);
        }
        if (!mounts.isEmpty()) {
            host.withMounts(mounts);
        }
        if (!p.portBindings().isEmpty()) {
            Ports ports = new Ports();
            p.portBindings().forEach(b -> ports.bind(ExposedPort.parse(b.containerPort()),
                    new Ports.Binding(b.hostIp(), b.hostPort())));
            host.withPortBindings(ports);
        }
        if (p.restartPolicy() != null) {
            DockerProperties.RestartPolicy r = p.restartPolicy();
            host.withRestartPolicy(switch (r.name()) {
                case "always" -> RestartPolicy.alwaysRestart();
                case "unless-stopped" -> RestartPolicy.unlessStoppedRestart();
                case "on-failure" -> RestartPolicy.onFailureRestart(
                        r.maximumRetryCount() == null ? 0 : r.maximumRetryCount());
                default -> RestartPolicy.noRestart();
            });
        }
        if (p.resources() != null) {
            host.withMemory(p.resources().memoryBytes()).withNanoCPUs(p.resources().nanoCpus());
        }
        if (!p.capAdd().isEmpty()) {
            host.withCapAdd(p.capAdd().stream().map(Capability::fromValue).toArray(Capability[]::new));
        }
        if (!p.capDrop().isEmpty()) {
            host.withCapDrop(p.capDrop().stream().map(Capability::fromValue).toArray(Capability[]::new));
        }
        return host;
    }

    /** A tar holding the Init script at its path (mode 0700, root); the engine makes missing parents 0755. */
    byte[] initArchive() {
        String path = properties.initScript().path().substring(1);
        byte[] content = init.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(content.length + 2048);
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            TarArchiveEntry file = new TarArchiveEntry(path);
            file.setMode(0100700);
            file.setSize(content.length);
            tar.putArchiveEntry(file);
            tar.write(content);
            tar.closeArchiveEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static List<String> list(String[] values) {
        return values == null ? List.of() : Arrays.asList(values);
    }
}
