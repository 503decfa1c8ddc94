package org.infrakit4j.libvirt;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * The one way the plugin reads and writes XML (domain definitions and templates, volume definitions, metadata):
 * parsing refuses any DOCTYPE, so no entity (internal, external or parameter) and no external DTD is ever
 * resolved; XInclude is off. Documents are built with DOM and written by {@link #format}, which escapes text and
 * attribute values, so no value can inject markup. Never build XML by string concatenation.
 */
final class LibvirtXml {
    private static final DocumentBuilderFactory FACTORY = secureFactory();
    private static final TransformerFactory TRANSFORMERS = secureTransformers();

    private LibvirtXml() {
    }

    /**
     * Parses a whole document.
     *
     * @throws IllegalArgumentException when it is not well-formed or has a DOCTYPE, saying where
     */
    static Document parse(String xml) {
        try {
            DocumentBuilder builder = FACTORY.newDocumentBuilder();
            builder.setErrorHandler(null); // the exception says it; the default handler would print it to stderr
            // Never reached while DOCTYPEs are refused; a second lock should the factory's features ever be lost.
            builder.setEntityResolver((publicId, systemId) -> {
                throw new SAXException("external entities are not resolved: " + systemId);
            });
            return builder.parse(new InputSource(new StringReader(xml)));
        } catch (SAXParseException e) {
            throw new IllegalArgumentException("does not parse as XML: line " + e.getLineNumber() + ", column "
                    + e.getColumnNumber() + ": " + e.getMessage());
        } catch (SAXException | IOException e) {
            throw new IllegalArgumentException("does not parse as XML: " + e.getMessage());
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An empty document, to build with DOM. */
    static Document newDocument() {
        try {
            return FACTORY.newDocumentBuilder().newDocument();
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The document as text, without an XML declaration: what libvirt's *XML calls take. */
    static String format(Document doc) {
        try {
            Transformer t;
            synchronized (TRANSFORMERS) { // a TransformerFactory is not thread-safe; a Transformer is per call
                t = TRANSFORMERS.newTransformer();
            }
            t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
            t.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
            StringWriter out = new StringWriter();
            t.transform(new DOMSource(doc), new StreamResult(out));
            return out.toString();
        } catch (TransformerException e) {
            throw new IllegalStateException("cannot write XML", e);
        }
    }

    /** A new element {@code name} holding {@code text} (none when null), not yet in the tree. */
    static Element element(Document doc, String name, String text) {
        Element e = doc.createElement(name);
        if (text != null) {
            e.setTextContent(text);
        }
        return e;
    }

    /** Appends a new element {@code name} holding {@code text} (none when null) to {@code parent}; returns it. */
    static Element append(Element parent, String name, String text) {
        Element e = element(parent.getOwnerDocument(), name, text);
        parent.appendChild(e);
        return e;
    }

    /** The first child element named {@code name}, or null. */
    static Element first(Element parent, String name) {
        List<Element> all = children(parent, name);
        return all.isEmpty() ? null : all.get(0);
    }

    /** The child elements named {@code name} (the node name, prefix included), in order. */
    static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            if (nodes.item(i) instanceof Element e && e.getNodeName().equals(name)) {
                out.add(e);
            }
        }
        return out;
    }

    /** The element's name without its prefix: the parser is not namespace-aware. */
    static String localName(Element e) {
        String name = e.getNodeName();
        return name.substring(name.indexOf(':') + 1);
    }

    /** The namespace URI of an element parsed without namespace awareness, from its prefix's xmlns attribute. */
    static String namespaceOf(Element e) {
        if (e.getNamespaceURI() != null) {
            return e.getNamespaceURI();
        }
        String name = e.getNodeName();
        int colon = name.indexOf(':');
        String attr = colon < 0 ? "xmlns" : "xmlns:" + name.substring(0, colon);
        for (Node n = e; n instanceof Element el; n = n.getParentNode()) {
            if (el.hasAttribute(attr)) {
                return el.getAttribute(attr);
            }
        }
        return null;
    }

    /**
     * Whether XML 1.0 can carry {@code s} as text unchanged: false for characters it cannot hold (most control
     * characters, U+FFFE) and for CR, which a parser turns into LF (§2.11 of the XML spec).
     */
    static boolean carries(String s) {
        return s.codePoints().allMatch(c -> c == 0x9 || c == 0xA || (c >= 0x20 && c <= 0xD7FF)
                || (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF));
    }

    private static DocumentBuilderFactory secureFactory() {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        try {
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature("http://xml.org/sax/features/external-general-entities", false);
            f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException(e);
        }
        f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        f.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
        f.setXIncludeAware(false);
        f.setExpandEntityReferences(false);
        f.setNamespaceAware(false);
        return f;
    }

    private static TransformerFactory secureTransformers() {
        TransformerFactory tf = TransformerFactory.newInstance();
        tf.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        tf.setAttribute(XMLConstants.ACCESS_EXTERNAL_STYLESHEET, "");
        return tf;
    }
}
