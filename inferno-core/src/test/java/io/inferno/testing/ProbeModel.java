package io.inferno.testing;

import io.inferno.runtime.Model;
import io.inferno.runtime.ModelContext;
import io.inferno.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Java-entrypoint model for lifecycle tests: {@code y = x * version}. Each test attaches a {@link Probe} to its
 * own repository directory; the models loaded from that repository report to it and obey it, so no state is shared
 * between tests. Every wait is bounded: a gate that is never opened fails the load after 30 s instead of hanging.
 */
public final class ProbeModel implements Model {
    private static final Map<Path, Probe> PROBES = new ConcurrentHashMap<>();

    /** What one test observes and controls about the models of its repository, by model id ({@code name:version}). */
    public static final class Probe implements AutoCloseable {
        private final Path root;
        private final Map<String, AtomicInteger> created = new ConcurrentHashMap<>();
        private final Map<String, AtomicInteger> closed = new ConcurrentHashMap<>();
        private final Map<String, CompletableFuture<Void>> gates = new ConcurrentHashMap<>();
        private final Map<String, CompletableFuture<Void>> started = new ConcurrentHashMap<>();

        private Probe(Path root) {
            this.root = root;
        }

        /** Makes the next loads of {@code id} wait until {@link #open}. */
        public void hold(String id) {
            gates.put(id, new CompletableFuture<>());
        }

        public void open(String id) {
            gates.computeIfAbsent(id, k -> new CompletableFuture<>()).complete(null);
        }

        /** Completes when a load of {@code id} has started (and is waiting at its gate, if held). */
        public CompletableFuture<Void> loadStarted(String id) {
            return started.computeIfAbsent(id, k -> new CompletableFuture<>());
        }

        public int created(String id) {
            return created.getOrDefault(id, new AtomicInteger()).get();
        }

        public int closed(String id) {
            return closed.getOrDefault(id, new AtomicInteger()).get();
        }

        @Override
        public void close() {
            PROBES.remove(root, this);
            gates.values().forEach(g -> g.complete(null));
        }
    }

    /** Attaches a probe to the repository at {@code root}; close it after the test. */
    public static Probe attach(Path root) {
        Path real = realPath(root);
        Probe p = new Probe(real);
        PROBES.put(real, p);
        return p;
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The model.yaml of a probe model: {@code x} float32 [batch, 2] to {@code y} float32 [batch, 2]. */
    public static String yaml(String name, long version) {
        return """
                name: %s
                version: %d
                format: java
                entrypoint: %s
                signature:
                  inputs:
                    - {name: x, dtype: float32, shape: [batch, 2]}
                  outputs:
                    - {name: y, dtype: float32, shape: [batch, 2]}
                batching:
                  max_batch_size: 8
                  max_batch_latency_ms: 1
                """.formatted(name, version, ProbeModel.class.getName());
    }

    private final Probe probe;
    private final String id;
    private final float factor;

    public ProbeModel(ModelContext context) throws Exception {
        // <root>/<name>/<version>
        probe = PROBES.get(realPath(context.directory().getParent().getParent()));
        id = context.config().id();
        factor = context.config().version();
        if (probe != null) {
            probe.loadStarted(id).complete(null);
            CompletableFuture<Void> gate = probe.gates.get(id);
            if (gate != null) {
                gate.get(30, TimeUnit.SECONDS);
            }
            probe.created.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
        }
    }

    @Override
    public Map<String, Tensor> predict(Map<String, Tensor> inputs) {
        Tensor x = inputs.get("x");
        float[] v = x.toFloatArray();
        for (int i = 0; i < v.length; i++) {
            v[i] *= factor;
        }
        return Map.of("y", Tensor.ofFloats(x.shape(), v));
    }

    @Override
    public void close() {
        if (probe != null) {
            probe.closed.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
        }
    }
}
