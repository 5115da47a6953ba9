package io.inferno.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullSource;

class RequestLogTest {
    static Stream<String> wellFormed() {
        return Stream.of("a", "abc-123", "trace.id:span_1", "0af7651916cd43dd8448eb211c80319c", "x".repeat(128));
    }

    static Stream<String> malformed() {
        return Stream.of("", "has space", "line\r\nX-Injected: 1", "quote\"", "slash/", "caf\u00e9",
                "x".repeat(129));
    }

    @ParameterizedTest
    @MethodSource("wellFormed")
    void aWellFormedClientIdIsKept(String given) {
        assertThat(RequestLog.requestIdFor(given)).isEqualTo(given);
    }

    @ParameterizedTest
    @NullSource
    @MethodSource("malformed")
    void aMissingOrMalformedClientIdIsReplacedByAFreshUuid(String given) {
        String id = RequestLog.requestIdFor(given);
        assertThat(id).isNotEqualTo(given);
        assertThat(UUID.fromString(id).toString()).isEqualTo(id);
    }
}
