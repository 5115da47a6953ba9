package io.inferno.testing;

import io.inferno.runtime.ModelContext;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the test models loaded from one repository tell their test (instances created and closed), and the gates
 * where they wait for it (a load or a prediction held until the test lets it go).
 *
 * <p>The {@code JavaRuntime} builds a model by reflection from its model.yaml, so nothing can be handed to it
 * directly; a model finds its test's probe through its version directory, {@code <repository>/<name>/<version>}.
 * A test opens a probe on its own temporary repository and closes it at the end: no count or gate is shared
 * between tests, so tests pass in any order and when rerun. A model whose repository has no probe counts nothing
 * and never waits.
 *
 * <p>A model waits at a gate for at most {@link Await#LIMIT}, then fails: a test that forgets to open a gate
 * fails instead of hanging. Closing the probe opens every gate.
 */
public final class ModelProbe implements AutoCloseable {
    private static final Map<Path, ModelProbe> OPEN = new ConcurrentHashMap<>();

    private final Path repository;
    private final Map<String, AtomicInteger> created = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> closed = new ConcurrentHashMap<>();
    private final Map<String, Gate> loads = new ConcurrentHashMap<>();
    private final Map<String, Gate> predictions = new ConcurrentHashMap<>();

    private ModelProbe(Path repository) {
        this.repository = repository;
    }

    /** Opens the probe of {@code repository}; the test closes it when done. */
    public static ModelProbe open(Path repository) {
        ModelProbe probe = new ModelProbe(key(repository));
        if (OPEN.putIfAbsent(probe.repository, probe) != null) {
            throw new IllegalStateException("a probe is already open on " + probe.repository);
        }
        return probe;
    }

    /** The probe of the repository this model version was loaded from, if its test opened one. */
    public static Optional<ModelProbe> of(ModelContext context) {
        Path name = context.directory().toAbsolutePath().getParent();
        Path repository = name == null ? null : name.getParent();
        return repository == null ? Optional.empty() : Optional.ofNullable(OPEN.get(key(repository)));
    }

    private static Path key(Path repository) {
        return repository.toAbsolutePath().normalize();
    }

    /** Instances created so far of a model version, by id ({@code name:version}). */
    public int created(String id) {
        AtomicInteger n = created.get(id);
        return n == null ? 0 : n.get();
    }

    /** Instances closed so far of a model version, by id ({@code name:version}). */
    public int closed(String id) {
        AtomicInteger n = closed.get(id);
        return n == null ? 0 : n.get();
    }

    void recordCreated(String id) {
        created.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
    }

    void recordClosed(String id) {
        closed.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
    }

    /**
     * Where loads (constructors) of the model {@code name} pass, or of one version when given its id
     * ({@code name:version}); open unless the test holds it.
     */
    public Gate loads(String name) {
        return loads.computeIfAbsent(name, n -> new Gate("load of " + n));
    }

    /** Where predictions of the model {@code name} pass (not its load-time dry run); open unless held. */
    public Gate predictions(String name) {
        return predictions.computeIfAbsent(name, n -> new Gate("prediction of " + n));
    }

    /** Stops answering for the repository and opens every gate, so that no model is left waiting. */
    @Override
    public void close() {
        OPEN.remove(repository, this);
        loads.values().forEach(Gate::release);
        predictions.values().forEach(Gate::release);
    }

    /** A gate models pass through: open, or held by the test; counts who arrived at it. */
    public static final class Gate {
        private final String what;
        private final Semaphore arrived = new Semaphore(0);
        private volatile CountDownLatch open = new CountDownLatch(0);

        private Gate(String what) {
            this.what = what;
        }

        /** Makes the models that arrive from now on wait until {@link #release()}. */
        public void hold() {
            open = new CountDownLatch(1);
        }

        /** Lets every waiting and every later model through. */
        public void release() {
            open.countDown();
        }

        /** Waits until {@code n} more models have arrived at the gate (held there, if it is held). */
        public void awaitArrivals(int n) throws InterruptedException {
            Await.acquire(arrived, n, what);
        }

        /** Called by a model: says it arrived, then waits while the gate is held, at most {@link Await#LIMIT}. */
        public void pass() throws InterruptedException {
            CountDownLatch latch = open;
            arrived.release();
            if (!latch.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(what + ": the test did not open the gate within " + Await.LIMIT);
            }
        }
    }
}
