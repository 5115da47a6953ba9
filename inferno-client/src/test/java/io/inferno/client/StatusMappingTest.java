package io.inferno.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.DeadlineExceededException;
import io.inferno.InfernoException;
import io.inferno.InvalidInputException;
import io.inferno.ModelConfigException;
import io.inferno.ModelExecutionException;
import io.inferno.ModelLoadException;
import io.inferno.ModelNotFoundException;
import io.inferno.OverloadedException;
import io.inferno.StateUnavailableException;
import io.inferno.client.StatusMapping.Operation;
import io.inferno.http.LoopbackServer;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The client's mapping is the inverse of the server's: each failure the server maps to a status and detail
 * ({@code io.inferno.http.ErrorMapping}) comes back from the client as the same exception, with the same message.
 */
class StatusMappingTest {
    static Stream<Arguments> failures() {
        List<String> many = IntStream.range(0, 25).mapToObj(i -> "input 'x" + i + "': missing dtype").toList();
        return Stream.of(
                Arguments.of(new InvalidInputException("Missing required input(s): tokens. Expected inputs: mask, "
                        + "tokens"), Operation.PREDICT),
                Arguments.of(new InvalidInputException(List.of("input 'x': missing dtype", "unknown output 'z'")),
                        Operation.PREDICT),
                Arguments.of(new InvalidInputException(List.of("Input 'tokens' has dtype int64; expected float32",
                        "a problem with \"quotes\", unicode é and\na new line")), Operation.PREDICT),
                Arguments.of(new InvalidInputException(many, 3), Operation.PREDICT),
                Arguments.of(new ModelLoadException("/srv/models/broken/1/model.yaml: entrypoint: no class"),
                        Operation.LOAD),
                Arguments.of(new ModelConfigException(Path.of("/m/x/1/model.yaml"), List.of("signature: missing")),
                        Operation.LOAD),
                Arguments.of(new ModelNotFoundException(), Operation.PREDICT),
                Arguments.of(new ModelNotFoundException(), Operation.UNLOAD),
                Arguments.of(new OverloadedException(OverloadedException.Reason.QUEUE_FULL,
                        "model torchscript:2 queue is full (256 requests); retry later"), Operation.PREDICT),
                Arguments.of(new OverloadedException(OverloadedException.Reason.MEMORY, "the server holds 1040000 of "
                        + "the 1073741824 bytes it allows for requests in flight (MAX_INFLIGHT_BYTES) and this "
                        + "request needs 55013 more; retry later"), Operation.PREDICT),
                Arguments.of(new OverloadedException(OverloadedException.Reason.SHUTTING_DOWN,
                        "server is shutting down; retry on another replica"), Operation.LOAD),
                Arguments.of(new OverloadedException(OverloadedException.Reason.SHUTTING_DOWN,
                        "model torchscript:2 is shutting down or being unloaded; retry"), Operation.PREDICT),
                Arguments.of(new StateUnavailableException("shared state unavailable: connection refused", null),
                        Operation.LOAD),
                Arguments.of(new DeadlineExceededException("request to torchscript:2 timed out after waiting 2000 ms "
                        + "in the queue"), Operation.PREDICT),
                Arguments.of(new ModelExecutionException("model failing:1 failed: weights not initialised", null),
                        Operation.PREDICT));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failures")
    void comesBackAsTheExceptionTheServerMapped(InfernoException sent, Operation operation) {
        InfernoException back = StatusMapping.exception(LoopbackServer.status(sent), LoopbackServer.detail(sent),
                LoopbackServer.problems(sent), operation);

        Class<?> expected = sent instanceof ModelLoadException ? ModelLoadException.class : sent.getClass();
        assertThat(back).isExactlyInstanceOf(expected).hasMessage(sent.getMessage());
        if (sent instanceof OverloadedException o) {
            assertThat(((OverloadedException) back).reason()).isEqualTo(o.reason());
            assertThat(LoopbackServer.retryAfter(sent)).as("retried by the client").isTrue();
        }
        if (sent instanceof InvalidInputException i) {
            assertThat(((InvalidInputException) back).problems()).isEqualTo(i.problems());
        }
    }

    static Stream<Arguments> serverOwnStatuses() {
        return Stream.of(400, 401, 403, 405, 408, 413, 415, 431).map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("serverOwnStatuses")
    void aStatusWithoutACoreExceptionIsAnInfernoHttpException(int status) {
        RuntimeException sent = LoopbackServer.problem(status, "refused: " + status);

        InfernoException back = StatusMapping.exception(LoopbackServer.status(sent), LoopbackServer.detail(sent),
                LoopbackServer.problems(sent), Operation.PREDICT);

        assertThat(back).isExactlyInstanceOf(InfernoHttpException.class).hasMessage("refused: " + status);
        assertThat(((InfernoHttpException) back).status()).isEqualTo(status);
    }
}
