package org.infrakit4j.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The schema generator: types, facts from {@link Schema}, misuse refused, the checker, and the common flag. */
class PropertiesSchemaTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    enum Mode {
        @JsonProperty("fast-lane") FAST,
        @JsonProperty("safe") SAFE
    }

    record Disk(@Schema(required = true, values = {"new", "old"}) @JsonProperty("Kind") String kind,
                @Schema(minimum = 1, maximum = 1024, defaultValue = "8") @JsonProperty("SizeGiB") Long sizeGiB) {
    }

    @Schema(title = "demo Properties", description = "A test record.")
    record Props(@Schema(required = true, description = "What to run.", minLength = 1, maxLength = 64)
                 @JsonProperty("Image") String image,
                 @Schema(defaultValue = "safe") @JsonProperty("Mode") Mode mode,
                 @Schema(exclusiveMinimum = 0, maximum = 2.5) @JsonProperty("Cpus") Double cpus,
                 @Schema(defaultValue = "true") @JsonProperty("Init") Boolean init,
                 @Schema(pattern = "^/", description = "Absolute paths.") @JsonProperty("Paths") List<String> paths,
                 @JsonProperty("Labels") Map<String, String> labels,
                 @JsonProperty("Disks") List<Disk> disks,
                 @JsonProperty("Main") Disk main,
                 @Schema(defaultValue = "[\"safe\"]") @JsonProperty("Boot") List<Mode> boot,
                 Integer count) {
    }

    @Test
    void derivesMembersTypesAndFactsFromTheRecord() throws Exception {
        JsonNode schema = JSON.readTree(PropertiesSchema.json(Props.class));
        assertThat(schema.path("$schema").asText()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
        assertThat(schema.path("title").asText()).isEqualTo("demo Properties");
        assertThat(schema.path("description").asText()).isEqualTo("A test record.");
        assertThat(schema.path("type").asText()).isEqualTo("object");
        assertThat(schema.path("additionalProperties").asBoolean(true)).isFalse();
        assertThat(schema.path("required").toString()).isEqualTo("[\"Image\"]");
        assertThat(fieldNames(schema.path("properties"))).containsExactly("Image", "Mode", "Cpus", "Init", "Paths",
                "Labels", "Disks", "Main", "Boot", "count");
        assertThat(schema.at("/properties/Image").toString()).isEqualTo(
                "{\"type\":\"string\",\"description\":\"What to run.\",\"minLength\":1,\"maxLength\":64}");
        assertThat(schema.at("/properties/Mode").toString()).isEqualTo(
                "{\"type\":\"string\",\"enum\":[\"fast-lane\",\"safe\"],\"default\":\"safe\"}");
        assertThat(schema.at("/properties/Cpus").toString()).isEqualTo(
                "{\"type\":\"number\",\"exclusiveMinimum\":0,\"maximum\":2.5}");
        assertThat(schema.at("/properties/Init").toString()).isEqualTo("{\"type\":\"boolean\",\"default\":true}");
        // value facts on a list go to its items; the description stays on the member
        assertThat(schema.at("/properties/Paths").toString()).isEqualTo("{\"type\":\"array\",\"items\":"
                + "{\"type\":\"string\",\"pattern\":\"^/\"},\"description\":\"Absolute paths.\"}");
        assertThat(schema.at("/properties/Labels").toString()).isEqualTo(
                "{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"}}");
        assertThat(schema.at("/properties/Disks/items").toString()).isEqualTo("{\"type\":\"object\","
                + "\"additionalProperties\":false,\"properties\":{\"Kind\":{\"type\":\"string\",\"enum\":[\"new\","
                + "\"old\"]},\"SizeGiB\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":1024,\"default\":8}},"
                + "\"required\":[\"Kind\"]}");
        assertThat(schema.at("/properties/Main")).isEqualTo(schema.at("/properties/Disks/items"));
        assertThat(schema.at("/properties/Boot/default").toString()).isEqualTo("[\"safe\"]");
        assertThat(schema.at("/properties/count/type").asText()).isEqualTo("integer");
    }

    record BadPattern(@Schema(pattern = "[") @JsonProperty("A") String a) {
    }

    record PatternOnNumber(@Schema(pattern = "^1") @JsonProperty("A") Integer a) {
    }

    record BoundOnString(@Schema(minimum = 1) @JsonProperty("A") String a) {
    }

    record DefaultBreaksBound(@Schema(maximum = 10, defaultValue = "11") @JsonProperty("A") Integer a) {
    }

    record DefaultNotJson(@Schema(defaultValue = "yes") @JsonProperty("A") Boolean a) {
    }

    record ValuesOnEnum(@Schema(values = "x") @JsonProperty("A") Mode a) {
    }

    record Unsupported(@JsonProperty("A") java.time.Instant a) {
    }

    record Loop(@JsonProperty("Next") List<Loop> next) {
    }

    @Test
    void refusesFactsThatCannotHoldAndTypesItCannotDescribe() {
        assertThatThrownBy(() -> PropertiesSchema.of(BadPattern.class))
                .hasMessageContaining("BadPattern.A: @Schema pattern does not compile");
        assertThatThrownBy(() -> PropertiesSchema.of(PatternOnNumber.class))
                .hasMessage("PatternOnNumber.A: @Schema pattern does not apply to its type");
        assertThatThrownBy(() -> PropertiesSchema.of(BoundOnString.class))
                .hasMessage("BoundOnString.A: @Schema minimum does not apply to its type");
        assertThatThrownBy(() -> PropertiesSchema.of(DefaultBreaksBound.class))
                .hasMessage("DefaultBreaksBound.A: @Schema defaultValue 11 breaks its own schema: "
                        + "[(top): 11 is above the maximum 10]");
        assertThatThrownBy(() -> PropertiesSchema.of(DefaultNotJson.class))
                .hasMessage("DefaultNotJson.A: @Schema defaultValue is not JSON: yes");
        assertThatThrownBy(() -> PropertiesSchema.of(ValuesOnEnum.class))
                .hasMessage("ValuesOnEnum.A: @Schema values does not apply to its type");
        assertThatThrownBy(() -> PropertiesSchema.of(Unsupported.class))
                .hasMessage("no JSON Schema for Unsupported.A of type java.time.Instant");
        assertThatThrownBy(() -> PropertiesSchema.of(Loop.class))
                .hasMessageContaining("recursive record");
    }

    @Test
    void theCheckerAcceptsConformingValuesAndNamesEachViolation() throws Exception {
        JsonNode schema = PropertiesSchema.of(Props.class);
        assertThat(PropertiesSchema.violations(schema, JSON.readTree("{\"Image\":\"busybox\",\"Mode\":\"fast-lane\","
                + "\"Cpus\":2.5,\"Init\":false,\"Paths\":[\"/a\"],\"Labels\":{\"k\":\"v\"},"
                + "\"Disks\":[{\"Kind\":\"new\",\"SizeGiB\":1024}],\"Boot\":[\"safe\"],\"count\":3}"))).isEmpty();
        assertThat(PropertiesSchema.violations(schema, JSON.readTree("{\"Mode\":\"FAST\",\"Cpus\":0,"
                + "\"Init\":\"yes\",\"Paths\":[\"a\"],\"Labels\":{\"k\":1},\"Disks\":[{\"SizeGiB\":0}],"
                + "\"count\":1.5,\"Extra\":1}"))).containsExactly(
                "(top): Image is required",
                "Mode: \"FAST\" is not one of [\"fast-lane\",\"safe\"]",
                "Cpus: 0 is not above 0",
                "Init: must be boolean, got string",
                "Paths[0]: \"a\" does not match ^/",
                "Labels[\"k\"]: must be string, got number",
                "Disks[0]: Kind is required",
                "Disks[0].SizeGiB: 0 is below the minimum 1",
                "count: must be integer, got number",
                "Extra: not a member of the schema");
        assertThat(PropertiesSchema.violations(schema, JSON.readTree("{\"Image\":\"\"}")))
                .containsExactly("Image: shorter than 1");
    }

    static final class Demo implements PluginLauncher.PluginCommand {
        final Flags flags = new Flags("demo", "A command with the schema flag.");
        final PropertiesSchema.Flag schema = new PropertiesSchema.Flag(flags, Props.class);

        @Override
        public Flags flags() {
            return flags;
        }

        @Override
        public int call() {
            throw new IllegalStateException("the command ran: it must not when the schema is asked for");
        }
    }

    @Test
    void theFlagPrintsTheSchemaAndExitsZeroWithoutRunningTheCommand() throws Exception {
        PrintStream stdout = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            exit = PluginLauncher.execute(new Demo(), "--properties-schema");
        } finally {
            System.setOut(stdout);
        }
        assertThat(exit).isEqualTo(PluginLauncher.EXIT_OK);
        assertThat(JSON.readTree(out.toString(StandardCharsets.UTF_8)).toString())
                .isEqualTo(PropertiesSchema.of(Props.class).toString());
    }

    @Test
    void withoutTheFlagTheCommandRuns() {
        PrintStream stderr = System.err;
        int exit;
        System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try {
            exit = PluginLauncher.execute(new Demo());
        } finally {
            System.setErr(stderr);
        }
        assertThat(exit).isEqualTo(PluginLauncher.EXIT_FAILURE);
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
