package io.inferno.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.TensorInfo.OnnxTensorType;
import io.inferno.tensor.DType;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Which ONNX element types cross into Inferno tensors and back, and as what.
 *
 * <p>All ten Inferno dtypes have an ONNX element type with the same element bytes (little-endian, bool one byte
 * 0/1), and ONNX Runtime's Java API creates tensors of each from a buffer. The graph's types are read as
 * {@link OnnxTensorType}, not as {@link OnnxJavaType}: the Java type folds the unsigned 16-, 32- and 64-bit integers
 * into the signed ones, which would pass a uint32 output off as int32. The ONNX types Inferno has no dtype for
 * (uint16, uint32, uint64, string, complex, the float8 variants) are refused when a model is loaded.
 */
final class OnnxTypes {
    private static final Map<DType, OnnxTensorType> TO_ONNX = new EnumMap<>(DType.class);
    private static final Map<OnnxTensorType, DType> TO_INFERNO = new EnumMap<>(OnnxTensorType.class);
    private static final Map<DType, OnnxJavaType> JAVA_TYPES = new EnumMap<>(DType.class);

    static {
        pair(DType.BOOL, OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL, OnnxJavaType.BOOL);
        pair(DType.UINT8, OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8, OnnxJavaType.UINT8);
        pair(DType.INT8, OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8, OnnxJavaType.INT8);
        pair(DType.INT16, OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16, OnnxJavaType.INT16);
        pair(DType.INT32, OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32, OnnxJavaType.INT32);
        pair(DType.INT64, OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64, OnnxJavaType.INT64);
        pair(DType.FLOAT16, OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16, OnnxJavaType.FLOAT16);
        pair(DType.BFLOAT16, OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16, OnnxJavaType.BFLOAT16);
        pair(DType.FLOAT32, OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, OnnxJavaType.FLOAT);
        pair(DType.FLOAT64, OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE, OnnxJavaType.DOUBLE);
    }

    private OnnxTypes() {}

    private static void pair(DType dtype, OnnxTensorType onnx, OnnxJavaType java) {
        TO_ONNX.put(dtype, onnx);
        TO_INFERNO.put(onnx, dtype);
        JAVA_TYPES.put(dtype, java);
    }

    /** The Inferno dtype of an ONNX element type; empty for the types Inferno has none for. */
    static Optional<DType> toInferno(OnnxTensorType type) {
        return Optional.ofNullable(TO_INFERNO.get(type));
    }

    /** The ONNX element type of an Inferno dtype: every dtype has one. */
    static OnnxTensorType toOnnx(DType dtype) {
        return TO_ONNX.get(dtype);
    }

    /** The type ONNX Runtime's Java API is told when it wraps a buffer of this dtype. */
    static OnnxJavaType javaType(DType dtype) {
        return JAVA_TYPES.get(dtype);
    }

    /** An ONNX element type as the ONNX specification names it, for messages: {@code UINT16}, {@code FLOAT}. */
    static String name(OnnxTensorType type) {
        return type.name().substring("ONNX_TENSOR_ELEMENT_DATA_TYPE_".length()).toLowerCase(Locale.ROOT);
    }

    /** Why a graph tensor of this type cannot be served, for a tensor described as {@code what}. */
    static String unsupported(String what, OnnxTensorType type) {
        return what + " has ONNX element type " + name(type) + ", which Inferno tensors cannot carry (Inferno has"
                + " bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64); cast it in the"
                + " graph";
    }
}
