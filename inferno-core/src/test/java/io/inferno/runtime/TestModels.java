package io.inferno.runtime;

import io.inferno.codec.Codec;
import io.inferno.model.BatchingConfig;
import io.inferno.model.Dim;
import io.inferno.model.ModelConfig;
import io.inferno.model.Signature;
import io.inferno.model.TensorSpec;
import io.inferno.tensor.DType;
import io.inferno.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Configurations and Java models the runtime tests load. */
public final class TestModels {
    private TestModels() {}

    /** {@code x} float32 [batch, 2] in, {@code y} float32 [batch, 2] out. */
    public static final Signature XY = new Signature(
            List.of(TensorSpec.of("x", DType.FLOAT32, Dim.BATCH, Dim.fixed(2))),
            List.of(TensorSpec.of("y", DType.FLOAT32, Dim.BATCH, Dim.fixed(2))));

    public static ModelConfig javaConfig(String name, long version, String entrypoint, Signature signature) {
        return new ModelConfig(name, version, "java", Optional.of(entrypoint), Optional.empty(), signature,
                BatchingConfig.DEFAULTS, 1, Codec.JSON, List.of());
    }

    /** Returns its input as {@code y}. */
    public static final class Identity implements Model {
        public final ModelContext context;

        public Identity(ModelContext context) {
            this.context = context;
        }

        @Override
        public Map<String, Tensor> predict(Map<String, Tensor> inputs) {
            return Map.of("y", inputs.get("x"));
        }
    }

    /** Built by static factories. */
    public static final class Factories {
        private Factories() {}

        public static Model identity(ModelContext context) {
            return new Identity(context);
        }

        public static Model noContext() {
            return new Identity(null);
        }

        public static Model returnsNull() {
            return null;
        }

        public static Model wrongDtype() {
            return inputs -> Map.of("y", Tensor.ofInts(inputs.get("x").shape(), new int[(int) inputs.get("x")
                    .shape().elementCount()]));
        }

        public static Model dropsARow() {
            return inputs -> {
                Tensor x = inputs.get("x");
                return Map.of("y", x.sliceRows(0, x.rows() - 1));
            };
        }

        public static Model missingOutput() {
            return inputs -> Map.of("z", inputs.get("x"));
        }

        public static Model throwsAtPredict() {
            return inputs -> {
                throw new IllegalStateException("weights not initialised");
            };
        }
    }

    /** Has no usable constructor. */
    public static final class NoUsableConstructor implements Model {
        public NoUsableConstructor(String unused) {}

        @Override
        public Map<String, Tensor> predict(Map<String, Tensor> inputs) {
            return Map.of();
        }
    }

    /** Throws while being constructed. */
    public static final class FailsInConstructor implements Model {
        public FailsInConstructor() {
            throw new IllegalArgumentException("cannot read vocabulary.txt");
        }

        @Override
        public Map<String, Tensor> predict(Map<String, Tensor> inputs) {
            return Map.of();
        }
    }

    /** Not a model at all. */
    public static final class NotAModel {}
}
