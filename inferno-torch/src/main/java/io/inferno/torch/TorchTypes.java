package io.inferno.torch;

import ai.djl.ndarray.types.DataType;
import io.inferno.tensor.DType;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Which Inferno dtypes cross into libtorch and back through DJL 0.36, and as what.
 *
 * <p>Eight types map one to one, with identical element bytes (little-endian, bool as one byte 0/1). Two Inferno
 * types do not cross, although DJL names them: creating an int16 or bfloat16 array aborts the whole process
 * inside DJL's native layer ({@code GetScalarTypeFromDType} has no case for them), and libtorch results of those
 * types (and uint16/32/64) come back as {@link DataType#UNKNOWN}, indistinguishable from each other. DJL types
 * Inferno has no counterpart for (complex, unsigned beyond uint8, string) are refused on the way out.
 */
final class TorchTypes {
    private static final Map<DType, DataType> TO_DJL = new EnumMap<>(DType.class);
    private static final Map<DataType, DType> TO_INFERNO = new EnumMap<>(DataType.class);

    static {
        pair(DType.BOOL, DataType.BOOLEAN);
        pair(DType.UINT8, DataType.UINT8);
        pair(DType.INT8, DataType.INT8);
        pair(DType.INT32, DataType.INT32);
        pair(DType.INT64, DataType.INT64);
        pair(DType.FLOAT16, DataType.FLOAT16);
        pair(DType.FLOAT32, DataType.FLOAT32);
        pair(DType.FLOAT64, DataType.FLOAT64);
    }

    /** The supported Inferno dtypes, comma separated, in {@link DType} order, for messages. */
    static final String SUPPORTED = TO_DJL.keySet().stream().map(DType::wireName).collect(Collectors.joining(", "));

    private TorchTypes() {}

    private static void pair(DType dtype, DataType dataType) {
        TO_DJL.put(dtype, dataType);
        TO_INFERNO.put(dataType, dtype);
    }

    /** The DJL type an Inferno tensor of this dtype becomes; empty for the types DJL 0.36 cannot create. */
    static Optional<DataType> toDjl(DType dtype) {
        return Optional.ofNullable(TO_DJL.get(dtype));
    }

    /** The Inferno dtype of a libtorch result DJL reports as {@code dataType}; empty when there is none. */
    static Optional<DType> toInferno(DataType dataType) {
        return Optional.ofNullable(TO_INFERNO.get(dataType));
    }

    /** Why a dtype cannot cross, for a tensor described as {@code what} (for example "input 'x'"). */
    static String unsupported(String what, DType dtype) {
        return what + " is " + dtype + ", which DJL 0.36's PyTorch engine cannot exchange with libtorch"
                + " (supported: " + SUPPORTED + "); declare a supported dtype and convert inside the model";
    }

    /** Why a libtorch result cannot be returned, for a tensor described as {@code what}. */
    static String unsupported(String what, DataType dataType) {
        String type = dataType == DataType.UNKNOWN
                ? "a dtype DJL 0.36 cannot identify (int16, bfloat16 and uint16/32/64 all read as unknown)"
                : "dtype " + dataType + ", which Inferno tensors cannot carry";
        return what + " has " + type + "; return one of " + SUPPORTED + " (for example with .to(torch.float32))";
    }
}
