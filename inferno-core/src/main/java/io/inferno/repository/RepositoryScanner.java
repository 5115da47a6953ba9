package io.inferno.repository;

import io.inferno.ModelConfigException;
import io.inferno.ModelLoadException;
import io.inferno.model.ModelConfig;
import io.inferno.model.ModelConfigParser;
import io.inferno.runtime.Runtimes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the model packages of a repository laid out as {@code <root>/<model name>/<version>/model.yaml}, parsing
 * each model.yaml with a {@link ModelConfigParser}.
 *
 * <p>Only what looks like a package is read. Hidden entries, plain files, directories whose names are not model
 * names or versions (versions are positive integers without leading zeros: {@code 1}, {@code 2}, not {@code 01} or
 * {@code v1}) and version directories without a model.yaml are skipped, logged and listed with the reason.
 *
 * <p>Nothing outside the repository is read. The root is resolved to its real path first; a model directory,
 * version directory, model.yaml or artifact may be a symbolic link only if its real path stays inside that root,
 * otherwise the package is refused and listed as failed. (The check and the later read are not atomic: whoever can
 * swap links inside the repository between them could still redirect a read. The repository is trusted to that
 * extent.)
 *
 * <p>One bad package never hides the others: it is listed among the failures with its reason. Instances are
 * stateless and thread-safe.
 */
public final class RepositoryScanner {
    private static final Logger log = LoggerFactory.getLogger(RepositoryScanner.class);

    private static final Pattern VERSION = Pattern.compile("[1-9][0-9]*");

    private final ModelConfigParser parser;

    /**
     * A scanner that accepts the formats of the runtimes found with {@link java.util.ServiceLoader} on the class
     * loader that loaded Inferno, each with its runtime's rules. An engine scans with the parser of the runtimes it
     * was built with instead (explicit registrations included): {@code new RepositoryScanner(runtimes.configParser())}.
     */
    public RepositoryScanner() {
        this(Runtimes.discovered(RepositoryScanner.class.getClassLoader()).configParser());
    }

    /** A scanner that parses each model.yaml with {@code parser}, typically {@link Runtimes#configParser()}. */
    public RepositoryScanner(ModelConfigParser parser) {
        this.parser = Objects.requireNonNull(parser, "parser");
    }

    /**
     * Scans every model of the repository.
     *
     * @throws IllegalArgumentException when the root does not exist or is not a directory
     * @throws UncheckedIOException when the root cannot be listed
     */
    public RepositorySnapshot scan(Path root) {
        Scan scan = new Scan(realRoot(root));
        for (Path entry : list(scan.root)) {
            scan.model(entry);
        }
        return scan.snapshot();
    }

