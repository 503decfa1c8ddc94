package org.infrakit4j.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.runtime.StrictProperties;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.RawJson;
import org.junit.jupiter.api.Test;

/** The shared strict decoder: case-insensitive names, and every other deviation an error naming its path. */
class StrictPropertiesTest {
    enum Mode { fast, safe }

    record Disk(@JsonProperty("Size") Long size, @JsonProperty("Kind") Mode kind) {
        Disk {
            if (size != null && size <= 0) {
                throw new StrictProperties.Problem("Size", "must be positive");
            }
        }
    }

    record Props(@JsonProperty("Name") String name, @JsonProperty("Count") Integer count,
                 @JsonProperty("Ratio") Double ratio, @JsonProperty("On") Boolean on,
                 @JsonProperty("Disks") List<Disk> disks, @JsonProperty("Labels") Map<String, String> labels,
                 @JsonProperty("Main") Disk main) {
        Props {
            if (name == null) {
                throw new StrictProperties.Problem("Name", "is required");
            }
        }
    }

    private static Props decode(String json) {
        return StrictProperties.decode(new RawJson(json), Props.class, null, "an object with Name");
    }

    private static void refused(String json, String message) {
        assertThatThrownBy(() -> decode(json)).as(json).isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).isEqualTo("invalid properties: " + message));
    }

    @Test
    void acceptsGoodPropertiesWithAnyCaseOfNames() {
        Props p = decode("{\"name\":\"a\",\"COUNT\":3,\"Ratio\":1,\"on\":true,\"disks\":[{\"size\":10,\"kind\":\"FAST\"}],"
                + "\"Labels\":{\"x\":\"y\"},\"main\":null}");
        assertThat(p).isEqualTo(new Props("a", 3, 1.0, true, List.of(new Disk(10L, Mode.fast)), Map.of("x", "y"),
                null));
    }

    @Test
    void namesTheFieldPathOfEveryMistake() {
        refused("{\"Name\":\"a\",\"Nmae\":1}", "Properties.Nmae: unknown field (known: Count, Disks, Labels, "
                + "Main, Name, On, Ratio)");
        refused("{\"Name\":\"a\",\"Disks\":[{\"Size\":1},{\"Sise\":2}]}",
                "Properties.Disks[1].Sise: unknown field (known: Kind, Size)");
        refused("{\"Name\":5}", "Properties.Name: must be a string, got a number");
        refused("{\"Name\":\"a\",\"Count\":\"3\"}", "Properties.Count: must be an integer, got a string");
        refused("{\"Name\":\"a\",\"Count\":1.5}", "Properties.Count: must be an integer, got a number");
        refused("{\"Name\":\"a\",\"On\":\"yes\"}", "Properties.On: must be a boolean, got a string");
        refused("{\"Name\":\"a\",\"disks\":{}}", "Properties.Disks: must be an array, got an object");
        refused("{\"Name\":\"a\",\"Disks\":[{\"Size\":-1}]}", "Properties.Disks[0].Size: must be positive");
        refused("{\"Name\":\"a\",\"Disks\":[{\"Kind\":\"slow\"}]}",
                "Properties.Disks[0].Kind: must be one of fast, safe, got \"slow\"");
        refused("{\"Name\":\"a\",\"Labels\":{\"k\":[]}}", "Properties.Labels[\"k\"]: must be a string, got an array");
        refused("{}", "Properties.Name: is required");
        refused("[1]", "Properties: must be an object, got an array");
        refused("{\"Name\":\"a\",\"Name\":\"b\"}", "Properties: is not valid JSON: Duplicate field 'Name'");
        refused("{\"Name\":\"a\",\"name\":\"b\"}", "Properties.Name: is given twice, as \"Name\" and \"name\" "
                + "(names match case-insensitively)");
        refused("{\"Name\":\"a\",\"Main\":{\"Size\":1,\"SIZE\":2}}", "Properties.Main.Size: is given twice, as "
                + "\"Size\" and \"SIZE\" (names match case-insensitively)");
    }

    @Test
    void nullIsTheDefaultOrRequired() {
        assertThatThrownBy(() -> decode("null")).isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).isEqualTo("invalid properties: Properties: is required: an object "
                + "with Name"));
        Props fallback = new Props("d", null, null, null, null, null, null);
        assertThat(StrictProperties.decode(RawJson.NULL, Props.class, fallback, "")).isSameAs(fallback);
    }
}
