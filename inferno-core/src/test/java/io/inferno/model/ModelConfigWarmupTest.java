package io.inferno.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferno.ModelConfigException;
import io.inferno.repository.TestRepository;
import io.inferno.tensor.DType;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Warmup samples, which the parser decodes with {@link io.inferno.codec.TensorCodec}. The name checks that need no
 * decoding are in {@link ModelConfigParserTest}.
 */
@Disabled("needs codec: enable when TensorCodec.decode is implemented")
class ModelConfigWarmupTest {
    private static final String BASE = ModelConfigParserTest.BASE;

    @TempDir
    Path dir;

    private final ModelConfigParser parser = new ModelConfigParser();

    @BeforeEach
    void artifact() {
        TestRepository.writeFile(dir.resolve("model.ts"), "");
    }

    private ModelConfig parse(String yaml) {
        TestRepository.writeYaml(dir, yaml);
        return parser.parse(dir, "clf", 1);
    }

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
        TestRepository.writeYaml(dir, BASE + """
                warmup:
                  - tokens: {dtype: int32, shape: [1, 1], data: [[1]]}
                """);

        assertThatThrownBy(() -> parser.parse(dir, "clf", 1)).isInstanceOfSatisfying(ModelConfigException.class,
                e -> assertThat(e.problems())
                        .containsExactly("warmup[0].tokens: dtype int32 does not match the declared int64"));
    }

    @Test
    void warmupPayloadErrorsCarryTheFieldPath() {
        TestRepository.writeYaml(dir, BASE + """
                warmup:
                  - tokens: {dtype: int64, shape: [1, 2], data: [[1, 2, 3]]}
                """);

        assertThatThrownBy(() -> parser.parse(dir, "clf", 1)).isInstanceOfSatisfying(ModelConfigException.class,
                e -> assertThat(e.problems()).isNotEmpty().allSatisfy(p -> assertThat(p).startsWith("warmup[0].tokens: ")));
    }
}
