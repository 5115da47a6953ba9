package io.inferno.model;

import java.util.Objects;

/** {@link FormatRules#withOptionalSignature()}: the same rules for {@code file} and {@code entrypoint}. */
record OptionalSignatureRules(FormatRules rules) implements FormatRules {
    OptionalSignatureRules {
        Objects.requireNonNull(rules, "rules");
    }

    @Override
    public FormatFields resolve(Declared declared, Problems problems) {
        return rules.resolve(declared, problems);
    }

    @Override
    public boolean signatureOptional() {
        return true;
    }

    @Override
    public FormatRules withOptionalSignature() {
        return this;
    }
}
