package org.infrakit4j.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.runtime.PropertiesSchema;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.RawJson;
import org.junit.jupiter.api.Test;

/** Decoding and schema of the Properties record. */
class TemplatePropertiesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void decodesSizeAndLabelsWithNamesMatchedCaseInsensitively() {
        TemplateProperties p = TemplateProperties.decode(new RawJson("{\"size\":\"Large\",\"labels\":{\"a\":\"b\"}}"));
        assertThat(p).isEqualTo(new TemplateProperties(TemplateProperties.Size.LARGE, Map.of("a", "b")));
    }

    @Test
    void absentLabelsAreEmpty() {
        assertThat(TemplateProperties.decode(new RawJson("{\"Size\":\"small\"}")).labels()).isEmpty();
    }

    @Test
    void errorsNameTheFieldAndSayWhatIsWrong() {
        assertThatThrownBy(() -> TemplateProperties.decode(new RawJson("{\"Size\":\"huge\"}")))
                .isInstanceOfSatisfying(InstanceException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PROPERTIES))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).isEqualTo("invalid properties: Properties.Size: must be one of small, medium, large, got \"huge\""));
        assertThatThrownBy(() -> TemplateProperties.decode(new RawJson("{\"Size\":\"small\",\"Labels\":{\"\":\"x\"}}")))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).isEqualTo("invalid properties: Properties.Labels[\"\"]: a label name must not be empty"));
        assertThatThrownBy(() -> TemplateProperties.decode(new RawJson("{\"Size\":\"small\",\"Labels\":{\"a\":null}}")))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).isEqualTo("invalid properties: Properties.Labels[\"a\"]: must be a string, got null"));
        assertThatThrownBy(() -> TemplateProperties.decode(new RawJson("{\"Sise\":\"small\"}")))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).isEqualTo("invalid properties: Properties.Sise: unknown field (known: Labels, Size)"));
    }

    @Test
    void theSchemaDocumentsWhatDecodeAccepts() throws Exception {
        JsonNode schema = PropertiesSchema.of(TemplateProperties.class);
        assertThat(schema.path("additionalProperties").asBoolean(true)).isFalse();
        assertThat(schema.at("/properties/Size/enum").toString()).isEqualTo("[\"small\",\"medium\",\"large\"]");
        assertThat(schema.at("/properties/Labels/additionalProperties/type").asText()).isEqualTo("string");
        // every size the schema lists decodes, and Properties the plugin accepts conform to the schema
        for (JsonNode size : schema.at("/properties/Size/enum")) {
            String accepted = "{\"Size\":" + size + ",\"Labels\":{\"team\":\"a\"}}";
            TemplateProperties.decode(new RawJson(accepted));
            assertThat(PropertiesSchema.violations(schema, JSON.readTree(accepted))).isEmpty();
        }
        // what the schema calls required, decoding refuses without
        assertThat(schema.path("required").toString()).isEqualTo("[\"Size\"]");
        assertThat(PropertiesSchema.violations(schema, JSON.readTree("{}"))).containsExactly("(top): Size is required");
        assertThatThrownBy(() -> TemplateProperties.decode(new RawJson("{}")))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).startsWith("invalid properties: Properties.Size: is required"));
    }
}
