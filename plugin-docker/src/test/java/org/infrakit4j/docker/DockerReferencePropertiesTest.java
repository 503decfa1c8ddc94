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

/** InfraKit's reference Properties shape (CreateInstanceRequest): recognised, decoded strictly, mapped onto ours. */
class DockerReferencePropertiesTest {

    private static DockerRequest request(String json) {
        return DockerPropertiesDecoder.decode(new RawJson(json));
    }

    private static void refused(String json, String message) {
        assertThatThrownBy(() -> request(json)).isInstanceOfSatisfying(InstanceException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PROPERTIES);
            assertThat(WireErrors.text(e)).isEqualTo("invalid properties: " + message);
        });
    }

    @Test
    void theReferenceShapeMapsOntoTheSameRequestAsOurs() {
        DockerRequest reference = request("""
                {"Tags": {"role": "worker"},
                 "Config": {"Image": "busybox:latest", "Cmd": ["sleep", "60"], "Entrypoint": "/bin/sh",
                   "Env": ["A=1", "B=x=y"], "WorkingDir": "/w", "User": "1000", "Hostname": "h",
                   "Labels": {"l": "v"}, "ExposedPorts": {"80/tcp": {}}, "Volumes": {"/data": {}}, "StopTimeout": 7},
                 "HostConfig": {"Binds": ["/srv:/srv:ro", "cache:/cache"], "NetworkMode": "none",
                   "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 2}, "Privileged": true,
                   "CapAdd": ["NET_ADMIN"], "Memory": 268435456, "NanoCpus": 500000000, "Init": false,
                   "Mounts": [{"Type": "tmpfs", "Target": "/run"}],
                   "PortBindings": {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}, "AutoRemove": true}}""");
        DockerProperties ours = DockerPropertiesDecoder.ours(new RawJson("""
                {"Image": "busybox:latest", "Cmd": ["sleep", "60"], "Entrypoint": ["/bin/sh"],
                 "Env": {"A": "1", "B": "x=y"}, "WorkingDir": "/w", "User": "1000", "Hostname": "h",
                 "Labels": {"l": "v"}, "ExposedPorts": ["80/tcp"], "Volumes": ["/data"], "StopTimeout": 7,
                 "Mounts": [{"Type": "bind", "Source": "/srv", "Target": "/srv", "ReadOnly": true},
                   {"Type": "volume", "Source": "cache", "Target": "/cache"}, {"Type": "tmpfs", "Target": "/run"}],
                 "NetworkMode": "none", "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 2},
                 "Privileged": true, "CapAdd": ["NET_ADMIN"], "Resources": {"Memory": "268435456", "Cpus": 0.5},
                 "Init": false, "PortBindings": [{"ContainerPort": "80/tcp", "HostPort": "8080"}]}"""));
        assertThat(reference.properties()).isEqualTo(ours);
        assertThat(reference.tags()).isEqualTo(Map.of("role", "worker"));
        assertThat(reference.autoRemove()).isTrue();
        assertThat(request("{\"Image\": \"busybox:latest\"}").autoRemove()).isFalse();
    }

    @Test
    void namesMatchCaseInsensitivelyAsInGoButNotTwice() {
        assertThat(request("{\"config\": {\"image\": \"busybox:latest\", \"CMD\": \"true\"}}").properties())
                .isEqualTo(DockerPropertiesDecoder.ours(new RawJson("{\"Image\": \"busybox:latest\", \"Cmd\": [\"true\"]}")));
        refused("{\"Config\": {\"Image\": \"busybox:latest\"}, \"config\": {}}",
                "Properties.config: is given twice, as \"Config\" and \"config\" (names match case-insensitively)");
    }

    @Test
    void networkAttachmentsNameNetworksAndTheirDrivers() {
        DockerRequest r = request("{\"Config\": {\"Image\": \"busybox:latest\"}, \"NetworkAttachments\": "
                + "[{\"Name\": \"a\", \"Driver\": \"bridge\"}, {\"Name\": \"b\", \"Id\": \"\", \"Internal\": false}]}");
        assertThat(r.networkAttachments()).containsExactly(new DockerRequest.NetworkAttachment("a", "bridge"),
                new DockerRequest.NetworkAttachment("b", null));
        assertThat(r.properties().networks()).containsExactly("a", "b");
        refused("{\"Config\": {\"Image\": \"busybox:latest\"}, \"NetworkAttachments\": [{\"Driver\": \"bridge\"}]}",
                "Properties.NetworkAttachments[0].Name: is required (the network to join)");
        refused("{\"Config\": {\"Image\": \"busybox:latest\"}, \"NetworkAttachments\": [{\"Name\": \"a\", "
                + "\"Internal\": true}]}", "Properties.NetworkAttachments[0].Internal: is not supported by this "
                + "plugin (it uses NetworkAttachments[0]'s Driver, Name); remove it or leave it at its zero value");
    }

    @Test
    void everyProblemNamesItsFieldPath() {
        Map<String, String> cases = Map.ofEntries(
                Map.entry("{\"Tags\": {}}", "Properties.Config: is required (the container config, with at least "
                        + "Image)"),
                Map.entry("{\"Config\": {}}", "Properties.Config.Image: is required (an image reference such as "
                        + "busybox:latest)"),
                Map.entry("{\"Config\": {\"Image\": \"busybox\"}, \"Extra\": 1}", "Properties.Extra: unknown field "
                        + "(known: Config, HostConfig, NetworkAttachments, Tags)"),
                Map.entry("{\"Config\": {\"Imag\": \"busybox\"}}", "Properties.Config.Imag: unknown field (known: "
                        + String.join(", ", List.of("ArgsEscaped", "AttachStderr", "AttachStdin", "AttachStdout",
                        "Cmd", "Domainname", "Entrypoint", "Env", "ExposedPorts", "Healthcheck", "Hostname",
                        "Image", "Labels", "MacAddress", "NetworkDisabled", "OnBuild", "OpenStdin", "PortSpecs",
                        "Shell", "StdinOnce", "StopSignal", "StopTimeout", "Tty", "User", "Volumes", "WorkingDir"))
                        + ")"),
                Map.entry("{\"Config\": {\"Image\": \"busybox\"}, \"HostConfig\": {\"RestartPolicy\": "
                        + "{\"Nme\": \"no\"}}}", "Properties.HostConfig.RestartPolicy.Nme: unknown field"),
                Map.entry("{\"Config\": {\"Image\": 5}}", "Properties.Config.Image: must be a string, got a number"),
                Map.entry("{\"Config\": {\"Image\": \"busybox\", \"Env\": {\"A\": \"1\"}}}",
                        "Properties.Config.Env: must be an array of strings (or one string), got an object"),
                Map.entry("{\"Config\": {\"Image\": \"busybox\", \"Env\": [\"A\"]}}",
                        "Properties.Config.Env[0]: must be KEY=VALUE, got \"A\""),
                Map.entry("{\"Config\": {\"Image\": \"busybox\", \"Tty\": true}}", "Properties.Config.Tty: is not "
                        + "supported by this plugin (it uses Config's Cmd, Entrypoint, Env, ExposedPorts, Hostname, "
                        + "Image, Labels, StopTimeout, User, Volumes, WorkingDir); remove it or leave it at its zero "
                        + "value"),
                Map.entry("{\"Config\": {\"Image\": \"busybox\"}, \"HostConfig\": {\"CpuShares\": 512}}",
                        "Properties.HostConfig.CpuShares: is not supported by this plugin (it uses HostConfig's "
                        + "AutoRemove, Binds, CapAdd, CapDrop, Init, Memory, Mounts, NanoCpus, NetworkMode, "
                        + "PortBindings, Privileged, RestartPolicy); remove it or leave it at its zero value"),
                Map.entry("{\"Config\": {\"Image\": \"busybox\"}, \"HostConfig\": {\"Binds\": [\"/a:/b:z\"]}}",
                        "Properties.HostConfig.Binds[0]: must be SOURCE:TARGET, SOURCE:TARGET:ro or "
                        + "SOURCE:TARGET:rw (other options are not supported), got \"/a:/b:z\""),
                Map.entry("{\"Config\": {\"Image\": \"busybox\"}, \"HostConfig\": {\"RestartPolicy\": "
                        + "{\"Name\": \"sometimes\"}}}", "Properties.HostConfig.RestartPolicy.Name: must be no, "
                        + "always, unless-stopped or on-failure"),
                Map.entry("{\"Config\": {\"Image\": \"busybox\"}, \"Tags\": {\"a\": 1}}",
                        "Properties.Tags[\"a\"]: must be a string, got a number"),
                Map.entry("{\"Config\": {\"Image\": \"busybox\", \"Labels\": {\"org.infrakit4j.docker.managed\": "
                        + "\"x\"}}}", "Properties.Config.Labels: key \"org.infrakit4j.docker.managed\" is reserved "
                        + "for the plugin (prefix org.infrakit4j.docker.)"));
        cases.forEach((json, message) -> {
            try {
                request(json);
                throw new AssertionError("accepted: " + json);
            } catch (InstanceException e) {
                assertThat(e.code()).as(json).isEqualTo(ErrorCode.INVALID_PROPERTIES);
                assertThat(WireErrors.text(e)).as(json).isEqualTo("invalid properties: " + message);
            }
        });
    }

    @Test
    void goZeroValuesOfKnownFieldsMeanUnsetButTypoesStayErrors() {
        assertThat(request("{\"Config\": {\"Image\": \"busybox\", \"Tty\": false, \"Domainname\": \"\"}, "
                + "\"HostConfig\": {\"CpuShares\": 0, \"LogConfig\": {\"Type\": \"\", \"Config\": null}, "
                + "\"ConsoleSize\": [0, 0]}}").properties())
                .isEqualTo(DockerPropertiesDecoder.ours(new RawJson("{\"Image\": \"busybox\"}")));
        refused("{\"Config\": {\"Image\": \"busybox\", \"Ttty\": false}}",
                "Properties.Config.Ttty: unknown field (known: ArgsEscaped, AttachStderr, AttachStdin, AttachStdout, "
                        + "Cmd, Domainname, Entrypoint, Env, ExposedPorts, Healthcheck, Hostname, Image, Labels, "
                        + "MacAddress, NetworkDisabled, OnBuild, OpenStdin, PortSpecs, Shell, StdinOnce, StopSignal, "
                        + "StopTimeout, Tty, User, Volumes, WorkingDir)");
    }

    @Test
    void ourOwnShapeIsUnchanged() {
        assertThat(request("{\"Image\": \"busybox\", \"Env\": {\"A\": \"1\"}}"))
                .isEqualTo(DockerRequest.of(DockerPropertiesDecoder.ours(new RawJson("{\"Image\": \"busybox\", \"Env\": "
                        + "{\"A\": \"1\"}}"))));
        refused("{\"Image\": \"busybox\", \"Env\": [\"A=1\"]}", "Properties.Env: must be an object, got an array");
    }

    @Test
    void theSpecsDindExampleMapsOntoPrivilegedRestartPolicyAndNetwork() {
        DockerRequest r = request("""
                {"Tags": {"role": "worker"},
                 "Config": {"Image": "docker:17.06-dind", "Env": ["DOCKER_TLS_CERTDIR="],
                   "Cmd": ["dockerd", "--host=unix:///var/run/docker.sock"]},
                 "HostConfig": {"Privileged": true, "RestartPolicy": {"Name": "no"}},
                 "NetworkAttachments": [{"Name": "infrakit-net", "Driver": "bridge"}]}""");
        assertThat(r.properties().privileged()).isTrue();
        assertThat(r.properties().restartPolicy()).isEqualTo(new DockerProperties.RestartPolicy("no", null));
        assertThat(r.properties().env()).isEqualTo(Map.of("DOCKER_TLS_CERTDIR", ""));
        assertThat(r.networkAttachments()).containsExactly(
                new DockerRequest.NetworkAttachment("infrakit-net", "bridge"));
    }
}
