package io.inferno.grpc;

import static io.inferno.repository.TestRepository.writeYaml;
import static io.inferno.testing.Await.done;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.inferno.Inferno;
import io.inferno.grpc.v2.GRPCInferenceServiceGrpc;
import io.inferno.grpc.v2.InferTensorContents;
import io.inferno.grpc.v2.ModelInferRequest;
import io.inferno.tensor.DType;
import io.inferno.testing.ScalingModel;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** An Inferno and a gRPC server on a free loopback port over a repository, and a client channel to it. */
final class GrpcHarness implements AutoCloseable {
    final Inferno inferno;
    final GrpcServer server;
    final ManagedChannel channel;

    GrpcHarness(Path repo, int maxMessageBytes) {
        this(Inferno.builder().repository(repo), maxMessageBytes);
    }

    GrpcHarness(Inferno.Builder engine, int maxMessageBytes) {
        inferno = engine.build();
        done(inferno.ready());
        server = GrpcServer.start(new GrpcSettings("127.0.0.1", 0, maxMessageBytes, Duration.ofSeconds(10)), inferno);
        channel = Grpc.newChannelBuilderForAddress("127.0.0.1", server.port(), InsecureChannelCredentials.create())
                .maxInboundMessageSize(Integer.MAX_VALUE).build();
    }

    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub blocking() {
        return GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    GRPCInferenceServiceGrpc.GRPCInferenceServiceFutureStub async() {
        return GRPCInferenceServiceGrpc.newFutureStub(channel);
    }

    /** Java test models of every behaviour (scaling v1 and v2, gated, failing, echo of every dtype). */
    static Path javaModels(Path root) {
        writeYaml(root.resolve("scale/1"), ScalingModel.yaml("scale", 1, 8));
        writeYaml(root.resolve("scale/2"), ScalingModel.yaml("scale", 2, 8));
        // one batch of one request at a time, one more queued at most; predictions wait at the probe's gate
        writeYaml(root.resolve("gated/1"), ScalingModel.yaml("gated", 1, ScalingModel.class.getName(), 1, 1));
        writeYaml(root.resolve("failing/1"),
                ScalingModel.yaml("failing", 1, GrpcTestModels.Failing.class.getName(), 8, 16));
        // every dtype with a typed contents field; float16 and bfloat16 travel raw only
        writeYaml(root.resolve("echo/1"), GrpcTestModels.echoYaml("echo", DType.BOOL, DType.UINT8, DType.INT8,
                DType.INT16, DType.INT32, DType.INT64, DType.FLOAT32, DType.FLOAT64));
        writeYaml(root.resolve("echo_half/1"), GrpcTestModels.echoYaml("echo_half", DType.FLOAT16, DType.BFLOAT16));
        writeYaml(root.resolve("to_bf16/1"), GrpcTestModels.toBfloat16Yaml("to_bf16"));
        return root;
    }

    /** Copies every sample model of the repository's models/ folder into {@code root}. */
    static Path samples(Path root) {
        Path models = Path.of("..", "models");
        try (Stream<Path> files = Files.walk(models)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path to = root.resolve(models.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(f, to);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return root;
    }

    /** A request for the x float32 [rows, 2] models, with typed contents: row i is (v_i, -v_i). */
    static ModelInferRequest.Builder typedX(String model, float... firstColumn) {
        InferTensorContents.Builder c = InferTensorContents.newBuilder();
        for (float v : firstColumn) {
            c.addFp32Contents(v).addFp32Contents(-v);
        }
        return ModelInferRequest.newBuilder().setModelName(model).addInputs(
                ModelInferRequest.InferInputTensor.newBuilder().setName("x").setDatatype("FP32")
                        .addShape(firstColumn.length).addShape(2).setContents(c));
    }

    /** The value of the queue depth gauge of a model. */
    double queueDepth(String model) {
        return inferno.metricsRegistry().scrape().stream()
                .filter(s -> s.getMetadata().getName().equals("infer_queue_depth"))
                .flatMap(s -> ((GaugeSnapshot) s).getDataPoints().stream())
                .filter(d -> model.equals(d.getLabels().get("model")))
                .mapToDouble(GaugeSnapshot.GaugeDataPointSnapshot::getValue).findFirst().orElse(0);
    }

    /** The value of {@code infer_requests_total} for one label set (0 when the series does not exist). */
    double requests(String model, String method, String status) {
        return inferno.metricsRegistry().scrape().stream()
                .filter(s -> s.getMetadata().getName().equals("infer_requests"))
                .flatMap(s -> ((CounterSnapshot) s).getDataPoints().stream())
                .filter(d -> model.equals(d.getLabels().get("model"))
                        && ("grpc:/inference.GRPCInferenceService/" + method).equals(d.getLabels().get("route"))
                        && status.equals(d.getLabels().get("status")))
                .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue).findFirst().orElse(0);
    }

    @Override
    public void close() {
        channel.shutdownNow();
        server.shutdown();
        inferno.close();
    }
}
