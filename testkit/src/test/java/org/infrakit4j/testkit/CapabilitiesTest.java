package org.infrakit4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import java.util.regex.Pattern;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.junit.jupiter.api.Test;

/** The capability declaration refuses what would make the suite's checks hollow, and the expected error is exact. */
class CapabilitiesTest {
    private static final ExpectedError REFUSED = ExpectedError.exactly(ErrorCode.INVALID_PROPERTIES,
            "invalid properties: Attachments[0].Type: \"ebs\" is not supported");

    @Test
    void attachmentsMustBeDeclaredOneWayOrTheOther() {
        assertThatThrownBy(() -> Capabilities.holding(10).build()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("declare the attachment types");
        Capabilities any = Capabilities.holding(10).anyAttachmentType(Set.of("disk")).build();
        assertThat(any.otherAttachmentType()).isEmpty();
        assertThat(any.initRefused()).isEmpty();
        assertThat(any.labelRefused()).isEmpty();
        assertThat(any.logicalIds().apply("10.0.0.7")).isEqualTo("10.0.0.7");
    }

    @Test
    void aTypeCannotBeBothSupportedAndRefusedNorTooFewInstancesHeld() {
        assertThatThrownBy(() -> Capabilities.holding(10).attachments(Set.of("ebs"), "ebs", REFUSED).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("both supported and refused");
        assertThatThrownBy(() -> Capabilities.holding(1).anyAttachmentType(Set.of()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 2");
        assertThatThrownBy(() -> Capabilities.holding(10).attachments(Set.of("volume"), " ", REFUSED))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anExpectedErrorNamesItsKindFirst() {
        assertThatThrownBy(() -> ExpectedError.exactly(ErrorCode.CONFLICT, "invalid properties: x"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ExpectedError.matching(ErrorCode.BACKEND_ERROR, ".*"))
                .isInstanceOf(IllegalArgumentException.class);
        ExpectedError.matching(ErrorCode.BACKEND_ERROR, Pattern.quote("backend error: made ") + "x-[0-9]+");
    }

    @Test
    void anExpectedErrorAcceptsOnlyThatKindAndThatWholeMessage() {
        String text = "Attachments[0].Type: \"ebs\" is not supported";
        InstanceException e = REFUSED.assertThrownBy(() -> {
            throw new InstanceException(ErrorCode.INVALID_PROPERTIES, text);
        }, "exact");
        assertThat(WireErrors.text(e)).isEqualTo("invalid properties: " + text);
        assertThatThrownBy(() -> REFUSED.assertThrownBy(() -> { }, "no error")).isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> REFUSED.assertThrownBy(() -> {
            throw new InstanceException(ErrorCode.BACKEND_ERROR, text);
        }, "other kind")).isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> REFUSED.assertThrownBy(() -> {
            throw new InstanceException(ErrorCode.INVALID_PROPERTIES, text + " (and more)");
        }, "longer message")).isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> REFUSED.assertThrownBy(() -> {
            throw new IllegalStateException("invalid properties: " + text);
        }, "not an InstanceException")).isInstanceOf(AssertionError.class);
        ExpectedError generated = ExpectedError.matching(ErrorCode.BACKEND_ERROR,
                Pattern.quote("backend error: create volumes for ") + "infrakit-[0-9a-f]{12}");
        generated.assertThrownBy(() -> {
            throw new InstanceException(ErrorCode.BACKEND_ERROR, "create volumes for infrakit-0123456789ab");
        }, "generated name");
        assertThatThrownBy(() -> generated.assertThrownBy(() -> {
            throw new InstanceException(ErrorCode.BACKEND_ERROR, "create volumes for infrakit-0123456789ab: late");
        }, "a longer message")).isInstanceOf(AssertionError.class);
    }
}
