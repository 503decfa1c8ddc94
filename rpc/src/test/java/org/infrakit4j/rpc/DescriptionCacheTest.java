package org.infrakit4j.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.junit.jupiter.api.Test;

/**
 * Whole Describe lists are reused only for the very same Description objects in the very same order; whatever
 * else changes (an element replaced by an equal or a changed copy, the order, the length, another filter's list)
 * the bytes are those of encoding every element afresh, as Go's encoder writes the array.
 */
class DescriptionCacheTest {
    private static Description d(String id, String tag) {
        return new Description(InstanceId.of(id), Optional.empty(), Map.of("group", tag, "k<&>", "v\u2028"),
                new RawJson("{\"a\":[1,2]}"));
    }

    private static String fresh(List<Description> list) throws Exception {
        return GoJson.toText(out -> {
            out.writeStartArray();
            for (Description x : list) {
                InstanceCall.writeDescription(out, x);
            }
            out.writeEndArray();
        });
    }

    /** What Describe writes through the cache: the known array, else each element's cached JSON. */
    private static String cached(DescriptionCache cache, List<Description> list) throws Exception {
        com.fasterxml.jackson.core.io.SerializedString whole = cache.knownList(list);
        if (whole != null) {
            return whole.getValue();
        }
        return GoJson.toText(out -> {
            out.writeStartArray();
            for (Description x : list) {
                out.writeRawValue(cache.encoded(x));
            }
            out.writeEndArray();
        });
    }

    @Test
    void theSameObjectsInTheSameOrderReuseTheArrayAndAnyChangeIsEncodedAfresh() throws Exception {
        DescriptionCache cache = new DescriptionCache();
        List<Description> web = new ArrayList<>(List.of(d("i-1", "web"), d("i-2", "web"), d("i-3", "web")));
        assertThat(cache.knownList(web)).as("a list seen for the first time is written element by element").isNull();
        assertThat(cached(cache, web)).as("the second time: the whole array, made").isEqualTo(fresh(web));
        assertThat(cache.knownList(new ArrayList<>(web))).as("same objects, another list: reused")
                .isNotNull().isSameAs(cache.knownList(web));

        List<Description> changed = new ArrayList<>(web);
        changed.set(1, d("i-2", "web").withProperties(new RawJson("{\"b\":true}")));
        assertThat(cached(cache, changed)).isEqualTo(fresh(changed)).contains("{\"b\":true}");

        List<Description> reordered = List.of(web.get(2), web.get(0), web.get(1));
        assertThat(cached(cache, reordered)).isEqualTo(fresh(reordered));
        assertThat(cached(cache, web.subList(0, 2))).isEqualTo(fresh(web.subList(0, 2)));
        assertThat(cached(cache, List.of())).isEqualTo("[]").isEqualTo(fresh(List.of()));

        List<Description> db = List.of(d("i-9", "db"));
        for (int round = 0; round < 3; round++) {
            assertThat(cached(cache, web)).isEqualTo(fresh(web));
            assertThat(cached(cache, db)).isEqualTo(fresh(db));
        }
    }

    @Test
    void equalButNewObjectsGiveTheSameBytes() throws Exception {
        DescriptionCache cache = new DescriptionCache();
        List<Description> first = List.of(d("i-1", "web"), d("i-2", "web"));
        List<Description> again = List.of(d("i-1", "web"), d("i-2", "web"));
        String a = cached(cache, first);
        assertThat(cached(cache, again)).isEqualTo(a).isEqualTo(fresh(again));
        assertThat(a).startsWith("[{\"ID\":\"i-1\"").contains("\\u003c\\u0026\\u003e").contains("\\u2028");
    }
}
