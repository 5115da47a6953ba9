package io.inferno.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.inferno.ModelConfigException;
import io.inferno.codec.Codec;
import io.inferno.repository.TestRepository;
import io.inferno.tensor.DType;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ModelConfigParserTest {
    /** Valid and batchable; the error cases below each break one thing in it. */
    static final String BASE = TestRepository.torchscriptYaml("clf", 1);

    /** Valid but not batchable: image [3, 224, 224] to label []. */
    static final String UNBATCHABLE = """
            name: clf
            version: 1
            format: torchscript
            signature:
              inputs:
                - {name: image, dtype: float32, shape: [3, 224, 224]}
              outputs:
                - {name: label, dtype: int64, shape: []}
            """;

    static final String JAVA = """
            name: clf
            version: 1
            format: java
            entrypoint: com.acme.MyModel
            signature:
              inputs:
                - {name: x, dtype: float32, shape: [batch, 2]}
              outputs:
                - {name: y, dtype: float32, shape: [batch, 1]}
            """;

    @TempDir
    Path dir;

    private final ModelConfigParser parser = TestFormats.parser();

    @BeforeEach
    void artifact() {
        TestRepository.writeFile(dir.resolve("model.ts"), "");
    }

    private ModelConfig parse(String yaml) {
        TestRepository.writeYaml(dir, yaml);
        return parser.parse(dir, "clf", 1);
    }

    private List<String> problems(String yaml) {
        return problems(parser, yaml);
    }

    /** The problems that {@code parser} finds in {@code yaml}; fails when it accepts the file. */
    private List<String> problems(ModelConfigParser parser, String yaml) {
        TestRepository.writeYaml(dir, yaml);
        try {
            parser.parse(dir, "clf", 1);
        } catch (ModelConfigException e) {
            assertThat(e.file()).isEqualTo(dir.resolve("model.yaml"));
            assertThat(e.getMessage()).startsWith(dir.resolve("model.yaml") + ": ");
            return e.problems();
        }
        throw new AssertionError("expected a ModelConfigException for:\n" + yaml);
    }

    private static String replace(String yaml, String from, String to) {
        if (!yaml.contains(from)) {
            throw new IllegalArgumentException("the test's YAML has no '" + from + "'");
        }
        return yaml.replace(from, to);
    }

    // ---- accepted configurations ----

    @Test
    void minimalTorchScriptModelGetsEveryDefault() {
        ModelConfig config = parse(BASE);

        assertThat(config.name()).isEqualTo("clf");
        assertThat(config.version()).isEqualTo(1);
        assertThat(config.format()).isEqualTo("torchscript");
        assertThat(config.file()).contains("model.ts");
        assertThat(config.entrypoint()).isEmpty();
        assertThat(config.batching()).isEqualTo(BatchingConfig.DEFAULTS);
        assertThat(config.maxConcurrency()).isEqualTo(ModelConfig.DEFAULT_MAX_CONCURRENCY);
        assertThat(config.defaultCodec()).isEqualTo(Codec.JSON);
        assertThat(config.warmup()).isEmpty();
    }

    @Test
    void signatureKeepsDeclarationOrderAndDtypes() {
        ModelConfig config = parse(replace(BASE, "    - {name: tokens, dtype: int64, shape: [batch, seq]}\n",
                "    - {name: tokens, dtype: int64, shape: [batch, seq]}\n"
                        + "    - {name: mask, dtype: bool, shape: [batch, seq], optional: true}\n"));

        assertThat(config.signature().orElseThrow().inputs()).containsExactly(
                TensorSpec.of("tokens", DType.INT64, Dim.BATCH, Dim.symbolic("seq")),
                new TensorSpec("mask", DType.BOOL, List.of(Dim.BATCH, Dim.symbolic("seq")), true));
        assertThat(config.signature().orElseThrow().outputs()).containsExactly(
                TensorSpec.of("probs", DType.FLOAT32, Dim.BATCH, Dim.fixed(3)));
    }

    @Test
    void dimensionsAreFixedSymbolicOrAny() {
        ModelConfig config = parse(replace(BASE, "shape: [batch, seq]", "shape: [batch, seq, -1, 0, 7]"));

        assertThat(config.signature().orElseThrow().inputs().get(0).shape())
                .containsExactly(Dim.BATCH, Dim.symbolic("seq"), Dim.ANY, Dim.fixed(0), Dim.fixed(7));
    }

    @Test
    void batchableModelTakesConfiguredBatchingAndKeepsDefaultsForTheRest() {
        ModelConfig config = parse(BASE + """
                batching:
                  max_batch_size: 8
                  timeout_ms: 500
                """);

        assertThat(config.batching()).isEqualTo(new BatchingConfig(8, 5, 256, 500));
        assertThat(config.batching().enabled()).isTrue();
    }

    @Test
    void maxBatchSizeOneTurnsBatchingOff() {
        ModelConfig config = parse(BASE + "batching: {max_batch_size: 1, max_queue_size: 4}\n");

        assertThat(config.batching()).isEqualTo(BatchingConfig.UNBATCHED.withMaxQueueSize(4));
        assertThat(config.batching().enabled()).isFalse();
    }

    @Test
    void modelWithoutLeadingBatchDimensionsRunsUnbatchedWithItsQueueSettings() {
        ModelConfig config = parse(UNBATCHABLE + "batching: {max_queue_size: 16, timeout_ms: 2000}\n");

        assertThat(config.batching()).isEqualTo(
                BatchingConfig.UNBATCHED.withMaxQueueSize(16).withTimeoutMs(2000));
    }

    @Test
    void oneInputWithoutBatchDimensionMakesTheModelUnbatchable() {
        ModelConfig config = parse(replace(BASE, "[batch, seq]", "[1, seq]"));

        assertThat(config.batching()).isEqualTo(BatchingConfig.UNBATCHED);
    }

    @Test
    void optionalInputOfABatchableModelIsFine() {
        ModelConfig config = parse(replace(BASE, "shape: [batch, seq]}", "shape: [batch, seq], optional: true}"));

        assertThat(config.signature().orElseThrow().inputs().get(0).optional()).isTrue();
        assertThat(config.batching().enabled()).isTrue();
    }

    @Test
    void concurrencyAndCodecAreRead() {
        ModelConfig config = parse(BASE + "concurrency: {max_concurrency: 3}\ncodecs: {default: base64}\n");

        assertThat(config.maxConcurrency()).isEqualTo(3);
        assertThat(config.defaultCodec()).isEqualTo(Codec.BASE64);
    }

    @Test
    void defaultArtifactFallsBackToModelPt() {
        TestRepository.writeFile(dir.resolve("model.pt"), "");
        assertThat(dir.resolve("model.ts").toFile().delete()).isTrue();

        assertThat(parse(BASE).file()).contains("model.pt");
    }

    @Test
    void defaultArtifactPrefersModelTs() {
        TestRepository.writeFile(dir.resolve("model.pt"), "");

        assertThat(parse(BASE).file()).contains("model.ts");
    }

    @Test
    void namedArtifactIsTakenAsWrittenAndItsExistenceLeftToTheRuntime() {
        assertThat(parse(BASE + "file: traced-v2.pt\n").file()).contains("traced-v2.pt");
    }

    @Test
    void javaModelNamesAClassOrAStaticFactory() {
        assertThat(parse(JAVA).entrypoint()).contains("com.acme.MyModel");
        assertThat(parse(JAVA).file()).isEmpty();
        assertThat(parse(replace(JAVA, "com.acme.MyModel", "com.acme.Models::build")).entrypoint())
                .contains("com.acme.Models::build");
    }

    @Test
    void formatsArePluggable() {
        ModelConfigParser onnx = new ModelConfigParser(Map.of("onnx", FormatRules.artifactFile()));
        TestRepository.writeYaml(dir, replace(BASE, "torchscript", "onnx") + "file: model.onnx\n");

        assertThat(onnx.parse(dir, "clf", 1).format()).isEqualTo("onnx");
    }

    // ---- a format whose runtime reads the signature from the artifact ----

    /** A format like onnx: one artifact, by default model.onnx, and signature optional. */
    private static ModelConfigParser signatureFromArtifact() {
        return new ModelConfigParser(Map.of("onnx",
                FormatRules.artifactFile(List.of("model.onnx")).withOptionalSignature(),
                "torchscript", TestFormats.TORCHSCRIPT));
    }

    private static final String NO_SIGNATURE = """
            name: clf
            version: 1
            format: onnx
            file: model.onnx
            """;

    @Test
    void aFormatWhoseRulesMakeTheSignatureOptionalParsesWithoutOneAndBatchesByDefault() {
        TestRepository.writeYaml(dir, NO_SIGNATURE);

        ModelConfig config = signatureFromArtifact().parse(dir, "clf", 1);

        assertThat(config.signature()).isEmpty();
        assertThat(config.batching()).isEqualTo(BatchingConfig.DEFAULTS);
    }

    @Test
    void withoutASignatureBatchingSettingsAreTakenAsForABatchableModel() {
        TestRepository.writeYaml(dir, NO_SIGNATURE + "batching: {max_batch_size: 8, timeout_ms: 50}\n");

        assertThat(signatureFromArtifact().parse(dir, "clf", 1).batching())
                .isEqualTo(BatchingConfig.DEFAULTS.withMaxBatchSize(8).withTimeoutMs(50));
    }

    @Test
    void withoutASignatureWarmupSamplesAreDecodedAndLeftForTheLoaderToMatch() {
        TestRepository.writeYaml(dir, NO_SIGNATURE + "warmup:\n  - {x: {dtype: float32, shape: [1], data: [2]}}\n");

        ModelConfig config = signatureFromArtifact().parse(dir, "clf", 1);

        assertThat(config.warmup()).containsExactly(Map.of("x", Tensor.ofFloats(Shape.of(1), 2)));
    }

    @Test
    void aSignatureWrittenForSuchAFormatIsParsedAsUsual() {
        TestRepository.writeYaml(dir, replace(BASE, "torchscript", "onnx") + "file: model.onnx\n");

        assertThat(signatureFromArtifact().parse(dir, "clf", 1).signature()).hasValueSatisfying(
                s -> assertThat(s.inputNamesText()).isEqualTo("tokens"));
    }

    @Test
    void otherFormatsStillRequireTheSignature() {
        assertThat(problems(signatureFromArtifact(), "name: clf\nversion: 1\nformat: torchscript\n"))
                .containsExactly("signature: required but missing");
        assertThat(FormatRules.artifactFile().signatureOptional()).isFalse();
        assertThat(new io.inferno.runtime.JavaRuntime().formatRules().signatureOptional()).isFalse();
    }

    @Test
    void optionalSignatureRulesKeepTheirFileRules() {
        FormatRules rules = FormatRules.artifactFile(List.of("model.onnx")).withOptionalSignature();

        assertThat(rules.signatureOptional()).isTrue();
        assertThat(rules.withOptionalSignature()).isEqualTo(rules);
        assertThat(problems(new ModelConfigParser(Map.of("onnx", rules)), replace(NO_SIGNATURE, "file: model.onnx\n",
                ""))).containsExactly("file: not set, and the version directory holds no model.onnx; add the artifact"
                        + " or name it in file");
    }

    // ---- refused configurations: one problem each ----

    static Stream<Arguments> oneProblem() {
        return Stream.of(
                // unknown keys, at every level
                arguments(BASE + "nmae: clf\n", "nmae", "unknown key; expected one of batching, codecs,"),
                arguments(BASE + "batching: {max_batch_sise: 8}\n", "batching.max_batch_sise",
                        "unknown key; expected one of max_batch_latency_ms, max_batch_size,"),
                arguments(replace(BASE, "shape: [batch, seq]}", "shape: [batch, seq], optinal: true}"),
                        "signature.inputs[0].optinal", "unknown key"),
                arguments(replace(BASE, "signature:\n", "signature:\n  description: x\n"),
                        "signature.description", "unknown key; expected one of inputs, outputs"),
                arguments(BASE + "concurrency: {max: 2}\n", "concurrency.max", "unknown key"),
                arguments(BASE + "codecs: {response: json}\n", "codecs.response", "unknown key"),
                // required fields
                arguments(replace(BASE, "name: clf\n", ""), "name", "required but missing"),
                arguments(replace(BASE, "version: 1\n", ""), "version", "required but missing"),
                arguments(replace(BASE, "format: torchscript\n", ""), "format", "required but missing"),
                arguments("name: clf\nversion: 1\nformat: torchscript\n", "signature", "required but missing"),
                arguments(replace(BASE, "dtype: int64, ", ""), "signature.inputs[0].dtype", "required but missing"),
                arguments(replace(BASE, ", shape: [batch, seq]", ""), "signature.inputs[0].shape",
                        "required but missing"),
                arguments(replace(BASE, "  outputs:\n    - {name: probs, dtype: float32, shape: [batch, 3]}\n", ""),
                        "signature.outputs", "required but missing"),
                // wrong types
                arguments(replace(BASE, "version: 1", "version: '1'"), "version",
                        "expected an integer >= 1, got the string '1'"),
                arguments(replace(BASE, "version: 1", "version: 1.0"), "version", "got the float 1.0"),
                arguments(replace(BASE, "name: clf", "name: [clf]"), "name", "expected a string, got a list"),
                arguments(replace(BASE, "format: torchscript", "format: 7"), "format", "got the integer 7"),
                arguments(BASE + "batching: {max_batch_size: '32'}\n", "batching.max_batch_size",
                        "expected an integer >= 1, got the string '32'"),
                arguments(BASE + "batching: {max_batch_size: 32.0}\n", "batching.max_batch_size",
                        "got the float 32.0"),
                arguments(BASE + "batching: [max_batch_size, 8]\n", "batching", "expected a map, got a list"),
                arguments(BASE + "timeout_ms: 5\n", "timeout_ms", "unknown key"),
                arguments(replace(BASE, "shape: [batch, seq]}", "shape: [batch, seq], optional: 'true'}"),
                        "signature.inputs[0].optional", "expected true or false, got the string 'true'"),
                arguments(replace(BASE, "  inputs:\n    - {name: tokens, dtype: int64, shape: [batch, seq]}\n",
                        "  inputs: {tokens: int64}\n"), "signature.inputs", "expected a list, got a map"),
                arguments(replace(BASE, "    - {name: tokens, dtype: int64, shape: [batch, seq]}", "    - tokens"),
                        "signature.inputs[0]", "expected a map, got the string 'tokens'"),
                arguments(replace(BASE, "shape: [batch, seq]", "shape: batch"), "signature.inputs[0].shape",
                        "expected a list, got the string 'batch'"),
                arguments(BASE + "warmup: {tokens: {}}\n", "warmup", "expected a list, got a map"),
                arguments(replace(BASE, "name: clf", "name:"), "name", "expected a string, got nothing (null)"),
                // ranges
                arguments(replace(BASE, "version: 1", "version: 0"), "version", "got the integer 0"),
                arguments(BASE + "batching: {max_batch_size: 0}\n", "batching.max_batch_size", ">= 1"),
                arguments(BASE + "batching: {max_batch_latency_ms: -1}\n", "batching.max_batch_latency_ms",
                        "expected an integer >= 0, got the integer -1"),
                arguments(BASE + "batching: {max_queue_size: 10000000000}\n", "batching.max_queue_size",
                        "<= 2147483647"),
                arguments(BASE + "batching: {timeout_ms: 0}\n", "batching.timeout_ms", ">= 1"),
                arguments(BASE + "concurrency: {max_concurrency: 0}\n", "concurrency.max_concurrency", ">= 1"),
                // disagreement with the directories
                arguments(replace(BASE, "name: clf", "name: other"), "name",
                        "'other' does not match the model directory 'clf'"),
                arguments(replace(BASE, "version: 1", "version: 2"), "version",
                        "2 does not match the version directory '1'"),
                // signature
                arguments(replace(BASE, "dtype: int64", "dtype: float33"), "signature.inputs[0].dtype",
                        "unsupported dtype 'float33'; supported: bool,"),
                arguments(replace(BASE, "{name: tokens", "{name: 'bad name'"), "signature.inputs[0].name",
                        "got 'bad name'"),
                arguments(replace(BASE, "    - {name: tokens, dtype: int64, shape: [batch, seq]}\n",
                                "    - {name: tokens, dtype: int64, shape: [batch, seq]}\n"
                                        + "    - {name: tokens, dtype: int32, shape: [batch]}\n"),
                        "signature.inputs[1].name", "duplicate input name 'tokens', also at signature.inputs[0]"),
                arguments(replace(BASE, "    - {name: probs, dtype: float32, shape: [batch, 3]}\n",
                                "    - {name: probs, dtype: float32, shape: [batch, 3]}\n"
                                        + "    - {name: probs, dtype: float32, shape: [batch, 1]}\n"),
                        "signature.outputs[1].name", "duplicate output name 'probs'"),
                arguments(replace(BASE, "  outputs:\n    - {name: probs, dtype: float32, shape: [batch, 3]}\n",
                        "  outputs: []\n"), "signature.outputs", "at least one output is required"),
                arguments(replace(BASE, "  inputs:\n    - {name: tokens, dtype: int64, shape: [batch, seq]}\n",
                        "  inputs: []\n"), "signature.inputs", "at least one input is required"),
                arguments(replace(BASE, "shape: [batch, 3]}", "shape: [batch, 3], optional: true}"),
                        "signature.outputs[0].optional", "an output cannot be optional"),
                arguments(replace(BASE, "[batch, seq]", "[batch, -2]"), "signature.inputs[0].shape[1]",
                        "expected a size >= 0, -1 (any size) or a symbolic name such as batch or seq, got the"
                                + " integer -2"),
                arguments(replace(BASE, "[batch, seq]", "[batch, 1.5]"), "signature.inputs[0].shape[1]",
                        "got the float 1.5"),
                arguments(replace(BASE, "[batch, seq]", "[batch, '3x']"), "signature.inputs[0].shape[1]",
                        "got the string '3x'"),
                arguments(replace(BASE, "[batch, seq]", "[seq, batch]"), "signature.inputs[0].shape[1]",
                        "'batch' can only be the first dimension"),
                // format, artifact and entrypoint
                arguments(replace(BASE, "format: torchscript", "format: onnx"), "format",
                        "unsupported format 'onnx'; supported: java, torchscript"),
                arguments(BASE + "file: ../../etc/passwd\n", "file",
                        "expected a plain file name inside the version directory"),
                arguments(BASE + "file: /etc/passwd\n", "file", "got '/etc/passwd'"),
                arguments(BASE + "file: sub/model.ts\n", "file", "no path separators"),
                arguments(BASE + "file: ..\n", "file", "got '..'"),
                arguments(BASE + "entrypoint: com.acme.MyModel\n", "entrypoint", "only for format java"),
                arguments(JAVA + "file: model.ts\n", "file", "a java model has no artifact file"),
                arguments(replace(JAVA, "entrypoint: com.acme.MyModel\n", ""), "entrypoint",
                        "required for format java"),
                arguments(replace(JAVA, "com.acme.MyModel", "com.acme.My Model"), "entrypoint",
                        "expected a Java class name such as com.acme.MyModel, or com.acme.Models::build,"
                                + " got 'com.acme.My Model'"),
                arguments(replace(JAVA, "com.acme.MyModel", "com..MyModel"), "entrypoint", "got 'com..MyModel'"),
                arguments(replace(JAVA, "com.acme.MyModel", "'com.acme.Models::'"), "entrypoint", "Java class name"),
                arguments(replace(JAVA, "com.acme.MyModel", "'9lives.Model'"), "entrypoint", "Java class name"),
                // batching settings that would do nothing
                arguments(UNBATCHABLE + "batching: {max_batch_size: 8}\n", "batching.max_batch_size",
                        "would do nothing: this model cannot batch, because input 'image' [3, 224, 224], output"
                                + " 'label' [] have no leading batch dimension"),
                arguments(replace(BASE, "[batch, 3]", "[3]") + "batching: {max_batch_latency_ms: 2}\n",
                        "batching.max_batch_latency_ms", "because output 'probs' [3] has no leading batch"),
                arguments(BASE + "batching: {max_batch_size: 1, max_batch_latency_ms: 5}\n",
                        "batching.max_batch_latency_ms", "does nothing when max_batch_size is 1"),
                // codecs
                arguments(BASE + "codecs: {default: xml}\n", "codecs.default",
                        "unsupported codec 'xml'; supported: json, base64"),
                // warmup checks that need no decoding
                arguments(BASE + "warmup:\n  - {}\n", "warmup[0]", "missing required input 'tokens'"),
                arguments(BASE + "warmup:\n  - {tokens: [1, 2]}\n", "warmup[0].tokens", "expected a map, got a list"),
                arguments(BASE + "warmup:\n  - tokens\n", "warmup[0]", "expected a map, got the string 'tokens'"),
                // the top level itself
                arguments("- name: clf\n", "(top level)", "expected a map, got a list"));
    }

    @ParameterizedTest(name = "[{index}] {1}: {2}")
    @MethodSource
    void oneProblem(String yaml, String path, String fragment) {
        assertThat(problems(yaml)).singleElement().asString().startsWith(path + ": ").contains(fragment);
    }

    @Test
    void warmupSampleNamesMustBeInputs() {
        assertThat(problems(BASE + "warmup:\n  - {tokenz: {dtype: int64, shape: [1, 1], data: [[1]]}}\n"))
                .containsExactly("warmup[0].tokenz: no input named 'tokenz'; inputs: tokens",
                        "warmup[0]: missing required input 'tokens'");
    }

    @Test
    void missingDefaultArtifactIsReportedClearly() {
        assertThat(dir.resolve("model.ts").toFile().delete()).isTrue();

        assertThat(problems(BASE)).containsExactly("file: not set, and the version directory holds neither"
                + " model.ts nor model.pt; add the artifact or name it in file");
    }

    @Test
    void formatOutsideTheKnownSetIsRefused() {
        ModelConfigParser torchOnly = new ModelConfigParser(Map.of("torchscript", TestFormats.TORCHSCRIPT));

        assertThat(problems(torchOnly, JAVA))
                .containsExactly("format: unsupported format 'java'; supported: torchscript");
    }

    @Test
    void withoutRuntimesEveryFormatIsRefusedAndTorchScriptAndOnnxSayWhichModuleAddsThem() {
        ModelConfigParser none = new ModelConfigParser(Map.of());

        assertThat(problems(none, BASE)).containsExactly("format: unsupported format 'torchscript'; supported: none"
                + " (add the inferno-torch module to the class path)");
        assertThat(problems(none, replace(BASE, "torchscript", "onnx"))).containsExactly("format: unsupported format"
                + " 'onnx'; supported: none (add the inferno-onnx module to the class path)");
    }

    @Test
    void formatRulesSeeTheFieldsAsWrittenAndDecideTheirValues() {
        List<FormatRules.Declared> seen = new ArrayList<>();
        ModelConfigParser custom = new ModelConfigParser(Map.of("custom", (declared, problems) -> {
            seen.add(declared);
            return new FormatFields(Optional.of("weights.bin"), declared.entrypoint());
        }));
        TestRepository.writeYaml(dir, replace(BASE, "torchscript", "custom") + "entrypoint: run-me\n");

        ModelConfig config = custom.parse(dir, "clf", 1);

        assertThat(seen).containsExactly(new FormatRules.Declared("custom", dir, Optional.empty(),
                Optional.of("run-me"), Set.of("entrypoint")));
        assertThat(config.file()).contains("weights.bin");
        assertThat(config.entrypoint()).contains("run-me");
    }

    @Test
    void fileThatFailedTheCommonCheckReachesTheRulesAsDeclaredWithoutAValue() {
        assertThat(problems(JAVA + "file: ../model.ts\n")).containsExactly(
                "file: expected a plain file name inside the version directory (letters, digits, _ . -; no path"
                        + " separators, not starting with a dot), got '../model.ts'",
                "file: a java model has no artifact file (it runs its entrypoint); remove it");
    }

    @Test
    void formatRulesCannotChooseAFileOutsideTheVersionDirectory() {
        ModelConfigParser sneaky = new ModelConfigParser(
                Map.of("sneaky", (declared, problems) -> FormatFields.ofFile("../../etc/passwd")));

        assertThat(problems(sneaky, replace(BASE, "torchscript", "sneaky"))).containsExactly(
                "file: the rules of format sneaky chose '../../etc/passwd', not a plain file name inside the version"
                        + " directory (letters, digits, _ . -; no path separators, not starting with a dot)");
    }

    @Test
    void defaultArtifactRulesNameTheirOneDefault() {
        ModelConfigParser onnx = new ModelConfigParser(
                Map.of("onnx", FormatRules.artifactFile(List.of("model.onnx"))));

        assertThat(problems(onnx, replace(BASE, "torchscript", "onnx"))).containsExactly("file: not set, and the"
                + " version directory holds no model.onnx; add the artifact or name it in file");
    }

    @Test
    void otherFormatsMustNameTheirFile() {
        ModelConfigParser onnx = new ModelConfigParser(Map.of("onnx", FormatRules.artifactFile()));

        assertThat(problems(onnx, replace(BASE, "torchscript", "onnx")))
                .containsExactly("file: required for format onnx");
    }

    @Test
    void everyProblemOfTheFileIsReportedAtOnce() {
        String yaml = """
                name: other
                version: '1'
                format: onnx
                colour: red
                signature:
                  inputs:
                    - {name: tokens, dtype: int64, shape: [batch, seq]}
                    - {name: tokens, dtype: float33, shape: [batch, 1.5]}
                  outputs: []
                batching: {max_batch_size: 32.0}
                codecs: {default: xml}
                """;

        assertThat(problems(yaml)).containsExactly(
                "colour: unknown key; expected one of batching, codecs, concurrency, entrypoint, file, format, name,"
                        + " signature, version, warmup",
                "name: 'other' does not match the model directory 'clf'",
                "version: expected an integer >= 1, got the string '1'",
                "format: unsupported format 'onnx'; supported: java, torchscript (add the inferno-onnx module to the"
                        + " class path)",
                "signature.inputs[1].name: duplicate input name 'tokens', also at signature.inputs[0]",
                "signature.inputs[1].dtype: unsupported dtype 'float33'; supported: " + DType.supportedNames(),
                "signature.inputs[1].shape[1]: expected a size >= 0, -1 (any size) or a symbolic name such as batch"
                        + " or seq, got the float 1.5",
                "signature.outputs: at least one output is required, got an empty list",
                "batching.max_batch_size: expected an integer >= 1, got the float 32.0",
                "codecs.default: unsupported codec 'xml'; supported: json, base64");
    }

    // ---- refused files ----

    static Stream<Arguments> fileProblem() {
        return Stream.of(
                arguments("name: clf\nversion: [1\n",
                        "malformed YAML at line 2, column 12: expected ',' or ']', but got <stream end>"),
                arguments(BASE + "name: clf\n", "malformed YAML at line 9, column 5: duplicate key 'name'"),
                arguments(BASE + "batching: {timeout_ms: 1, timeout_ms: 2}\n", "duplicate key 'timeout_ms'"),
                arguments("", "the file is empty"),
                arguments("# nothing but a comment\n", "the file is empty"),
                arguments(BASE + "---\nname: clf\n", "holds more than one YAML document"),
                arguments("sizes: &s [batch, 3]\n" + replace(BASE, "[batch, 3]", "*s"),
                        "aliases (*s) are not supported"),
                arguments("# " + "x".repeat(ModelConfigParser.MAX_FILE_BYTES) + "\n" + BASE,
                        "larger than the limit of 1048576 bytes (1 MiB)"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource
    void fileProblem(String yaml, String fragment) {
        assertThat(problems(yaml)).singleElement().asString().contains(fragment);
    }

    @Test
    void missingFileIsAConfigProblem() {
        assertThatThrownBy(() -> parser.parse(dir, "clf", 1)).isInstanceOfSatisfying(ModelConfigException.class,
                e -> assertThat(e.problems()).containsExactly("no such file, or not a regular file"));
    }

    @Test
    void expectedNameAndVersionAreChecked() {
        assertThatThrownBy(() -> parser.parse(dir, "../x", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> parser.parse(dir, "clf", 0)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Warmup samples that the parser decodes with {@link io.inferno.codec.TensorCodec}. The name checks that need no
     * decoding are above ({@link #warmupSampleNamesMustBeInputs} and the table).
     */
    @Nested
    class WarmupDecoding {
        @Test
        void warmupSamplesAreDecodedInOrder() {
            ModelConfig config = parse(BASE + """
                    warmup:
                      - tokens: {dtype: int64, shape: [1, 4], data: [[1, 2, 3, 4]]}
                      - tokens: {dtype: int64, shape: [2, 1], data: [[5], [6]]}
                    """);

            assertThat(config.warmup()).hasSize(2);
            Tensor first = config.warmup().get(0).get("tokens");
            assertThat(first.dtype()).isEqualTo(DType.INT64);
            assertThat(first.shape()).isEqualTo(Shape.of(1, 4));
            assertThat(first.toLongArray()).containsExactly(1, 2, 3, 4);
            assertThat(config.warmup().get(1).get("tokens").toLongArray()).containsExactly(5, 6);
        }

        @Test
        void warmupSampleMayUseBase64() {
            // 1 and 2 as little-endian int64
            ModelConfig config = parse(BASE + """
                    warmup:
                      - tokens: {dtype: int64, shape: [1, 2], base64: AQAAAAAAAAACAAAAAAAAAA==}
                    """);

            assertThat(config.warmup().get(0).get("tokens").toLongArray()).containsExactly(1, 2);
        }

        @Test
        void warmupDtypeMustMatchTheSignature() {
            List<String> problems = problems(BASE + """
                    warmup:
                      - tokens: {dtype: int32, shape: [1, 1], data: [[1]]}
                    """);

            assertThat(problems).containsExactly("warmup[0].tokens: dtype int32 does not match the declared int64");
        }

        @Test
        void warmupPayloadErrorsCarryTheFieldPath() {
            List<String> problems = problems(BASE + """
                    warmup:
                      - tokens: {dtype: int64, shape: [1, 2], data: [[1, 2, 3]]}
                    """);

            assertThat(problems).isNotEmpty().allSatisfy(p -> assertThat(p).startsWith("warmup[0].tokens: "));
        }
    }
}
