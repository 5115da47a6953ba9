package io.inferno.repository;

import java.nio.file.Path;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What one scan of a model repository found: the servable versions of each model, the packages that failed and the
 * entries skipped as not being packages. Immutable.
 *
 * @param root the repository's real path
 * @param models each model name (sorted) to its valid versions, in ascending version order; a model appears only
 *     when at least one version is valid
 * @param failures packages that cannot be served, with the reason
 * @param skipped entries that are not packages, with the reason
 */
public record RepositorySnapshot(
        Path root, SortedMap<String, List<ModelPackage>> models, List<FailedPackage> failures,
        List<SkippedPath> skipped) {

    public RepositorySnapshot {
        Objects.requireNonNull(root, "root");
        models = copySorted(models);
        failures = List.copyOf(failures);
        skipped = List.copyOf(skipped);
    }

    private static SortedMap<String, List<ModelPackage>> copySorted(Map<String, List<ModelPackage>> models) {
        SortedMap<String, List<ModelPackage>> copy = new TreeMap<>();
        models.forEach((name, versions) -> {
            versions.stream().filter(p -> !p.name().equals(name)).findAny().ifPresent(p -> {
                throw new IllegalArgumentException("package " + p.config().id() + " listed under model '" + name + "'");
            });
            copy.put(name, versions.stream().sorted(Comparator.comparingLong(ModelPackage::version)).toList());
        });
        return Collections.unmodifiableSortedMap(copy);
    }

    /** The valid versions of a model, ascending; empty when it has none. */
    public List<ModelPackage> versions(String model) {
        return models.getOrDefault(model, List.of());
    }

    /** One version of a model, when it is valid. */
    public Optional<ModelPackage> find(String model, long version) {
        return versions(model).stream().filter(p -> p.version() == version).findFirst();
    }
}
