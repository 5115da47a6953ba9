package io.inferno.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.inferno.DeadlineExceededException;
import io.inferno.InvalidInputException;
import io.inferno.ModelExecutionException;
import io.inferno.ModelNotFoundException;
import io.inferno.OverloadedException;
import io.inferno.StateUnavailableException;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class StatusMappingTest {
    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of(new InvalidInputException("Input 'x' has dtype int64; expected float32"),
                        Status.Code.INVALID_ARGUMENT, "Input 'x' has dtype int64; expected float32", 422),
                Arguments.of(new ModelNotFoundException(), Status.Code.NOT_FOUND, ModelNotFoundException.MESSAGE, 404),
                Arguments.of(new OverloadedException(OverloadedException.Reason.QUEUE_FULL, "queue is full"),
                        Status.Code.RESOURCE_EXHAUSTED, "queue is full", 503),
                Arguments.of(new OverloadedException(OverloadedException.Reason.MEMORY, "memory budget taken"),
                        Status.Code.RESOURCE_EXHAUSTED, "memory budget taken", 503),
                Arguments.of(new OverloadedException(OverloadedException.Reason.SHUTTING_DOWN, "shutting down"),
                        Status.Code.UNAVAILABLE, "shutting down", 503),
                Arguments.of(new StateUnavailableException("redis down", null), Status.Code.UNAVAILABLE,
                        "redis down", 503),
                Arguments.of(new DeadlineExceededException("timed out after waiting 50 ms"),
                        Status.Code.DEADLINE_EXCEEDED, "timed out after waiting 50 ms", 504),
                Arguments.of(new ModelExecutionException("weights not initialised", null), Status.Code.INTERNAL,
                        "weights not initialised", 500),
                Arguments.of(new CompletionException(new ModelNotFoundException()), Status.Code.NOT_FOUND,
                        ModelNotFoundException.MESSAGE, 404),
                Arguments.of(new CancellationException(), Status.Code.CANCELLED, "cancelled", 499),
                Arguments.of(new IllegalStateException("a bug"), Status.Code.INTERNAL, "internal error", 500));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failures")
    void eachFailureHasOneStatusWithItsMessageAndItsRestEquivalent(Throwable failure, Status.Code code,
            String description, int http) {
        StatusMapping.Mapped m = StatusMapping.map(failure);
        assertThat(m.status().getCode()).isEqualTo(code);
        assertThat(m.status().getDescription()).isEqualTo(description);
        assertThat(StatusMapping.httpEquivalent(code)).isEqualTo(http);
    }

    @Test
    void onlyAModelFailureIsLoggedAsOneAndOnlyTheUnexpectedAsABug() {
        assertThat(StatusMapping.map(new ModelExecutionException("x", null)).modelFailure()).isTrue();
        assertThat(StatusMapping.map(new IllegalStateException()).bug()).isTrue();
        for (Throwable expected : List.of(new InvalidInputException("x"), new ModelNotFoundException())) {
            assertThat(StatusMapping.map(expected).bug()).isFalse();
            assertThat(StatusMapping.map(expected).modelFailure()).isFalse();
        }
    }

    @Test
    void descriptionsAreCutToFitAHeader() {
        StatusMapping.Mapped m = StatusMapping.map(new ModelExecutionException("x".repeat(100_000), null));
        assertThat(m.status().getDescription()).hasSizeLessThanOrEqualTo(StatusMapping.MAX_DESCRIPTION_CHARS)
                .endsWith("(100000 chars)");
    }

    @ParameterizedTest
    @EnumSource(Status.Code.class)
    void everyCodeHasARestStatusClass(Status.Code code) {
        assertThat(StatusMapping.httpEquivalent(code)).isBetween(200, 599);
    }
}
