package org.infrakit4j.rpc;

import com.fasterxml.jackson.core.io.SerializedString;
import java.io.IOException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.infrakit4j.spi.Description;

/**
 * Encoded Descriptions. A group plugin polls DescribeInstances over the same unchanged instances again and again;
 * re-encoding each (sorting its tags, escaping, re-emitting Properties) dominated the call. Two levels: slots by
 * object identity, for plugins that keep one Description object per unchanged instance (no hashing of its tags at
 * all), then a map by value for plugins that build Descriptions afresh. A changed instance is a different
 * Description, so it misses and is encoded anew. Both are bounded: slots are overwritten, the map starts over.
 * One per dispatcher (so per served socket): plugins in one JVM never share or evict each other's entries.
 */
final class DescriptionCache {
    /** Enough for a 10,000-instance group polled by Describe; about 10 MB of JSON each when full. */
    private static final int MAX_ENTRIES = 16_384;
    private static final int SLOTS = 1 << 14;
    private final ConcurrentHashMap<Description, SerializedString> byValue = new ConcurrentHashMap<>();
    private final AtomicReferenceArray<Slot> byIdentity = new AtomicReferenceArray<>(SLOTS);

    private record Slot(Description key, SerializedString json) {
    }

    /** The Description's JSON; a SerializedString keeps its UTF-8 bytes, so a hit copies bytes and nothing else. */
    SerializedString encoded(Description d) throws IOException {
        int slot = System.identityHashCode(d) & (SLOTS - 1);
        Slot known = byIdentity.get(slot);
        if (known != null && known.key == d) {
            return known.json;
        }
        SerializedString json = byValue.get(d);
        if (json == null) {
            json = new SerializedString(GoJson.toText(out -> InstanceCall.writeDescription(out, d)));
            if (byValue.size() >= MAX_ENTRIES) {
                byValue.clear();
            }
            byValue.put(d, json);
        }
        byIdentity.set(slot, new Slot(d, json));
        return json;
    }
}
