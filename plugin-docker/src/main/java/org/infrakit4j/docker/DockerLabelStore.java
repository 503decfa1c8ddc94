package org.infrakit4j.docker;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;

/**
 * Tags added by Label, by container ID. Docker cannot change a container's labels, so the merged tags live here and
 * are overlaid on Describe; Destroy forgets them, and the plugin prunes those of containers removed behind its back
 * (at start and then periodically), so the file holds at most the engine's containers. One small JSON file (mode
 * 0600), rewritten atomically (temp file, fsync, rename) on every change, read once at start.
 */
final class DockerLabelStore {
    private final Path file;
    /** An immutable snapshot, replaced whole on each write, so readers need no lock. */
    private volatile Map<String, Map<String, String>> overlays;

    private DockerLabelStore(Path file, Map<String, Map<String, String>> overlays) {
        this.file = file;
        this.overlays = overlays;
    }

    static DockerLabelStore open(Path file) throws IOException {
        Path abs = file.toAbsolutePath().normalize();
        Files.createDirectories(abs.getParent());
        Map<String, Map<String, String>> loaded = Map.of();
        if (Files.exists(abs)) {
            Map<String, Map<String, String>> read = DockerJson.MAPPER.readValue(abs.toFile(),
                    new TypeReference<Map<String, Map<String, String>>>() { });
            loaded = freeze(read == null ? Map.of() : read);
        }
        return new DockerLabelStore(abs, loaded);
    }

    Path file() {
        return file;
    }

    /** The error of a write that failed: the plugin's fault, not the caller's, and never half-done. */
    InstanceException unwritable(IOException e) {
        return new InstanceException(ErrorCode.INTERNAL, "cannot write the label store " + file + ": "
                + e.getMessage(), e);
    }

    Map<String, Map<String, String>> all() {
        return overlays;
    }

    Map<String, String> get(String id) {
        return overlays.getOrDefault(id, Map.of());
    }

    /** Whether the container was adopted: made by InfraKit's reference plugin, now this plugin's. */
    boolean isAdopted(String id) {
        return get(id).containsKey(DockerLabels.ADOPTED);
    }

    /** Whether any container is adopted, so Describe must look beyond the containers with the marker label. */
    boolean anyAdopted() {
        return overlays.values().stream().anyMatch(m -> m.containsKey(DockerLabels.ADOPTED));
    }

    /** Every key some container has overlaid: the engine cannot filter on those. */
    Set<String> overlaidKeys() {
        Set<String> keys = new HashSet<>();
        overlays.values().forEach(m -> keys.addAll(m.keySet()));
        return keys;
    }

    synchronized void merge(String id, Map<String, String> labels) throws IOException {
        Map<String, Map<String, String>> next = new TreeMap<>(overlays);
        Map<String, String> merged = new TreeMap<>(next.getOrDefault(id, Map.of()));
        merged.putAll(labels);
        next.put(id, merged);
        write(next);
    }

    synchronized void forget(String id) throws IOException {
        if (!overlays.containsKey(id)) {
            return;
        }
        Map<String, Map<String, String>> next = new TreeMap<>(overlays);
        next.remove(id);
        write(next);
    }

    /** The containers the store holds tags for now. */
    Set<String> ids() {
        return overlays.keySet();
    }

    /**
     * Forgets the containers among {@code known} that are not {@code live}. {@code known} must be taken from
     * {@link #ids()} before {@code live} was listed, so a container labelled for the first time after the listing
     * is never taken for a removed one (container IDs are never reused).
     *
     * @return how many were forgotten
     */
    synchronized int prune(Set<String> known, Set<String> live) throws IOException {
        Map<String, Map<String, String>> next = new TreeMap<>(overlays);
        int before = next.size();
        next.keySet().removeIf(id -> known.contains(id) && !live.contains(id));
        int gone = before - next.size();
        if (gone > 0) {
            write(next);
        }
        return gone;
    }

    private void write(Map<String, Map<String, String>> next) throws IOException {
        byte[] json = DockerJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(next);
        Path temp = file.resolveSibling("." + file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(temp, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------")))) {
            ByteBuffer buffer = ByteBuffer.wrap(json);
            while (buffer.hasRemaining()) {
                ch.write(buffer);
            }
            ch.force(true);
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        }
        overlays = freeze(next);
    }

    private static Map<String, Map<String, String>> freeze(Map<String, Map<String, String>> m) {
        Map<String, Map<String, String>> copy = new HashMap<>();
        m.forEach((k, v) -> copy.put(k, Map.copyOf(v)));
        return Map.copyOf(copy);
    }
}
