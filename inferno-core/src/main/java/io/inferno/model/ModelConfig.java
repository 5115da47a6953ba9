package io.inferno.model;

import io.inferno.codec.Codec;
import io.inferno.tensor.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A parsed and validated model.yaml: what a runtime needs to load one model version and what the engine needs to
 * serve it. See docs/model-packaging.md for every field and default.
 *
 * @param name the model name, equal to its directory name
 * @param version the version, a positive integer equal to its directory name
 * @param format the runtime that loads it, such as {@code torchscript} or {@code java}
 * @param entrypoint what the runtime runs, for formats that take one (for {@code java}: a class name, or
 *     {@code Class::staticFactory}); empty otherwise
 * @param file the artifact file name inside the version directory, for formats that read one; empty otherwise.
 *     Both as the format's {@link FormatRules} resolved them, defaults included
 * @param signature declared inputs and outputs; empty when model.yaml leaves {@code signature} out, which only a
 *     format whose {@linkplain FormatRules#signatureOptional() rules allow} may: its runtime then reads the signature
 *     from the artifact at load ({@code Model.signature()}), and the engine serves with {@link #withSignature}
 * @param batching batching, queue and deadline settings ({@link BatchingConfig#UNBATCHED} for models that cannot
 *     batch). Without a signature, resolved as for a batchable model; the loader refuses a model whose signature
 *     then cannot batch while batching is on
 * @param maxConcurrency batches of this version that may run at once
 * @param defaultCodec the response codec when a request does not choose one
 * @param warmup sample inputs run once at load time, each a map of input name to tensor
 */
public record ModelConfig(
        String name,
        long version,
        String format,
        Optional<String> entrypoint,
        Optional<String> file,
        Optional<Signature> signature,
        BatchingConfig batching,
        int maxConcurrency,
        Codec defaultCodec,
        List<Map<String, Tensor>> warmup) {

    /** Model names: a letter or digit, then letters, digits, {@code _ . -}. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

    public static final int DEFAULT_MAX_CONCURRENCY = 1;

    public ModelConfig {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("model name must match " + NAME.pattern() + ", got '" + name + "'");
        }
        if (version < 1) {
            throw new IllegalArgumentException("version must be a positive integer, got " + version);
        }
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(entrypoint, "entrypoint");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(signature, "signature");
        Objects.requireNonNull(batching, "batching");
        Objects.requireNonNull(defaultCodec, "defaultCodec");
        if (maxConcurrency < 1) {
            throw new IllegalArgumentException("max_concurrency must be 1 or more, got " + maxConcurrency);
        }
        // each sample keeps its order of appearance; the loader orders inputs by signature anyway
        warmup = warmup.stream().map(m -> Collections.unmodifiableMap(new LinkedHashMap<>(m))).toList();
    }

    /** A config whose model.yaml declares {@code signature}. */
    public ModelConfig(String name, long version, String format, Optional<String> entrypoint, Optional<String> file,
            Signature signature, BatchingConfig batching, int maxConcurrency, Codec defaultCodec,
            List<Map<String, Tensor>> warmup) {
        this(name, version, format, entrypoint, file, Optional.of(signature), batching, maxConcurrency, defaultCodec,
                warmup);
    }

    /**
     * This config with {@code signature}, for a model.yaml that left it out: the signature the runtime read from
     * the artifact.
     */
    public ModelConfig withSignature(Signature signature) {
        return new ModelConfig(name, version, format, entrypoint, file, Optional.of(signature), batching,
                maxConcurrency, defaultCodec, warmup);
    }

    /** {@code name:version}, for logs and messages. */
    public String id() {
        return name + ":" + version;
    }
}
