package io.inferno.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import io.inferno.codec.Codec;
import io.inferno.codec.TensorCodec;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decodes and encodes a 1,000,000-element float32 tensor (shape [1000, 1000]) as JSON lists and as base64.
 *
 * <p>Reading the results: each benchmark also reports a row {@code <name>:payloadMB}, the payload text handled,
 * in megabytes (10^6 bytes), per second; its "ops/s" is MB/s. The plain row is whole tensors per second.
 * Elements are Gaussian floats, whose shortest decimals (like {@code -0.43256223}) are typical of model inputs
 * and outputs: the JSON payload is 10,910,677 bytes, the base64 one 5,333,387. The factory enables the fast
 * float parser and writer, and shows the parser's input in locations (so base64 decodes from the input bytes), as
 * {@link TensorCodec} recommends.
 *
 * <p>Run: {@code mvn -B -q -o -Pbench -pl inferno-core verify -DskipTests -Djmh.args="-f 1 -wi 3 -i 5
 * CodecBenchmark"}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 3) // base64 decoding needs about 5 s to reach its steady state
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class CodecBenchmark {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .enable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION) // as the server's: base64 decodes from the bytes
            .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
            .build();

    private Tensor tensor;
    private byte[] json;
    private byte[] base64;
    private ByteArrayOutputStream out;

    /** Payload megabytes handled; JMH divides by the measured time, giving MB/s. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Throughput {
        public double payloadMB;

        @Setup(Level.Iteration)
        public void reset() {
            payloadMB = 0;
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        SplittableRandom random = new SplittableRandom(42);
        float[] values = new float[1_000_000];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        tensor = Tensor.ofFloats(Shape.of(1000, 1000), values);
        json = encode(Codec.JSON);
        base64 = encode(Codec.BASE64);
        out = new ByteArrayOutputStream(json.length + 1024);
    }

    @Benchmark
    public Tensor decodeJson(Throughput throughput) throws IOException {
        throughput.payloadMB += json.length / 1e6;
        return decode(json);
    }

    @Benchmark
    public Tensor decodeBase64(Throughput throughput) throws IOException {
        throughput.payloadMB += base64.length / 1e6;
        return decode(base64);
    }

    @Benchmark
    public int encodeJson(Throughput throughput) throws IOException {
        throughput.payloadMB += json.length / 1e6;
        return encodeInto(Codec.JSON);
    }

    @Benchmark
    public int encodeBase64(Throughput throughput) throws IOException {
        throughput.payloadMB += base64.length / 1e6;
        return encodeInto(Codec.BASE64);
    }

    private Tensor decode(byte[] payload) throws IOException {
        try (JsonParser parser = FACTORY.createParser(payload)) {
            parser.nextToken();
            return TensorCodec.decode(parser, "x");
        }
    }

    private int encodeInto(Codec codec) throws IOException {
        out.reset();
        try (JsonGenerator generator = FACTORY.createGenerator(out)) {
            TensorCodec.encode(generator, tensor, codec);
        }
        return out.size();
    }

    private byte[] encode(Codec codec) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator generator = FACTORY.createGenerator(bytes)) {
            TensorCodec.encode(generator, tensor, codec);
        }
        return bytes.toByteArray();
    }
}
