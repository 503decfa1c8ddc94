package org.infrakit4j.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.RawJson;
import org.junit.jupiter.api.Test;

/** Validate's decoding: exact messages with field paths and defaults (the schema: DockerPropertiesSchemaTest). */
class DockerPropertiesTest {

    private static void assertInvalid(String json, String message) {
        assertThatThrownBy(() -> DockerPropertiesDecoder.ours(new RawJson(json)))
                .as(json)
                .isInstanceOfSatisfying(InstanceException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PROPERTIES);
                    assertThat(WireErrors.text(e)).isEqualTo("invalid properties: " + message);
                });
    }

    @Test
    void validateNamesTheFieldPathOfEveryKindOfMistake() {
        assertInvalid("null", "Properties: is required: an object with at least \"Image\"");
        assertInvalid("{}", "Properties.Image: is required (an image reference such as busybox:latest)");
        assertInvalid("[1]", "Properties: must be an object, got an array");
        assertInvalid("{\"Image\":5}", "Properties.Image: must be a string, got a number");
        assertInvalid("{\"Image\":\"x\",\"Foo\":1}", "Properties.Foo: unknown field (known: CapAdd, CapDrop, Cmd, "
                + "Entrypoint, Env, ExposedPorts, Hostname, Image, Init, InitScript, Labels, Mounts, NetworkMode, "
                + "Networks, PortBindings, Privileged, Pull, Resources, RestartPolicy, StopTimeout, User, Volumes, "
                + "WorkingDir)");
        assertInvalid("{\"Image\":\"x\",\"Cmd\":\"sleep 1\"}", "Properties.Cmd: must be an array, got a string");
        assertInvalid("{\"Image\":\"x\",\"Cmd\":[\"a\",7]}", "Properties.Cmd[1]: must be a string, got a number");
        assertInvalid("{\"Image\":\"x\",\"Env\":{\"A\":1}}", "Properties.Env[\"A\"]: must be a string, got a number");
        assertInvalid("{\"Image\":\"x\",\"Env\":{\"A=B\":\"1\"}}",
                "Properties.Env: key \"A=B\" must be non-empty and contain no '='");
        assertInvalid("{\"Image\":\"x\",\"Pull\":\"sometimes\"}",
                "Properties.Pull: must be one of never, if-missing, always, got \"sometimes\"");
        assertInvalid("{\"Image\":\"x\",\"Resources\":{\"Memory\":\"lots\"}}",
                "Properties.Resources.Memory: must be a size such as 512m, 2g or 1048576 (bytes)");
        assertInvalid("{\"Image\":\"x\",\"Resources\":{\"Memory\":512}}",
                "Properties.Resources.Memory: must be a string, got a number");
        assertInvalid("{\"Image\":\"x\",\"Mounts\":[{\"Target\":\"/a\"},{\"Type\":\"bind\",\"Source\":\"rel\","
                + "\"Target\":\"/b\"}]}", "Properties.Mounts[1].Source: must be an absolute host path for a bind mount");
        assertInvalid("{\"Image\":\"x\",\"Mounts\":[{\"Target\":\"/a\",\"Size\":1}]}",
                "Properties.Mounts[0].Size: unknown field (known: ReadOnly, Source, Target, Type)");
        assertInvalid("{\"Image\":\"x\",\"RestartPolicy\":{\"Name\":\"on-failure\",\"MaximumRetryCount\":\"3\"}}",
                "Properties.RestartPolicy.MaximumRetryCount: must be an integer, got a string");
        assertInvalid("{\"Image\":\"x\",\"CapAdd\":[\"NET_ADMIN\",\"FLY\"]}",
                "Properties.CapAdd[1]: unknown capability \"FLY\"");
        assertInvalid("{\"Image\":\"x\",\"InitScript\":{\"Path\":\"rel\"}}",
                "Properties.InitScript.Path: must be an absolute file path without '..'");
        assertInvalid("{\"Image\":\"x\",\"Privileged\":\"yes\"}", "Properties.Privileged: must be a boolean, got a string");
        assertInvalid("{\"Image\":\"x\",\"StopTimeout\":1.5}", "Properties.StopTimeout: must be an integer, got a number");
        assertInvalid("{\"Image\":\"x\",\"Labels\":{\"org.infrakit4j.docker.managed\":\"no\"}}",
                "Properties.Labels: key \"org.infrakit4j.docker.managed\" is reserved for the plugin "
                        + "(prefix org.infrakit4j.docker.)");
        assertInvalid("{\"Image\":\"x\"", "Properties: is not valid JSON: Unexpected end-of-input: expected close "
                + "marker for Object (start marker at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION`"
                + " disabled); line: 1, column: 1])");
    }

    @Test
    void imageReferencesFollowTheEngineGrammar() {
        for (String image : List.of("busybox", "busybox:1.36.1-musl", "infrakit4j/busybox:latest",
                "registry.example.com:5000/team/app_x__y--z:v1", "[::1]:5000/app", "localhost/app@sha256:"
                        + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "a.b/c:D_e.f-G")) {
            assertThat(DockerPropertiesDecoder.ours(new RawJson("{\"Image\":\"" + image + "\"}")).image()).isEqualTo(image);
        }
        for (String image : List.of("BusyBox", "busybox:", "busybox\\u0000", "busybox latest", " busybox",
                "$(reboot)", "-x", "app:tag@sha256:short", "a//b", "busybox:" + "t".repeat(129))) {
            assertThatThrownBy(() -> DockerPropertiesDecoder.ours(new RawJson("{\"Image\":\"" + image + "\"}"))).as(image)
                    .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).startsWith(
                            "invalid properties: Properties.Image: must be an image reference such as busybox:latest "
                                    + "or registry:5000/team/app@sha256:..., the name lowercase, got \""));
        }
        assertInvalid("{\"Image\":\"" + "a".repeat(600) + "\"}", "Properties.Image: must be an image reference such "
                + "as busybox:latest or registry:5000/team/app@sha256:..., the name lowercase, got \""
                + "a".repeat(512) + "...\"");
    }

    @Test
    void aMemorySizeBeyondEightExbibytesIsInvalidNotAnOverflow() {
        assertThat(DockerPropertiesDecoder.ours(new RawJson("{\"Image\":\"b\",\"Resources\":{\"Memory\":\"8589934591g\"}}"))
                .resources().memoryBytes()).isEqualTo(8589934591L << 30);
        for (String memory : List.of("8589934592g", "9223372036854775808", "99999999999999999999999k")) {
            assertInvalid("{\"Image\":\"x\",\"Resources\":{\"Memory\":\"" + memory + "\"}}",
                    "Properties.Resources.Memory: must be a size such as 512m, 2g or 1048576 (bytes)");
        }
    }

    @Test
    void fieldNamesMatchCaseInsensitivelyAsInGo() {
        DockerProperties p = DockerPropertiesDecoder.ours(new RawJson("{\"image\":\"busybox\",\"PULL\":\"Never\","
                + "\"resources\":{\"memory\":\"1k\"}}"));
        assertThat(p.image()).isEqualTo("busybox");
        assertThat(p.pull()).isEqualTo(DockerProperties.Pull.NEVER);
        assertThat(p.resources().memoryBytes()).isEqualTo(1024L);
        assertInvalid("{\"image\":\"x\",\"resources\":{\"memory\":true}}",
                "Properties.Resources.Memory: must be a string, got a boolean");
    }

    @Test
    void absentFieldsTakeTheDocumentedDefaults() {
        DockerProperties p = DockerPropertiesDecoder.ours(new RawJson("{\"Image\":\"busybox\"}"));
        assertThat(p.pull()).isEqualTo(DockerProperties.Pull.IF_MISSING);
        assertThat(p.init()).isTrue();
        assertThat(p.privileged()).isFalse();
        assertThat(p.cmd()).isNull();
        assertThat(p.entrypoint()).isNull();
        assertThat(p.env()).isEmpty();
        assertThat(p.initScript()).isEqualTo(new DockerProperties.InitScript("/infrakit/init.sh", true, "/bin/sh"));
        assertThat(DockerPropertiesDecoder.ours(new RawJson("{\"Image\":\"b\",\"Resources\":{\"Memory\":\"2g\",\"Cpus\":0.5}}"))
                .resources()).satisfies(r -> {
                    assertThat(r.memoryBytes()).isEqualTo(2L << 30);
                    assertThat(r.nanoCpus()).isEqualTo(500_000_000L);
                });
    }

    @Test
    void theExampleIsValid() {
        assertThat(DockerPropertiesDecoder.ours(DockerProperties.EXAMPLE).image()).isEqualTo("busybox:latest");
    }
}
