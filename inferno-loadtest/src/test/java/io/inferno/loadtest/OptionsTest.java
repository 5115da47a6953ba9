package io.inferno.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class OptionsTest {
    private static Options parse(String... args) throws Options.UsageException {
        return Options.parse(args, Map.of()).orElseThrow();
    }

    @Test
    void defaultsMatchTheSeedsScript() throws Exception {
        Options o = parse();
        assertThat(o.host()).isEqualTo("http://localhost:8000");
        assertThat(o.users()).isEqualTo(1);
        assertThat(o.runTime()).isEqualTo(Duration.ofSeconds(30));
        assertThat(o.model()).isEqualTo("torchscript");
        assertThat(o.version()).isEmpty();
        assertThat(o.requestTimeout()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void readsEveryOptionInBothSpellings() throws Exception {
        Options o = parse("--host", "http://127.0.0.1:9000/", "-u", "64", "-r", "8", "--run-time=1h30m",
                "--model-name", "my_classifier", "--model-version", "2", "--load-model", "--warmup", "50",
                "--verify-response", "--payload-file", "body.json", "--request-timeout", "2.5", "--headless",
                "--json", "--batch", "4", "--dim", "seq=32", "--admin-token", "s3cret");
        assertThat(o.host()).isEqualTo("http://127.0.0.1:9000");
        assertThat(o.users()).isEqualTo(64);
        assertThat(o.spawnRate()).isEqualTo(8.0);
        assertThat(o.runTime()).isEqualTo(Duration.ofMinutes(90));
        assertThat(o.model()).isEqualTo("my_classifier");
        assertThat(o.version()).hasValue(2);
        assertThat(o.loadModel()).isTrue();
        assertThat(o.warmup()).isEqualTo(50);
        assertThat(o.verifyResponse()).isTrue();
        assertThat(o.payloadFile()).hasValueSatisfying(p -> assertThat(p.toString()).isEqualTo("body.json"));
        assertThat(o.requestTimeout()).isEqualTo(Duration.ofMillis(2500));
        assertThat(o.headless()).isTrue();
        assertThat(o.json()).isTrue();
        assertThat(o.batch()).isEqualTo(4);
        assertThat(o.dims()).containsEntry("seq", 32L);
        assertThat(o.adminToken()).hasValue("s3cret");
    }

    @Test
    void takesTheAdminTokenFromTheEnvironment() throws Exception {
        assertThat(Options.parse(new String[0], Map.of("ADMIN_TOKEN", "t")).orElseThrow().adminToken())
                .hasValue("t");
    }

    @Test
    void helpIsNotAnError() throws Exception {
        assertThat(Options.parse(new String[] {"--help"}, Map.of())).isEmpty();
        assertThat(Options.parse(new String[] {"-h"}, Map.of())).isEmpty();
    }

    static Stream<Arguments> badCommandLines() {
        return Stream.of(
                Arguments.of(new String[] {"-u", "0"}, "-u must be a whole number from 1 to 10000, got '0'"),
                Arguments.of(new String[] {"--users", "many"}, "--users must be a whole number from 1 to 10000"),
                Arguments.of(new String[] {"-t", "5q"}, "-t must be a duration such as 30s, 2m or 1h30m, got '5q'"),
                Arguments.of(new String[] {"--run-time", "0s"}, "--run-time must be a duration"),
                Arguments.of(new String[] {"--host", "localhost:8000"}, "--host must be an http:// URL"),
                Arguments.of(new String[] {"--load-model"}, "--load-model needs --model-version"),
                Arguments.of(new String[] {"--request-timeout", "-1"}, "--request-timeout must be a positive number"),
                Arguments.of(new String[] {"--dim", "seq"}, "--dim must be NAME=N, got 'seq'"),
                Arguments.of(new String[] {"--warmup"}, "--warmup needs a value"),
                Arguments.of(new String[] {"--frobnicate"}, "unknown option --frobnicate"));
    }

    @ParameterizedTest
    @MethodSource("badCommandLines")
    void rejectsBadCommandLinesNamingTheOption(String[] args, String message) {
        assertThatThrownBy(() -> Options.parse(args, Map.of())).isInstanceOf(Options.UsageException.class)
                .hasMessageContaining(message);
    }

    @Test
    void reportsEveryProblemAtOnce() {
        assertThatThrownBy(() -> Options.parse(new String[] {"-u", "x", "-t", "y"}, Map.of()))
                .hasMessage("-u must be a whole number from 1 to 10000, got 'x'\n"
                        + "-t must be a duration such as 30s, 2m or 1h30m, got 'y'");
    }
}
