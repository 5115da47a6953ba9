package io.inferno.runtime;

import static io.inferno.runtime.TestModels.XY;
import static io.inferno.runtime.TestModels.javaConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferno.ModelLoadException;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class JavaRuntimeTest {
    private static final String FIXTURES = TestModels.class.getName();

    @TempDir
    Path repo;

    private final ModelLoader loader = new ModelLoader(
            Runtimes.builder().register(new JavaRuntime()).build(), RuntimeOptions.DEFAULTS);

    private static final Map<String, Tensor> INPUT = Map.of("x", Tensor.ofFloats(Shape.of(2, 2), 1, 2, 3, 4));

    @Test
    void isDiscoveredWithServiceLoader() {
        assertThat(Runtimes.discovered(getClass().getClassLoader()).forFormat("java"))
                .isInstanceOf(JavaRuntime.class);
    }

    @Test
    void constructsAClassWithAContextConstructor() throws Exception {
        Path dir = Files.createDirectories(repo.resolve("echo/1"));
        try (Model model = loader.load(dir, javaConfig("echo", 1, FIXTURES + "$Identity", XY))) {
            assertThat(model.predict(INPUT)).containsEntry("y", INPUT.get("x"));
        }
    }

    @Test
    void callsAStaticFactoryWithOrWithoutContext() throws Exception {
        Path dir = Files.createDirectories(repo.resolve("echo/1"));
        for (String factory : new String[] {"identity", "noContext"}) {
            try (Model model = loader.load(dir, javaConfig("echo", 1, FIXTURES + "$Factories::" + factory, XY))) {
                assertThat(model.predict(INPUT)).containsEntry("y", INPUT.get("x"));
            }
        }
    }

    static Stream<Arguments> brokenEntrypoints() {
        return Stream.of(
                Arguments.of("com.acme.Missing", "entrypoint class com.acme.Missing not found"),
                Arguments.of(FIXTURES + "$NotAModel", "does not implement io.inferno.runtime.Model"),
                Arguments.of(FIXTURES + "$NoUsableConstructor",
                        "needs a public constructor taking a ModelContext, or a public no-argument one"),
                Arguments.of(FIXTURES + "$FailsInConstructor", "cannot read vocabulary.txt"),
                Arguments.of(FIXTURES + "$Factories::nope", "must be a public static method"),
                Arguments.of(FIXTURES + "$Factories::returnsNull", "returned null"),
                Arguments.of(FIXTURES + "$Factories::wrongDtype",
                        "outputs disagree with its signature in the dry run: output 'y' has dtype int32; "
                                + "model.yaml declares float32"),
                Arguments.of(FIXTURES + "$Factories::dropsARow",
                        "output 'y' has 0 rows for a batch of 1"),
                Arguments.of(FIXTURES + "$Factories::missingOutput",
                        "output 'y' is missing; the model returned z"),
                Arguments.of(FIXTURES + "$Factories::throwsAtPredict",
                        "the dry run failed: weights not initialised"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenEntrypoints")
    void reportsWhyAnEntrypointCannotLoad(String entrypoint, String message) throws Exception {
        Path dir = Files.createDirectories(repo.resolve("broken/1"));
        assertThatThrownBy(() -> loader.load(dir, javaConfig("broken", 1, entrypoint, XY)))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageStartingWith(dir.toString())
                .hasMessageContaining(message);
    }

    @Test
    void aReasonOfItsOwnNamesTheModelYamlThatNamesTheEntrypoint() throws Exception {
        Path dir = Files.createDirectories(repo.resolve("broken/1"));
        assertThatThrownBy(() -> loader.load(dir, javaConfig("broken", 1, "com.acme.Missing", XY)))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage(dir.resolve("model.yaml") + ": entrypoint class com.acme.Missing not found (looked in the "
                        + "application class path)");
    }

    private static final String SCALER = """
            package com.acme;
            import io.inferno.runtime.Model;
            import io.inferno.tensor.Tensor;
            import java.util.Map;
            public class Scaler implements Model {
                @Override
                public Map<String, Tensor> predict(Map<String, Tensor> inputs) {
                    float[] x = inputs.get("x").toFloatArray();
                    for (int i = 0; i < x.length; i++) {
                        x[i] *= %s;
                    }
                    return Map.of("y", Tensor.ofFloats(inputs.get("x").shape(), x));
                }
            }
            """;

    private static final String NEVER_LOADED = "package com.acme; public class Unused {}";

    @Test
    void twoVersionsOfOneClassServeSideBySideAndUnloadAlone() throws Exception {
        Path v1 = repo.resolve("scaler/1");
        Path v2 = repo.resolve("scaler/2");
        JarCompiler.compile(v1.resolve("scaler.jar"),
                Map.of("com.acme.Scaler", SCALER.formatted("2f"), "com.acme.Unused", NEVER_LOADED));
        JarCompiler.compile(v2.resolve("scaler.jar"), Map.of("com.acme.Scaler", SCALER.formatted("10f")));

        Model one = loader.load(v1, javaConfig("scaler", 1, "com.acme.Scaler", XY));
        try (Model two = loader.load(v2, javaConfig("scaler", 2, "com.acme.Scaler", XY))) {
            assertThat(one.predict(INPUT).get("y").toFloatArray()).containsExactly(2, 4, 6, 8);
            assertThat(two.predict(INPUT).get("y").toFloatArray()).containsExactly(10, 20, 30, 40);

            ClassLoader oneLoader = classLoaderOf(one);
            assertThat(oneLoader).isInstanceOf(URLClassLoader.class).isNotSameAs(classLoaderOf(two));
            one.close();
            // the version's loader is closed: classes it never loaded can no longer be found through it
            assertThatThrownBy(() -> oneLoader.loadClass("com.acme.Unused"))
                    .isInstanceOf(ClassNotFoundException.class);
            assertThat(two.predict(INPUT).get("y").toFloatArray()).containsExactly(10, 20, 30, 40);
        }
    }

    @Test
    void setsTheVersionLoaderAsContextLoaderWhilePredicting() throws Exception {
        Path v1 = repo.resolve("ctx/1");
        JarCompiler.compile(v1.resolve("ctx.jar"), Map.of("com.acme.Ctx", """
                package com.acme;
                import io.inferno.runtime.Model;
                import io.inferno.tensor.Tensor;
                import java.util.Map;
                public class Ctx implements Model {
                    @Override
                    public Map<String, Tensor> predict(Map<String, Tensor> inputs) {
                        if (Thread.currentThread().getContextClassLoader() != getClass().getClassLoader()) {
                            throw new IllegalStateException("wrong context class loader");
                        }
                        return Map.of("y", inputs.get("x"));
                    }
                }
                """));
        try (Model model = loader.load(v1, javaConfig("ctx", 1, "com.acme.Ctx", XY))) {
            assertThat(model.predict(INPUT)).containsKey("y");
        }
    }

    /** The user's model behind the runtime's wrapper, found through its output's behaviour-free class. */
    private static ClassLoader classLoaderOf(Model wrapped) throws Exception {
        var field = wrapped.getClass().getDeclaredField("delegate");
        field.setAccessible(true);
        return field.get(wrapped).getClass().getClassLoader();
    }
}
