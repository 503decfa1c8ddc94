package org.infrakit4j.bench;

import java.util.Locale;

/**
 * One report window of a soak: calls and errors in it, latency percentiles, the backend's share of each call (from
 * the plugin's /metrics), and the plugin's resident size and open descriptors at its end.
 */
record SoakWindow(int n, long calls, long errors, double p50Ms, double p99Ms, double describeP99Ms, double meanMs,
                  double backendMs, long rssBytes, long fds) {
    static final String HEADER = String.format(Locale.ROOT, "%6s %8s %6s %8s %8s %12s %10s %7s %8s %6s", "window",
            "calls", "errors", "p50 ms", "p99 ms", "Describe p99", "backend ms", "own ms", "RSS MB", "fds");

    String line() {
        return String.format(Locale.ROOT, "%6d %8d %6d %8.2f %8.2f %12.2f %10.2f %7.2f %8d %6d", n, calls, errors,
                p50Ms, p99Ms, describeP99Ms, backendMs, ownMs(), rssBytes / (1024 * 1024), fds);
    }

    /** The mean time per call spent outside the backend's calls: the plugin, the RPC and the clients. */
    double ownMs() {
        return Math.max(0, meanMs - backendMs);
    }
}
