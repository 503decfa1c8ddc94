package org.infrakit4j.spi;

/** Optional: a plugin that can show example Properties (served in /info/api.json). */
public interface PropertiesExample {
    RawJson exampleProperties();
}
