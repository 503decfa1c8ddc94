package org.infrakit4j.rpc;

import com.fasterxml.jackson.core.io.SerializedString;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.infrakit4j.spi.Description;

/**
 * Encoded Descriptions. A group plugin polls DescribeInstances over the same unchanged instances again and again;
 * re-encoding each (sorting its tags, escaping, re-emitting Properties) dominated the call. Two levels: slots by
 * object identity, for plugins that keep one Description object per unchanged instance (no hashing of its tags at
 * all), then a map by value for plugins that build Descriptions afresh. A changed instance is a different
 * Description, so it misses and is encoded anew. Both are bounded: slots are overwritten, the map starts over.
 * One per dispatcher (so per served socket): plugins in one JVM never share or evict each other's entries.
 *
 * <p>Above both, the last few whole lists: a poll of unchanged instances returns the same Description objects in the
 * same order, and then the whole JSON array is reused after a comparison of references. Per element, a hit still
 * cost a hashed slot and a copy: about half the server's time for a Describe of 1,000 instances.
 */
final class DescriptionCache {
    /** Enough for a 10,000-instance group polled by Describe; about 10 MB of JSON each when full. */
    private static final int MAX_ENTRIES = 16_384;
    private static final int SLOTS = 1 << 14;
    private final ConcurrentHashMap<Description, SerializedString> byValue = new ConcurrentHashMap<>();
    private final AtomicReferenceArray<Slot> byIdentity = new AtomicReferenceArray<>(SLOTS);

    /** Lists kept: one per tag filter a group (or a person) polls with, a few at once. */
    private static final int LISTS = 4;
    /** A list's JSON beyond this is not kept: the lists hold at most LISTS times this. */
    private static final int MAX_LIST_BYTES = 4 << 20;
    private final AtomicReferenceArray<EncodedList> lists = new AtomicReferenceArray<>(LISTS);
    private final AtomicInteger nextList = new AtomicInteger();

    private record Slot(Description key, SerializedString json) {
    }

    /** A list as it was returned (its elements, copied) and its JSON array. */
    private record EncodedList(Description[] items, SerializedString json) {
        boolean sameAs(List<Description> list) {
            if (items.length != list.size()) {
                return false;
            }
            int i = 0;
            for (Description d : list) {
                if (items[i++] != d) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * The JSON array of {@code list}, {@code [a,b,...]} as the Go encoder writes it: reused whole when the same
     * Description objects come in the same order again, else made from each element's {@link #encoded} JSON.
     */
    SerializedString encodedList(List<Description> list) throws IOException {
        for (int i = 0; i < LISTS; i++) {
            EncodedList known = lists.get(i);
            if (known != null && known.sameAs(list)) {
                return known.json;
            }
        }
        Description[] items = list.toArray(new Description[0]);
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + items.length * 128);
        out.write('[');
        for (int i = 0; i < items.length; i++) {
            if (i > 0) {
                out.write(',');
            }
            out.write(encoded(items[i]).asUnquotedUTF8());
        }
        out.write(']');
        byte[] bytes = out.toByteArray();
        SerializedString json = new SerializedString(new String(bytes, StandardCharsets.UTF_8));
        if (bytes.length <= MAX_LIST_BYTES) {
            lists.set(Math.floorMod(nextList.getAndIncrement(), LISTS), new EncodedList(items, json));
        }
        return json;
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
