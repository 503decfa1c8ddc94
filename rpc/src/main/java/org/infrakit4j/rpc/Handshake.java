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

    /** One interface a server answers for: its name, its versions (handshake and Hello) and its object names. */
    record Served(String name, String version, String helloVersion, List<String> objects) {
        Served {
            objects = List.copyOf(objects);
        }

        /** The Instance SPI with these object names. */
        static Served instance(List<String> objects) {
            return new Served(INSTANCE, VERSION_0_6_0, VERSION_0_6_1, objects);
        }
    }

    /** {@code Handshake.Implements}: the interfaces served, in the versions their clients require. */
    static void writeImplements(JsonGenerator out, List<Served> served) throws IOException {
        out.writeStartObject();
        out.writeArrayFieldStart("APIs");
        for (Served s : served) {
            out.writeStartObject();
            out.writeStringField("Name", s.name());
            out.writeStringField("Version", s.version());
            out.writeEndObject();
        }
        out.writeEndArray();
        out.writeEndObject();
    }

    /** {@code Handshake.Types}: the object names served, by interface. */
    static void writeTypes(JsonGenerator out, List<Served> served) throws IOException {
        out.writeStartObject();
        out.writeObjectFieldStart("Types");
        for (Served s : served) {
            out.writeArrayFieldStart(s.name() + "/" + s.version());
            for (String object : s.objects()) {
                out.writeString(object);
            }
            out.writeEndArray();
        }
        out.writeEndObject();
        out.writeEndObject();
    }

    /** {@code Handshake.Hello} (the later generation): the same objects, each with an empty ProxyFor. */
    static void writeHello(JsonGenerator out, List<Served> served) throws IOException {
        out.writeStartObject();
        out.writeObjectFieldStart("Objects");
        for (Served s : served) {
            out.writeArrayFieldStart(s.name() + "/" + s.helloVersion());
            for (String object : s.objects()) {
                out.writeStartObject();
                out.writeStringField("Name", object);
                out.writeStringField("ProxyFor", "");
                out.writeEndObject();
            }
            out.writeEndArray();
        }
        out.writeEndObject();
        out.writeEndObject();
    }
}
