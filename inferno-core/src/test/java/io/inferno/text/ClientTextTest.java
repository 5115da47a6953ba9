package io.inferno.text;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.InvalidInputException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientTextTest {
    @Test
    void shortValuesAreQuotedWholeAndLongOnesAsAnExcerptWithTheirLength() {
        assertThat(ClientText.quote("float33")).isEqualTo("'float33'");
        assertThat(ClientText.quote(null)).isEqualTo("null");
        assertThat(ClientText.quote("x".repeat(64))).isEqualTo("'" + "x".repeat(64) + "'");
        assertThat(ClientText.quote("y".repeat(10_000_000))).isEqualTo("'" + "y".repeat(48) + "…' (10000000 chars)");
    }

    @Test
    void anExcerptNeverSplitsASurrogatePair() {
        String value = "a".repeat(47) + "😀" + "b".repeat(100);
        assertThat(ClientText.quote(value)).startsWith("'" + "a".repeat(47) + "…'");
        assertThat(ClientText.truncate(value, 60)).doesNotContain("\uD83D…");
    }

    @Test
    void truncatedTextStaysWithinItsLimitAndSaysHowLongItWas() {
        String t = ClientText.truncate("z".repeat(5000), 100);
        assertThat(t).hasSizeLessThanOrEqualTo(100).endsWith("… (5000 chars)");
        assertThat(ClientText.truncate("short", 100)).isEqualTo("short");
    }

    @Test
    void anInvalidInputListsABoundedNumberOfBoundedProblems() {
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            problems.add("problem " + i + " " + "q".repeat(1000));
        }
        InvalidInputException e = new InvalidInputException(problems, 5);
        assertThat(e.problems()).hasSize(InvalidInputException.MAX_PROBLEMS + 1);
        assertThat(e.problems().get(0)).hasSizeLessThanOrEqualTo(InvalidInputException.MAX_PROBLEM_CHARS);
        assertThat(e.problems().get(InvalidInputException.MAX_PROBLEMS)).isEqualTo("and 99985 more problems");
        assertThat(e.getMessage().length()).isLessThan(8192);
        assertThat(new InvalidInputException(List.of("one")).getMessage()).isEqualTo("one");
    }
}
