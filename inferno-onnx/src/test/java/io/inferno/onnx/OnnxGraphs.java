package io.inferno.onnx;

import io.inferno.codec.Codec;
import io.inferno.model.BatchingConfig;
import io.inferno.model.ModelConfig;
import io.inferno.model.Signature;
import io.inferno.runtime.ModelContext;
import io.inferno.runtime.RuntimeOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Writes small ONNX models from a few lines of Java, without Python, so that a test can state the graph it needs.
 *
 * <p>An ONNX file is a protocol-buffers {@code ModelProto}: an IR version, the operator sets it imports and a
 * {@code GraphProto} of nodes, inputs and outputs, each input and output a {@code ValueInfoProto} naming its type
 * (element type and shape, each dimension a size, a name or unknown). This class encodes exactly those fields, with
 * the field numbers of onnx.proto (IR version 7, opset 13), which ONNX Runtime 1.21 loads.
 *
 * <pre>{@code
 * OnnxGraphs.graph()
 *         .input("x", OnnxGraphs.FLOAT, "batch", 3)
 *         .output("y", OnnxGraphs.FLOAT, "batch", 3)
 *         .node("Identity", List.of("x"), List.of("y"))
 *         .write(dir);                         // dir/model.onnx
 * }</pre>
 */
final class OnnxGraphs {
    // TensorProto.DataType in onnx.proto (ONNX Runtime's Java enum TensorInfo.OnnxTensorType numbers them otherwise)
    static final int FLOAT = 1;
    static final int UINT8 = 2;
    static final int INT8 = 3;
    static final int UINT16 = 4;
    static final int INT16 = 5;
    static final int INT32 = 6;
    static final int INT64 = 7;
    static final int STRING = 8;
    static final int BOOL = 9;
    static final int FLOAT16 = 10;
    static final int DOUBLE = 11;
    static final int UINT32 = 12;
    static final int UINT64 = 13;
    static final int BFLOAT16 = 16;

    /** A dimension with neither size nor name: unknown. */
    static final Object UNKNOWN = new Object();

    private final List<byte[]> nodes = new ArrayList<>();
    private final List<byte[]> inputs = new ArrayList<>();
    private final List<byte[]> outputs = new ArrayList<>();

    private OnnxGraphs() {}

    static OnnxGraphs graph() {
        return new OnnxGraphs();
    }

    /**
     * A tensor input; each dimension is a size ({@code Integer} or {@code Long}), a name ({@code String}, a dynamic
     * dimension the graph names) or {@link #UNKNOWN}.
     */
    OnnxGraphs input(String name, int elementType, Object... dims) {
        inputs.add(valueInfo(name, tensorType(elementType, dims)));
        return this;
    }

    OnnxGraphs output(String name, int elementType, Object... dims) {
        outputs.add(valueInfo(name, tensorType(elementType, dims)));
        return this;
    }

    /** An output that is a sequence of tensors of {@code elementType}. */
    OnnxGraphs sequenceOutput(String name, int elementType) {
        Message sequence = new Message().message(1, tensorType(elementType));
        outputs.add(valueInfo(name, new Message().message(4, sequence.bytes()).bytes()));
        return this;
    }

    OnnxGraphs node(String opType, List<String> in, List<String> out) {
        return node(opType, in, out, null, 0);
    }

    /** A node with one integer attribute, such as Cast's {@code to}. */
    OnnxGraphs node(String opType, List<String> in, List<String> out, String attribute, long value) {
        Message node = new Message();
        in.forEach(i -> node.string(1, i));
        out.forEach(o -> node.string(2, o));
        node.string(3, opType + "_" + nodes.size());
        node.string(4, opType);
        if (attribute != null) {
            node.message(5, new Message().string(1, attribute).int64(3, value).int64(20, 2).bytes()); // type INT
        }
        nodes.add(node.bytes());
        return this;
    }

    /** The model's bytes. */
    byte[] bytes() {
        Message graph = new Message();
        nodes.forEach(n -> graph.message(1, n));
        graph.string(2, "test_graph");
        inputs.forEach(i -> graph.message(11, i));
        outputs.forEach(o -> graph.message(12, o));
        return new Message()
                .int64(1, 7) // ir_version
                .string(2, "inferno-tests") // producer_name
                .message(7, graph.bytes())
                .message(8, new Message().string(1, "").int64(2, 13).bytes()) // opset_import
                .bytes();
    }

    /** Writes {@code <directory>/model.onnx} and returns the directory. */
    Path write(Path directory) {
        try {
            Files.createDirectories(directory);
            Files.write(directory.resolve("model.onnx"), bytes());
            return directory;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An onnx model.yaml equivalent for a written model: {@code signature} or none. */
    static ModelConfig config(String name, Optional<Signature> signature) {
        return new ModelConfig(name, 1, OnnxRuntime.FORMAT, Optional.empty(), Optional.of("model.onnx"), signature,
                BatchingConfig.DEFAULTS, 1, Codec.JSON, List.of());
    }

    /** Loads a written model with the runtime alone (no warmup or dry run). */
    static OnnxModel load(Path directory, Optional<Signature> signature) {
        return (OnnxModel) new OnnxRuntime().load(new ModelContext(directory,
                config(directory.getParent().getFileName().toString(), signature), RuntimeOptions.DEFAULTS));
    }

    static OnnxModel load(Path directory, Signature signature) {
        return load(directory, Optional.of(signature));
    }

    private static byte[] tensorType(int elementType, Object... dims) {
        Message shape = new Message();
        for (Object d : dims) {
            Message dim = new Message();
            if (d instanceof Number n) {
                dim.int64(1, n.longValue());
            } else if (d instanceof String s) {
                dim.string(2, s);
            }
            shape.message(1, dim.bytes());
        }
        Message tensor = new Message().int64(1, elementType).message(2, shape.bytes());
        return new Message().message(1, tensor.bytes()).bytes();
    }

    private static byte[] valueInfo(String name, byte[] type) {
        return new Message().string(1, name).message(2, type).bytes();
    }

    /** Protocol-buffers encoding of the three wire types these messages need: varint, bytes, nested message. */
    private static final class Message {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Message int64(int field, long value) {
            varint((long) field << 3);
            varint(value);
            return this;
        }

        Message string(int field, String value) {
            return message(field, value.getBytes(StandardCharsets.UTF_8));
        }

        Message message(int field, byte[] bytes) {
            varint(((long) field << 3) | 2);
            varint(bytes.length);
            out.writeBytes(bytes);
            return this;
        }

        private void varint(long value) {
            while ((value & ~0x7FL) != 0) {
                out.write((int) ((value & 0x7F) | 0x80));
                value >>>= 7;
            }
            out.write((int) value);
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
