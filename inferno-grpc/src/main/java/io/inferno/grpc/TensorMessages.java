package io.inferno.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.inferno.InvalidInputException;
import io.inferno.Prediction;
import io.inferno.grpc.v2.InferTensorContents;
import io.inferno.grpc.v2.ModelInferRequest;
import io.inferno.grpc.v2.ModelInferResponse;
import io.inferno.protocol.V2Datatype;
import io.inferno.tensor.DType;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import io.inferno.text.ClientText;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tensors to and from the protocol's messages, in both encodings, without boxing an element.
 *
 * <ul>
 *   <li>Raw contents ({@code raw_input_contents}, one entry per input in order) become tensors without a copy: the
 *       tensor wraps the bytes the message already holds (protobuf byte strings are immutable).
 *   <li>Typed contents ({@link InferTensorContents}) are read through the primitive accessors
 *       ({@code getFp32Contents(int)}) into one new little-endian buffer: one copy.
 *   <li>Outputs go raw ({@code raw_output_contents}, wrapping the tensor's bytes, no copy before serialization) when
 *       the request sent raw inputs, as every Triton client does (Triton itself always answers raw), or when an
 *       output is FP16 or BF16, which have no typed field; otherwise typed, so a client that wrote typed contents
 *       reads typed contents.
 * </ul>
 *
 * Every problem of a request is reported at once, in one {@link InvalidInputException}.
 */
final class TensorMessages {
    private TensorMessages() {}

    /**
     * The named input tensors of a request, in request order.
     *
     * @throws InvalidInputException listing every input that cannot become a tensor
     */
    static Map<String, Tensor> inputs(ModelInferRequest request) {
        List<String> problems = new ArrayList<>();
        int count = request.getInputsCount();
        int rawCount = request.getRawInputContentsCount();
        boolean raw = rawCount > 0;
        if (raw && rawCount != count) {
            problems.add("raw_input_contents has " + rawCount + " entries for " + count
                    + " inputs; it needs one per input, in the order of inputs");
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>(Math.max(4, count * 2));
        for (int i = 0; i < count; i++) {
            ModelInferRequest.InferInputTensor in = request.getInputs(i);
            String name = "Input " + ClientText.quote(in.getName());
            if (tensors.containsKey(in.getName())) {
                problems.add(name + " is given more than once");
                continue;
            }
            if (in.getParametersMap().containsKey("shared_memory_region")) {
                problems.add(name + ": shared memory is not supported; send the contents in the request");
                continue;
            }
            DType dtype;
            Shape shape;
            int byteSize;
            try {
                dtype = V2Datatype.dtypeOf(in.getDatatype());
                shape = shape(in);
                byteSize = Tensor.checkedByteSize(dtype, shape);
            } catch (IllegalArgumentException e) {
                problems.add(name + ": " + e.getMessage());
                continue;
            }
            String what = name + " (" + in.getDatatype() + ", shape " + shape + ")";
            if (raw) {
                if (in.hasContents()) {
                    problems.add(what + " has contents although the request uses raw_input_contents; use one or"
                            + " the other");
                } else if (i < rawCount) {
                    ByteString bytes = request.getRawInputContents(i);
                    if (bytes.size() != byteSize) {
                        problems.add(what + " needs " + byteSize + " bytes, raw_input_contents[" + i + "] holds "
                                + bytes.size());
                    } else {
                        tensors.put(in.getName(), Tensor.wrap(dtype, shape, bytes.asReadOnlyByteBuffer()));
                    }
                }
            } else {
                Tensor t = typed(in.getContents(), dtype, shape, byteSize, what, problems);
                if (t != null) {
                    tensors.put(in.getName(), t);
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidInputException(problems);
        }
        return tensors;
    }

    private static Shape shape(ModelInferRequest.InferInputTensor in) {
        long[] dims = new long[in.getShapeCount()];
        for (int j = 0; j < dims.length; j++) {
            dims[j] = in.getShape(j);
        }
        return Shape.of(dims);
    }

    /** The typed field each dtype's elements travel in. */
    private enum Field {
        BOOL_CONTENTS("bool_contents"),
        INT_CONTENTS("int_contents"),
        INT64_CONTENTS("int64_contents"),
        UINT_CONTENTS("uint_contents"),
        UINT64_CONTENTS("uint64_contents"),
        FP32_CONTENTS("fp32_contents"),
        FP64_CONTENTS("fp64_contents"),
        BYTES_CONTENTS("bytes_contents");

        final String protoName;

        Field(String protoName) {
            this.protoName = protoName;
        }

        int count(InferTensorContents c) {
            return switch (this) {
                case BOOL_CONTENTS -> c.getBoolContentsCount();
                case INT_CONTENTS -> c.getIntContentsCount();
                case INT64_CONTENTS -> c.getInt64ContentsCount();
                case UINT_CONTENTS -> c.getUintContentsCount();
                case UINT64_CONTENTS -> c.getUint64ContentsCount();
                case FP32_CONTENTS -> c.getFp32ContentsCount();
                case FP64_CONTENTS -> c.getFp64ContentsCount();
                case BYTES_CONTENTS -> c.getBytesContentsCount();
            };
        }

        /** The field of a dtype's elements; none for float16 and bfloat16 (raw only). */
        static Field of(DType dtype) {
            return switch (dtype) {
                case BOOL -> BOOL_CONTENTS;
                case UINT8 -> UINT_CONTENTS;
                case INT8, INT16, INT32 -> INT_CONTENTS;
                case INT64 -> INT64_CONTENTS;
                case FLOAT32 -> FP32_CONTENTS;
                case FLOAT64 -> FP64_CONTENTS;
                case FLOAT16, BFLOAT16 -> null;
            };
        }
    }

    /** The tensor of typed contents, or null after adding the reason to {@code problems}. */
    private static Tensor typed(InferTensorContents c, DType dtype, Shape shape, int byteSize, String what,
            List<String> problems) {
        Field field = Field.of(dtype);
        if (field == null) {
            problems.add(what + ": " + V2Datatype.of(dtype) + " has no typed contents field; send it in"
                    + " raw_input_contents");
            return null;
        }
        for (Field other : Field.values()) {
            if (other != field && other.count(c) > 0) {
                problems.add(what + " carries " + other.protoName + "; its values go in " + field.protoName);
                return null;
            }
        }
        int n = (int) shape.elementCount(); // fits: the byte size was checked
        if (field.count(c) != n) {
            problems.add(what + " needs " + n + " values in " + field.protoName + ", got " + field.count(c));
            return null;
        }
        ByteBuffer b = ByteBuffer.allocate(byteSize).order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case BOOL -> {
                for (int i = 0; i < n; i++) {
                    b.put(c.getBoolContents(i) ? (byte) 1 : (byte) 0);
                }
            }
            case UINT8 -> {
                for (int i = 0; i < n; i++) {
                    int v = c.getUintContents(i);
                    if ((v & ~0xff) != 0) {
                        return outOfRange(what, Integer.toUnsignedString(v), i, "0 to 255", problems);
                    }
                    b.put((byte) v);
                }
            }
            case INT8 -> {
                for (int i = 0; i < n; i++) {
                    int v = c.getIntContents(i);
                    if (v < Byte.MIN_VALUE || v > Byte.MAX_VALUE) {
                        return outOfRange(what, Integer.toString(v), i, "-128 to 127", problems);
                    }
                    b.put((byte) v);
                }
            }
            case INT16 -> {
                for (int i = 0; i < n; i++) {
                    int v = c.getIntContents(i);
                    if (v < Short.MIN_VALUE || v > Short.MAX_VALUE) {
                        return outOfRange(what, Integer.toString(v), i, "-32768 to 32767", problems);
                    }
                    b.putShort((short) v);
                }
            }
            case INT32 -> {
                for (int i = 0; i < n; i++) {
                    b.putInt(c.getIntContents(i));
                }
            }
            case INT64 -> {
                for (int i = 0; i < n; i++) {
                    b.putLong(c.getInt64Contents(i));
                }
            }
            case FLOAT32 -> {
                for (int i = 0; i < n; i++) {
                    b.putFloat(c.getFp32Contents(i));
                }
            }
            case FLOAT64 -> {
                for (int i = 0; i < n; i++) {
                    b.putDouble(c.getFp64Contents(i));
                }
            }
            case FLOAT16, BFLOAT16 -> throw new AssertionError("raw only: " + dtype);
        }
        b.flip();
        return Tensor.wrap(dtype, shape, b);
    }

    private static Tensor outOfRange(String what, String value, int index, String range, List<String> problems) {
        problems.add(what + " holds " + value + " at element " + index + ", outside " + range);
        return null;
    }

    /**
     * The response to a request that was answered with {@code prediction}.
     *
     * @param id the request's id, echoed
     * @param rawRequested whether the request sent raw inputs (then outputs go raw too)
     */
    static ModelInferResponse response(String id, Prediction prediction, boolean rawRequested) {
        boolean raw = rawRequested;
        for (Tensor t : prediction.outputs().values()) {
            raw |= Field.of(t.dtype()) == null;
        }
        ModelInferResponse.Builder response = ModelInferResponse.newBuilder()
                .setModelName(prediction.model())
                .setModelVersion(Long.toString(prediction.version()))
                .setId(id);
        for (Map.Entry<String, Tensor> e : prediction.outputs().entrySet()) {
            Tensor t = e.getValue();
            ModelInferResponse.InferOutputTensor.Builder out = response.addOutputsBuilder()
                    .setName(e.getKey())
                    .setDatatype(V2Datatype.of(t.dtype()).name());
            Shape shape = t.shape();
            for (int j = 0; j < shape.rank(); j++) {
                out.addShape(shape.dim(j));
            }
            if (raw) {
                // the tensor is immutable, so the message may share its bytes until it is serialized
                response.addRawOutputContents(UnsafeByteOperations.unsafeWrap(t.data()));
            } else {
                out.setContents(typed(t));
            }
        }
        return response.build();
    }

    private static InferTensorContents typed(Tensor t) {
        InferTensorContents.Builder c = InferTensorContents.newBuilder();
        ByteBuffer b = t.data();
        int n = (int) t.shape().elementCount();
        switch (t.dtype()) {
            case BOOL -> {
                for (int i = 0; i < n; i++) {
                    c.addBoolContents(b.get(i) != 0);
                }
            }
            case UINT8 -> {
                for (int i = 0; i < n; i++) {
                    c.addUintContents(b.get(i) & 0xff);
                }
            }
            case INT8 -> {
                for (int i = 0; i < n; i++) {
                    c.addIntContents(b.get(i));
                }
            }
            case INT16 -> {
                for (int i = 0; i < n; i++) {
                    c.addIntContents(b.getShort(i * 2));
                }
            }
            case INT32 -> {
                for (int i = 0; i < n; i++) {
                    c.addIntContents(b.getInt(i * 4));
                }
            }
            case INT64 -> {
                for (int i = 0; i < n; i++) {
                    c.addInt64Contents(b.getLong(i * 8)); // fits: a tensor is at most Tensor.MAX_BYTES
                }
            }
            case FLOAT32 -> {
                for (int i = 0; i < n; i++) {
                    c.addFp32Contents(b.getFloat(i * 4));
                }
            }
            case FLOAT64 -> {
                for (int i = 0; i < n; i++) {
                    c.addFp64Contents(b.getDouble(i * 8));
                }
            }
            case FLOAT16, BFLOAT16 -> throw new AssertionError("raw only: " + t.dtype());
        }
        return c.build();
    }
}
