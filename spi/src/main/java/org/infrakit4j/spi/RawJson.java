package org.infrakit4j.spi;

import java.util.Objects;

/**
 * Opaque JSON (Properties), kept as compact JSON text. The SPI never parses it: each provider decodes it into its
 * own properties record, and the rpc layer checks and compacts it on the wire.
 */
public record RawJson(String json) {
    /** The JSON {@code null}: absent Properties. */
    public static final RawJson NULL = new RawJson("null");

    public RawJson {
        Objects.requireNonNull(json, "json");
        if (json.isBlank()) {
            throw new IllegalArgumentException("empty JSON text");
        }
    }

    public static RawJson of(String json) {
        return json == null ? NULL : new RawJson(json);
    }

    public boolean isNull() {
        return json.equals("null");
    }

    @Override
    public String toString() {
        return json;
    }
}
