package org.infrakit4j.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.junit.jupiter.api.Test;

/**
 * Which strings are container IDs, and which container a prefix names. Two real containers never share 12 hex digits
 * (the IDs are random), so an ambiguous prefix is shown on a list of IDs.
 */
class DockerIdPrefixTest {
    private static final String A = "0123456789ab" + "c".repeat(52);
    private static final String B = "0123456789ab" + "d".repeat(52);
    private static final String C = "fedcba987654" + "0".repeat(52);

    @Test
    void fullIdsPrefixesAndNames() {
        assertThat(DockerIdPrefix.isFull(A)).isTrue();
        assertThat(DockerIdPrefix.isPrefix(A)).as("a full ID needs no look-up").isFalse();
        assertThat(DockerIdPrefix.isPrefix(A.substring(0, 12))).isTrue();
        assertThat(DockerIdPrefix.isPrefix(A.substring(0, 63))).isTrue();
        assertThat(DockerIdPrefix.isPrefix(A.substring(0, 11))).as("shorter than a short ID").isFalse();
        assertThat(DockerIdPrefix.isPrefix(A.substring(0, 12).toUpperCase())).isFalse();
        assertThat(DockerIdPrefix.isPrefix("my-container-name")).isFalse();
        assertThat(DockerIdPrefix.isPrefix("deadbeefcafe-x")).isFalse();
    }

    @Test
    void aUniquePrefixNamesItsContainerAndNoMatchIsEmpty() {
        assertThat(DockerIdPrefix.match(C.substring(0, 12), List.of(A, B, C))).contains(C);
        assertThat(DockerIdPrefix.match(A.substring(0, 13), List.of(A, B, C))).contains(A);
        assertThat(DockerIdPrefix.match("abcabcabcabc", List.of(A, B, C))).isEqualTo(Optional.empty());
    }

    @Test
    void anAmbiguousPrefixIsAnErrorNamingTheCandidates() {
        assertThatThrownBy(() -> DockerIdPrefix.match("0123456789ab", List.of(C, B, A)))
                .isInstanceOfSatisfying(InstanceException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT);
                    assertThat(WireErrors.text(e)).isEqualTo("conflict: ID prefix \"0123456789ab\" matches 2 "
                            + "containers: " + A + ", " + B + "; give more of the ID");
                });
    }
}
