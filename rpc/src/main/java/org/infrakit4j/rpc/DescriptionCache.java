package org.infrakit4j.rpc;

import com.fasterxml.jackson.core.io.SerializedString;
import java.io.IOException;
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
 * same order, and from the second such poll the whole JSON array is reused after a comparison of references. Per element, a hit still
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
    /** A list's JSON beyond this is not kept: the lists hold at most LISTS times this (and its UTF-8 bytes). */
    private static final int MAX_LIST_CHARS = 4 << 20;
    private final AtomicReferenceArray<EncodedList> lists = new AtomicReferenceArray<>(LISTS);
    private final AtomicInteger nextList = new AtomicInteger();

    private record Slot(Description key, SerializedString json) {
    }

    /**
     * A list as it was returned (its elements, copied) and, once it came a second time, its JSON array; a plugin
     * that builds its Descriptions afresh for each call never repeats a list and so never pays for the array.
     */
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
     * The JSON array of {@code list}, {@code [a,b,...]} as the Go encoder writes it, when the same Description
     * objects came in the same order before (made from each element's {@link #encoded} JSON the second time, reused
     * whole after that); null the first time, when the caller writes the elements one by one.
     */
    SerializedString knownList(List<Description> list) throws IOException {
        for (int i = 0; i < LISTS; i++) {
            EncodedList known = lists.get(i);
            if (known != null && known.sameAs(list)) {
                if (known.json != null) {
                    return known.json;
                }
                StringBuilder out = new StringBuilder(64 + known.items.length * 128).append('[');
                for (int j = 0; j < known.items.length; j++) {
                    out.append(j == 0 ? "" : ",").append(encoded(known.items[j]).getValue());
                }
                SerializedString json = new SerializedString(out.append(']').toString());
                if (json.charLength() <= MAX_LIST_CHARS) {
                    lists.compareAndSet(i, known, new EncodedList(known.items, json));
                }
                return json;
            }
        }
        lists.set(Math.floorMod(nextList.getAndIncrement(), LISTS),
                new EncodedList(list.toArray(new Description[0]), null));
        return null;
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
