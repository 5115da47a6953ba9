package io.inferno.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Inferno embedded in a program of its own ({@link DjlDefaultsProbe}, on the server jar's class path), with a
 * TorchScript and an ONNX model: DJL's usage reporting stays off and DJL is offline unless the user says otherwise,
 * whatever the environment holds.
 */
class EmbeddedDjlDefaultsIT {
    @TempDir
    Path repo;

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "no DJL setting,                  '', '', offline=true calledHome=false",
        "DJL_OFFLINE=false (may download), DJL_OFFLINE, false, offline=false calledHome=false",
        "OPT_OUT_TRACKING=false,           OPT_OUT_TRACKING, false, offline=true calledHome=false"})
    void djlNeverCallsHomeAndIsOfflineUnlessTheUserSaysOtherwise(String what, String variable, String value,
            String expected) throws Exception {
        ServerHarness.copy(Path.of("..", "models", "torchscript", "2"), repo.resolve("torchscript/2"));
        ServerHarness.copy(Path.of("..", "models", "mlp_onnx", "1"), repo.resolve("mlp_onnx/1"));
        Path out = repo.resolve("out.txt");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", Path.of("target", "inferno-server.jar").toAbsolutePath() + File.pathSeparator
                        + Path.of("target", "test-classes").toAbsolutePath(),
                DjlDefaultsProbe.class.getName(), repo.toString());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(name -> name.startsWith("DJL_") || name.equals("OPT_OUT_TRACKING"));
        if (!variable.isEmpty()) {
            env.put(variable, value);
        }
        pb.redirectErrorStream(true).redirectOutput(out.toFile());
        Process probe = pb.start();
        try {
            assertThat(probe.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String output = Files.readString(out);
            assertThat(probe.exitValue()).as(output).isZero();
            assertThat(output).contains("torchscript loaded [2]", "mlp_onnx loaded [1]", expected);
        } finally {
            probe.destroyForcibly();
        }
    }
}
