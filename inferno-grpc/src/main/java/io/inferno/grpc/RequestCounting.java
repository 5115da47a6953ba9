package io.inferno.grpc;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.inferno.Inferno;
import io.inferno.grpc.v2.ModelInferRequest;
import io.inferno.grpc.v2.ModelMetadataRequest;
import io.inferno.grpc.v2.ModelReadyRequest;
import io.inferno.protocol.RequestCounter;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Counts every call of the service in {@code infer_requests_total}, once, when it ends: with the route
 * {@code grpc:/<full method name>}, the model the request named (as {@link Inferno#metricsLabel} bounds it) and the
 * class of the REST status of its outcome ({@link StatusMapping#httpEquivalent}). A call the client cancels (or
 * whose deadline passes) counts as 499.
 */
final class RequestCounting implements ServerInterceptor {
    /** The route label's prefix: the protocol. */
    static final String ROUTE_PREFIX = "grpc:/";

    private final Inferno inferno;
    private final RequestCounter counter;

    RequestCounting(Inferno inferno) {
        this.inferno = inferno;
        this.counter = RequestCounter.in(inferno.metricsRegistry());
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        Counted counted = new Counted(ROUTE_PREFIX + call.getMethodDescriptor().getFullMethodName());
        ServerCall<Q, R> counting = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                counted.count(StatusMapping.httpEquivalent(status.getCode()));
                super.close(status, trailers);
            }
        };
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(counting, headers)) {
            @Override
            public void onMessage(Q message) {
                counted.model = modelOf(message);
                super.onMessage(message);
            }

            @Override
            public void onCancel() {
                counted.count(StatusMapping.httpEquivalent(Status.Code.CANCELLED));
                super.onCancel();
            }
        };
    }

    private String modelOf(Object message) {
        String name;
        if (message instanceof ModelInferRequest r) {
            name = r.getModelName();
        } else if (message instanceof ModelMetadataRequest r) {
            name = r.getName();
        } else if (message instanceof ModelReadyRequest r) {
            name = r.getName();
        } else {
            return "";
        }
        return inferno.metricsLabel(name);
    }

    /** One call's labels; counted at most once, by whichever of close and cancel comes first. */
    private final class Counted {
        private final String route;
        private final AtomicBoolean done = new AtomicBoolean();
        volatile String model = "";

        Counted(String route) {
            this.route = route;
        }

        void count(int httpStatus) {
            if (done.compareAndSet(false, true)) {
                counter.count(model, route, httpStatus);
            }
        }
    }
}
