package io.inferno.codec;

import com.fasterxml.jackson.core.Base64Variants;
import com.fasterxml.jackson.core.JsonGenerator;
import io.inferno.tensor.DType;
import io.inferno.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;

/** Writes one payload object: dtype, shape, then the elements as nested lists or base64. */
final class PayloadWriter {
    private final JsonGenerator generator;
    private final DType dtype;
    private final long[] dims;
    private final ByteBuffer data; // little-endian
    private final int itemSize;
    private int offset; // byte offset of the next element to write

    private PayloadWriter(JsonGenerator generator, Tensor tensor) {
        this.generator = generator;
        this.dtype = tensor.dtype();
        this.dims = tensor.shape().dims();
        this.data = tensor.data();
        this.itemSize = dtype.itemSize();
    }

    static void write(JsonGenerator generator, Tensor tensor, Codec codec) throws IOException {
        new PayloadWriter(generator, tensor).write(codec);
    }

    static void writeFlat(JsonGenerator generator, Tensor tensor) throws IOException {
        PayloadWriter w = new PayloadWriter(generator, tensor);
        long n = tensor.shape().elementCount();
        generator.writeStartArray();
        for (long i = 0; i < n; i++) {
            w.writeElement();
        }
        generator.writeEndArray();
    }

    private void write(Codec codec) throws IOException {
        generator.writeStartObject();
        generator.writeStringField("dtype", dtype.wireName());
        generator.writeFieldName("shape");
        generator.writeStartArray();
        for (long dim : dims) {
            generator.writeNumber(dim);
        }
        generator.writeEndArray();
        switch (codec) {
            case JSON -> {
                generator.writeFieldName("data");
                if (dims.length == 0) {
                    writeElement();
                } else {
                    writeList(0);
                }
            }
            case BASE64 -> {
                generator.writeFieldName("base64");
                // MIME_NO_LINEFEEDS is the standard alphabet with '=' padding, on one line: what decode expects.
                byte[] bytes = new byte[data.remaining()];
                data.get(bytes);
                generator.writeBinary(Base64Variants.MIME_NO_LINEFEEDS, bytes, 0, bytes.length);
            }
        }
        generator.writeEndObject();
    }

    private void writeList(int depth) throws IOException {
        generator.writeStartArray();
        long length = dims[depth];
        if (depth == dims.length - 1) {
            for (long i = 0; i < length; i++) {
                writeElement();
            }
        } else {
            for (long i = 0; i < length; i++) {
                writeList(depth + 1);
            }
        }
        generator.writeEndArray();
    }

    private void writeElement() throws IOException {
        int at = offset;
        offset += itemSize;
        switch (dtype) {
            case BOOL -> generator.writeBoolean(data.get(at) != 0);
            case UINT8 -> generator.writeNumber(data.get(at) & 0xff);
            case INT8 -> generator.writeNumber((int) data.get(at));
            case INT16 -> generator.writeNumber((int) data.getShort(at));
            case INT32 -> generator.writeNumber(data.getInt(at));
            case INT64 -> generator.writeNumber(data.getLong(at));
            case FLOAT16 -> writeFloat(HalfFloats.float16ToFloat(data.getShort(at)));
            case BFLOAT16 -> writeFloat(HalfFloats.bfloat16ToFloat(data.getShort(at)));
            case FLOAT32 -> writeFloat(data.getFloat(at));
            case FLOAT64 -> writeDouble(data.getDouble(at));
        }
    }

    // writeNumber(float) prints the shortest decimal that reads back as the same float (Float.toString), so
    // float16 and bfloat16 values, exact as floats, read back to the same bits.
    private void writeFloat(float value) throws IOException {
        if (Float.isFinite(value)) {
            generator.writeNumber(value);
        } else {
            generator.writeString(nonFiniteName(value));
        }
    }

    private void writeDouble(double value) throws IOException {
        if (Double.isFinite(value)) {
            generator.writeNumber(value);
        } else {
            generator.writeString(nonFiniteName(value));
        }
    }

    /** Plain JSON has no NaN or infinite numbers; these strings stand for them, and decode accepts them. */
    private static String nonFiniteName(double value) {
        return Double.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
    }
}
