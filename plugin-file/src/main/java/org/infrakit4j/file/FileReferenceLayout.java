package org.infrakit4j.file;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.infrakit4j.spi.Spec;

/**
 * The instance files InfraKit's Go file plugin writes, read so {@code --adopt} can take them over: one file per
 * instance named by its ID ({@code instance-<decimal>}, no extension), holding the instance's Description members
 * at the top level ({@code ID}, {@code LogicalID}, {@code Tags}) and the Spec it was provisioned with
 * ({@code Spec}). Only a file of that shape is taken: another top-level member, a wrong type, an ID that is not the
 * file's name, a symlink or a file over {@value #MAX_BYTES} bytes is refused, and the file is left where it is.
 */
final class FileReferenceLayout {
    /** The Go plugin's IDs: {@code instance-} and a non-negative 63-bit decimal. */
    static final Pattern NAME = Pattern.compile("instance-[0-9]{1,19}");
    /** Far more than the Go plugin writes for any Spec a group sends; bounds what a stray file can cost. */
    static final int MAX_BYTES = 4 << 20;

    private FileReferenceLayout() {
    }

    /** Whether a directory entry is named as the Go plugin names its instance files. */
    static boolean isReferenceName(String fileName) {
        return NAME.matcher(fileName).matches();
    }

    /**
     * Reads one of the Go plugin's instance files as our instance, under the same ID (the group knows it by that
     * ID). Its creation and change times are the file's modification time: the Go plugin recorded neither.
     *
     * @throws IOException saying why the file is not one the Go plugin wrote
     */
    static FileInstance read(Path file) throws IOException {
        String name = file.getFileName().toString();
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
        if (!attributes.isRegularFile()) {
            throw new IOException("not a regular file");
        }
        if (attributes.size() > MAX_BYTES) {
            throw new IOException("larger than " + MAX_BYTES + " bytes");
        }
        byte[] bytes = Files.readAllBytes(file);
        String id = null;
        String logicalId = null;
        Map<String, String> tags = Map.of();
        Spec spec = null;
        try (JsonParser p = FileJson.MAPPER.getFactory().createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String member = p.currentName();
                JsonToken value = p.nextToken();
                switch (member) {
                    case "ID" -> id = string(p, value, member);
                    case "LogicalID" -> logicalId = value == JsonToken.VALUE_NULL ? null : string(p, value, member);
                    case "Tags" -> tags = tags(p, value, member);
                    // What the Go plugin's Describe put there; it never wrote it, but the member is in its type.
                    case "Properties" -> p.skipChildren();
                    case "Spec" -> {
                        if (value != JsonToken.START_OBJECT) {
                            throw new IOException("Spec: expected an object, got " + value);
                        }
                        spec = p.readValueAs(Spec.class);
                    }
                    default -> throw new IOException("unknown member " + member);
                }
            }
            if (p.nextToken() != null) {
                throw new IOException("content after the JSON object");
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException("not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (id == null || !id.equals(name)) {
            throw new IOException("its ID " + id + " is not its file name");
        }
        if (spec == null) {
            throw new IOException("no Spec");
        }
        Instant modified = attributes.lastModifiedTime().toInstant();
        return new FileInstance(id, logicalId, tags, spec, modified, modified);
    }

    private static String string(JsonParser p, JsonToken value, String member) throws IOException {
        if (value != JsonToken.VALUE_STRING) {
            throw new IOException(member + ": expected a string, got " + value);
        }
        return p.getText();
    }

    private static Map<String, String> tags(JsonParser p, JsonToken value, String member) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return Map.of();
        }
        if (value != JsonToken.START_OBJECT) {
            throw new IOException(member + ": expected an object of strings, got " + value);
        }
        Map<String, String> tags = new HashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken v = p.nextToken();
            tags.put(key, string(p, v, member + "." + key));
        }
        return tags;
    }
}
