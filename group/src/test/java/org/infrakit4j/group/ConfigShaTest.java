package org.infrakit4j.group;

import static org.assertj.core.api.Assertions.assertThat;

import org.infrakit4j.spi.RawJson;
import org.junit.jupiter.api.Test;

class ConfigShaTest {
    @Test
    void hashIsTheCheckValueOfTheWireSpec() {
        // wire-protocol.md §3.1: the value InfraKit's group plugin (f9e924e7) computes for this config.
        assertThat(ConfigSha.of("grp-inst", new RawJson("{\"size\":\"small\"}"), "vanilla",
                new RawJson("{\"Init\":[\"echo hi\"],\"Tags\":{\"role\":\"worker\"}}")))
                .isEqualTo("odtx6koaityav5w7mybub2dvc6nqgb3y");
    }

    @Test
    void hashIgnoresKeyOrderAndWhitespaceAsGoDoes() {
        String a = ConfigSha.of("p", new RawJson("{\"b\":1,\"a\":{\"y\":[1,2],\"x\":null}}"), "vanilla", RawJson.NULL);
        String b = ConfigSha.of("p", new RawJson("{ \"a\" : {\"x\":null,\"y\":[1.0,2]}, \"b\":1.00 }"), "vanilla",
                RawJson.NULL);
        assertThat(a).isEqualTo(b).hasSize(32).matches("[a-z2-7]{32}");
    }

    @Test
    void stableFormatIsGoMarshalIndentWithTwoSpacePrefixAndIndent() {
        assertThat(ConfigSha.stable("grp-inst", new RawJson("{\"size\":\"small\",\"list\":[],\"o\":{}}")))
                .isEqualTo("{\n    \"Plugin\": \"grp-inst\",\n    \"Properties\": {\n      \"list\": [],\n"
                        + "      \"o\": {},\n      \"size\": \"small\"\n    }\n  }");
        assertThat(ConfigSha.stable("", RawJson.NULL)).isEqualTo("{\n    \"Plugin\": \"\",\n    \"Properties\": null\n  }");
    }

    @Test
    void numbersAreFormattedAsGoFloat64() {
        assertThat(ConfigSha.goFloat(1)).isEqualTo("1");
        assertThat(ConfigSha.goFloat(1.5)).isEqualTo("1.5");
        assertThat(ConfigSha.goFloat(1e20)).isEqualTo("100000000000000000000");
        assertThat(ConfigSha.goFloat(1e21)).isEqualTo("1e+21");
        assertThat(ConfigSha.goFloat(0.000001)).isEqualTo("0.000001");
        assertThat(ConfigSha.goFloat(1.5e-7)).isEqualTo("1.5e-7");
        assertThat(ConfigSha.goFloat(-2.5e-10)).isEqualTo("-2.5e-10");
        assertThat(ConfigSha.goFloat(12345678901234567890.0)).isEqualTo("12345678901234567000");
    }

    @Test
    void htmlCharactersAreEscapedAsGoEscapesThem() {
        assertThat(ConfigSha.stable("a<b>&", RawJson.NULL)).contains("\"a\\u003cb\\u003e\\u0026\"");
    }
}
