package org.infrakit4j.docker;

import static org.infrakit4j.runtime.JsonPaths.at;
import static org.infrakit4j.runtime.JsonPaths.expected;
import static org.infrakit4j.runtime.JsonPaths.join;
import static org.infrakit4j.runtime.JsonPaths.kind;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.github.dockerjava.api.model.ContainerConfig;
import com.github.dockerjava.api.model.HostConfig;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.infrakit4j.rpc.GoQuote;
import org.infrakit4j.runtime.StrictProperties;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.RawJson;

/**
 * Properties in the shape of InfraKit's reference Docker plugin ({@code CreateInstanceRequest}, docker/infrakit
 * f9e924e7 examples/instance/docker/instance.go; reference-providers.md §2.2): {@code Tags}, {@code Config} (the Engine
 * API's container config), {@code HostConfig} and {@code NetworkAttachments}. Recognised by those top-level members,
 * decoded as strictly as our own shape (unknown field or wrong type: an error with the field path), with docker-java's
 * own models for Config and HostConfig, and mapped onto {@link DockerProperties}. Names match case-insensitively, as
 * the reference's Go decoder did. A Go zero value ({@code ""}, 0, false, null, empty) of a known field means "not set",
 * as it did there (Go marshals every field, so its own output carries them all); a set field this plugin cannot
 * honour is an error naming it, never dropped.
 */
final class DockerReferenceProperties {
    static final List<String> MEMBERS = List.of("Config", "HostConfig", "NetworkAttachments", "Tags");
    /** Config fields of the Engine API (v1.25 as vendored at f9e924e7) that docker-java's ContainerConfig lacks. */
    private static final List<String> CONFIG_ENGINE_ONLY = List.of("ArgsEscaped", "Shell", "StopSignal", "StopTimeout");
    /** HostConfig fields of the Engine API that docker-java's HostConfig lacks. */
    private static final List<String> HOST_ENGINE_ONLY = List.of("InitPath");
    private static final List<String> CONFIG_HONOURED = List.of("Cmd", "Entrypoint", "Env", "ExposedPorts", "Hostname",
            "Image", "Labels", "StopTimeout", "User", "Volumes", "WorkingDir");
    private static final List<String> HOST_HONOURED = List.of("AutoRemove", "Binds", "CapAdd", "CapDrop", "Init",
            "Memory", "Mounts", "NanoCpus", "NetworkMode", "PortBindings", "Privileged", "RestartPolicy");
    private static final List<String> MOUNT_HONOURED = List.of("ReadOnly", "Source", "Target", "Type");
    /** NetworkResource's fields (f9e924e7 vendor/github.com/docker/docker/api/types/types.go); Name and Driver used. */
    private static final List<String> NETWORK_FIELDS = List.of("Attachable", "Containers", "Created", "Driver",
            "EnableIPv6", "IPAM", "Id", "Internal", "Labels", "Name", "Options", "Peers", "Scope");
    /** Members whose values are maps (their keys are data, not field names). */
    private static final Set<String> MAP_VALUED = Set.of("labels", "tags", "exposedports", "volumes", "portbindings",
            "sysctls", "storageopt", "tmpfs", "options", "containers", "annotations");
    /** Go pointer fields whose false or 0 differs from unset (Init: our default is on, the engine's off). */
    private static final Set<String> POINTERS = Set.of("init", "memoryswappiness", "stoptimeout");
    private static final ObjectMapper MAPPER = mapper();
    private static final List<String> CONFIG_FIELDS = fields(ContainerConfig.class, CONFIG_ENGINE_ONLY);
    private static final List<String> HOST_FIELDS = fields(HostConfig.class, HOST_ENGINE_ONLY);

    private DockerReferenceProperties() {
    }

    /** Whether {@code tree} is the reference shape: an object with one of its top-level members. */
    static boolean isReferenceShape(JsonNode tree) {
        if (tree == null || !tree.isObject()) {
            return false;
        }
        for (Iterator<String> it = tree.fieldNames(); it.hasNext(); ) {
            if (canonical(MEMBERS, it.next()).isPresent()) {
                return true;
            }
        }
        return false;
    }

