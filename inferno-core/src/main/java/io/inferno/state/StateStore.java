package io.inferno.state;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Where the desired state of every model lives: in process for one instance ({@link InMemoryStateStore}), or shared
 * by many replicas (the Redis store of inferno-redis).
 *
 * <p>Implementations are thread-safe; {@link #update} is atomic per model, so two replicas changing one model at
 * once never lose an update.
 */
public interface StateStore extends AutoCloseable {

    /** The desired state of a model, when one was ever recorded. */
    Optional<DesiredState> get(String model);

    /** Every recorded model's desired state. */
    Map<String, DesiredState> all();

    /**
     * Atomically replaces a model's desired state with {@code change} applied to the current one
     * ({@link DesiredState#EMPTY} when none was recorded), and returns the new state.
     *
     * @throws io.inferno.StateUnavailableException when the store cannot be reached
     */
    DesiredState update(String model, UnaryOperator<DesiredState> change);

    /**
     * Calls {@code listener} with a model's name whenever its desired state may have changed elsewhere (another
     * replica). In-process stores never call it.
     */
    default void subscribe(Consumer<String> listener) {}

    /** Publishes this replica's heartbeat (shared stores keep it for a few intervals). */
    default void heartbeat(ReplicaReport report) {}

    /** The latest heartbeat of every live replica, this one included; empty for in-process stores. */
    default List<ReplicaReport> fleet() {
        return List.of();
    }

    /** Whether the store is reachable right now. */
    default boolean healthy() {
        return true;
    }

    @Override
    default void close() {}
}
