package io.inferno.testing;

import io.inferno.ModelDescription;
import io.inferno.model.Dim;
import io.inferno.model.TensorSpec;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * The sample models of the repository's models/ folder, for tests that check a front door against the engine on
 * every sample: found on disk, so a new sample is covered without editing a test.
 */
public final class SampleModels {
    /** The models/ folder, seen from a module's directory (where Maven runs its tests). */
    public static final Path FOLDER = Path.of("..", "models");

    private SampleModels() {}

    /** A version of a sample model. */
    public record Version(String model, long version) {}

    /** Every version of every sample, sorted. */
    public static List<Version> versions() {
        List<Version> out = new ArrayList<>();
        try (Stream<Path> models = Files.list(FOLDER)) {
            for (Path model : models.sorted().toList()) {
                try (Stream<Path> versions = Files.list(model)) {
                    for (Path v : versions.filter(p -> Files.exists(p.resolve("model.yaml"))).sorted().toList()) {
                        out.add(new Version(model.getFileName().toString(),
                                Long.parseLong(v.getFileName().toString())));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /**
     * Inputs for a signature: batch 2, other symbolic dimensions 5, any-size ones 3; random values that fit every
     * sample (integers within the classifier's vocabulary).
     */
    public static Map<String, Tensor> inputs(ModelDescription d, Random random) {
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        for (TensorSpec spec : d.signature().inputs()) {
            long[] dims = new long[spec.rank()];
            for (int i = 0; i < dims.length; i++) {
                Dim dim = spec.shape().get(i);
                dims[i] = dim instanceof Dim.Fixed f ? f.size() : dim.isBatch() ? 2 : dim instanceof Dim.Any ? 3 : 5;
            }
            Shape shape = Shape.of(dims);
            ByteBuffer b = ByteBuffer.allocate(Tensor.checkedByteSize(spec.dtype(), shape))
                    .order(ByteOrder.LITTLE_ENDIAN);
            for (long i = 0; i < shape.elementCount(); i++) {
                switch (spec.dtype()) {
                    case FLOAT32 -> b.putFloat(random.nextFloat() * 2 - 1);
                    case FLOAT64 -> b.putDouble(random.nextDouble() * 2 - 1);
                    case INT64 -> b.putLong(random.nextInt(500));
                    case INT32 -> b.putInt(random.nextInt(500));
                    default -> throw new AssertionError("no sample has a " + spec.dtype() + " input yet: add it");
                }
            }
            b.flip();
            inputs.put(spec.name(), Tensor.wrap(spec.dtype(), shape, b));
        }
        return inputs;
    }
}
