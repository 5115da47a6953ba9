package io.inferno.state;

import java.util.Collections;
import java.util.OptionalLong;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What the operators asked for one model: the version that should answer unpinned requests, and the versions that
 * should be loaded. Replicas converge on it; {@code revision} grows with every change so that a replica can tell
 * newer state from older.
 *
 * @param active the version that should be active, or empty for "none"
 * @param loaded the versions that should be loaded, ascending (the active one among them)
 * @param revision incremented by every change
 */
public record DesiredState(OptionalLong active, SortedSet<Long> loaded, long revision) {
    public static final DesiredState EMPTY = new DesiredState(OptionalLong.empty(), new TreeSet<>(), 0);

    public DesiredState {
        loaded = Collections.unmodifiableSortedSet(new TreeSet<>(loaded));
        if (active.isPresent() && !loaded.contains(active.getAsLong())) {
            throw new IllegalArgumentException("active version " + active.getAsLong() + " is not among the loaded "
                    + loaded);
        }
    }

    /** This state after loading {@code version} and making it active. */
    public DesiredState withLoadedActive(long version) {
        TreeSet<Long> l = new TreeSet<>(loaded);
        l.add(version);
        return new DesiredState(OptionalLong.of(version), l, revision + 1);
    }

    /**
     * This state after unloading {@code version}: when it was active, the highest remaining loaded version becomes
     * active, or none.
     */
    public DesiredState withUnloaded(long version) {
        TreeSet<Long> l = new TreeSet<>(loaded);
        l.remove(version);
        OptionalLong a = active;
        if (a.isPresent() && a.getAsLong() == version) {
            a = l.isEmpty() ? OptionalLong.empty() : OptionalLong.of(l.last());
        }
        return new DesiredState(a, l, revision + 1);
    }
}
