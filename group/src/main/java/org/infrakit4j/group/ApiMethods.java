package org.infrakit4j.group;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import org.infrakit4j.rpc.GoJson;

/** One entry of {@code /info/api.json}'s Methods as Go's reflector writes it: a zero request and its zero reply. */
final class ApiMethods {
    private ApiMethods() {
    }

    static void write(JsonGenerator out, String id, String method, GoJson.Writer params, GoJson.Writer result)
            throws IOException {
        out.writeStartObject();
        out.writeObjectFieldStart("Request");
        out.writeStringField("jsonrpc", "2.0");
        out.writeStringField("method", method);
        out.writeFieldName("params");
        params.write(out);
        out.writeStringField("id", id);
        out.writeEndObject();
        out.writeObjectFieldStart("Response");
        out.writeFieldName("result");
        result.write(out);
        out.writeStringField("id", id);
        out.writeEndObject();
        out.writeEndObject();
    }
}