    /**
     * Scans one model's directory, for rescanning a model without touching the others. The snapshot is empty when
     * the model directory is gone.
     *
     * @throws IllegalArgumentException when the name is not a model name, or the root is not a directory
     */
    public RepositorySnapshot scanModel(Path root, String name) {
        if (name == null || !ModelConfig.NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "model name must match " + ModelConfig.NAME.pattern() + ", got '" + name + "'");
        }
        Scan scan = new Scan(realRoot(root));
        Path entry = scan.root.resolve(name);
        if (Files.exists(entry, LinkOption.NOFOLLOW_LINKS)) {
            scan.model(entry);
        }
        return scan.snapshot();
    }

    private static Path realRoot(Path root) {
        Objects.requireNonNull(root, "root");
        try {
            Path real = root.toRealPath();
            if (!Files.isDirectory(real)) {
                throw new IllegalArgumentException("model repository " + root + " is not a directory");
            }
            return real;
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("model repository " + root + " does not exist", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resolve model repository " + root, e);
        }
    }

    /** The entries of a directory, sorted by name so that scans and logs are stable. */
    private static List<Path> list(Path directory) {
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
            stream.forEach(entries::add);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + directory, e);
        }
        entries.sort(null);
        return entries;
    }

    /** One scan's findings. */
    private final class Scan {
        final Path root;
        final Map<String, List<ModelPackage>> models = new TreeMap<>();
        final List<FailedPackage> failures = new ArrayList<>();
        final List<SkippedPath> skipped = new ArrayList<>();

        Scan(Path root) {
            this.root = root;
        }

        RepositorySnapshot snapshot() {
            return new RepositorySnapshot(root, new TreeMap<>(models), failures, skipped);
        }

        void model(Path directory) {
            String name = directory.getFileName().toString();
            if (isJunk(directory, "a model directory <name>/<version>/model.yaml")) {
                return;
            }
            if (!ModelConfig.NAME.matcher(name).matches()) {
                skip(directory, "not a model name: names match " + ModelConfig.NAME.pattern(), true);
                return;
            }
            if (refused(name, OptionalLong.empty(), directory, directory)) {
                return;
            }
            List<Path> versions;
            try {
                versions = list(directory);
            } catch (UncheckedIOException e) {
                fail(name, OptionalLong.empty(), directory, "cannot list: " + e.getCause());
                return;
            }
            for (Path version : versions) {
                version(name, version);
            }
        }

        private void version(String name, Path directory) {
            if (isJunk(directory, "a version directory <version>/model.yaml")) {
                return;
            }
            OptionalLong version = versionNumber(directory.getFileName().toString());
            if (version.isEmpty()) {
                skip(directory, "not a version: versions are positive integers without leading zeros, such as 1", true);
                return;
            }
            if (refused(name, version, directory, directory)) {
                return;
            }
            Path yaml = directory.resolve(ModelConfigParser.FILE_NAME);
            if (!Files.exists(yaml, LinkOption.NOFOLLOW_LINKS)) {
                skip(directory, "no " + ModelConfigParser.FILE_NAME, true);
                return;
            }
            if (refused(name, version, directory, yaml)) {
                return;
            }
            parse(name, version.getAsLong(), directory).ifPresent(
                    p -> models.computeIfAbsent(name, n -> new ArrayList<>()).add(p));
        }

        private Optional<ModelPackage> parse(String name, long version, Path directory) {
            OptionalLong v = OptionalLong.of(version);
            ModelPackage p;
            try {
                p = new ModelPackage(parser.parse(directory, name, version), directory);
            } catch (ModelConfigException e) {
                fail(name, v, e.file(), String.join("; ", e.problems()));
                return Optional.empty();
            } catch (ModelLoadException e) {
                fail(name, v, directory, e.getMessage());
                return Optional.empty();
            } catch (RuntimeException e) {
                // A bug (in a codec decoding warmup, say) must not keep the other models from being listed.
                log.error("unexpected error reading {}", directory.resolve(ModelConfigParser.FILE_NAME), e);
                fail(name, v, directory, "unexpected error reading " + ModelConfigParser.FILE_NAME + ": " + e);
                return Optional.empty();
            }
            Optional<Path> artifact = p.artifact().filter(a -> Files.exists(a, LinkOption.NOFOLLOW_LINKS));
            boolean refused = artifact.isPresent() && refused(name, v, directory, artifact.get());
            return refused ? Optional.empty() : Optional.of(p);
        }

        /** Skips hidden entries, plain files and broken links; true when skipped. */
        private boolean isJunk(Path entry, String expected) {
            if (entry.getFileName().toString().startsWith(".")) {
                skip(entry, "hidden", false);
                return true;
            }
            if (Files.isDirectory(entry)) {
                return false;
            }
            if (Files.isSymbolicLink(entry) && !Files.exists(entry)) {
                skip(entry, "broken symbolic link", true);
            } else {
                skip(entry, "not a directory; expected " + expected, false);
            }
            return true;
        }

        /**
         * Refuses the package at {@code path} when {@code entry}'s real path is outside the repository's real root
         * or cannot be resolved; true when refused.
         */
        private boolean refused(String model, OptionalLong version, Path path, Path entry) {
            String what = root.relativize(entry).toString();
            try {
                if (entry.toRealPath().startsWith(root)) {
                    return false;
                }
                fail(model, version, path, what + " is a symbolic link that resolves outside the repository; refused");
            } catch (IOException e) {
                fail(model, version, path, what + " cannot be resolved (a broken symbolic link?): " + e);
            }
            return true;
        }

        private void skip(Path entry, String reason, boolean warn) {
            if (warn) {
                log.warn("skipped {}: {}", entry, reason);
            } else {
                log.info("skipped {}: {}", entry, reason);
            }
            skipped.add(new SkippedPath(entry, reason));
        }

        private void fail(String model, OptionalLong version, Path path, String reason) {
            log.warn("cannot serve {}{}: {}: {}", model,
                    version.isPresent() ? ":" + version.getAsLong() : "", path, reason);
            failures.add(new FailedPackage(model, version, path, reason));
        }
    }

    private static OptionalLong versionNumber(String name) {
        if (!VERSION.matcher(name).matches()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(name));
        } catch (NumberFormatException e) {
            return OptionalLong.empty(); // more digits than a long holds
        }
    }
}
