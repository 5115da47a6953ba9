package io.inferno.grpc;

import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.inferno.Inferno;
import io.inferno.grpc.v2.GRPCInferenceServiceGrpc;
import io.inferno.grpc.v2.ModelInferRequest;
import io.inferno.grpc.v2.ModelInferResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Open Inference Protocol (KServe V2) over gRPC, in front of an {@link Inferno}: the service
 * {@code inference.GRPCInferenceService} (see docs/open-inference-protocol.md).
 *
 * <pre>{@code
 * GrpcServer grpc = GrpcServer.start(new GrpcSettings("0.0.0.0", 8001, 64 << 20, Duration.ofSeconds(30)), inferno);
 * ...
 * grpc.shutdown(); // refuse new calls, answer the ones in flight, stop
 * }</pre>
 *
 * The server does not own the {@link Inferno}: whoever built it closes it, after {@link #shutdown()} or while it
 * runs (the calls in flight are answered by the engine's drain).
 */
public final class GrpcServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GrpcServer.class);
    private static final AtomicInteger CALL_THREADS = new AtomicInteger();

    private final GrpcSettings settings;
    private final AtomicBoolean shuttingDown = new AtomicBoolean();
    private final ExecutorService calls; // runs the handlers, and encodes answers completed on batch threads
    private final InferenceService service;
    private final Server server;

    private GrpcServer(GrpcSettings settings, Inferno inferno) {
        this.settings = settings;
        this.calls = Executors.newCachedThreadPool(GrpcServer::callThread);
        this.service = new InferenceService(inferno, shuttingDown::get, calls);
        this.server = NettyServerBuilder.forAddress(new InetSocketAddress(settings.host(), settings.port()))
                .maxInboundMessageSize(settings.maxMessageBytes())
                // not the event loop: a prediction to an idle model runs on the thread that submits it
                // (docs/engine.md, threads), which must not be the thread that reads every call of its connections
                .executor(calls)
                .addService(ServerInterceptors.intercept(aliasingInferRequests(service.bindService()),
                        new RequestCounting(inferno)))
                .build();
    }

    /** The service with ModelInfer's requests read by an {@link AliasingMarshaller}: raw tensors in one copy. */
    private static ServerServiceDefinition aliasingInferRequests(ServerServiceDefinition service) {
        MethodDescriptor<ModelInferRequest, ModelInferResponse> infer = GRPCInferenceServiceGrpc.getModelInferMethod();
        ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(service.getServiceDescriptor().getName());
        for (ServerMethodDefinition<?, ?> m : service.getMethods()) {
            if (!m.getMethodDescriptor().getFullMethodName().equals(infer.getFullMethodName())) {
                b.addMethod(m);
            }
        }
        @SuppressWarnings("unchecked") // the definition of ModelInfer, by its name
        ServerMethodDefinition<ModelInferRequest, ModelInferResponse> m =
                (ServerMethodDefinition<ModelInferRequest, ModelInferResponse>) service.getMethod(
                        infer.getFullMethodName());
        b.addMethod(infer.toBuilder(new AliasingMarshaller<>(ModelInferRequest.getDefaultInstance()),
                infer.getResponseMarshaller()).build(), m.getServerCallHandler());
        return b.build();
    }

    private static Thread callThread(Runnable r) {
        Thread t = new Thread(r, "grpc-call-" + CALL_THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    }

    /**
     * Starts serving; returns once the port is bound.
     *
     * @throws UncheckedIOException when the port cannot be bound
     */
    public static GrpcServer start(GrpcSettings settings, Inferno inferno) {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(inferno, "inferno");
        GrpcServer s = new GrpcServer(settings, inferno);
        try {
            s.server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen for gRPC on " + settings.host() + ":" + settings.port()
                    + ": " + e.getMessage(), e);
        }
        LOG.info("gRPC listening on {}:{}", settings.host(), s.port());
        return s;
    }

    /** The bound port. */
    public int port() {
        return server.getPort();
    }

    /** What ServerReady answers: startup loading has finished and shutdown has not started. */
    public boolean ready() {
        return service.ready();
    }

    /**
     * Graceful shutdown: ServerReady turns false, new calls are refused (UNAVAILABLE), the calls in flight are
     * answered within the drain timeout, then the server stops (cancelling whatever is left). Blocks until then.
     * Idempotent.
     */
    public void shutdown() {
        if (!shuttingDown.compareAndSet(false, true)) {
            awaitStopped();
            return;
        }
        LOG.info("gRPC shutting down: draining calls in flight");
        server.shutdown();
        try {
            if (!server.awaitTermination(settings.drainTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("gRPC calls still in flight after {}: cancelling them", settings.drainTimeout());
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
        awaitStopped();
        calls.shutdown();
        LOG.info("gRPC stopped");
    }

    private void awaitStopped() {
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        shutdown();
    }
}
