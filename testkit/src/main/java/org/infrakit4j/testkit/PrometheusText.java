package org.infrakit4j.testkit;

import java.util.LinkedHashMap;
import java.util.Map;

/** Reads the Prometheus text format: each sample's {@code name{labels}} to its value; comments skipped. */
public final class PrometheusText {
    private PrometheusText() {
    }

    /** @throws IllegalArgumentException on a line that is not a comment, blank, or {@code series value} */
    public static Map<String, Double> parse(String text) {
        Map<String, Double> samples = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            if (space <= 0) {
                throw new IllegalArgumentException("not a sample line: " + line);
            }
            String series = line.substring(0, space);
            if (samples.put(series, Double.parseDouble(line.substring(space + 1))) != null) {
                throw new IllegalArgumentException("series twice: " + series);
            }
        }
        return samples;
    }
}
