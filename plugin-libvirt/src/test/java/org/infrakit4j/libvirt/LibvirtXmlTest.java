package org.infrakit4j.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/** The one XML reader and writer of the plugin: no DOCTYPE, no entity, no include is ever honoured; values are text. */
class LibvirtXmlTest {
    private static final String SECRET = "ik4j-secret-xxe-7f3a";

    @Test
    void anExternalEntityIsRefusedAndTheFileItNamesIsNeverRead(@TempDir Path dir) throws Exception {
        Path secret = Files.writeString(dir.resolve("secret.txt"), SECRET);
        String xml = "<!DOCTYPE domain [<!ENTITY x SYSTEM '" + secret.toUri() + "'>]><domain type='qemu'>"
                + "<name>&x;</name></domain>";
        assertThatThrownBy(() -> LibvirtXml.parse(xml))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("does not parse as XML: line 1, column 10: DOCTYPE is disallowed")
                .message().doesNotContain(SECRET);
    }

    @Test
    void anInternalEntityIsRefusedSoNoEntityExpansionBombCanRun() {
        String laughs = "<!DOCTYPE d [<!ENTITY a 'lol'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>"
                + "<!ENTITY c '&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;'>]><domain type='qemu'><name>&c;</name></domain>";
        assertThatThrownBy(() -> LibvirtXml.parse(laughs))
                .hasMessageStartingWith("does not parse as XML: line 1, column 10: DOCTYPE is disallowed");
    }

    @Test
    void anExternalDtdOrParameterEntityIsRefusedWithoutFetchingIt() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        AtomicInteger fetched = new AtomicInteger();
        server.createContext("/", exchange -> {
            fetched.incrementAndGet();
            byte[] body = ("<!ENTITY x '" + SECRET + "'>").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/evil.dtd";
            assertThatThrownBy(() -> LibvirtXml.parse("<!DOCTYPE domain SYSTEM '" + url + "'><domain type='qemu'>"
                    + "<name>&x;</name></domain>"))
                    .hasMessageStartingWith("does not parse as XML: line 1, column 10: DOCTYPE is disallowed");
            assertThatThrownBy(() -> LibvirtXml.parse("<!DOCTYPE domain [<!ENTITY % p SYSTEM '" + url + "'>%p;]>"
                    + "<domain type='qemu'/>"))
                    .hasMessageStartingWith("does not parse as XML: line 1, column 10: DOCTYPE is disallowed");
            assertThat(fetched).hasValue(0);
            // The server does answer (and count) a fetch: the zero above is the parser's, not a dead server's.
            try (InputStream in = URI.create(url).toURL().openStream()) {
                assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).contains(SECRET);
            }
            assertThat(fetched).hasValue(1);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void anXIncludeIsKeptAsAnElementAndNeverFollowed(@TempDir Path dir) throws Exception {
        Path secret = Files.writeString(dir.resolve("secret.txt"), SECRET);
        Document doc = LibvirtXml.parse("<domain type='qemu' xmlns:xi='http://www.w3.org/2001/XInclude'><name>"
                + "<xi:include href='" + secret.toUri() + "' parse='text'/></name></domain>");
        Element name = LibvirtXml.first(doc.getDocumentElement(), "name");
        assertThat(name.getTextContent()).isEmpty();
        assertThat(LibvirtXml.first(name, "xi:include").getAttribute("href")).isEqualTo(secret.toUri().toString());
        assertThat(LibvirtXml.format(doc)).doesNotContain(SECRET);
    }

    @Test
    void markupInValuesIsEscapedAndReadBackAsTheSameText() {
        String text = "x</name><uuid>00000000-0000-0000-0000-000000000000</uuid><name>&amp; ]]> <!-- &x;";
        String attribute = "qemu' evil='1\" other=\"2 <a/> &x;";
        Document doc = LibvirtXml.newDocument();
        Element domain = doc.createElement("domain");
        doc.appendChild(domain);
        domain.setAttribute("type", attribute);
        LibvirtXml.append(domain, "name", text);

        String xml = LibvirtXml.format(doc);
        assertThat(xml).isEqualTo("<domain type=\"qemu' evil='1&quot; other=&quot;2 &lt;a/&gt; &amp;x;\"><name>"
                + "x&lt;/name&gt;&lt;uuid&gt;00000000-0000-0000-0000-000000000000&lt;/uuid&gt;&lt;name&gt;&amp;amp; "
                + "]]&gt; &lt;!-- &amp;x;</name></domain>");
        Element back = LibvirtXml.parse(xml).getDocumentElement();
        assertThat(back.getAttribute("type")).isEqualTo(attribute);
        assertThat(back.getAttributes().getLength()).isEqualTo(1);
        assertThat(LibvirtXml.children(back, "name")).hasSize(1);
        assertThat(LibvirtXml.children(back, "uuid")).isEmpty();
        assertThat(LibvirtXml.first(back, "name").getTextContent()).isEqualTo(text);
    }

    @Test
    void textXmlCannotCarryUnchangedIsRecognised() {
        assertThat(LibvirtXml.carries("tab\t lf\n ✓ \uD83D\uDE00 \u2028")).isTrue();
        assertThat(LibvirtXml.carries("cr\r")).isFalse(); // a parser turns it into LF
        assertThat(LibvirtXml.carries("nul\u0000")).isFalse();
        assertThat(LibvirtXml.carries("bell\u0007")).isFalse();
        assertThat(LibvirtXml.carries("\uFFFE")).isFalse();
    }

    @Test
    void namesAndNamespacesAreReadWithoutANamespaceAwareParser() {
        Element root = LibvirtXml.parse("<domain><metadata><ik4j:instance xmlns:ik4j='urn:a'><tag/></ik4j:instance>"
                + "</metadata></domain>").getDocumentElement();
        Element instance = LibvirtXml.first(LibvirtXml.first(root, "metadata"), "ik4j:instance");
        assertThat(LibvirtXml.localName(instance)).isEqualTo("instance");
        assertThat(LibvirtXml.namespaceOf(instance)).isEqualTo("urn:a");
        assertThat(LibvirtXml.namespaceOf(root)).isNull();
    }
}
