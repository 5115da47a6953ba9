package io.inferno.http;

import io.inferno.ModelLoadException;
import io.inferno.ModelRunner;
import io.inferno.golden.GoldenCase;
import io.inferno.golden.GoldenResult;
import io.inferno.repository.FailedPackage;
import io.inferno.repository.ModelPackage;
import io.inferno.repository.RepositoryScanner;
import io.inferno.repository.RepositorySnapshot;
import io.inferno.repository.SkippedPath;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Checks every package of a model repository as the server would take it, one version after the other: its
 * model.yaml, its load (the runtime, then the signature check with the warmup samples or a dry run), then its golden
 * examples ({@code tests/}), each version in a {@link ModelRunner} that is closed before the next one opens. This is
 * the logic of {@code inferno-server.jar check} ({@link Check}).
 */
final class RepositoryCheck {
    private RepositoryCheck() {}

    /** Where a version failed. */
    enum Stage {
        CONFIG("config"), LOAD("load"), GOLDEN("golden"), CLOSE("close");

        final String label;

        Stage(String label) {
            this.label = label;
        }
    }

    /**
     * How one version (or a whole model directory the scanner refused, with no version) went.
     *
     * @param failedAt the stage that failed, or empty when the version passed
     * @param detail what passed, or the reason it failed
     * @param goldenExamples the golden examples the version has (0 when it failed before reading them)
     */
    record Outcome(String model, OptionalLong version, Optional<Stage> failedAt, String detail, int goldenExamples) {
        Outcome {
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(version, "version");
            Objects.requireNonNull(failedAt, "failedAt");
            Objects.requireNonNull(detail, "detail");
        }

        boolean passed() {
            return failedAt.isEmpty();
        }

        /** {@code name:version}, or the name alone. */
        String id() {
            return version.isPresent() ? model + ":" + version.getAsLong() : model;
        }

        static Outcome failed(String model, OptionalLong version, Stage stage, String reason, int examples) {
            return new Outcome(model, version, Optional.of(stage), reason, examples);
        }
    }

    /**
     * What one check found.
     *
     * @param repository the repository's real path
     * @param outcomes one per version (and per refused model directory), by model name and version
     * @param skipped entries that are not packages, as the scanner skips them
     */
    record Report(Path repository, List<Outcome> outcomes, List<SkippedPath> skipped) {
        Report {
            outcomes = List.copyOf(outcomes);
            skipped = List.copyOf(skipped);
        }

        /** True when there is something to check and all of it passed. */
        boolean passed() {
            return !outcomes.isEmpty() && outcomes.stream().allMatch(Outcome::passed);
        }

        long failures() {
            return outcomes.stream().filter(o -> !o.passed()).count();
        }
    }

    /**
     * Checks a repository.
     *
     * @throws IllegalArgumentException when {@code repository} is not a directory
     */
    static Report check(Path repository, ModelRunner.Builder runners) {
        RepositorySnapshot scan = new RepositoryScanner().scan(repository);
        List<Outcome> outcomes = new ArrayList<>();
        for (FailedPackage f : scan.failures()) {
            outcomes.add(Outcome.failed(f.model(), f.version(), Stage.CONFIG,
                    scan.root().relativize(f.path()) + ": " + f.reason(), 0));
        }
        scan.models().forEach((name, versions) -> {
            for (ModelPackage p : versions) {
                outcomes.add(check(scan.root(), p, runners));
            }
        });
        outcomes.sort(Comparator.comparing(Outcome::model)
                .thenComparingLong(o -> o.version().orElse(0)));
        return new Report(scan.root(), outcomes, scan.skipped());
    }

    private static Outcome check(Path root, ModelPackage p, ModelRunner.Builder runners) {
        OptionalLong version = OptionalLong.of(p.version());
        ModelRunner runner;
        try {
            runner = runners.open(root, p.name(), p.version());
        } catch (ModelLoadException e) {
            return Outcome.failed(p.name(), version, Stage.LOAD, e.getMessage(), 0);
        } catch (RuntimeException | LinkageError e) {
            return Outcome.failed(p.name(), version, Stage.LOAD, "unexpected error: " + e, 0);
        }
        Outcome outcome = golden(runner, version);
        try {
            runner.close();
        } catch (RuntimeException | LinkageError e) {
            return outcome.passed()
                    ? Outcome.failed(p.name(), version, Stage.CLOSE, e.getMessage(), outcome.goldenExamples())
                    : outcome;
        }
        return outcome;
    }

    private static Outcome golden(ModelRunner runner, OptionalLong version) {
        List<GoldenCase> examples;
        try {
            examples = runner.goldenCases();
        } catch (ModelLoadException e) {
            return Outcome.failed(runner.name(), version, Stage.GOLDEN, e.getMessage(), 0);
        }
        List<String> failed = new ArrayList<>();
        for (GoldenCase example : examples) {
            GoldenResult r;
            try {
                r = runner.check(example);
            } catch (RuntimeException | LinkageError e) {
                failed.add("'" + example.name() + "': unexpected error: " + e);
                continue;
            }
            if (!r.passed()) {
                failed.add("'" + example.name() + "': " + String.join("; ", r.problems()));
            }
        }
        if (!failed.isEmpty()) {
            return Outcome.failed(runner.name(), version, Stage.GOLDEN, failed.size() + " of " + examples.size()
                    + " golden example" + (examples.size() == 1 ? "" : "s") + " failed: " + String.join(" | ", failed),
                    examples.size());
        }
        int warmup = runner.config().warmup().size();
        String loadCheck = warmup == 0 ? "dry run" : warmup + " warmup sample" + (warmup == 1 ? "" : "s");
        return new Outcome(runner.name(), version, Optional.empty(), "loaded, " + loadCheck + " passed, "
                + examples.size() + " golden example" + (examples.size() == 1 ? "" : "s") + " passed", examples.size());
    }
}
