package io.inferno.codec;

import static io.inferno.codec.Payloads.decode;
import static io.inferno.codec.Payloads.encode;
import static io.inferno.codec.Payloads.withCanonicalNaNs;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.inferno.tensor.DType;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import java.io.IOException;
import java.io.Writer;
import java.util.SplittableRandom;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Encoding then decoding gives the tensor back, for every dtype, random shapes of rank 0 to 4 (dimensions 0 to
 * 4) and random element bytes: every bit pattern, so float types include NaNs, infinities, subnormals and -0.
 */
class TensorCodecRoundTripTest {
    private static final YAMLMapper YAML = new YAMLMapper();

    @Property
    void jsonGivesBackEveryElementWithNaNsMadeCanonical(@ForAll("tensors") Tensor tensor,
            @ForAll boolean fastNumbers) {
        JsonFactory factory = fastNumbers ? Payloads.FAST : Payloads.PLAIN;
        assertThat(decode(factory, encode(factory, tensor, Codec.JSON))).isEqualTo(withCanonicalNaNs(tensor));
    }

    @Property
    void base64GivesBackEveryByte(@ForAll("tensors") Tensor tensor) {
        assertThat(decode(Payloads.PLAIN, encode(tensor, Codec.BASE64))).isEqualTo(tensor);
    }

    /**
     * Through a YAML tree, as model.yaml samples are read. A tree holds every number as a double, so a float32
     * element is rounded twice (text to double to float); the shortest decimals the encoder writes survive that
     * (20 million random floats showed no exception), though arbitrary decimals near a midpoint might not.
     */
    @Property
    void aYamlTreeGivesBackWhatWasEncoded(@ForAll("tensors") Tensor tensor, @ForAll Codec codec)
            throws IOException {
        try (JsonParser parser = YAML.readTree(encode(tensor, codec)).traverse()) {
            Tensor expected = codec == Codec.JSON ? withCanonicalNaNs(tensor) : tensor;
            assertThat(TensorCodec.decode(parser, "x")).isEqualTo(expected);
        }
    }

    @Property
    void keysMayComeInAnyOrder(@ForAll("tensors") Tensor tensor, @ForAll Codec codec,
            @ForAll("keyOrders") List<Integer> order) {
        String[] members = encode(tensor, codec).replaceAll("^\\{|}$", "").split(",(?=\"(dtype|shape|data|base64)\")");
        StringBuilder reordered = new StringBuilder("{");
        for (int i : order) {
            reordered.append(reordered.length() > 1 ? "," : "").append(members[i]);
        }
        Tensor expected = codec == Codec.JSON ? withCanonicalNaNs(tensor) : tensor;
        assertThat(decode(Payloads.PLAIN, reordered.append('}').toString())).isEqualTo(expected);
    }

    /**
     * Parsers hand a long string to the base64 decoder in chunks of whatever size they hold, so a quad of four
     * characters may be split anywhere; here the chunks are random and tiny.
     */
    @Property
    void base64DecodesWhateverTheChunksTheParserHandsOver(@ForAll("tensors") Tensor tensor,
            @ForAll @IntRange(min = 1, max = 9) int maxChunk, @ForAll long seed) throws IOException {
        String payload = encode(tensor, Codec.BASE64);
        try (JsonParser parser = new ChunkingParser(Payloads.PLAIN.createParser(payload), maxChunk, seed)) {
            parser.nextToken();
            assertThat(TensorCodec.decode(parser, "x")).isEqualTo(tensor);
        }
    }

    /** A parser that writes text to a Writer in random chunks of 1 to {@code maxChunk} characters. */
    private static final class ChunkingParser extends JsonParserDelegate {
        private final int maxChunk;
        private final SplittableRandom random;

        ChunkingParser(JsonParser parser, int maxChunk, long seed) {
            super(parser);
            this.maxChunk = maxChunk;
            this.random = new SplittableRandom(seed);
        }

        @Override
        public int getText(Writer writer) throws IOException {
            String text = getText();
            for (int at = 0; at < text.length(); ) {
                int chunk = Math.min(text.length() - at, 1 + random.nextInt(maxChunk));
                writer.write(text.toCharArray(), at, chunk);
                at += chunk;
            }
            return text.length();
        }
    }

    @Provide
    Arbitrary<List<Integer>> keyOrders() {
        return Arbitraries.shuffle(0, 1, 2);
    }

    @Provide
    Arbitrary<Tensor> tensors() {
        Arbitrary<DType> dtypes = Arbitraries.of(DType.class);
        Arbitrary<long[]> dims = Arbitraries.longs().between(0, 4).list().ofMaxSize(4)
                .map(list -> list.stream().mapToLong(Long::longValue).toArray());
        return Combinators.combine(dtypes, dims).flatAs((dtype, d) -> {
            Shape shape = Shape.of(d);
            return Arbitraries.bytes().array(byte[].class).ofSize(Tensor.checkedByteSize(dtype, shape))
                    .map(bytes -> Tensor.of(dtype, shape, dtype == DType.BOOL ? zeroOrOne(bytes) : bytes));
        });
    }

    private static byte[] zeroOrOne(byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] &= 1;
        }
        return bytes;
    }
}
