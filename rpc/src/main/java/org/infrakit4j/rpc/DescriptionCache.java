package org.infrakit4j.rpc;

import com.fasterxml.jackson.core.io.SerializedString;
import java.io.IOException;
import java.util.concurrent.ConcurrentHashMap;
import org.infrakit4j.spi.Description;

/**
 * Encoded Descriptions, by value. A group plugin polls DescribeInstances over the same unchanged instances again
 * and again; re-encoding each (sorting its tags, escaping, re-emitting Properties) dominated the call. A changed
 * instance is a different Description, so it misses and is encoded afresh. Bounded: when full it starts over.
 */
final class DescriptionCache {
    private static final int MAX_ENTRIES = 32_768;
    private static final ConcurrentHashMap<Description, SerializedString> CACHE = new ConcurrentHashMap<>();

    private DescriptionCache() {
    }

    /** The Description's JSON; a SerializedString keeps its UTF-8 bytes, so a hit copies bytes and nothing else. */
    static SerializedString encoded(Description d) throws IOException {
        SerializedString json = CACHE.get(d);
        if (json == null) {
            json = new SerializedString(GoJson.toText(out -> InstanceCall.writeDescription(out, d)));
            if (CACHE.size() >= MAX_ENTRIES) {
                CACHE.clear();
            }
            CACHE.put(d, json);
        }
        return json;
    }
}
