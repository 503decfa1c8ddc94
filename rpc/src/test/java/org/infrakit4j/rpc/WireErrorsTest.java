package org.infrakit4j.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.junit.jupiter.api.Test;

class WireErrorsTest {

    @Test
    void everyKindHasItsOwnPrefixAndNoPrefixStartsAnother() {
        Set<String> seen = new HashSet<>();
        for (ErrorCode kind : ErrorCode.values()) {
            String prefix = WireErrors.prefix(kind);
            assertThat(prefix).as(kind.name()).isNotBlank().endsWith(": ");
            assertThat(seen.add(prefix)).as("prefix of %s is unique", kind).isTrue();
            for (ErrorCode other : EnumSet.complementOf(EnumSet.of(kind))) {
                assertThat(WireErrors.prefix(other)).doesNotStartWith(prefix);
            }
        }
        // The texts InfraKit users and our README know: a change here changes the wire.
        assertThat(WireErrors.prefix(ErrorCode.INVALID_PROPERTIES)).isEqualTo("invalid properties: ");
        assertThat(WireErrors.prefix(ErrorCode.NOT_FOUND)).isEqualTo("not found: ");
        assertThat(WireErrors.prefix(ErrorCode.CONFLICT)).isEqualTo("conflict: ");
        assertThat(WireErrors.prefix(ErrorCode.BACKEND_UNAVAILABLE)).isEqualTo("backend unavailable: ");
        assertThat(WireErrors.prefix(ErrorCode.BACKEND_ERROR)).isEqualTo("backend error: ");
        assertThat(WireErrors.prefix(ErrorCode.INTERNAL)).isEqualTo("internal error: ");
    }

    @Test
    void anErrorIsSentAsItsPrefixThenItsDetailAndReadBackAsBoth() {
        for (ErrorCode kind : ErrorCode.values()) {
            String text = WireErrors.text(new InstanceException(kind, "Properties.Image: is required"));
            assertThat(text).isEqualTo(WireErrors.prefix(kind) + "Properties.Image: is required");
            InstanceException back = WireErrors.parse(text);
            assertThat(back.code()).isEqualTo(kind);
            assertThat(back.getMessage()).isEqualTo("Properties.Image: is required");
            assertThat(WireErrors.text(back)).isEqualTo(text);
        }
    }

    @Test
    void aTextWithoutAKnownPrefixIsAnInternalErrorForwardedUnchanged() {
        // InfraKit's Go plugins answer bare texts such as this one.
        InstanceException e = WireErrors.parse("instance i-123 not found");
        assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
        assertThat(e.getMessage()).isEqualTo("instance i-123 not found");
        assertThat(WireErrors.text(e)).isEqualTo("instance i-123 not found");
        assertThat(WireErrors.parse(null).getMessage()).isEmpty();
        assertThat(WireErrors.parse("Not found: capitalised").code()).isEqualTo(ErrorCode.INTERNAL);
    }

    @Test
    void notFoundQuotesTheIdAsGoDoes() {
        InstanceException e = WireErrors.notFound(InstanceId.of("i-1\n\"x\""));
        assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(WireErrors.text(e)).isEqualTo("not found: instance \"i-1\\n\\\"x\\\"\"");
    }
}
