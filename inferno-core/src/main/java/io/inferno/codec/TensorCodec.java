package io.inferno.codec;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import io.inferno.InvalidInputException;
import io.inferno.model.Codec;
import io.inferno.tensor.Tensor;
import java.io.IOException;
import java.util.Map;

/**
 * Reads and writes tensor payloads with Jackson's streaming API.
 *
 * <p>STUB: the real implementation lands with the codec work (issue 2).
 */
public final class TensorCodec {
    private TensorCodec() {}

    /**
     * Decodes one payload object ({@code {"dtype","shape","data"}} or {@code {"dtype","shape","base64"}}); the
     * parser is positioned on its START_OBJECT and is left on the matching END_OBJECT.
     *
     * @param name the input's name, quoted in error messages
     * @throws InvalidInputException describing what is wrong and where
     */
    public static Tensor decode(JsonParser parser, String name) throws IOException {
        throw new UnsupportedOperationException("not yet");
    }

    /**
     * Decodes an object of input name to payload, keeping the order of appearance. The parser is positioned on
     * its START_OBJECT and is left on the matching END_OBJECT.
     */
    public static Map<String, Tensor> decodeNamed(JsonParser parser) throws IOException {
        throw new UnsupportedOperationException("not yet");
    }

    /** Encodes one tensor as a payload object in the given codec. */
    public static void encode(JsonGenerator generator, Tensor tensor, Codec codec) throws IOException {
        throw new UnsupportedOperationException("not yet");
    }
}
