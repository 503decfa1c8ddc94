package org.infrakit4j.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ReleaseBenchTest {
    @Test
    void readsPeerbenchLineWithGoDurations() {
        ReleaseBench.Peer p = ReleaseBench.Peer.parse("op=describe n=300 c=1 errors=2 elapsed=1.23s rate=243.9/s "
                + "p50=3.9ms p90=850µs p99=1.5s\n");
        assertThat(p.errors()).isEqualTo(2);
        assertThat(p.rate()).isEqualTo(243.9);
        assertThat(p.p50ms()).isEqualTo(3.9);
        assertThat(p.p90ms()).isEqualTo(0.85);
        assertThat(p.p99ms()).isEqualTo(1500.0);
    }

    @Test
    void goDurationWithMinutes() {
        assertThat(ReleaseBench.Peer.goMillis("1m2.5s")).isEqualTo(62_500.0);
        assertThat(ReleaseBench.Peer.goMillis("120ns")).isEqualTo(0.00012);
    }

    @Test
    void aLineWithoutFiguresIsAnError() {
        assertThatThrownBy(() -> ReleaseBench.Peer.parse("peerbench: -sock is required"))
                .hasMessageContaining("no figures");
    }
}
