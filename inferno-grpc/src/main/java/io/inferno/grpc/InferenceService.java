package io.inferno.grpc;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.inferno.DeadlineExceededException;
import io.inferno.Inferno;
import io.inferno.InvalidInputException;
import io.inferno.ModelStatus;
import io.inferno.OverloadedException;
import io.inferno.PredictRequest;
import io.inferno.Prediction;
import io.inferno.grpc.v2.GRPCInferenceServiceGrpc;
import io.inferno.grpc.v2.InferParameter;
import io.inferno.grpc.v2.ModelInferRequest;
import io.inferno.grpc.v2.ModelInferResponse;
import io.inferno.grpc.v2.ModelMetadataRequest;
import io.inferno.grpc.v2.ModelMetadataResponse;
import io.inferno.grpc.v2.ModelReadyRequest;
import io.inferno.grpc.v2.ModelReadyResponse;
import io.inferno.grpc.v2.ServerLiveRequest;
import io.inferno.grpc.v2.ServerLiveResponse;
import io.inferno.grpc.v2.ServerMetadataRequest;
import io.inferno.grpc.v2.ServerMetadataResponse;
import io.inferno.grpc.v2.ServerReadyRequest;
import io.inferno.grpc.v2.ServerReadyResponse;
import io.inferno.protocol.V2;
import io.inferno.protocol.V2ModelMetadata;
import io.inferno.text.ClientText;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The six RPCs of {@code inference.GRPCInferenceService} over an {@link Inferno}.
 *
 * <p>ModelInfer goes through {@link Inferno#predict} exactly as the REST API's predict does (validation, batching,
 * metrics, lifecycle). The call's deadline becomes the request's timeout (the smaller of it and the
 * {@code timeout_ms} / {@code timeout} parameters), and cancelling the call cancels the prediction, which takes it
 * out of the queue.
 *
 * <p>Threads: every handler runs on a thread of the server's call executor, not on the transport's event loop:
 * ModelInfer decodes the tensors and submits the prediction, which runs the model right there when the model's
 * batcher is idle (docs/engine.md, threads); the answer is then built and sent on that same thread. A prediction
 * that completes on a batch thread is handed back to a call thread to be built and sent, so that a batch thread
 * never encodes its callers' answers one after another. ModelMetadata only starts a description.
 */
