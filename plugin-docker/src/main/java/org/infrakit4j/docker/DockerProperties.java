package org.infrakit4j.docker;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.github.dockerjava.api.model.Capability;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.infrakit4j.rpc.GoQuote;
import org.infrakit4j.runtime.Schema;
import org.infrakit4j.runtime.StrictProperties;
import org.infrakit4j.spi.RawJson;

/**
 * The Properties of a Docker instance. Absent lists and maps become empty; {@code Cmd}, {@code Entrypoint} and
 * the strings stay null when absent, meaning "the image's own" or "Docker's default". Every check here is offline:
 * Validate never calls the engine. Its JSON Schema ({@code --properties-schema}) is derived from these records and
 * their {@link Schema} facts, which document the checks below (the checks stay here).
 */
@Schema(title = "infrakit4j Docker instance Properties",
        description = "Field names match case-insensitively, as Go's encoding/json does. Unknown fields are errors.")
public record DockerProperties(
        @Schema(required = true, minLength = 1, maxLength = 512, description = "Image reference, "
                + "[registry[:port]/]name[:tag][@digest] with a lowercase name, e.g. busybox:latest.")
        @JsonProperty("Image") String image,
        @Schema(defaultValue = "if-missing") @JsonProperty("Pull") Pull pull,
        @Schema(description = "Absent: the image's CMD.") @JsonProperty("Cmd") List<String> cmd,
        @Schema(description = "Absent: the image's ENTRYPOINT.") @JsonProperty("Entrypoint") List<String> entrypoint,
        @JsonProperty("Env") Map<String, String> env,
        @JsonProperty("WorkingDir") String workingDir,
        @JsonProperty("User") String user,
        @JsonProperty("Hostname") String hostname,
        @Schema(description = "Extra container labels; tags win over them; the prefix " + DockerLabels.PREFIX
                + " is reserved.")
        @JsonProperty("Labels") Map<String, String> labels,
        @Schema(pattern = PORT_SYNTAX) @JsonProperty("ExposedPorts") List<String> exposedPorts,
        @JsonProperty("PortBindings") List<PortBinding> portBindings,
        @JsonProperty("Mounts") List<Mount> mounts,
        @Schema(pattern = "^/", description = "Anonymous volumes at these container paths; removed with the container.")
        @JsonProperty("Volumes") List<String> volumes,
        @Schema(description = "none, host, a network name, container:ID. Absent: the first of Networks, else "
                + "Docker's default.")
        @JsonProperty("NetworkMode") String networkMode,
        @Schema(description = "Existing networks to join before start.") @JsonProperty("Networks") List<String> networks,
        @JsonProperty("RestartPolicy") RestartPolicy restartPolicy,
        @JsonProperty("Resources") Resources resources,
        @Schema(defaultValue = "true", description = "Run Docker's init (tini) as PID 1.")
        @JsonProperty("Init") Boolean init,
        @JsonProperty("InitScript") InitScript initScript,
        @Schema(defaultValue = "false") @JsonProperty("Privileged") Boolean privileged,
        @JsonProperty("CapAdd") List<String> capAdd,
        @JsonProperty("CapDrop") List<String> capDrop,
        @Schema(minimum = 0, maximum = 3600, description = "Seconds between SIGTERM and SIGKILL at Destroy (default 10).")
        @JsonProperty("StopTimeout") Integer stopTimeout) {

    /** A container port as the schema documents it: PORT or PORT/PROTOCOL (the same as {@code PORT} below). */
    static final String PORT_SYNTAX = "^[0-9]{1,5}(/(tcp|udp|sctp))?$";

    /** A Properties example, served in /info/api.json and shown in the README. */
    public static final RawJson EXAMPLE = new RawJson("{\"Image\":\"busybox:latest\",\"Pull\":\"if-missing\","
            + "\"Cmd\":[\"sleep\",\"3600\"],\"Env\":{\"ROLE\":\"worker\"},\"NetworkMode\":\"none\","
            + "\"RestartPolicy\":{\"Name\":\"on-failure\",\"MaximumRetryCount\":3},"
            + "\"Resources\":{\"Memory\":\"256m\",\"Cpus\":0.5},\"Init\":true,"
            + "\"InitScript\":{\"Path\":\"/infrakit/init.sh\",\"Run\":true,\"Shell\":\"/bin/sh\"},"
            + "\"StopTimeout\":10}");

    /**
     * The engine's image reference grammar (distribution/reference): {@code [registry[:port]/]name[:tag][@digest]},
     * the name's components lowercase.
     */
    private static final Pattern IMAGE = Pattern.compile(
            "(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
                    + "|\\[[0-9a-fA-F:]+])(?::[0-9]+)?/)?"
                    + "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
                    + "(?::\\w[\\w.-]{0,127})?"
                    + "(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?");
    private static final Pattern PORT = Pattern.compile("\\d{1,5}(/(tcp|udp|sctp))?");
    private static final Pattern MEMORY = Pattern.compile("(\\d+)([bkmg]?)", Pattern.CASE_INSENSITIVE);
    private static final Pattern ENV_KEY = Pattern.compile("[^=\\x00]+");

    /** When to pull the image before creating the container. */
    public enum Pull {
        @JsonProperty("never") NEVER,
        @JsonProperty("if-missing") IF_MISSING,
        @JsonProperty("always") ALWAYS
    }

    public DockerProperties {
        if (image == null || image.isBlank()) {
            throw new StrictProperties.Problem("Image", "is required (an image reference such as busybox:latest)");
        }
        require(image.length() <= 512 && IMAGE.matcher(image).matches(), "Image", "must be an image reference "
                + "such as busybox:latest or registry:5000/team/app@sha256:..., the name lowercase, got "
                + quote(image));
        pull = pull == null ? Pull.IF_MISSING : pull;
        cmd = cmd == null ? null : strings("Cmd", cmd);
        entrypoint = entrypoint == null ? null : strings("Entrypoint", entrypoint);
        env = map("Env", env);
        env.keySet().forEach(k -> require(ENV_KEY.matcher(k).matches(), "Env", "key " + quote(k)
                + " must be non-empty and contain no '='"));
        labels = map("Labels", labels);
        labels.keySet().forEach(k -> require(!k.startsWith(DockerLabels.PREFIX), "Labels",
                "key " + quote(k) + " is reserved for the plugin (prefix " + DockerLabels.PREFIX + ")"));
        exposedPorts = strings("ExposedPorts", exposedPorts);
        for (int i = 0; i < exposedPorts.size(); i++) {
            require(PORT.matcher(exposedPorts.get(i)).matches(), "ExposedPorts[" + i + "]",
                    "must be PORT or PORT/PROTOCOL (tcp, udp, sctp), got " + quote(exposedPorts.get(i)));
        }
        portBindings = objects("PortBindings", portBindings);
        mounts = objects("Mounts", mounts);
        volumes = strings("Volumes", volumes);
        for (int i = 0; i < volumes.size(); i++) {
            require(volumes.get(i).startsWith("/"), "Volumes[" + i + "]", "must be an absolute container path");
        }
        networks = strings("Networks", networks);
        for (int i = 0; i < networks.size(); i++) {
            require(!networks.get(i).isBlank(), "Networks[" + i + "]", "must be a network name or ID");
        }
        require(networkMode == null || !networkMode.isBlank(), "NetworkMode", "must not be blank");
        init = init == null || init;
        initScript = initScript == null ? InitScript.DEFAULT : initScript;
        privileged = privileged != null && privileged;
        capAdd = capabilities("CapAdd", capAdd);
        capDrop = capabilities("CapDrop", capDrop);
        require(stopTimeout == null || stopTimeout >= 0 && stopTimeout <= 3600, "StopTimeout",
                "must be 0 to 3600 seconds");
    }

    /** A published port: container port (as in ExposedPorts) to host IP and port. */
    public record PortBinding(@Schema(required = true, pattern = PORT_SYNTAX)
                              @JsonProperty("ContainerPort") String containerPort,
                              @JsonProperty("HostIp") String hostIp,
                              @Schema(pattern = "^[0-9]{1,5}(-[0-9]{1,5})?$") @JsonProperty("HostPort") String hostPort) {
        public PortBinding {
            require(containerPort != null && PORT.matcher(containerPort).matches(), "ContainerPort",
                    "is required, as PORT or PORT/PROTOCOL");
            require(hostPort == null || hostPort.matches("\\d{1,5}(-\\d{1,5})?"), "HostPort",
                    "must be a port or a range such as 8000-8010");
        }
    }

    /** A mount: a named volume, a host path (bind) or a tmpfs, at an absolute container path. */
    public record Mount(@Schema(values = {"volume", "bind", "tmpfs"}, defaultValue = "volume")
                        @JsonProperty("Type") String type,
                        @Schema(description = "Volume name (absent: anonymous) or absolute host path.")
                        @JsonProperty("Source") String source,
                        @Schema(required = true, pattern = "^/") @JsonProperty("Target") String target,
                        @Schema(defaultValue = "false") @JsonProperty("ReadOnly") Boolean readOnly) {
        public Mount {
            type = type == null ? "volume" : type;
            require(List.of("volume", "bind", "tmpfs").contains(type), "Type", "must be volume, bind or tmpfs");
            require(target != null && target.startsWith("/"), "Target", "is required, an absolute container path");
            require(!type.equals("bind") || source != null && source.startsWith("/"), "Source",
                    "must be an absolute host path for a bind mount");
            require(!type.equals("tmpfs") || source == null, "Source", "must be absent for a tmpfs mount");
            readOnly = readOnly != null && readOnly;
        }
    }

    /** Docker's restart policy: no, always, unless-stopped, or on-failure with a retry limit. */
    public record RestartPolicy(@Schema(values = {"no", "always", "unless-stopped", "on-failure"}, defaultValue = "no")
                                @JsonProperty("Name") String name,
                                @Schema(minimum = 0) @JsonProperty("MaximumRetryCount") Integer maximumRetryCount) {
        public RestartPolicy {
            name = name == null ? "no" : name;
            require(List.of("no", "always", "unless-stopped", "on-failure").contains(name), "Name",
                    "must be no, always, unless-stopped or on-failure");
            require(maximumRetryCount == null || maximumRetryCount >= 0 && name.equals("on-failure"),
                    "MaximumRetryCount", "must be a count of 0 or more, and only with on-failure");
        }
    }

    /** Limits: memory with a unit suffix (b, k, m, g), CPUs as a fraction of cores. */
    public record Resources(@Schema(pattern = "^[0-9]+[bkmgBKMG]?$") @JsonProperty("Memory") String memory,
                            @Schema(exclusiveMinimum = 0, maximum = 1024) @JsonProperty("Cpus") Double cpus) {
        public Resources {
            require(memory == null || bytes(memory) >= 0, "Memory",
                    "must be a size such as 512m, 2g or 1048576 (bytes)");
            require(cpus == null || cpus > 0 && cpus <= 1024, "Cpus", "must be more than 0, such as 0.5 or 2");
        }

        /** The memory limit in bytes, or null when unset. */
        public Long memoryBytes() {
            return memory == null ? null : bytes(memory);
        }

        /** The size in bytes, or -1 when it is no size or does not fit in a long. */
        private static long bytes(String memory) {
            Matcher m = MEMORY.matcher(memory);
            if (!m.matches() || m.group(1).length() > 19) {
                return -1;
            }
            int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
                case "k" -> 10;
                case "m" -> 20;
                case "g" -> 30;
                default -> 0;
            };
            try {
                long n = Long.parseLong(m.group(1));
                return n > Long.MAX_VALUE >> shift ? -1 : n << shift;
            } catch (NumberFormatException e) {
                return -1;
            }
        }

        public Long nanoCpus() {
            return cpus == null ? null : Math.round(cpus * 1e9);
        }
    }

    /**
     * Where the Spec's Init (the boot script) is copied in the container before start, and whether the plugin runs
     * it: with Run, the container's command becomes {@code Shell Path && exec <command>}, so a failing script ends
     * the container with its exit code. Without Run, the image's own entrypoint is expected to run it.
     */
    public record InitScript(@Schema(pattern = "^/", defaultValue = "/infrakit/init.sh") @JsonProperty("Path")
                             String path,
                             @Schema(defaultValue = "true", description = "Run the script before the command; its "
                                     + "failure ends the container.")
                             @JsonProperty("Run") Boolean run,
                             @Schema(defaultValue = "/bin/sh") @JsonProperty("Shell") String shell) {
        static final InitScript DEFAULT = new InitScript(null, null, null);

        public InitScript {
            path = path == null ? "/infrakit/init.sh" : path;
            require(path.startsWith("/") && !path.endsWith("/") && !List.of(path.split("/")).contains("..")
                    && !path.contains("//"), "Path", "must be an absolute file path without '..'");
            run = run == null || run;
            shell = shell == null ? "/bin/sh" : shell;
            require(!shell.isBlank(), "Shell", "must not be blank");
        }
    }

    private static void require(boolean ok, String field, String problem) {
        if (!ok) {
            throw new StrictProperties.Problem(field, problem);
        }
    }

    private static String quote(String s) {
        return org.infrakit4j.rpc.GoQuote.quote(s);
    }

    private static List<String> strings(String field, List<String> list) {
        return objects(field, list);
    }

    private static <T> List<T> objects(String field, List<T> list) {
        if (list == null) {
            return List.of();
        }
        for (int i = 0; i < list.size(); i++) {
            require(list.get(i) != null, field + "[" + i + "]", "must not be null");
        }
        return List.copyOf(list);
    }

    private static Map<String, String> map(String field, Map<String, String> map) {
        if (map == null) {
            return Map.of();
        }
        Map<String, String> copy = new LinkedHashMap<>();
        map.forEach((k, v) -> {
            require(v != null, field + "." + k, "must be a string, not null");
            copy.put(k, v);
        });
        return java.util.Collections.unmodifiableMap(copy);
    }

    private static List<String> capabilities(String field, List<String> caps) {
        List<String> out = new ArrayList<>();
        List<String> list = strings(field, caps);
        for (int i = 0; i < list.size(); i++) {
            String name = list.get(i).toUpperCase(Locale.ROOT);
            try {
                Capability.fromValue(name);
            } catch (IllegalArgumentException e) {
                throw new StrictProperties.Problem(field + "[" + i + "]", "unknown capability " + quote(list.get(i)));
            }
            out.add(name.startsWith("CAP_") ? name.substring(4) : name);
        }
        return List.copyOf(out);
    }
}
