package org.infrakit4j.docker;

import java.net.URI;
import java.security.Provider;
import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * The TLS context handed to docker-java's HTTP client for an engine on a local socket, which never speaks TLS.
 *
 * <p>Why: given no TLS context, that client builds the JDK's default one (security providers, the trust anchors of
 * cacerts, every cipher suite checked) for the https scheme it registers, even when the engine is a unix socket and
 * no https connection can ever be made: about 100 ms of a 2-core machine's start-up, before the plugin's socket is
 * served. Only for {@code unix://} and {@code npipe://} hosts: for {@code tcp://} a TLS context switches docker-java
 * to https, so those keep the client's own behaviour. Any use of this context is a bug and fails loudly.
 */
final class DockerNoTls {
    static final String UNUSED = "TLS is not used for an engine on a local socket";

    private DockerNoTls() {
    }

    /** True when docker-java reaches {@code host} over a local socket (so never over TLS). */
    static boolean isLocalSocket(URI host) {
        String scheme = host.getScheme();
        return "unix".equals(scheme) || "npipe".equals(scheme);
    }

    /** A context whose every use throws {@link UnsupportedOperationException}; building it loads no TLS code. */
    static SSLContext context() {
        return new SSLContext(new Refusing(), new Provider("infrakit4j-no-tls", "1", UNUSED) {
            private static final long serialVersionUID = 1L;
        }, "none") {
        };
    }

    private static final class Refusing extends SSLContextSpi {
        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom sr) {
            throw new UnsupportedOperationException(UNUSED);
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            throw new UnsupportedOperationException(UNUSED);
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            throw new UnsupportedOperationException(UNUSED);
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            throw new UnsupportedOperationException(UNUSED);
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            throw new UnsupportedOperationException(UNUSED);
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            throw new UnsupportedOperationException(UNUSED);
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            throw new UnsupportedOperationException(UNUSED);
        }
    }
}
