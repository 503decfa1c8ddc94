package org.infrakit4j.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class InstanceExceptionTest {

    @Test
    void theMessageIsTheDetailAloneAndTheKindIsKeptApart() {
        InstanceException e = new InstanceException(ErrorCode.CONFLICT, "LogicalID \"db-1\" is taken");
        assertThat(e.getMessage()).isEqualTo("LogicalID \"db-1\" is taken");
        assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT);
        assertThat(e.getCause()).isNull();
    }

    @Test
    void theCauseIsKept() {
        IOException cause = new IOException("connection reset");
        InstanceException e = new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "engine unreachable", cause);
        assertThat(e.getCause()).isSameAs(cause);
        assertThat(e.getMessage()).isEqualTo("engine unreachable");
    }

    @Test
    void aKindAndADetailAreRequired() {
        assertThatThrownBy(() -> new InstanceException(null, "x")).isInstanceOf(NullPointerException.class)
                .hasMessage("code");
        assertThatThrownBy(() -> new InstanceException(ErrorCode.INTERNAL, null))
                .isInstanceOf(NullPointerException.class).hasMessage("detail");
    }

    @Test
    void invalidNamesTheFieldPathUnderProperties() {
        InstanceException e = InstanceException.invalid("HostConfig.Memory", "must be at least 4 MiB");
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PROPERTIES);
        assertThat(e.getMessage()).isEqualTo("Properties.HostConfig.Memory: must be at least 4 MiB");
        assertThat(InstanceException.invalid("", "is required").getMessage()).isEqualTo("Properties: is required");
        assertThat(InstanceException.invalid(null, "is required").getMessage()).isEqualTo("Properties: is required");
        assertThatThrownBy(() -> InstanceException.invalid("Image", null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void toStringShowsTheKindForLogsAndDebuggers() {
        assertThat(new InstanceException(ErrorCode.NOT_FOUND, "instance \"i-1\"").toString())
                .isEqualTo("InstanceException(NOT_FOUND): instance \"i-1\"");
    }
}
