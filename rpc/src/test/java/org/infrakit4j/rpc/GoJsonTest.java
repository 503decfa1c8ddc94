package org.infrakit4j.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.infrakit4j.spi.RawJson;
import org.junit.jupiter.api.Test;

class GoJsonTest {
    private static String echo(String request) throws Exception {
        byte[] body = request.getBytes(StandardCharsets.UTF_8);
        try (JsonParser p = GoJson.REQUEST_FACTORY.createParser(body)) {
            p.nextToken();
            p.nextToken();
            p.nextToken();
            RawJson raw = GoJson.readRaw(p);
            return GoJson.toText(out -> GoJson.writeRaw(out, raw));
        }
    }

    @Test
    void rawValuesKeepTheirTextAsGoCompactsIt() throws Exception {
        assertThat(echo("{\"id\":\"\\/\"}")).isEqualTo("\"\\/\"");
        assertThat(echo("{\"id\":\"\\u0041\\ud83d\\ude00\"}")).isEqualTo("\"\\u0041\\ud83d\\ude00\"");
        assertThat(echo("{\"id\":\"\uD83D\uDE00\"}")).isEqualTo("\"\uD83D\uDE00\"");
        assertThat(echo("{\"id\": { \"a\" : [ 1.50 , 2E3 ] ,\"b\":\"x y\" } }"))
                .isEqualTo("{\"a\":[1.50,2E3],\"b\":\"x y\"}");
        assertThat(echo("{\"id\":\"<a&b>\u2028\"}")).isEqualTo("\"\\u003ca\\u0026b\\u003e\\u2028\"");
        assertThat(echo("{\"id\":12345678901234567890123}")).isEqualTo("12345678901234567890123");
    }

    @Test
    void stringsOutsideTheBasicPlaneAreWrittenAsUtf8() throws Exception {
        assertThat(GoJson.toText(out -> GoJson.writeStringMap(out, Map.of("e", "x\uD83D\uDE00"))))
                .isEqualTo("{\"e\":\"x\uD83D\uDE00\"}");
    }

    @Test
    void compactDropsWhitespaceOutsideStringsOnly() {
        byte[] text = " [ \"a b\\\" c\" ,\n\t1 ] ".getBytes(StandardCharsets.UTF_8);
        assertThat(new String(GoJson.compact(text, 0, text.length), StandardCharsets.UTF_8))
                .isEqualTo("[\"a b\\\" c\",1]");
    }
}
