package io.inferno.runtime;

import io.inferno.ModelLoadException;
import io.inferno.model.FormatRules;
import io.inferno.model.ModelConfigParser;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;

/**
 * The runtimes an engine can load models with, by {@code format}. Immutable once built.
 *
 * <pre>{@code
 * Runtimes runtimes = Runtimes.builder()
 *         .discover(Thread.currentThread().getContextClassLoader()) // every ModelRuntime on the class path
 *         .register(new MyRuntime())                                // plus, or instead, explicit ones
 *         .build();
 * }</pre>
 * A runtime registered explicitly replaces a discovered one of the same format.
 */
public final class Runtimes {
    private final Map<String, ModelRuntime> byFormat;
    private final ModelConfigParser parser;

    private Runtimes(Map<String, ModelRuntime> byFormat) {
        this.byFormat = Map.copyOf(byFormat);
        Map<String, FormatRules> rules = new LinkedHashMap<>();
        byFormat.forEach((format, runtime) -> rules.put(format, Objects.requireNonNull(runtime.formatRules(),
                () -> runtime.getClass().getName() + ".formatRules() returned null")));
        this.parser = new ModelConfigParser(rules);
    }

    /** Every runtime found with {@link ServiceLoader} on the given class loader. */
    public static Runtimes discovered(ClassLoader loader) {
        return builder().discover(loader).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The runtime for {@code format}.
     *
     * @throws ModelLoadException naming the format and the available ones
     */
    public ModelRuntime forFormat(String format) {
        ModelRuntime r = byFormat.get(format);
        if (r == null) {
            throw new ModelLoadException("no runtime for format '" + format + "'; available: "
                    + (byFormat.isEmpty() ? "none" : String.join(", ", formats()))
                    + ModelConfigParser.moduleHint(format));
        }
        return r;
    }

    /**
     * The model.yaml parser of these runtimes: it accepts their formats, and only those, each with the
     * {@linkplain ModelRuntime#formatRules() rules} of its runtime.
     */
    public ModelConfigParser configParser() {
        return parser;
    }

    /** The formats available, sorted. */
    public Set<String> formats() {
        return new TreeSet<>(byFormat.keySet());
    }

    /** Collects runtimes; later registrations of a format replace earlier ones. */
    public static final class Builder {
        private final Map<String, ModelRuntime> byFormat = new LinkedHashMap<>();

        private Builder() {}

        public Builder discover(ClassLoader loader) {
            for (ModelRuntime r : ServiceLoader.load(ModelRuntime.class, loader)) {
                byFormat.putIfAbsent(r.format(), r);
            }
            return this;
        }

        public Builder register(ModelRuntime runtime) {
            Objects.requireNonNull(runtime, "runtime");
            byFormat.put(Objects.requireNonNull(runtime.format(), "runtime.format()"), runtime);
            return this;
        }

        public Runtimes build() {
            return new Runtimes(byFormat);
        }
    }
}