final class InferenceService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
    private static final Logger LOG = LoggerFactory.getLogger(InferenceService.class);

    private final Inferno inferno;
    private final BooleanSupplier shuttingDown;
    private final Executor calls;

    InferenceService(Inferno inferno, BooleanSupplier shuttingDown, Executor calls) {
        this.inferno = inferno;
        this.shuttingDown = shuttingDown;
        this.calls = calls;
    }

    /** True once startup loading has finished and until shutdown starts. */
    boolean ready() {
        return !shuttingDown.getAsBoolean() && inferno.ready().isDone();
    }

    @Override
    public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> call) {
        answer(call, () -> ServerLiveResponse.newBuilder().setLive(true).build());
    }

    @Override
    public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> call) {
        answer(call, () -> ServerReadyResponse.newBuilder().setReady(ready()).build());
    }

    @Override
    public void serverMetadata(ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> call) {
        answer(call, () -> ServerMetadataResponse.newBuilder().setName(V2.SERVER_NAME)
                .setVersion(V2.serverVersion()).addAllExtensions(V2.EXTENSIONS).build());
    }

    /** Ready when the version (the active one if none is named) is loaded; NOT_FOUND for an unknown model. */
    @Override
    public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> call) {
        answer(call, () -> {
            OptionalLong version = V2.modelVersion(request.getVersion());
            ModelStatus status = inferno.model(request.getName());
            boolean loaded = version.isPresent() ? status.loaded().contains(version.getAsLong())
                    : status.activeLoaded();
            return ModelReadyResponse.newBuilder().setReady(loaded && !shuttingDown.getAsBoolean()).build();
        });
    }

    @Override
    public void modelMetadata(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> call) {
        String name = request.getName();
        CompletableFuture<ModelMetadataResponse> answer;
        try {
            answer = inferno.describe(name, V2.modelVersion(request.getVersion()))
                    .thenApply(d -> metadata(V2ModelMetadata.of(d, inferno.model(name).loaded())));
        } catch (RuntimeException e) {
            fail(call, e);
            return;
        }
        answer.whenComplete((response, failure) -> finish(call, response, failure));
    }

    private static ModelMetadataResponse metadata(V2ModelMetadata m) {
        ModelMetadataResponse.Builder b = ModelMetadataResponse.newBuilder().setName(m.name())
                .addAllVersions(m.versions()).setPlatform(m.platform());
        for (V2ModelMetadata.TensorMetadata t : m.inputs()) {
            b.addInputs(tensor(t));
        }
        for (V2ModelMetadata.TensorMetadata t : m.outputs()) {
            b.addOutputs(tensor(t));
        }
        return b.build();
    }

    private static ModelMetadataResponse.TensorMetadata tensor(V2ModelMetadata.TensorMetadata t) {
        return ModelMetadataResponse.TensorMetadata.newBuilder().setName(t.name())
                .setDatatype(t.datatype().name()).addAllShape(t.shape()).build();
    }

    @Override
    public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> observer) {
        ServerCallStreamObserver<ModelInferResponse> call = (ServerCallStreamObserver<ModelInferResponse>) observer;
        CompletableFuture<Prediction> prediction;
        try {
            prediction = predict(request);
        } catch (RuntimeException e) {
            fail(call, e);
            return;
        }
        // set before this handler returns, so a cancellation that arrives meanwhile still reaches it
        call.setOnCancelHandler(() -> prediction.cancel(false));
        boolean raw = request.getRawInputContentsCount() > 0;
        String id = request.getId(); // not the request: its message array can go once the tensors are made
        BiConsumer<Prediction, Throwable> respond = (p, failure) -> {
            if (failure != null) {
                fail(call, failure);
                return;
            }
            ModelInferResponse response;
            try {
                response = TensorMessages.response(id, p, raw);
            } catch (RuntimeException e) {
                fail(call, e);
                return;
            }
            finish(call, response, null);
        };
        if (prediction.isDone()) {
            prediction.whenComplete(respond); // it ran on this thread
        } else {
            prediction.whenCompleteAsync(respond, calls); // not on the batch thread that completes it
        }
    }

    private CompletableFuture<Prediction> predict(ModelInferRequest request) {
        if (shuttingDown.getAsBoolean()) {
            throw new OverloadedException(OverloadedException.Reason.SHUTTING_DOWN,
                    "server is shutting down; retry on another replica");
        }
        String model = request.getModelName();
        OptionalLong version = V2.modelVersion(request.getModelVersion());
        Optional<Duration> timeout = timeout(request.getParametersMap());
        // announced before decoding, so a forming batch waits for this request (docs/engine.md)
        try (Inferno.Announcement announced = inferno.announce(model, version)) {
            PredictRequest.Builder b = PredictRequest.builder(model).inputs(TensorMessages.inputs(request));
            version.ifPresent(b::version);
            if (request.getOutputsCount() > 0) {
                b.outputs(outputs(request));
            }
            timeout.ifPresent(b::timeout);
            return inferno.predict(b.build(), announced);
        }
    }

    private static List<String> outputs(ModelInferRequest request) {
        List<String> names = new ArrayList<>(request.getOutputsCount());
        List<String> problems = new ArrayList<>();
        for (ModelInferRequest.InferRequestedOutputTensor o : request.getOutputsList()) {
            if (o.getParametersMap().containsKey("classification")) {
                problems.add("Output " + ClientText.quote(o.getName())
                        + ": the classification extension is not supported");
            }
            if (o.getParametersMap().containsKey("shared_memory_region")) {
                problems.add("Output " + ClientText.quote(o.getName()) + ": shared memory is not supported");
            }
            names.add(o.getName());
        }
        if (!problems.isEmpty()) {
            throw new InvalidInputException(problems);
        }
        return names;
    }

    /**
     * The queue timeout: the smallest of the {@code timeout_ms} and {@code timeout} parameters and the time left
     * before the call's deadline. Other parameters are ignored, as the specification allows.
     */
    private static Optional<Duration> timeout(Map<String, InferParameter> parameters) {
        Duration timeout = null;
        for (String name : List.of(V2.TIMEOUT_MS, V2.TIMEOUT_US)) {
            InferParameter p = parameters.get(name);
            if (p != null) {
                Duration asked = V2.timeout(name, integer(name, p));
                timeout = timeout == null || asked.compareTo(timeout) < 0 ? asked : timeout;
            }
        }
        Deadline deadline = Context.current().getDeadline(); // null: the client set none
        if (deadline != null) {
            long left = deadline.timeRemaining(TimeUnit.NANOSECONDS);
            if (left <= 0) {
                throw new DeadlineExceededException("the call's deadline passed before the request was queued");
            }
            Duration remaining = Duration.ofNanos(left);
            if (remaining.compareTo(PredictRequest.MAX_TIMEOUT) > 0) {
                remaining = PredictRequest.MAX_TIMEOUT;
            }
            timeout = timeout == null || remaining.compareTo(timeout) < 0 ? remaining : timeout;
        }
        return Optional.ofNullable(timeout);
    }

    private static long integer(String name, InferParameter p) {
        return switch (p.getParameterChoiceCase()) {
            case INT64_PARAM -> p.getInt64Param();
            case UINT64_PARAM -> p.getUint64Param() < 0 ? Long.MAX_VALUE : p.getUint64Param();
            default -> throw new InvalidInputException(
                    "parameter " + name + " must be an integer (int64_param), got " + p.getParameterChoiceCase());
        };
    }

    // ---- answers

    /** Answers with a value computed now, or with the failure computing it threw. */
    private static <T> void answer(StreamObserver<T> call, Supplier<T> value) {
        T response;
        try {
            response = value.get();
        } catch (RuntimeException e) {
            fail(call, e);
            return;
        }
        finish(call, response, null);
    }

    private static <T> void finish(StreamObserver<T> call, T response, Throwable failure) {
        if (failure != null) {
            fail(call, failure);
            return;
        }
        if (cancelled(call)) {
            return;
        }
        try {
            call.onNext(response);
            call.onCompleted();
        } catch (RuntimeException clientGone) {
            LOG.debug("could not answer: {}", clientGone.toString());
        }
    }

    private static void fail(StreamObserver<?> call, Throwable failure) {
        StatusMapping.Mapped m = StatusMapping.map(failure);
        if (m.bug()) {
            LOG.error("unexpected failure", StatusMapping.unwrap(failure));
        } else if (m.modelFailure()) {
            LOG.warn("model failed: {}", m.status().getDescription());
        }
        if (cancelled(call)) {
            return; // nobody is listening
        }
        try {
            call.onError(m.status().asRuntimeException());
        } catch (RuntimeException clientGone) {
            LOG.debug("could not answer: {}", clientGone.toString());
        }
    }

    private static boolean cancelled(StreamObserver<?> call) {
        return call instanceof ServerCallStreamObserver<?> s && s.isCancelled();
    }
}
