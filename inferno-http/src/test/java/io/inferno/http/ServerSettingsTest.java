package io.inferno.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferno.runtime.Device;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ServerSettingsTest {

    @Test
    void defaultsAreTheDocumentedOnes() {
        ServerSettings s = ServerSettings.defaults();
        assertThat(s.device()).isEqualTo(Device.AUTO);
        assertThat(s.repoRoot()).isEqualTo(Path.of("models"));
        assertThat(s.preload()).isTrue();
        assertThat(s.accessLog()).isFalse();
        assertThat(s.metricsBuckets()).containsExactly(0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28);
        assertThat(s.redisUrl()).isEmpty();
        assertThat(s.redisPrefix()).isEqualTo("inferno:model_state");
        assertThat(s.reconcileEnabled()).isTrue();
        assertThat(s.reconcileInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(s.host()).isEqualTo("0.0.0.0");
        assertThat(s.port()).isEqualTo(8000);
        assertThat(s.maxRequestBytes()).isEqualTo(64L * 1024 * 1024);
        assertThat(s.adminToken()).isEmpty();
        assertThat(s.adminOrigins()).isEmpty();
        assertThat(s.logLevel()).isEqualTo("INFO");
        assertThat(s.repoPollInterval()).isEqualTo(Duration.ZERO);
        assertThat(s.httpThreads()).isEqualTo(250);
        assertThat(s.idleTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.requestHeaderTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.minRequestDataRate()).isEqualTo(1024);
        assertThat(s.requestRateWindow()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void theMemoryBudgetDefaultsToAQuarterOfTheHeapButNeverBelowOneLargestBody() {
        assertThat(ServerSettings.fromEnvironment(Map.of(), 4L << 30).maxInflightBytes()).isEqualTo(1L << 30);
        assertThat(ServerSettings.fromEnvironment(Map.of(), 128L << 20).maxInflightBytes())
                .isEqualTo(ServerSettings.DEFAULT_MAX_REQUEST_BYTES);
        assertThat(ServerSettings.fromEnvironment(Map.of("MAX_REQUEST_BYTES", "2048"), 4096).maxInflightBytes())
                .isEqualTo(2048);
    }

    @Test
    void readsEveryVariableAndIgnoresUnknownOnes() {
        ServerSettings s = ServerSettings.fromEnvironment(Map.ofEntries(Map.entry("DEVICE", "cuda:1"),
                Map.entry("REPO_ROOT", "/srv/models"), Map.entry("PRELOAD", "false"), Map.entry("ACCESS_LOG", "1"),
                Map.entry("METRICS_BUCKETS", "0.1, 1"), Map.entry("REDIS_URL", "redis://r:6379/0"),
                Map.entry("REDIS_PREFIX", "p"), Map.entry("STATE_RECONCILE_ENABLED", "no"),
                Map.entry("STATE_RECONCILE_INTERVAL_S", "0.5"), Map.entry("HOST", "127.0.0.1"),
                Map.entry("PORT", "9000"), Map.entry("MAX_REQUEST_BYTES", "2048"), Map.entry("ADMIN_TOKEN", "t"),
                Map.entry("LOG_LEVEL", "debug"), Map.entry("REPO_POLL_INTERVAL_S", "2.5"),
                Map.entry("ADMIN_ALLOWED_ORIGINS", "https://Ops.example.com, http://localhost:3000,"),
                Map.entry("HTTP_THREADS", "16"), Map.entry("IDLE_TIMEOUT_S", "2"),
                Map.entry("REQUEST_HEADER_TIMEOUT_S", "0.5"), Map.entry("MIN_REQUEST_DATA_RATE", "0"),
                Map.entry("REQUEST_RATE_WINDOW_S", "0.25"), Map.entry("MAX_INFLIGHT_BYTES", "4096"),
                Map.entry("SOMETHING_ELSE", "ignored")));
        assertThat(s.httpThreads()).isEqualTo(16);
        assertThat(s.idleTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(s.requestHeaderTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(s.minRequestDataRate()).isZero();
        assertThat(s.requestRateWindow()).isEqualTo(Duration.ofMillis(250));
        assertThat(s.maxInflightBytes()).isEqualTo(4096);
        assertThat(s.repoPollInterval()).isEqualTo(Duration.ofMillis(2500));
        assertThat(s.device()).isEqualTo(Device.cuda(1));
        assertThat(s.repoRoot()).isEqualTo(Path.of("/srv/models"));
        assertThat(s.preload()).isFalse();
        assertThat(s.accessLog()).isTrue();
        assertThat(s.metricsBuckets()).containsExactly(0.1, 1.0);
        assertThat(s.redisUrl()).hasValue("redis://r:6379/0");
        assertThat(s.redisPrefix()).isEqualTo("p");
        assertThat(s.reconcileEnabled()).isFalse();
        assertThat(s.reconcileInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(s.host()).isEqualTo("127.0.0.1");
        assertThat(s.port()).isEqualTo(9000);
        assertThat(s.maxRequestBytes()).isEqualTo(2048);
        assertThat(s.adminToken()).hasValue("t");
        assertThat(s.adminOrigins()).containsExactly("https://ops.example.com", "http://localhost:3000");
        assertThat(s.logLevel()).isEqualTo("DEBUG");
        assertThat(s.toString()).doesNotContain("=t,").contains("adminToken=set");
    }

    @Test
    void acceptsTheSeedsAccessLogAlias() {
        assertThat(ServerSettings.fromEnvironment(Map.of("UVICORN_ACCESS_LOG", "true")).accessLog()).isTrue();
        assertThat(ServerSettings.fromEnvironment(Map.of("UVICORN_ACCESS_LOG", "true", "ACCESS_LOG", "false"))
                .accessLog()).isFalse();
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of("DEVICE", "tpu", "DEVICE='tpu': invalid device 'tpu'; expected auto, cpu, cuda or cuda:N"),
                Arguments.of("DEVICE", "gpu", "DEVICE='gpu': invalid device 'gpu'; expected auto, cpu, cuda or cuda:N "
                        + "(N = 0, 1, ...)"),
                Arguments.of("DEVICE", "cuda:+1", "DEVICE='cuda:+1': invalid device 'cuda:+1'; expected auto, cpu"),
                Arguments.of("DEVICE", "cuda:01", "DEVICE='cuda:01': invalid device 'cuda:01'; expected auto, cpu"),
                Arguments.of("DEVICE", "cuda:-1", "DEVICE='cuda:-1': invalid device 'cuda:-1'; expected auto, cpu"),
                Arguments.of("PRELOAD", "maybe", "PRELOAD='maybe': must be true or false"),
                Arguments.of("PORT", "70000", "PORT='70000': must be a whole number from 0 to 65535"),
                Arguments.of("PORT", "http", "PORT='http'"),
                Arguments.of("MAX_REQUEST_BYTES", "10", "MAX_REQUEST_BYTES='10': must be a whole number from 1024"),
                Arguments.of("METRICS_BUCKETS", "1,0.5", "METRICS_BUCKETS='1,0.5': must be positive and strictly"),
                Arguments.of("METRICS_BUCKETS", "a,b", "must be comma-separated numbers of seconds"),
                Arguments.of("STATE_RECONCILE_INTERVAL_S", "0", "STATE_RECONCILE_INTERVAL_S='0': must be a number"),
                Arguments.of("REPO_POLL_INTERVAL_S", "-1", "REPO_POLL_INTERVAL_S='-1': must be a number"),
                Arguments.of("REPO_POLL_INTERVAL_S", "often", "REPO_POLL_INTERVAL_S='often': must be a number"),
                Arguments.of("REDIS_URL", "localhost:6379", "REDIS_URL='localhost:6379': must start with redis://"),
                Arguments.of("LOG_LEVEL", "LOUD", "LOG_LEVEL='LOUD': must be one of TRACE, DEBUG, INFO, WARN, ERROR"),
                Arguments.of("ADMIN_ALLOWED_ORIGINS", "https://ops.example.com/admin",
                        "ADMIN_ALLOWED_ORIGINS='https://ops.example.com/admin': must be comma-separated origins"),
                Arguments.of("ADMIN_ALLOWED_ORIGINS", "*", "ADMIN_ALLOWED_ORIGINS='*': must be"),
                Arguments.of("REPO_ROOT", " ", "REPO_ROOT=' ': must not be empty"),
                Arguments.of("HTTP_THREADS", "4", "HTTP_THREADS='4': must be a whole number from 16 to 10000"),
                Arguments.of("IDLE_TIMEOUT_S", "0", "IDLE_TIMEOUT_S='0': must be a number of seconds above 0"),
                Arguments.of("REQUEST_HEADER_TIMEOUT_S", "soon", "REQUEST_HEADER_TIMEOUT_S='soon': must be a number"),
                Arguments.of("MIN_REQUEST_DATA_RATE", "-1", "MIN_REQUEST_DATA_RATE='-1': must be a whole number "
                        + "from 0"),
                Arguments.of("REQUEST_RATE_WINDOW_S", "-5", "REQUEST_RATE_WINDOW_S='-5': must be a number"),
                Arguments.of("MAX_INFLIGHT_BYTES", "1048576", "MAX_INFLIGHT_BYTES='1048576': must be a whole number "
                        + "of bytes, at least MAX_REQUEST_BYTES (67108864)"),
                Arguments.of("MAX_INFLIGHT_BYTES", "lots", "MAX_INFLIGHT_BYTES='lots': must be a whole number"));
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("invalid")
    void anInvalidValueNamesTheVariableAndTheValue(String name, String value, String message) {
        assertThatThrownBy(() -> ServerSettings.fromEnvironment(Map.of(name, value)))
                .isInstanceOf(ServerSettings.InvalidSettingsException.class).hasMessageContaining(message);
    }

    @Test
    void reportsEveryInvalidVariableAtOnce() {
        assertThatThrownBy(() -> ServerSettings.fromEnvironment(Map.of("PORT", "-1", "PRELOAD", "x")))
                .hasMessageContaining("PORT='-1'").hasMessageContaining("PRELOAD='x'");
    }
}
