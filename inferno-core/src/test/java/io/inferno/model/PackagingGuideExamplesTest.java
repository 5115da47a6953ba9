package io.inferno.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.repository.TestRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every complete model.yaml example in docs/model-packaging.md is accepted, so the guide cannot rot. */
class PackagingGuideExamplesTest {
    private static final Path GUIDE = Path.of("..", "docs", "model-packaging.md");
    /**
     * A YAML block whose first line names its place: {@code # models/<name>/<version>/model.yaml}; indented as a
     * whole when it belongs to a list item.
     */
    private static final Pattern EXAMPLE = Pattern.compile(
            "^( *)```yaml\\n\\1# models/([^/]+)/(\\d+)/model\\.yaml[^\\n]*\\n(.*?)^\\1```",
            Pattern.DOTALL | Pattern.MULTILINE);

    @TempDir
    Path repository;

    /** The formats the guide's examples use: java, torchscript and onnx. */
    private final ModelConfigParser parser = new ModelConfigParser(withOnnx());

    private static java.util.Map<String, FormatRules> withOnnx() {
        java.util.Map<String, FormatRules> rules = new java.util.HashMap<>(TestFormats.rules());
        rules.put("onnx", TestFormats.ONNX);
        return rules;
    }

    private record Example(String name, long version, String yaml) {}

    private static List<Example> examples() throws IOException {
        Matcher m = EXAMPLE.matcher(Files.readString(GUIDE));
        List<Example> examples = new ArrayList<>();
        while (m.find()) {
            String indent = m.group(1);
            String yaml = m.group(4).lines().map(l -> l.startsWith(indent) ? l.substring(indent.length()) : l)
                    .collect(java.util.stream.Collectors.joining("\n", "", "\n"));
            examples.add(new Example(m.group(2), Long.parseLong(m.group(3)), yaml));
        }
        return examples;
    }

    private ModelConfig parse(Example example) {
        Path dir = repository.resolve(example.name()).resolve(Long.toString(example.version()));
        TestRepository.writeYaml(dir, example.yaml());
        TestRepository.writeFile(dir.resolve("model.ts"), "");
        TestRepository.writeFile(dir.resolve("model.onnx"), "");
        return parser.parse(dir, example.name(), example.version());
    }

    /** The guide's complete Java model is the sample's real source, which the sample's jar is built from. */
    @Test
    void theJavaModelContractsExampleIsTheSamplesSource() throws IOException {
        Path source = Path.of("..", "inferno-examples", "src", "main", "java", "io", "inferno", "examples",
                "javamodel", "SoftmaxRegression.java");
        Matcher m = Pattern.compile("^The class, `inferno-examples/src/main/java/io/inferno/examples/javamodel/"
                + "SoftmaxRegression\\.java`[^\\n]*\\n[^\\n]*\\n\\n```java\\n(.*?)^```", Pattern.DOTALL | Pattern.MULTILINE)
                .matcher(Files.readString(GUIDE));
        assertThat(m.find()).as("the guide's Java example block").isTrue();
        assertThat(m.group(1)).isEqualTo(Files.readString(source));
    }

    @Test
    void guideExamplesWithoutWarmupAreAccepted() throws IOException {
        List<Example> examples = examples().stream().filter(e -> !e.yaml().contains("warmup:")).toList();

        assertThat(examples).extracting(Example::name).contains("my_classifier", "echo", "mlp_onnx");
        for (Example example : examples) {
            assertThat(parse(example).id()).isEqualTo(example.name() + ":" + example.version());
        }
    }

    @Test
    void guideExamplesWithWarmupAreAccepted() throws IOException {
        List<Example> examples = examples().stream().filter(e -> e.yaml().contains("warmup:")).toList();

        assertThat(examples).extracting(Example::name).contains("scorer", "my_classifier_onnx");
        for (Example example : examples) {
            assertThat(parse(example).warmup()).isNotEmpty();
        }
    }
}
