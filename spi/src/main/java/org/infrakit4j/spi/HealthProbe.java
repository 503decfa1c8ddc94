package org.infrakit4j.spi;

/** Optional: a plugin that can tell whether its backend answers, for {@code GET /healthz}. */
public interface HealthProbe {
    /**
     * Returns normally when the backend answers; otherwise throws {@link InstanceException} (usually
     * {@link ErrorCode#BACKEND_UNAVAILABLE}) saying what is wrong. One cheap backend round trip at most, no side
     * effects; the server gives up waiting after a second.
     */
    void checkHealth();
}
