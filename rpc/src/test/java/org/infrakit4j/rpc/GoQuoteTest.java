package org.infrakit4j.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GoQuoteTest {

    @Test
    void printableTextIsKeptAndQuotesAndBackslashesEscaped() {
        assertThat(GoQuote.quote("web-1")).isEqualTo("\"web-1\"");
        assertThat(GoQuote.quote("a\"b\\c")).isEqualTo("\"a\\\"b\\\\c\"");
        assertThat(GoQuote.quote("über ☃")).isEqualTo("\"über ☃\"");
        assertThat(GoQuote.quote("")).isEqualTo("\"\"");
    }

    @Test
    void controlCharactersCannotBreakALineOrATerminal() {
        assertThat(GoQuote.quote("a\nb\rc\td")).isEqualTo("\"a\\nb\\rc\\td\"");
        assertThat(GoQuote.quote("\u0000\u001b[31m\u007f")).isEqualTo("\"\\x00\\x1b[31m\\x7f\"");
        assertThat(GoQuote.quote("\u0085")).isEqualTo("\"\\u0085\"");
    }

    @Test
    void aHugeValueIsCutSoAMessageStaysSmall() {
        String quoted = GoQuote.quote("x".repeat(10_000));
        assertThat(quoted).hasSize(GoQuote.MAX_CODE_POINTS + 5).endsWith("...\"");
        assertThat(GoQuote.quote("x".repeat(GoQuote.MAX_CODE_POINTS))).doesNotContain("...");
    }
}
