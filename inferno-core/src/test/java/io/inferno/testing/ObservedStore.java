package io.inferno.testing;

import io.inferno.state.DesiredState;
import io.inferno.state.InMemoryStateStore;
import io.inferno.state.ReplicaReport;
import io.inferno.state.StateStore;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * An in-process state store that tests can watch and steer: it counts sweeps ({@link #all} calls) and heartbeats,
 * notifies subscribers on demand (as a shared store's pub/sub would), and runs a hook after recording an update and
 * before returning it (to hold an admin call between its write and its apply).
 */
public class ObservedStore implements StateStore {
    private final InMemoryStateStore inner = new InMemoryStateStore();
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    public final AtomicInteger sweeps = new AtomicInteger();
    public final AtomicInteger heartbeats = new AtomicInteger();
    public volatile Runnable afterUpdate = () -> {};
    /** Whether {@link #update} notifies subscribers, as a shared store does. */
    public volatile boolean notifyOnUpdate;

    @Override
    public Optional<DesiredState> get(String model) {
        return inner.get(model);
    }

    @Override
    public Map<String, DesiredState> all() {
        sweeps.incrementAndGet();
        return inner.all();
    }

    @Override
    public DesiredState update(String model, UnaryOperator<DesiredState> change) {
        DesiredState s = inner.update(model, change);
        afterUpdate.run();
        if (notifyOnUpdate) {
            notifyChange(model);
        }
        return s;
    }

    /** Records a change as another replica would: without running the hook and without notifying. */
    public DesiredState record(String model, UnaryOperator<DesiredState> change) {
        return inner.update(model, change);
    }

    /** Tells subscribers that a model's desired state changed. */
    public void notifyChange(String model) {
        listeners.forEach(l -> l.accept(model));
    }

    @Override
    public void subscribe(Consumer<String> listener) {
        listeners.add(listener);
    }

    @Override
    public void heartbeat(ReplicaReport report) {
        heartbeats.incrementAndGet();
    }
}
