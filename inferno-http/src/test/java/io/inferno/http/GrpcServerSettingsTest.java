package io.inferno.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** GRPC_PORT and GRPC_MAX_MESSAGE_BYTES: defaults, off, and invalid values reported with the others. */
class GrpcServerSettingsTest {
    @Test
    void grpcListensOn8001WithTheRestApisMessageLimitByDefault() {
        ServerSettings s = ServerSettings.defaults();
        assertThat(s.grpcPort()).isEqualTo(OptionalInt.of(8001));
        assertThat(s.grpcMaxMessageBytes()).isEqualTo(ServerSettings.DEFAULT_MAX_REQUEST_BYTES);
        assertThat(s.toString()).contains("grpcPort=8001", "grpcMaxMessageBytes=67108864");
    }

    @Test
    void theMessageLimitFollowsMaxRequestBytesUnlessSet() {
        assertThat(ServerSettings.fromEnvironment(Map.of("MAX_REQUEST_BYTES", "4096")).grpcMaxMessageBytes())
                .isEqualTo(4096);
        assertThat(ServerSettings.fromEnvironment(Map.of("MAX_REQUEST_BYTES", "4096",
                "GRPC_MAX_MESSAGE_BYTES", "1048576")).grpcMaxMessageBytes()).isEqualTo(1 << 20);
    }

    @ParameterizedTest
    @CsvSource({"off, -1", "OFF, -1", "0, 0", "9001, 9001"})
    void offDisablesGrpcAndZeroPicksAFreePort(String value, int port) {
        ServerSettings s = ServerSettings.fromEnvironment(Map.of("GRPC_PORT", value));
        assertThat(s.grpcPort()).isEqualTo(port < 0 ? OptionalInt.empty() : OptionalInt.of(port));
        assertThat(s).isEqualTo(ServerSettings.fromEnvironment(Map.of("GRPC_PORT", value)));
        assertThat(s).isNotEqualTo(ServerSettings.defaults());
    }

    @Test
    void invalidValuesAreReportedTogetherWithTheOthers() {
        assertThatThrownBy(() -> ServerSettings.fromEnvironment(Map.of("GRPC_PORT", "grpc", "PORT", "-1",
                "GRPC_MAX_MESSAGE_BYTES", "10")))
                .isInstanceOf(ServerSettings.InvalidSettingsException.class)
                .hasMessageContaining("GRPC_PORT='grpc': must be a whole number from 0 to 65535 or off")
                .hasMessageContaining("GRPC_MAX_MESSAGE_BYTES='10': must be a whole number from 1024 to 2147483647")
                .hasMessageContaining("PORT='-1'");
    }

    @Test
    void grpcCannotShareTheRestPort() {
        assertThatThrownBy(() -> ServerSettings.fromEnvironment(Map.of("GRPC_PORT", "9000", "PORT", "9000")))
                .hasMessageContaining("GRPC_PORT='9000': must differ from PORT");
        assertThat(ServerSettings.fromEnvironment(Map.of("GRPC_PORT", "0", "PORT", "0")).grpcPort())
                .isEqualTo(OptionalInt.of(0));
    }
}
