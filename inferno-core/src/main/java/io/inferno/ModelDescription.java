package io.inferno;

import io.inferno.codec.Codec;
import io.inferno.model.BatchingConfig;
import io.inferno.model.ModelConfig;
import io.inferno.model.Signature;
import java.util.Objects;

/**
 * Metadata and signature of a model version.
 *
 * @param name the model's name
 * @param version the version described
 * @param format its runtime format
 * @param signature declared inputs and outputs: model.yaml's, or when it has none, those the runtime read from the
 *     artifact
 * @param batching batching, queue and deadline settings in effect
 * @param maxConcurrency batches that may run at once
 * @param defaultCodec the response codec when a request does not choose one
 */
public record ModelDescription(String name, long version, String format, Signature signature,
        BatchingConfig batching, int maxConcurrency, Codec defaultCodec) {
    public ModelDescription {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(signature, "signature");
        Objects.requireNonNull(batching, "batching");
        Objects.requireNonNull(defaultCodec, "defaultCodec");
    }

    /** The description of a loaded version, whose config has its signature (model.yaml's or the runtime's). */
    static ModelDescription of(ModelConfig c) {
        return new ModelDescription(c.name(), c.version(), c.format(), c.signature().orElseThrow(), c.batching(),
                c.maxConcurrency(), c.defaultCodec());
    }
}