    /** Decodes the reference shape; every failure is INVALID_PROPERTIES naming the field path. */
    static DockerRequest decode(RawJson properties) {
        JsonNode tree;
        try {
            tree = MAPPER.readTree(properties.json());
        } catch (JsonProcessingException e) {
            throw InstanceException.invalid("", "is not valid JSON: " + e.getOriginalMessage());
        }
        checkNames(tree, "");
        ObjectNode root = (ObjectNode) tree;
        Map<String, JsonNode> top = members(root, MEMBERS, "");
        Map<String, String> tags = stringMap(top.get("Tags"), "Tags");
        JsonNode configNode = top.get("Config");
        if (configNode == null || configNode.isNull()) {
            throw InstanceException.invalid("Config", "is required (the container config, with at least Image)");
        }
        ObjectNode config = object(configNode, "Config");
        ObjectNode host = top.get("HostConfig") == null || top.get("HostConfig").isNull()
                ? MAPPER.createObjectNode() : object(top.get("HostConfig"), "HostConfig");
        Map<String, JsonNode> c = set(config, CONFIG_FIELDS, "Config");
        Map<String, JsonNode> h = set(host, HOST_FIELDS, "HostConfig");
        refuseUnhonoured(c, CONFIG_HONOURED, "Config");
        refuseUnhonoured(h, HOST_HONOURED, "HostConfig");
        ContainerConfig cc = read(config, ContainerConfig.class, "Config", CONFIG_ENGINE_ONLY);
        HostConfig hc = read(host, HostConfig.class, "HostConfig", HOST_ENGINE_ONLY);
        Integer stopTimeout = null;
        if (c.containsKey("StopTimeout")) {
            JsonNode t = c.get("StopTimeout");
            if (!t.isIntegralNumber() || !t.canConvertToInt()) {
                throw InstanceException.invalid("Config.StopTimeout", "must be an integer, got " + kind(t));
            }
            stopTimeout = t.intValue();
        }
        List<DockerRequest.NetworkAttachment> networks = networks(top.get("NetworkAttachments"));
        List<DockerProperties.Mount> mounts = new ArrayList<>(binds(h.get("Binds")));
        mounts.addAll(mounts(h.get("Mounts")));
        String networkMode = hc.getNetworkMode();
        if (networkMode != null && (networkMode.isEmpty() || networkMode.equals("default"))) {
            networkMode = null; // the engine's default network, as without the member
        }
        DockerProperties.Resources resources;
        DockerProperties.RestartPolicy restart;
        try {
            resources = hc.getMemory() == null && hc.getNanoCPUs() == null ? null
                    : new DockerProperties.Resources(hc.getMemory() == null ? null : hc.getMemory().toString(),
                    hc.getNanoCPUs() == null ? null : hc.getNanoCPUs() / 1e9);
        } catch (StrictProperties.Problem e) {
            throw InstanceException.invalid("HostConfig." + (e.field().equals("Cpus") ? "NanoCpus" : e.field()),
                    e.getMessage());
        }
        try {
            restart = hc.getRestartPolicy() == null ? null
                    : new DockerProperties.RestartPolicy(emptyToNull(hc.getRestartPolicy().getName()),
                    hc.getRestartPolicy().getMaximumRetryCount() == null
                            || hc.getRestartPolicy().getMaximumRetryCount() == 0 ? null
                            : hc.getRestartPolicy().getMaximumRetryCount());
        } catch (StrictProperties.Problem e) {
            throw InstanceException.invalid("HostConfig.RestartPolicy." + e.field(), e.getMessage());
        }
        try {
            DockerProperties p = new DockerProperties(cc.getImage(), null, list(cc.getCmd()),
                    list(cc.getEntrypoint()), env(cc.getEnv()), emptyToNull(cc.getWorkingDir()),
                    emptyToNull(cc.getUser()), emptyToNull(cc.getHostName()), cc.getLabels(),
                    c.containsKey("ExposedPorts") ? keys(c.get("ExposedPorts")) : null,
                    portBindings(h.get("PortBindings")), mounts,
                    c.containsKey("Volumes") ? keys(c.get("Volumes")) : null, networkMode,
                    networks.stream().map(DockerRequest.NetworkAttachment::name).toList(), restart, resources,
                    hc.getInit(), null, hc.getPrivileged(), caps(hc.getCapAdd()), caps(hc.getCapDrop()),
                    stopTimeout);
            return new DockerRequest(p, tags, Boolean.TRUE.equals(hc.getAutoRemove()), networks);
        } catch (StrictProperties.Problem e) {
            throw InstanceException.invalid(referencePath(e.field()), e.getMessage());
        }
    }

