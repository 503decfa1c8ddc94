package org.infrakit4j.file;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.infrakit4j.rpc.GoJson;
import org.infrakit4j.spi.Attachment;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;

/** The JSON form of instance files. Properties are kept as raw JSON, numbers exactly as received. */
final class FileJson {
    static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .registerModule(new SimpleModule("infrakit4j-file")
                    .addSerializer(RawJson.class, new JsonSerializer<>() {
                        @Override
                        public void serialize(RawJson value, JsonGenerator gen, SerializerProvider serializers)
                                throws IOException {
                            gen.writeRawValue(value.json());
                        }
                    })
                    .addDeserializer(RawJson.class, new JsonDeserializer<>() {
                        @Override
                        public RawJson deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                            return GoJson.readRaw(p);
                        }

                        @Override
                        public RawJson getNullValue(DeserializationContext ctxt) {
                            return RawJson.NULL;
                        }
                    })
                    .addSerializer(Spec.class, new JsonSerializer<>() {
                        @Override
                        public void serialize(Spec spec, JsonGenerator gen, SerializerProvider serializers)
                                throws IOException {
                            gen.writeStartObject();
                            gen.writeFieldName("Properties");
                            gen.writeRawValue(spec.properties().json());
                            gen.writeObjectField("Tags", spec.tags().isEmpty() ? null : spec.tags());
                            gen.writeStringField("Init", spec.init());
                            gen.writeStringField("LogicalID", spec.logicalId().orElse(null));
                            gen.writeFieldName("Attachments");
                            if (spec.attachments().isEmpty()) {
                                gen.writeNull();
                            } else {
                                gen.writeStartArray();
                                for (Attachment a : spec.attachments()) {
                                    gen.writeStartObject();
                                    gen.writeStringField("ID", a.id());
                                    gen.writeStringField("Type", a.type());
                                    gen.writeEndObject();
                                }
                                gen.writeEndArray();
                            }
                            gen.writeEndObject();
                        }
                    })
                    .addDeserializer(Spec.class, new JsonDeserializer<>() {
                        @Override
                        public Spec deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                            return readSpec(p);
                        }
                    })
                    .addSerializer(Instant.class, new JsonSerializer<>() {
                        @Override
                        public void serialize(Instant value, JsonGenerator gen, SerializerProvider serializers)
                                throws IOException {
                            gen.writeString(value.toString());
                        }
                    })
                    .addDeserializer(Instant.class, new JsonDeserializer<>() {
                        @Override
                        public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                            return Instant.parse(p.getValueAsString());
                        }
                    }));

    /**
     * The same mapping on one line, for journal records. A copy, not a writer without indentation: serializers
     * that write nested values through the mapper would turn indentation back on.
     */
    static final com.fasterxml.jackson.databind.ObjectWriter COMPACT =
            MAPPER.copy().disable(SerializationFeature.INDENT_OUTPUT).writer();

    private FileJson() {
    }

    private static Spec readSpec(JsonParser p) throws IOException {
        RawJson properties = RawJson.NULL;
        Map<String, String> tags = Map.of();
        String init = "";
        String logicalId = null;
        List<Attachment> attachments = new ArrayList<>();
        while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            switch (name) {
                case "Properties" -> properties = GoJson.readRaw(p);
                case "Tags" -> {
                    Map<String, String> t = p.readValueAs(new com.fasterxml.jackson.core.type.TypeReference<
                            Map<String, String>>() { });
                    tags = t == null ? Map.of() : t;
                }
                case "Init" -> init = p.getValueAsString("");
                case "LogicalID" -> logicalId = p.getValueAsString();
                case "Attachments" -> {
                    JsonNode list = p.readValueAsTree();
                    if (list != null && list.isArray()) {
                        for (JsonNode a : list) {
                            attachments.add(new Attachment(a.path("ID").asText(), a.path("Type").asText()));
                        }
                    }
                }
                default -> p.skipChildren();
            }
        }
        return new Spec(properties, tags, init, Optional.ofNullable(logicalId), attachments);
    }
}
