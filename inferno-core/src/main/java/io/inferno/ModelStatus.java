package io.inferno;

import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * A model as the registry sees it.
 *
 * @param name the model's name
 * @param active the version that answers unpinned requests, or empty when none
 * @param loaded versions loaded now, ascending
 * @param onDisk valid versions found in the repository, ascending
 * @param failures versions that could not be read or loaded, with the reason
 */
public record ModelStatus(String name, OptionalLong active, List<Long> loaded, List<Long> onDisk,
        List<Failure> failures) {

    /** A version that failed, or a package that could not be read ({@code version} empty when unknown). */
    public record Failure(OptionalLong version, String reason) {
        public Failure {
            Objects.requireNonNull(version, "version");
            Objects.requireNonNull(reason, "reason");
        }
    }

    public ModelStatus {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(active, "active");
        loaded = List.copyOf(loaded);
        onDisk = List.copyOf(onDisk);
        failures = List.copyOf(failures);
    }

    /** Whether the active version is loaded (ready to answer without a load). */
    public boolean activeLoaded() {
        return active.isPresent() && loaded.contains(active.getAsLong());
    }
}
