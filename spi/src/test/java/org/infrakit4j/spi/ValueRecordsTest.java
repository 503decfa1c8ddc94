package org.infrakit4j.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The SPI's records check their values when made and never share a caller's mutable collection. */
class ValueRecordsTest {

    @Test
    void rawJsonRefusesNothingButBlankTextAndKnowsNull() {
        assertThat(RawJson.of(null)).isSameAs(RawJson.NULL);
        assertThat(RawJson.NULL.isNull()).isTrue();
        assertThat(RawJson.of("{}").isNull()).isFalse();
        assertThat(RawJson.of("{\"a\":1}").toString()).isEqualTo("{\"a\":1}");
        assertThatThrownBy(() -> new RawJson("  ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("empty JSON text");
        assertThatThrownBy(() -> new RawJson(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void aSpecCopiesItsTagsAndAttachmentsAndRequiresTheRest() {
        Map<String, String> tags = new HashMap<>(Map.of("infrakit.group", "web"));
        Spec spec = Spec.of(RawJson.of("{}"), tags);
        tags.put("later", "x");
        assertThat(spec.tags()).containsOnlyKeys("infrakit.group");
        assertThat(spec.init()).isEmpty();
        assertThat(spec.logicalId()).isEmpty();
        assertThat(spec.attachments()).isEmpty();
        Spec pet = spec.withLogicalId("10.0.0.5").withInit("echo hi")
                .withAttachments(List.of(new Attachment("vol-1", "ebs"))).withTags(Map.of("a", "b"));
        assertThat(pet.logicalId()).contains("10.0.0.5");
        assertThat(pet.init()).isEqualTo("echo hi");
        assertThat(pet.attachments()).containsExactly(new Attachment("vol-1", "ebs"));
        assertThat(pet.tags()).containsExactly(Map.entry("a", "b"));
        assertThatThrownBy(() -> new Spec(null, Map.of(), "", Optional.empty(), List.of()))
                .isInstanceOf(NullPointerException.class).hasMessage("properties");
        assertThatThrownBy(() -> new Spec(RawJson.NULL, Map.of(), null, Optional.empty(), List.of()))
                .isInstanceOf(NullPointerException.class).hasMessage("init");
        assertThatThrownBy(() -> Spec.of(RawJson.NULL, Map.of("k", null)))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void aDescriptionCopiesItsTagsAndLeavesPropertiesOutUntilGiven() {
        Map<String, String> tags = new HashMap<>(Map.of("a", "1"));
        Description d = Description.of(InstanceId.of("i-1"), Optional.empty(), tags);
        tags.clear();
        assertThat(d.tags()).containsExactly(Map.entry("a", "1"));
        assertThat(d.properties().isNull()).isTrue();
        assertThat(d.withProperties(RawJson.of("{\"x\":1}")).properties().json()).isEqualTo("{\"x\":1}");
        assertThatThrownBy(() -> Description.of(null, Optional.empty(), Map.of()))
                .isInstanceOf(NullPointerException.class).hasMessage("id");
    }

    @Test
    void theDescribeFilterNeedsEveryTagWithExactlyItsValue() {
        Map<String, String> tags = Map.of("infrakit.group", "web", "env", "prod");
        assertThat(Description.matches(tags, Map.of())).isTrue();
        assertThat(Description.matches(tags, Map.of("infrakit.group", "web"))).isTrue();
        assertThat(Description.matches(tags, Map.of("infrakit.group", "web", "env", "prod"))).isTrue();
        assertThat(Description.matches(tags, Map.of("infrakit.group", "db"))).isFalse();
        assertThat(Description.matches(tags, Map.of("missing", ""))).isFalse();
    }

    @Test
    void destroyContextsKnowARollingUpdate() {
        assertThat(DestroyContext.ROLLING_UPDATE.isRollingUpdate()).isTrue();
        assertThat(new DestroyContext("rolling_update").isRollingUpdate()).isTrue();
        assertThat(DestroyContext.TERMINATE.isRollingUpdate()).isFalse();
        assertThat(DestroyContext.NONE.reason()).isEmpty();
        assertThatThrownBy(() -> new DestroyContext(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void idsVendorsAndAttachmentsRequireTheirValues() {
        assertThat(InstanceId.of("i-1").toString()).isEqualTo("i-1");
        assertThatThrownBy(() -> InstanceId.of(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new VendorInfo("x", null, "u")).isInstanceOf(NullPointerException.class)
                .hasMessage("version");
        assertThatThrownBy(() -> new Attachment("vol-1", null)).isInstanceOf(NullPointerException.class)
                .hasMessage("type");
    }
}
