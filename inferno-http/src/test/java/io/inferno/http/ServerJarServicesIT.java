package io.inferno.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The standalone jar finds every runtime and both DJL engines with {@code ServiceLoader}: the shade plugin merged
 * the services files of inferno-core, inferno-torch, inferno-onnx and DJL's two engines instead of keeping one.
 */
class ServerJarServicesIT {
    @Test
    void theServerJarListsEveryRuntimeAndBothDjlEngines() throws IOException {
        try (JarFile jar = new JarFile(Path.of("target", "inferno-server.jar").toFile())) {
            assertThat(read(jar, "META-INF/services/io.inferno.runtime.ModelRuntime").lines().map(String::strip))
                    .contains("io.inferno.runtime.JavaRuntime", "io.inferno.torch.TorchScriptRuntime",
                            "io.inferno.onnx.OnnxRuntime");
            assertThat(read(jar, "META-INF/services/ai.djl.engine.EngineProvider").lines().map(String::strip))
                    .contains("ai.djl.pytorch.engine.PtEngineProvider", "ai.djl.onnxruntime.engine.OrtEngineProvider");
        }
    }

    private static String read(JarFile jar, String name) throws IOException {
        JarEntry entry = jar.getJarEntry(name);
        assertThat(entry).as(name).isNotNull();
        return new String(jar.getInputStream(entry).readAllBytes(), StandardCharsets.UTF_8);
    }
}