    /** Where a field of our shape came from in the reference shape, for its error. */
    private static String referencePath(String field) {
        String head = field.split("[.\\[]", 2)[0];
        String rest = field.substring(head.length());
        return switch (head) {
            case "Image", "Cmd", "Entrypoint", "Env", "WorkingDir", "User", "Hostname", "Labels", "ExposedPorts",
                    "Volumes", "StopTimeout" -> "Config." + field;
            case "Networks" -> "NetworkAttachments" + rest;
            case "Resources" -> "HostConfig" + (rest.startsWith(".Cpus") ? ".NanoCpus" : rest);
            case "Mounts" -> "HostConfig.Mounts (or Binds)" + rest;
            default -> "HostConfig." + field;
        };
    }

    private static JsonMapper mapper() {
        JsonMapper mapper = JsonMapper.builder()
                .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                // Go's StrSlice (Cmd, Entrypoint, CapAdd, ...) takes a single string as a one-element list.
                .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        for (LogicalType type : LogicalType.values()) {
            for (CoercionInputShape shape : List.of(CoercionInputShape.Integer, CoercionInputShape.Float,
                    CoercionInputShape.Boolean)) {
                boolean natural = type == LogicalType.Integer && shape == CoercionInputShape.Integer
                        || type == LogicalType.Float && shape != CoercionInputShape.Boolean
                        || type == LogicalType.Boolean && shape == CoercionInputShape.Boolean;
                if (!natural) {
                    mapper.coercionConfigFor(type).setCoercion(shape, CoercionAction.Fail);
                }
            }
        }
        return mapper;
    }

    /** The JSON names docker-java's model deserializes, plus the Engine API's names it lacks. */
    private static List<String> fields(Class<?> model, List<String> engineOnly) {
        BeanDescription d = MAPPER.getDeserializationConfig().introspect(MAPPER.constructType(model));
        Set<String> names = new TreeSet<>(engineOnly);
        for (BeanPropertyDefinition p : d.findProperties()) {
            if (p.couldDeserialize()) {
                names.add(p.getName());
            }
        }
        return List.copyOf(names);
    }

