package io.inferno.model;

import static io.inferno.model.ConfigWalker.describe;
import static io.inferno.model.ConfigWalker.quote;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.inferno.InvalidInputException;
import io.inferno.ModelConfigException;
import io.inferno.ModelLoadException;
import io.inferno.codec.Codec;
import io.inferno.codec.TensorCodec;
import io.inferno.tensor.DType;
import io.inferno.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reads one version directory's {@code model.yaml} into a {@link ModelConfig}, strictly: unknown keys at any level,
 * values of the wrong type (a string or a float where an integer belongs, a string where a boolean belongs), missing
 * required fields, a name or version that disagrees with the directories, duplicate or missing tensors, unsupported
 * dtypes, formats and codecs, and batching settings that would do nothing are all refused. Every problem of the file
 * is reported at once, each naming its field path and the offending value, in one {@link ModelConfigException}.
 * See docs/model-packaging.md for every field.
 *
 * <p>The formats it accepts are those of the runtimes available, and each format's own fields ({@code file},
 * {@code entrypoint}) follow the {@link FormatRules} of its runtime; {@code Runtimes.configParser()} builds the
 * parser of an engine's runtimes. {@code signature} is required unless the format's rules make it
 * {@linkplain FormatRules#signatureOptional() optional}. The parser checks only what holds for every format: each
 * of those fields is a non-empty string and {@code file} a plain file name inside the version directory.
 *
 * <p>The parser reads {@code <version directory>/model.yaml} (at most {@link #MAX_FILE_BYTES}) and nothing else;
 * format rules may check whether a default artifact exists. Keeping the directory inside a repository is the
 * caller's job ({@code RepositoryScanner}). Instances are immutable and thread-safe.
 */
public final class ModelConfigParser {
    /** The name of the file read in each version directory. */
    public static final String FILE_NAME = "model.yaml";

    /** The largest model.yaml read: 1 MiB. */
    public static final int MAX_FILE_BYTES = 1 << 20;

    private static final Set<String> TOP_KEYS = Set.of("name", "version", "format", "file", "entrypoint",
            "signature", "batching", "concurrency", "codecs", "warmup");
    private static final Set<String> SIGNATURE_KEYS = Set.of("inputs", "outputs");
    private static final Set<String> TENSOR_KEYS = Set.of("name", "dtype", "shape", "optional");
    private static final Set<String> BATCHING_KEYS =
            Set.of("max_batch_size", "max_batch_latency_ms", "max_queue_size", "timeout_ms");
    private static final Set<String> CONCURRENCY_KEYS = Set.of("max_concurrency");
    private static final Set<String> CODECS_KEYS = Set.of("default");

    /** A plain file name: no separators, and it cannot be {@code .} or {@code ..}. */
    static final Pattern ARTIFACT_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");
    private static final String ARTIFACT_EXPECTED = "a plain file name inside the version directory (letters,"
            + " digits, _ . -; no path separators, not starting with a dot)";

    private static final YAMLMapper MAPPER =
            YAMLMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private final Map<String, FormatRules> rules;
    private final String formatsText;

    /**
     * A parser that accepts exactly the given formats (those of the runtimes available), each with its rules.
     * With no formats at all, every model.yaml is refused for its format.
     *
     * @throws IllegalArgumentException when a format is blank
     */
    public ModelConfigParser(Map<String, FormatRules> rulesByFormat) {
        rulesByFormat.forEach((format, rule) -> {
            if (format == null || format.isBlank()) {
                throw new IllegalArgumentException("formats must be non-blank names, got " + rulesByFormat.keySet());
            }
            Objects.requireNonNull(rule, () -> "rules of format " + format);
        });
        this.rules = Map.copyOf(rulesByFormat);
        this.formatsText = rules.isEmpty() ? "none" : String.join(", ", new TreeSet<>(rules.keySet()));
    }

    /** The formats this parser accepts, sorted. */
    public Set<String> formats() {
        return Collections.unmodifiableSet(new TreeSet<>(rules.keySet()));
    }

    /**
     * Reads and validates {@code <versionDirectory>/model.yaml}.
     *
     * @param expectedName the model directory's name, which the file's {@code name} must equal
     * @param expectedVersion the version directory's number, which the file's {@code version} must equal
     * @throws ModelConfigException listing every problem of the file (including a missing, oversized, empty or
     *     malformed file)
     * @throws ModelLoadException when the file cannot be read
     */
    public ModelConfig parse(Path versionDirectory, String expectedName, long expectedVersion) {
        Objects.requireNonNull(versionDirectory, "versionDirectory");
        if (expectedName == null || !ModelConfig.NAME.matcher(expectedName).matches()) {
            throw new IllegalArgumentException(
                    "model name must match " + ModelConfig.NAME.pattern() + ", got '" + expectedName + "'");
        }
        if (expectedVersion < 1) {
            throw new IllegalArgumentException("version must be a positive integer, got " + expectedVersion);
        }
        Path file = versionDirectory.resolve(FILE_NAME);
        JsonNode tree = readTree(file, read(file));
        return new Reading(file, versionDirectory, expectedName, expectedVersion).config(tree);
    }

    private static byte[] read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ModelConfigException(file, List.of("no such file, or not a regular file"));
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            if (bytes.length > MAX_FILE_BYTES) {
                throw new ModelConfigException(file,
                        List.of("larger than the limit of " + MAX_FILE_BYTES + " bytes (1 MiB)"));
            }
            return bytes;
        } catch (IOException e) {
            throw new ModelLoadException(file + ": cannot read: " + e, e);
        }
    }

    private static JsonNode readTree(Path file, byte[] bytes) {
        try (JsonParser parser = new NoAliases(MAPPER.createParser(bytes))) {
            JsonNode tree = MAPPER.readTree(parser);
            if (tree == null || tree.isMissingNode()) {
                throw new ModelConfigException(file, List.of("the file is empty"));
            }
            if (parser.nextToken() != null) {
                throw new ModelConfigException(file,
                        List.of("holds more than one YAML document (---); write one document"));
            }
            return tree;
        } catch (JsonProcessingException e) {
            throw new ModelConfigException(file, List.of(syntaxProblem(e)));
        } catch (IOException e) {
            throw new ModelLoadException(file + ": cannot read: " + e, e);
        }
    }

    @SuppressWarnings("deprecation") // Jackson 2's wrapper of SnakeYAML's error, the only way to its parts
    private static String syntaxProblem(JsonProcessingException e) {
        String what = e.getOriginalMessage().replaceFirst("^Duplicate field ", "duplicate key ");
        if (e instanceof com.fasterxml.jackson.dataformat.yaml.snakeyaml.error.MarkedYAMLException m) {
            what = m.getProblem() + (m.getContext() == null ? "" : " (" + m.getContext() + ")");
        }
        JsonLocation at = e.getLocation();
        String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
        return "malformed YAML" + where + ": " + what.replaceAll("\\s+", " ").trim();
    }

    /** Refuses YAML aliases ({@code *name}), which Jackson would otherwise read as the string {@code name}. */
    private static final class NoAliases extends JsonParserDelegate {
        NoAliases(JsonParser yaml) {
            super(yaml);
        }

        @Override
        public JsonToken nextToken() throws IOException {
            JsonToken token = super.nextToken();
            if (delegate instanceof YAMLParser yaml && yaml.isCurrentAlias()) {
                throw new JsonParseException(this,
                        "aliases (*" + yaml.getText() + ") are not supported; write the value out");
            }
            return token;
        }

        @Override
        public JsonToken nextValue() throws IOException {
            JsonToken token = nextToken();
            return token == JsonToken.FIELD_NAME ? nextToken() : token;
        }
    }

    /** One parse: the file's context and the problems found so far. */
    private final class Reading {
        private final ConfigWalker w = new ConfigWalker();
        private final Path file;
        private final Path directory;
        private final String expectedName;
        private final long expectedVersion;

        Reading(Path file, Path directory, String expectedName, long expectedVersion) {
            this.file = file;
            this.directory = directory;
            this.expectedName = expectedName;
            this.expectedVersion = expectedVersion;
        }

        ModelConfig config(JsonNode tree) {
            YamlMap top = w.map(new YamlField("", tree), TOP_KEYS).orElseThrow(this::failure);
            w.require(top, "name").flatMap(w::text).filter(n -> !n.equals(expectedName)).ifPresent(n -> w.problem(
                    "name", quote(n) + " does not match the model directory " + quote(expectedName)));
            w.require(top, "version").flatMap(f -> w.integer(f, 1)).filter(v -> v != expectedVersion)
                    .ifPresent(v -> w.problem("version",
                            v + " does not match the version directory '" + expectedVersion + "'"));
            Optional<String> format = format(top);
            FormatFields own = formatFields(top, format);
            // left out, for a format whose runtime reads it from the artifact at load
            boolean fromArtifact = !top.has("signature")
                    && format.map(f -> rules.get(f).signatureOptional()).orElse(false);
            Optional<Signature> signature = fromArtifact ? Optional.empty() : signature(top);
            Optional<BatchingConfig> batching = batching(top, signature, fromArtifact);
            Optional<Integer> concurrency = top.get("concurrency").flatMap(f -> w.map(f, CONCURRENCY_KEYS))
                    .flatMap(m -> m.get("max_concurrency")).flatMap(f -> w.intValue(f, 1));
            Optional<Codec> codec = codec(top);
            List<Map<String, Tensor>> warmup = warmup(top, signature);
            if (w.count() > 0) {
                throw failure();
            }
            return new ModelConfig(expectedName, expectedVersion, format.orElseThrow(), own.entrypoint(), own.file(),
                    signature, batching.orElseThrow(),
                    concurrency.orElse(ModelConfig.DEFAULT_MAX_CONCURRENCY), codec.orElse(Codec.JSON), warmup);
        }

        private ModelConfigException failure() {
            return new ModelConfigException(file, w.problems());
        }

        private Optional<String> format(YamlMap top) {
            Optional<String> format = w.require(top, "format").flatMap(w::text);
            if (format.isPresent() && !rules.containsKey(format.get())) {
                w.problem("format", "unsupported format " + quote(format.get()) + "; supported: " + formatsText
                        + moduleHint(format.get()));
                return Optional.empty();
            }
            return format;
        }

        /** The checks every format shares, then the format's own rules. */
        private FormatFields formatFields(YamlMap top, Optional<String> format) {
            Optional<String> file = top.get("file").flatMap(f -> w.text(f, ARTIFACT_NAME, ARTIFACT_EXPECTED));
            Optional<String> entrypoint = top.get("entrypoint").flatMap(w::text);
            if (format.isEmpty()) {
                return FormatFields.NONE;
            }
            Set<String> keys = new TreeSet<>();
            for (String key : List.of("file", "entrypoint")) {
                if (top.has(key)) {
                    keys.add(key);
                }
            }
            var declared = new FormatRules.Declared(format.get(), directory, file, entrypoint, keys);
            FormatFields resolved = Objects.requireNonNull(rules.get(format.get()).resolve(declared, w::problem),
                    () -> "the rules of format " + format.get() + " returned null");
            resolved.file().filter(name -> !ARTIFACT_NAME.matcher(name).matches()).ifPresent(name -> w.problem("file",
                    "the rules of format " + format.get() + " chose " + quote(name) + ", not " + ARTIFACT_EXPECTED));
            return resolved;
        }

        private Optional<Signature> signature(YamlMap top) {
            int mark = w.count();
            Optional<YamlMap> section = w.require(top, "signature").flatMap(f -> w.map(f, SIGNATURE_KEYS));
            if (section.isEmpty()) {
                return Optional.empty();
            }
            List<TensorSpec> inputs = tensors(section.get(), "inputs", true);
            List<TensorSpec> outputs = tensors(section.get(), "outputs", false);
            return w.count() == mark ? Optional.of(new Signature(inputs, outputs)) : Optional.empty();
        }

        private List<TensorSpec> tensors(YamlMap signature, String key, boolean inputs) {
            String kind = inputs ? "input" : "output";
            List<YamlField> elements = w.require(signature, key).flatMap(w::list).orElse(null);
            if (elements == null) {
                return List.of();
            }
            if (elements.isEmpty()) {
                w.problem(signature.field().child(key), "at least one " + kind + " is required, got an empty list");
            }
            Map<String, String> firstPathOfName = new HashMap<>();
            List<TensorSpec> specs = new ArrayList<>();
            for (YamlField element : elements) {
                tensor(element, kind, firstPathOfName).ifPresent(specs::add);
            }
            return specs;
        }

        private Optional<TensorSpec> tensor(YamlField f, String kind, Map<String, String> firstPathOfName) {
            int mark = w.count();
            Optional<YamlMap> map = w.map(f, TENSOR_KEYS);
            if (map.isEmpty()) {
                return Optional.empty();
            }
            YamlMap m = map.get();
            Optional<String> name = w.require(m, "name")
                    .flatMap(n -> w.text(n, TensorSpec.NAME, "a name matching " + TensorSpec.NAME.pattern()));
            name.ifPresent(n -> {
                String first = firstPathOfName.putIfAbsent(n, f.path());
                if (first != null) {
                    w.problem(f.child("name"), "duplicate " + kind + " name " + quote(n) + ", also at " + first);
                }
            });
            Optional<DType> dtype = w.require(m, "dtype").flatMap(w::text).flatMap(d -> dtype(f.child("dtype"), d));
            Optional<List<Dim>> shape = w.require(m, "shape").flatMap(this::shape);
            boolean optional = m.get("optional").flatMap(w::bool).orElse(false);
            if (optional && kind.equals("output")) {
                w.problem(f.child("optional"), "an output cannot be optional: the model always produces it");
            }
            if (w.count() != mark) {
                return Optional.empty();
            }
            return Optional.of(new TensorSpec(name.orElseThrow(), dtype.orElseThrow(), shape.orElseThrow(), optional));
        }

        private Optional<DType> dtype(String path, String name) {
            try {
                return Optional.of(DType.forName(name));
            } catch (IllegalArgumentException e) {
                w.problem(path, e.getMessage());
                return Optional.empty();
            }
        }

        private Optional<List<Dim>> shape(YamlField f) {
            int mark = w.count();
            List<Dim> dims = new ArrayList<>();
            List<YamlField> elements = w.list(f).orElse(List.of());
            for (int i = 0; i < elements.size(); i++) {
                dim(elements.get(i), i == 0).ifPresent(dims::add);
            }
            return w.count() == mark ? Optional.of(dims) : Optional.empty();
        }

        private Optional<Dim> dim(YamlField f, boolean leading) {
            JsonNode n = f.node();
            if (n.isIntegralNumber() && n.canConvertToLong() && n.longValue() >= -1) {
                return Optional.of(n.longValue() == -1 ? Dim.ANY : Dim.fixed(n.longValue()));
            }
            if (n.isTextual()) {
                Optional<Dim> symbol = symbol(n.textValue());
                if (symbol.isPresent() && symbol.get().isBatch() && !leading) {
                    w.problem(f.path(), "'batch' can only be the first dimension");
                    return Optional.empty();
                }
                if (symbol.isPresent()) {
                    return symbol;
                }
            }
            w.problem(f.path(), "expected a size >= 0, -1 (any size) or a symbolic name such as batch or seq, got "
                    + describe(n));
            return Optional.empty();
        }

        /**
         * The batching settings; without a signature ({@code fromArtifact}) resolved as for a batchable model, which
         * the loader checks against the signature the runtime reads.
         */
        private Optional<BatchingConfig> batching(YamlMap top, Optional<Signature> signature, boolean fromArtifact) {
            int mark = w.count();
            Optional<YamlMap> section = top.get("batching").flatMap(f -> w.map(f, BATCHING_KEYS));
            Optional<Integer> size = section.flatMap(s -> s.get("max_batch_size")).flatMap(f -> w.intValue(f, 1));
            Optional<Long> latency =
                    section.flatMap(s -> s.get("max_batch_latency_ms")).flatMap(f -> w.integer(f, 0));
            Optional<Integer> queue = section.flatMap(s -> s.get("max_queue_size")).flatMap(f -> w.intValue(f, 1));
            Optional<Long> timeout = section.flatMap(s -> s.get("timeout_ms")).flatMap(f -> w.integer(f, 1));
            if (signature.isEmpty() && !fromArtifact) {
                return Optional.empty();
            }
            BatchingConfig config;
            List<String> unbatched = signature.map(ModelConfigParser::unbatchedTensors).orElse(List.of());
            if (unbatched.isEmpty()) {
                config = BatchingConfig.DEFAULTS.withMaxBatchSize(size.orElse(BatchingConfig.DEFAULT_MAX_BATCH_SIZE));
                if (config.enabled()) {
                    config = config.withMaxBatchLatencyMs(latency.orElse(config.maxBatchLatencyMs()));
                } else {
                    latency.ifPresent(l -> w.problem(section.get().field().child("max_batch_latency_ms"),
                            "does nothing when max_batch_size is 1 (batching off); remove it, got " + l));
                    config = config.withMaxBatchLatencyMs(0);
                }
            } else {
                config = BatchingConfig.UNBATCHED;
                for (String key : List.of("max_batch_size", "max_batch_latency_ms")) {
                    section.filter(s -> s.has(key)).ifPresent(s -> w.problem(s.field().child(key),
                            "would do nothing: this model cannot batch, because " + String.join(", ", unbatched)
                                    + (unbatched.size() == 1 ? " has" : " have") + " no leading batch dimension;"
                                    + " declare every input and output as [batch, ...] or remove the setting"));
                }
            }
            config = config.withMaxQueueSize(queue.orElse(config.maxQueueSize()))
                    .withTimeoutMs(timeout.orElse(config.timeoutMs()));
            return w.count() == mark ? Optional.of(config) : Optional.empty();
        }

        private Optional<Codec> codec(YamlMap top) {
            Optional<YamlField> field = top.get("codecs").flatMap(f -> w.map(f, CODECS_KEYS))
                    .flatMap(m -> m.get("default"));
            Optional<String> name = field.flatMap(w::text);
            try {
                return name.map(Codec::forName);
            } catch (IllegalArgumentException e) {
                w.problem(field.orElseThrow().path(), e.getMessage());
                return Optional.empty();
            }
        }

        private List<Map<String, Tensor>> warmup(YamlMap top, Optional<Signature> signature) {
            List<Map<String, Tensor>> samples = new ArrayList<>();
            for (YamlField sample : top.get("warmup").flatMap(w::list).orElse(List.of())) {
                w.map(sample).ifPresent(m -> samples.add(warmupSample(m, signature)));
            }
            return samples;
        }

        private Map<String, Tensor> warmupSample(YamlMap sample, Optional<Signature> signature) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (String name : sample.keys()) {
                YamlField f = sample.get(name).orElseThrow();
                Optional<TensorSpec> spec = signature.flatMap(s -> s.input(name));
                if (signature.isPresent() && spec.isEmpty()) {
                    w.problem(f.path(), "no input named " + quote(name) + "; inputs: "
                            + signature.get().inputNamesText());
                    continue;
                }
                Optional<Tensor> tensor = decode(f, name);
                if (tensor.isPresent() && spec.isPresent() && tensor.get().dtype() != spec.get().dtype()) {
                    w.problem(f.path(), "dtype " + tensor.get().dtype() + " does not match the declared "
                            + spec.get().dtype());
                }
                tensor.ifPresent(t -> tensors.put(name, t));
            }
            signature.ifPresent(s -> s.inputs().stream()
                    .filter(i -> !i.optional() && !sample.has(i.name()))
                    .forEach(i -> w.problem(sample.path(), "missing required input " + quote(i.name()))));
            return tensors;
        }

        private Optional<Tensor> decode(YamlField f, String name) {
            if (w.map(f).isEmpty()) {
                return Optional.empty();
            }
            try (JsonParser parser = MAPPER.treeAsTokens(f.node())) {
                parser.nextToken();
                return Optional.of(TensorCodec.decode(parser, name));
            } catch (InvalidInputException e) {
                e.problems().forEach(p -> w.problem(f.path(), p));
            } catch (IOException e) {
                w.problem(f.path(), "cannot decode: " + e.getMessage());
            }
            return Optional.empty();
        }
    }

    /**
     * Where the runtime of a well-known format comes from, for messages that refuse the format, such as
     * {@code " (add the inferno-onnx module to the class path)"}; empty for other formats.
     */
    public static String moduleHint(String format) {
        return switch (format) {
            case "torchscript" -> " (add the inferno-torch module to the class path)";
            case "onnx" -> " (add the inferno-onnx module to the class path)";
            default -> "";
        };
    }

    private static Optional<Dim> symbol(String name) {
        try {
            return Optional.of(Dim.symbolic(name));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static List<String> unbatchedTensors(Signature signature) {
        List<String> unbatched = new ArrayList<>();
        signature.inputs().stream().filter(t -> !t.batched())
                .forEach(t -> unbatched.add("input '" + t.name() + "' " + t.shapeText()));
        signature.outputs().stream().filter(t -> !t.batched())
                .forEach(t -> unbatched.add("output '" + t.name() + "' " + t.shapeText()));
        return unbatched;
    }
}
