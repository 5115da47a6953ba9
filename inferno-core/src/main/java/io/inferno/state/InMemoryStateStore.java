package io.inferno.state;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/** The desired state of one process, kept in memory: the default when no shared store is configured. */
public final class InMemoryStateStore implements StateStore {
    private final ConcurrentHashMap<String, DesiredState> states = new ConcurrentHashMap<>();

    @Override
    public Optional<DesiredState> get(String model) {
        return Optional.ofNullable(states.get(model));
    }

    @Override
    public Map<String, DesiredState> all() {
        return Map.copyOf(states);
    }

    @Override
    public DesiredState update(String model, UnaryOperator<DesiredState> change) {
        return states.compute(model, (k, current) -> change.apply(current == null ? DesiredState.EMPTY : current));
    }
}
