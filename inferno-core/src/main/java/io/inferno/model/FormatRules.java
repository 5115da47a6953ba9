package io.inferno.model;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The model.yaml rules of one format for its format-specific fields, {@code file} (the artifact) and
 * {@code entrypoint}: which of them the format takes, which it requires, their defaults and the checks of their
 * values; and whether {@code signature} may be left out ({@link #signatureOptional()}). The runtime that loads the
 * format owns them ({@code ModelRuntime.formatRules()}); {@link ModelConfigParser}
 * applies them to every model.yaml of that format, and a format without runtime is refused before any rule runs.
 *
 * <p>Before the rules run, the parser has checked that each of the two fields, when present, is a non-empty string,
 * and that {@code file} is a plain file name inside the version directory (letters, digits, {@code _ . -}, no
 * separators); a value that failed is reported already and reaches the rules as {@linkplain Declared#declares
 * declared} but without a value. The rules report each further problem through {@link Problems}, naming the field,
 * and return the values the {@link ModelConfig} holds (ignored when the file has problems). They run on the parsing
 * thread, possibly for several files at once, so they must be thread-safe. They may look into the version directory
 * (for a default artifact, say) but must not load anything: loading is the runtime's job, later.
 */
@FunctionalInterface
public interface FormatRules {

    /**
     * Checks the format-specific fields of one model.yaml and completes them with the format's defaults.
     *
     * @return the values for {@link ModelConfig#file()} and {@link ModelConfig#entrypoint()}; a returned file must
     *     be a plain file name as well, or the parser reports it
     */
    FormatFields resolve(Declared declared, Problems problems);

    /**
     * Whether a model.yaml of this format may leave out {@code signature}, because the runtime reads the signature
     * from the artifact when it loads the model and returns it from {@code Model.signature()}. False unless the
     * rules were made with {@link #withOptionalSignature()}: most formats (TorchScript, java) cannot tell their
     * inputs and outputs without running the model.
     *
     * <p>A model.yaml without {@code signature} is parsed as far as it can be without one: its batching settings
     * are resolved as for a batchable model, and its warmup samples are decoded but not matched to inputs. The
     * engine finishes both checks when it loads the model ({@code ModelLoader}).
     */
    default boolean signatureOptional() {
        return false;
    }

    /** These rules, with {@code signature} optional in model.yaml ({@link #signatureOptional()}). */
    default FormatRules withOptionalSignature() {
        return new OptionalSignatureRules(this);
    }

    /**
     * The rules of a format whose model is one artifact, named by {@code file}, which is then required; the format
     * takes no {@code entrypoint}. What a runtime has unless it says otherwise.
     */
    static FormatRules artifactFile() {
        return artifactFile(List.of());
    }

    /**
     * The rules of a format whose model is one artifact, named by {@code file} or else found under the first of
     * {@code defaultFiles} that exists in the version directory (so a missing default is reported at once, not at
     * load time); with no defaults, {@code file} is required. The format takes no {@code entrypoint}.
     *
     * @param defaultFiles plain file names, tried in order
     */
    static FormatRules artifactFile(List<String> defaultFiles) {
        return new ArtifactFileRules(defaultFiles);
    }

    /**
     * A value in single quotes, shortened when long, as problems quote values: {@code 'com.acme.My Model'}.
     */
    static String quote(String value) {
        return ConfigWalker.quote(value);
    }

    /**
     * The format-specific fields of one model.yaml as written.
     *
     * @param format the model's format, one that this rule's runtime loads
     * @param directory the version directory, holding model.yaml
     * @param file the {@code file} field when present and a plain file name
     * @param entrypoint the {@code entrypoint} field when present and a non-empty string
     * @param keys which of {@code file} and {@code entrypoint} the file sets, valid or not
     */
    record Declared(String format, Path directory, Optional<String> file, Optional<String> entrypoint,
            Set<String> keys) {
        public Declared {
            Objects.requireNonNull(format, "format");
            Objects.requireNonNull(directory, "directory");
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(entrypoint, "entrypoint");
            keys = Set.copyOf(keys);
        }

        /** Whether model.yaml sets {@code key} ({@code file} or {@code entrypoint}), whatever its value. */
        public boolean declares(String key) {
            return keys.contains(key);
        }
    }

    /** Where rules report what is wrong; every problem of a file is reported at once. */
    @FunctionalInterface
    interface Problems {
        /**
         * Reports one problem.
         *
         * @param field the field path, such as {@code file}
         * @param message what is wrong, quoting the value, such as {@code required for format onnx}
         */
        void add(String field, String message);
    }
}
