package io.inferno.protocol;

import io.inferno.ModelDescription;
import io.inferno.model.Dim;
import io.inferno.model.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A model version as the Open Inference Protocol's model metadata describes it.
 *
 * @param name the model's name
 * @param versions the versions that serve now (loaded), ascending, as strings
 * @param platform {@code <project>_<format>}: see {@link #platform(String)}
 * @param inputs the declared inputs, in signature order
 * @param outputs the declared outputs, in signature order
 */
public record V2ModelMetadata(String name, List<String> versions, String platform, List<TensorMetadata> inputs,
        List<TensorMetadata> outputs) {

    public V2ModelMetadata {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(platform, "platform");
        versions = List.copyOf(versions);
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    /**
     * One declared tensor.
     *
     * @param name its name
     * @param datatype its datatype
     * @param shape the declared dimensions: the size of a fixed one, {@code -1} for a symbolic one ({@code batch},
     *     {@code seq}) or one of any size
     */
    public record TensorMetadata(String name, V2Datatype datatype, List<Long> shape) {
        public TensorMetadata {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(datatype, "datatype");
            shape = List.copyOf(shape);
        }

        static TensorMetadata of(TensorSpec spec) {
            List<Long> dims = new ArrayList<>(spec.rank());
            for (Dim d : spec.shape()) {
                dims.add(d instanceof Dim.Fixed f ? f.size() : -1L);
            }
            return new TensorMetadata(spec.name(), V2Datatype.of(spec.dtype()), dims);
        }
    }

    /**
     * The metadata of a described version.
     *
     * @param description the version's description ({@link io.inferno.Inferno#describe})
     * @param loaded the model's loaded versions ({@link io.inferno.ModelStatus#loaded()})
     */
    public static V2ModelMetadata of(ModelDescription description, List<Long> loaded) {
        return new V2ModelMetadata(description.name(), loaded.stream().map(String::valueOf).toList(),
                platform(description.format()),
                description.signature().inputs().stream().map(TensorMetadata::of).toList(),
                description.signature().outputs().stream().map(TensorMetadata::of).toList());
    }

    /**
     * The protocol's platform name of a runtime format: {@code pytorch_torchscript} for {@code torchscript} and
     * {@code onnx_onnxv1} for {@code onnx}, as the specification lists them; {@code inferno_<format>} for formats
     * the specification does not name (the Java runtime's {@code java}).
     */
    public static String platform(String format) {
        return switch (format) {
            case "torchscript" -> "pytorch_torchscript";
            case "onnx" -> "onnx_onnxv1";
            default -> "inferno_" + format;
        };
    }
}
