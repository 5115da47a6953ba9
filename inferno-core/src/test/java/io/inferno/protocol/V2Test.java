package io.inferno.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferno.InvalidInputException;
import io.inferno.ModelNotFoundException;
import java.time.Duration;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class V2Test {
    @Test
    void anEmptyVersionIsTheActiveOneAndAPositiveIntegerPinsOne() {
        assertThat(V2.modelVersion("")).isEmpty();
        assertThat(V2.modelVersion("3")).isEqualTo(OptionalLong.of(3));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-1", "latest", "1.0", " 1", "99999999999999999999"})
    void anyOtherVersionIsAVersionThatDoesNotExist(String text) {
        assertThatThrownBy(() -> V2.modelVersion(text)).isInstanceOf(ModelNotFoundException.class)
                .hasMessage(ModelNotFoundException.MESSAGE);
    }

    @Test
    void timeoutParametersCountInTheirOwnUnit() {
        assertThat(V2.timeout(V2.TIMEOUT_MS, 250)).isEqualTo(Duration.ofMillis(250));
        assertThat(V2.timeout(V2.TIMEOUT_US, 250)).isEqualTo(Duration.ofNanos(250_000));
    }

    @Test
    void timeoutsMustBePositiveAndAtMostADay() {
        assertThatThrownBy(() -> V2.timeout(V2.TIMEOUT_MS, 0)).isInstanceOf(InvalidInputException.class)
                .hasMessage("parameter timeout_ms must be a positive integer (milliseconds), got 0");
        assertThatThrownBy(() -> V2.timeout(V2.TIMEOUT_US, 86_400_000_001L)).isInstanceOf(InvalidInputException.class)
                .hasMessage("parameter timeout must be at most 86400000000 (24 hours), got 86400000001");
        assertThat(V2.timeout(V2.TIMEOUT_MS, 86_400_000)).isEqualTo(Duration.ofHours(24));
    }

    @Test
    void theServerVersionIsTheBuildsVersion() {
        assertThat(V2.serverVersion()).isNotBlank().doesNotContain("${").isNotEqualTo("unknown");
    }
}
