package io.inferno.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.inferno.grpc.v2.GRPCInferenceServiceGrpc;
import io.inferno.grpc.v2.InferTensorContents;
import io.inferno.grpc.v2.ModelInferRequest;
import io.inferno.grpc.v2.ModelInferResponse;
import io.inferno.grpc.v2.ModelReadyRequest;
import io.inferno.grpc.v2.ServerLiveRequest;
import io.inferno.grpc.v2.ServerMetadataRequest;
import io.inferno.repository.TestRepository;
import io.inferno.runtime.JarCompiler;
import io.inferno.testing.Await;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The standalone jar speaks gRPC: {@code java -jar inferno-server.jar} with {@code GRPC_PORT=0} answers real gRPC
 * calls (so the shaded jar carries netty-shaded and its service files), and SIGTERM drains a gRPC call in flight
 * before the process exits.
 */
class GrpcServerProcessIT {
    private static final Pattern LISTENING = Pattern.compile("gRPC listening on 127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path repo;

    @Test
    void theJarAnswersGrpcAndDrainsAGrpcCallOnSigterm() throws Exception {
        // the model of ServerProcessIT: echoes x as y, each prediction held until the test creates "release"
        JarCompiler.compile(repo.resolve("slow/1/slow.jar"), Map.of("com.acme.Slow", ServerProcessIT.SLOW));
        TestRepository.writeYaml(repo.resolve("slow/1"), TestModels.yaml("slow", 1, "com.acme.Slow", 8, 1));
        Path log = repo.resolve("server.log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", Path.of("target", "inferno-server.jar").toAbsolutePath().toString());
        pb.environment().put("REPO_ROOT", repo.toString());
        pb.environment().put("PORT", "0");
        pb.environment().put("GRPC_PORT", "0");
        pb.environment().put("HOST", "127.0.0.1");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process server = pb.start();
        ManagedChannel channel = null;
        try {
            Await.until("gRPC listening", () -> {
                if (!server.isAlive()) {
                    throw new AssertionError("server exited: " + read(log));
                }
                return LISTENING.matcher(read(log)).find();
            });
            Matcher m = LISTENING.matcher(read(log));
            assertThat(m.find()).isTrue();
            channel = Grpc.newChannelBuilderForAddress("127.0.0.1", Integer.parseInt(m.group(1)),
                    InsecureChannelCredentials.create()).build();
            var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
            assertThat(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
            assertThat(stub.serverMetadata(ServerMetadataRequest.getDefaultInstance()).getName()).isEqualTo("inferno");
            assertThat(stub.modelReady(ModelReadyRequest.newBuilder().setName("slow").build()).getReady()).isTrue();

            ListenableFuture<ModelInferResponse> inFlight = GRPCInferenceServiceGrpc.newFutureStub(channel)
                    .withDeadlineAfter(60, TimeUnit.SECONDS).modelInfer(request(7));
            Await.until("the gRPC call running", () -> read(log).contains("slow: predicting"));
            server.destroy(); // SIGTERM
            Await.until("draining", () -> read(log).contains("gRPC shutting down: draining calls in flight"));
            assertThat(inFlight).isNotDone();
            Files.createFile(repo.resolve("slow/1/release"));
            ModelInferResponse answered = inFlight.get(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(answered.getOutputs(0).getContents().getFp32ContentsList()).containsExactly(7f, 2f);
            assertThat(server.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(server.exitValue()).as(read(log)).isEqualTo(143);
            assertThat(read(log)).contains("\"msg\":\"gRPC stopped\"", "\"msg\":\"stopped\"");
        } finally {
            if (channel != null) {
                channel.shutdownNow();
            }
            server.destroyForcibly();
        }
    }

    private static ModelInferRequest request(float first) {
        return ModelInferRequest.newBuilder().setModelName("slow").addInputs(ModelInferRequest.InferInputTensor
                .newBuilder().setName("x").setDatatype("FP32").addShape(1).addShape(2)
                .setContents(InferTensorContents.newBuilder().addFp32Contents(first).addFp32Contents(2))).build();
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
