package org.infrakit4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Checks every provider's generated Properties schema needs: its documented defaults are what the records take,
 * and {@code --properties-schema} prints it alone and touches nothing.
 */
public final class SchemaChecks {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SchemaChecks() {
    }

    /**
     * Compares each documented default with the decoded value where the member is present, through lists and
     * nested objects; returns how many were compared.
     */
    public static int defaultsAgree(JsonNode schema, JsonNode decoded) {
        int checked = 0;
        if (schema.has("items") && decoded.isArray()) {
            for (JsonNode element : decoded) {
                checked += defaultsAgree(schema.get("items"), element);
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = schema.path("properties").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> member = it.next();
            JsonNode value = decoded.path(member.getKey());
            if (member.getValue().has("default")) {
                assertThat(value.toString()).as(member.getKey()).isEqualTo(member.getValue().get("default").toString());
                checked++;
            }
            checked += defaultsAgree(member.getValue(), value);
        }
        return checked;
    }

    /** {@code json} with the value at a JSON pointer ({@code /Mounts/0/Type}) replaced. */
    public static JsonNode replaced(String json, String pointer, JsonNode value) throws Exception {
        JsonNode document = JSON.readTree(json);
        int slash = pointer.lastIndexOf('/');
        JsonNode parent = document.at(pointer.substring(0, slash));
        String last = pointer.substring(slash + 1);
        if (parent.isArray()) {
            ((ArrayNode) parent).set(Integer.parseInt(last), value);
        } else {
            ((ObjectNode) parent).set(last, value);
        }
        return document;
    }

    /**
     * Runs the plugin's {@code main} as its own process with {@code --properties-schema} and {@code args} (point
     * them at a backend where nothing listens): it must exit 0 having printed the schema and nothing else, without
     * creating the plugins directory.
     */
    public static void printsTheSchemaAlone(Class<?> main, JsonNode schema, String... args) throws Exception {
        Path home = Files.createTempDirectory(Path.of("/tmp"), "ik4js-");
        try (PluginProcess processes = new PluginProcess(main, home, Map.of())) {
            List<String> command = new ArrayList<>(List.of("--properties-schema", "--plugins-dir",
                    home.resolve("plugins").toString()));
            command.addAll(List.of(args));
            Process p = processes.start(command.toArray(String[]::new));
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isZero();
            // the whole output is the schema, one JSON document: nothing logged before or after it
            assertThat(new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .readTree(processes.output(0)).toString()).isEqualTo(schema.toString());
            assertThat(home.resolve("plugins")).doesNotExist();
        } finally {
            try (Stream<Path> files = Files.walk(home)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
