package org.infrakit4j.rpc;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.List;

/**
 * The interface names and versions exchanged in the handshake (wire-protocol.md §1.5 and §5), and the three
 * handshake results as the Go server writes them.
 */
public final class Handshake {
    public static final String INSTANCE = "Instance";
    /** What {@code Handshake.Implements} and {@code Handshake.Types} clients (InfraKit until 2017-11) require. */
    public static final String VERSION_0_6_0 = "0.6.0";
    /** What {@code Handshake.Hello} clients (InfraKit from 2017-11) require. */
    public static final String VERSION_0_6_1 = "0.6.1";

    private Handshake() {
    }

    /** {@code Handshake.Implements}: the one interface served, in the version its clients require. */
    static void writeImplements(JsonGenerator out) throws IOException {
        out.writeStartObject();
        out.writeArrayFieldStart("APIs");
        out.writeStartObject();
        out.writeStringField("Name", INSTANCE);
        out.writeStringField("Version", VERSION_0_6_0);
        out.writeEndObject();
        out.writeEndArray();
        out.writeEndObject();
    }

    /** {@code Handshake.Types}: the object names served, by interface. */
    static void writeTypes(JsonGenerator out, List<String> objects) throws IOException {
        out.writeStartObject();
        out.writeObjectFieldStart("Types");
        out.writeArrayFieldStart(INSTANCE + "/" + VERSION_0_6_0);
        for (String object : objects) {
            out.writeString(object);
        }
        out.writeEndArray();
        out.writeEndObject();
        out.writeEndObject();
    }

    /** {@code Handshake.Hello} (the later generation): the same objects, each with an empty ProxyFor. */
    static void writeHello(JsonGenerator out, List<String> objects) throws IOException {
        out.writeStartObject();
        out.writeObjectFieldStart("Objects");
        out.writeArrayFieldStart(INSTANCE + "/" + VERSION_0_6_1);
        for (String object : objects) {
            out.writeStartObject();
            out.writeStringField("Name", object);
            out.writeStringField("ProxyFor", "");
            out.writeEndObject();
        }
        out.writeEndArray();
        out.writeEndObject();
        out.writeEndObject();
    }
}
