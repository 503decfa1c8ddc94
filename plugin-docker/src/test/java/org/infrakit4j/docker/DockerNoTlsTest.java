package org.infrakit4j.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

/**
 * The TLS context an engine on a local socket is given: only for unix and npipe hosts (for tcp:// any context switches
 * docker-java to https), and any use of it fails with a message that says why. Every test that reaches dockerd over
 * its unix socket runs with it.
 */
class DockerNoTlsTest {
    @Test
    void onlyLocalSocketsGoWithoutATlsContext() {
        assertThat(DockerNoTls.isLocalSocket(URI.create("unix:///var/run/docker.sock"))).isTrue();
        assertThat(DockerNoTls.isLocalSocket(URI.create("npipe:////./pipe/docker_engine"))).isTrue();
        assertThat(DockerNoTls.isLocalSocket(URI.create("tcp://127.0.0.1:2375"))).isFalse();
        assertThat(DockerNoTls.isLocalSocket(URI.create("tcp://docker.example:2376"))).isFalse();
    }

    @Test
    void everyUseOfTheContextFailsSayingWhy() {
        SSLContext context = DockerNoTls.context();
        assertThatThrownBy(context::createSSLEngine).isInstanceOf(UnsupportedOperationException.class)
                .hasMessage(DockerNoTls.UNUSED);
        assertThatThrownBy(() -> context.createSSLEngine("localhost", 2375))
                .isInstanceOf(UnsupportedOperationException.class).hasMessage(DockerNoTls.UNUSED);
        assertThatThrownBy(context::getSocketFactory).isInstanceOf(UnsupportedOperationException.class)
                .hasMessage(DockerNoTls.UNUSED);
        assertThatThrownBy(context::getClientSessionContext).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> context.init(null, null, null)).isInstanceOf(UnsupportedOperationException.class);
        assertThat(context.getProtocol()).isEqualTo("none");
    }
}
