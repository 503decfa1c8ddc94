package org.infrakit4j.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReapPolicyTest {
    @Test
    void reapAfterTakesGoDurationsZeroAndNever() {
        assertThat(ReapPolicy.parseReapAfter("never")).isEmpty();
        assertThat(ReapPolicy.parseReapAfter("0")).contains(Duration.ZERO);
        assertThat(ReapPolicy.parseReapAfter("90s")).contains(Duration.ofSeconds(90));
        assertThat(ReapPolicy.parseReapAfter("5m")).contains(Duration.ofMinutes(5));
        assertThat(ReapPolicy.parseReapAfter("1h30m")).contains(Duration.ofMinutes(90));
        assertThat(ReapPolicy.parseReapAfter("1500ms")).contains(Duration.ofMillis(1500));
        assertThat(ReapPolicy.parseReapAfter("0s")).contains(Duration.ZERO);
    }

    @Test
    void aBadDurationIsRefusedInWords() {
        for (String bad : new String[] {"", "5", "-1s", "5d", "1m x", "m", "1.5m", "never!", "99999999999s"}) {
            assertThatThrownBy(() -> ReapPolicy.parseReapAfter(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a duration")
                    .hasMessageContaining("never");
        }
    }

    @Test
    void petsAreReapedOnlyWhenAskedAndNeverWhenNothingIs() {
        ReapPolicy byDefault = ReapPolicy.DEFAULT;
        assertThat(byDefault.reaps(false)).isTrue();
        assertThat(byDefault.reaps(true)).isFalse();
        assertThat(byDefault.describes(true)).isFalse();
        assertThat(byDefault.describes(false)).isTrue();
        assertThat(new ReapPolicy(false, Optional.of(Duration.ZERO), true).reaps(true)).isTrue();
        assertThat(new ReapPolicy(true, Optional.empty(), true).reaps(true)).isFalse();
        assertThat(new ReapPolicy(true, Optional.empty(), false).describes(true)).isTrue();
    }

    /** A command line with only the reaping flags, as each plugin's main declares them. */
    static final class Command {
        final Flags flags = new Flags("demo", "Reaping only.");
        final ReapPolicy.Options reaping = new ReapPolicy.Options(flags);
    }

    @Test
    void theFlagsMakeThePolicyAndTheDefaultIsFiveMinutes() throws Exception {
        Command none = new Command();
        none.flags.parse();
        assertThat(none.reaping.policy()).isEqualTo(ReapPolicy.DEFAULT);
        assertThat(ReapPolicy.DEFAULT.reapAfter()).contains(Duration.ofMinutes(5));

        Command all = new Command();
        all.flags.parse("--report-dead", "--reap-after", "never", "--reap-pets");
        assertThat(all.reaping.policy()).isEqualTo(new ReapPolicy(true, Optional.empty(), true));

        Command bad = new Command();
        bad.flags.parse("--reap-after", "soon");
        assertThatThrownBy(() -> bad.reaping.policy()).isInstanceOf(PluginLauncher.UsageException.class)
                .hasMessageStartingWith("--reap-after: not a duration: \"soon\"");
    }
}