    /** Members of an object that differ only in case are refused (Go would keep one silently). */
    private static void checkNames(JsonNode node, String path) {
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                checkNames(node.get(i), path + "[" + i + "]");
            }
        }
        if (!node.isObject()) {
            return;
        }
        Map<String, String> seen = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String at = join(path, e.getKey());
            String earlier = seen.putIfAbsent(e.getKey().toLowerCase(Locale.ROOT), e.getKey());
            if (earlier != null) {
                throw InstanceException.invalid(at, "is given twice, as " + GoQuote.quote(earlier)
                        + " and " + GoQuote.quote(e.getKey()) + " (names match case-insensitively)");
            }
            boolean map = MAP_VALUED.contains(e.getKey().toLowerCase(Locale.ROOT))
                    || e.getKey().equalsIgnoreCase("Config") && path.toLowerCase(Locale.ROOT).endsWith("logconfig");
            if (!map) {
                checkNames(e.getValue(), at);
            }
        }
    }

    /** The members of {@code node}, by their canonical names; an unknown one is an error listing the known. */
    private static Map<String, JsonNode> members(ObjectNode node, List<String> known, String path) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = canonical(known, e.getKey()).orElseThrow(() -> InstanceException.invalid(
                    join(path, e.getKey()), "unknown field (known: " + String.join(", ", known) + ")"));
            out.put(name, e.getValue());
        }
        return out;
    }

    /** The known members that are set (not a Go zero value); zero ones are removed from {@code node}. */
    private static Map<String, JsonNode> set(ObjectNode node, List<String> known, String path) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        List<String> zero = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Optional<String> name = canonical(known, e.getKey());
            if (name.isEmpty()) {
                throw InstanceException.invalid(join(path, e.getKey()), "unknown field (known: "
                        + String.join(", ", known) + ")");
            }
            if (isZero(name.get(), e.getValue())) {
                zero.add(e.getKey());
            } else {
                out.put(name.get(), e.getValue());
            }
        }
        node.remove(zero);
        return out;
    }

    private static void refuseUnhonoured(Map<String, JsonNode> set, List<String> honoured, String path) {
        for (String name : set.keySet()) {
            if (!honoured.contains(name)) {
                throw InstanceException.invalid(path + "." + name, "is not supported by this plugin (it uses "
                        + path + "'s " + String.join(", ", honoured) + "); remove it or leave it at its zero value");
            }
        }
    }

    /**
     * Go's zero value of field {@code name}: what Go's encoder writes for a field that was never set. A pointer
     * field is unset only when null (its false or 0 was set on purpose); a map only when empty.
     */
    static boolean isZero(String name, JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return true;
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (POINTERS.contains(lower)) {
            return false;
        }
        if (n.isObject() && MAP_VALUED.contains(lower)) {
            return n.isEmpty();
        }
        if (n.isTextual()) {
            return n.textValue().isEmpty() || n.textValue().equals("0001-01-01T00:00:00Z"); // time.Time{}
        }
        if (n.isNumber()) {
            return n.decimalValue().signum() == 0;
        }
        if (n.isBoolean()) {
            return !n.booleanValue();
        }
        if (n.isArray()) {
            for (JsonNode e : n) {
                if (!e.isNumber() || e.decimalValue().signum() != 0) {
                    return n.isEmpty(); // a fixed-size array of zeros (ConsoleSize [0,0]) is zero too
                }
            }
            return true;
        }
        if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!isZero(e.getKey(), e.getValue())) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    /** Decodes with docker-java's model, strictly; Jackson's failures become errors with the field path. */
    private static <T> T read(ObjectNode node, Class<T> model, String path, List<String> skip) {
        ObjectNode copy = node.deepCopy();
        copy.remove(copy.properties().stream().map(Map.Entry::getKey)
                .filter(k -> canonical(skip, k).isPresent()).toList());
        try {
            return MAPPER.treeToValue(copy, model);
        } catch (UnrecognizedPropertyException e) {
            throw InstanceException.invalid(path(path, e.getPath()), "unknown field");
        } catch (MismatchedInputException e) {
            String at = path(path, e.getPath());
            String expected = expected(e.getTargetType());
            if (e.getPath().size() == 1 && isList(model, e.getPath().get(0).getFieldName())) {
                expected = "an array"; // Go's StrSlice also takes one string, as a one-element list
                if (e.getTargetType() == String.class) {
                    expected = "an array of strings (or one string)";
                }
            }
            throw InstanceException.invalid(at, "must be " + expected + ", got " + kind(at(copy, e.getPath())));
        } catch (JsonMappingException e) {
            throw InstanceException.invalid(path(path, e.getPath()), e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw InstanceException.invalid(path, e.getOriginalMessage());
        } catch (IllegalArgumentException e) {
            throw InstanceException.invalid(path, e.getMessage());
        }
    }

    private static boolean isList(Class<?> model, String field) {
        if (field == null) {
            return false;
        }
        BeanDescription d = MAPPER.getDeserializationConfig().introspect(MAPPER.constructType(model));
        return d.findProperties().stream().filter(p -> p.getName().equalsIgnoreCase(field)).findFirst()
                .map(p -> p.getRawPrimaryType().isArray() || List.class.isAssignableFrom(p.getRawPrimaryType()))
                .orElse(false);
    }

    private static String path(String root, List<JsonMappingException.Reference> refs) {
        StringBuilder b = new StringBuilder(root);
        for (JsonMappingException.Reference r : refs) {
            if (r.getFieldName() != null) {
                b.append('.').append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                b.append('[').append(r.getIndex()).append(']');
            }
        }
        return b.toString();
    }

    private static Optional<String> canonical(List<String> known, String name) {
        return known.stream().filter(k -> k.equalsIgnoreCase(name)).findFirst();
    }

    private static ObjectNode object(JsonNode node, String path) {
        if (!node.isObject()) {
            throw InstanceException.invalid(path, "must be an object, got " + kind(node));
        }
        return (ObjectNode) node;
    }

    private static Map<String, String> stringMap(JsonNode node, String path) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = object(node, path).fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw InstanceException.invalid(path + "[" + GoQuote.quote(e.getKey()) + "]",
                        "must be a string, got " + kind(e.getValue()));
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        return out;
    }

    private static List<String> list(String[] values) {
        return values == null ? null : List.of(values);
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** The Engine's {@code ["K=V"]} list as our map; a bare {@code K} (the engine's "unset") is refused. */
    private static Map<String, String> env(String[] env) {
        if (env == null) {
            return null;
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < env.length; i++) {
            String e = env[i];
            int eq = e == null ? -1 : e.indexOf('=');
            if (eq <= 0) {
                throw InstanceException.invalid("Config.Env[" + i + "]", "must be KEY=VALUE, got "
                        + GoQuote.quote(String.valueOf(e)));
            }
            if (out.put(e.substring(0, eq), e.substring(eq + 1)) != null) {
                throw InstanceException.invalid("Config.Env[" + i + "]", "sets " + e.substring(0, eq)
                        + " a second time");
            }
        }
        return out;
    }

    private static List<String> keys(JsonNode map) {
        List<String> out = new ArrayList<>();
        map.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static List<String> caps(com.github.dockerjava.api.model.Capability[] caps) {
        return caps == null ? null : List.of(caps).stream().map(Enum::name).toList();
    }

    /** {@code source:target[:ro|rw]}: a host path (bind) or a volume name. */
    private static List<DockerProperties.Mount> binds(JsonNode raw) {
        if (raw == null) {
            return List.of();
        }
        List<DockerProperties.Mount> out = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            String bind = raw.get(i).textValue();
            String[] parts = bind.split(":", -1);
            if (parts.length < 2 || parts.length > 3 || parts.length == 3 && !List.of("ro", "rw").contains(parts[2])) {
                throw InstanceException.invalid("HostConfig.Binds[" + i + "]", "must be SOURCE:TARGET, "
                        + "SOURCE:TARGET:ro or SOURCE:TARGET:rw (other options are not supported), got "
                        + GoQuote.quote(bind));
            }
            boolean hostPath = parts[0].startsWith("/");
            try {
                out.add(new DockerProperties.Mount(hostPath ? "bind" : "volume", parts[0], parts[1],
                        parts.length == 3 && parts[2].equals("ro")));
            } catch (StrictProperties.Problem e) {
                throw InstanceException.invalid("HostConfig.Binds[" + i + "]", e.field() + " " + e.getMessage());
            }
        }
        return out;
    }

    private static List<DockerProperties.Mount> mounts(JsonNode raw) {
        if (raw == null) {
            return List.of();
        }
        List<DockerProperties.Mount> out = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            String at = "HostConfig.Mounts[" + i + "]";
            Map<String, JsonNode> m = new LinkedHashMap<>();
            raw.get(i).fields().forEachRemaining(e -> {
                if (!isZero(e.getKey(), e.getValue())) {
                    m.put(canonical(List.of("BindOptions", "Consistency", "ReadOnly", "Source", "Target", "Type",
                            "TmpfsOptions", "VolumeOptions", "ImageOptions"), e.getKey()).orElse(e.getKey()),
                            e.getValue());
                }
            });
            refuseUnhonoured(m, MOUNT_HONOURED, at);
            JsonNode ro = m.get("ReadOnly");
            try {
                out.add(new DockerProperties.Mount(text(m.get("Type")), text(m.get("Source")),
                        text(m.get("Target")), ro != null && ro.booleanValue()));
            } catch (StrictProperties.Problem e) {
                throw InstanceException.invalid(at + "." + e.field(), e.getMessage());
            }
        }
        return out;
    }

    private static String text(JsonNode n) {
        return n == null ? null : n.textValue();
    }

    /** {@code {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}}, as the Engine takes it. */
    private static List<DockerProperties.PortBinding> portBindings(JsonNode raw) {
        if (raw == null) {
            return null;
        }
        List<DockerProperties.PortBinding> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = raw.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String at = "HostConfig.PortBindings[" + GoQuote.quote(e.getKey()) + "]";
            if (e.getValue().isNull()) {
                continue;
            }
            for (int i = 0; i < e.getValue().size(); i++) {
                JsonNode b = e.getValue().get(i);
                try {
                    out.add(new DockerProperties.PortBinding(e.getKey(), emptyToNull(text(b.get("HostIp"))),
                            emptyToNull(text(b.get("HostPort")))));
                } catch (StrictProperties.Problem p) {
                    throw InstanceException.invalid(at + "[" + i + "]." + p.field(), p.getMessage());
                }
            }
        }
        return out;
    }

    private static List<DockerRequest.NetworkAttachment> networks(JsonNode raw) {
        if (raw == null || raw.isNull()) {
            return List.of();
        }
        if (!raw.isArray()) {
            throw InstanceException.invalid("NetworkAttachments", "must be an array, got " + kind(raw));
        }
        List<DockerRequest.NetworkAttachment> out = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            String at = "NetworkAttachments[" + i + "]";
            ObjectNode n = object(raw.get(i), at);
            Map<String, JsonNode> m = members(n, NETWORK_FIELDS, at);
            m.entrySet().removeIf(e -> isZero(e.getKey(), e.getValue()));
            refuseUnhonoured(m, List.of("Driver", "Name"), at);
            for (String f : List.of("Name", "Driver")) {
                if (m.containsKey(f) && !m.get(f).isTextual()) {
                    throw InstanceException.invalid(at + "." + f, "must be a string, got " + kind(m.get(f)));
                }
            }
            if (!m.containsKey("Name")) {
                throw InstanceException.invalid(at + ".Name", "is required (the network to join)");
            }
            out.add(new DockerRequest.NetworkAttachment(m.get("Name").textValue(), text(m.get("Driver"))));
        }
        return out;
    }
}
