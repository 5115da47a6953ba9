package io.inferno.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import io.inferno.tensor.DType;
import io.inferno.tensor.Tensor;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/** Test fixture: JSON factories and one-line encode/decode helpers for codec tests. */
final class Payloads {
    /** Jackson's defaults, as a server that configures nothing gets. */
    static final JsonFactory PLAIN = new JsonFactory();
    /** What the javadoc recommends: numbers parsed and printed without a String each. */
    static final JsonFactory FAST = JsonFactory.builder()
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
            .build();
    /** What the server uses: the parser shows its input bytes, so base64 is decoded straight from them. */
    static final JsonFactory SOURCE = JsonFactory.builder()
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .enable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .build();
    /** Accepts bare NaN and Infinity tokens, as Python's json module writes them. */
    static final JsonFactory NON_NUMERIC = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    private Payloads() {}

    /** Single quotes stand for double quotes, so payloads read well in tables; none of them needs a real one. */
    static String json(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }

    /** Decodes a payload written with single quotes, as input {@code x}. */
    static Tensor decode(String singleQuoted) {
        return decode(PLAIN, json(singleQuoted));
    }

    static Tensor decode(JsonFactory factory, String json) {
        try (JsonParser parser = factory.createParser(json.getBytes(StandardCharsets.UTF_8))) {
            parser.nextToken();
            return TensorCodec.decode(parser, "x");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Decodes a payload written with single quotes, as input {@code x}, from the middle of a larger byte array
     * (a {@link #SOURCE} parser over {@code bytes[offset, offset + length)}), as the server reads a request body.
     */
    static Tensor decodeFromSource(String singleQuoted) {
        byte[] payload = json(singleQuoted).getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[payload.length + 10];
        Arrays.fill(bytes, (byte) '"'); // quotes around it: an offset off by one cannot go unnoticed
        System.arraycopy(payload, 0, bytes, 5, payload.length);
        try (JsonParser parser = SOURCE.createParser(bytes, 5, payload.length)) {
            parser.nextToken();
            return TensorCodec.decode(parser, "x");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, Tensor> decodeNamed(String singleQuoted) {
        try (JsonParser parser = PLAIN.createParser(json(singleQuoted))) {
            return TensorCodec.decodeNamed(parser);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String encode(Tensor tensor, Codec codec) {
        return encode(PLAIN, tensor, codec);
    }

    static String encode(JsonFactory factory, Tensor tensor, Codec codec) {
        StringWriter out = new StringWriter();
        try (JsonGenerator generator = factory.createGenerator(out)) {
            TensorCodec.encode(generator, tensor, codec);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /**
     * The tensor a JSON round trip should give back: the same bytes, except that every NaN becomes its dtype's
     * canonical quiet NaN (JSON has one NaN; base64 keeps every bit).
     */
    static Tensor withCanonicalNaNs(Tensor tensor) {
        DType dtype = tensor.dtype();
        if (!dtype.isFloatingPoint()) {
            return tensor;
        }
        ByteBuffer bytes = ByteBuffer.wrap(tensor.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = 0; at < bytes.limit(); at += dtype.itemSize()) {
            switch (dtype) {
                case FLOAT16 -> {
                    if ((bytes.getShort(at) & 0x7c00) == 0x7c00 && (bytes.getShort(at) & 0x3ff) != 0) {
                        bytes.putShort(at, (short) 0x7e00);
                    }
                }
                case BFLOAT16 -> {
                    if ((bytes.getShort(at) & 0x7f80) == 0x7f80 && (bytes.getShort(at) & 0x7f) != 0) {
                        bytes.putShort(at, (short) 0x7fc0);
                    }
                }
                case FLOAT32 -> {
                    if (Float.isNaN(bytes.getFloat(at))) {
                        bytes.putInt(at, 0x7fc0_0000);
                    }
                }
                case FLOAT64 -> {
                    if (Double.isNaN(bytes.getDouble(at))) {
                        bytes.putLong(at, 0x7ff8_0000_0000_0000L);
                    }
                }
                default -> throw new AssertionError(dtype);
            }
        }
        return Tensor.of(dtype, tensor.shape(), bytes.array());
    }
}
