package io.inferno.golden;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferno.InvalidInputException;
import io.inferno.ModelConfigException;
import io.inferno.codec.TensorCodec;
import io.inferno.tensor.Tensor;
import io.inferno.text.ClientText;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the golden examples of a model version: {@code <version>/tests/<name>/request.json} and
 * {@code expected.json} for each example directory {@code <name>} (docs/testing-models.md).
 *
 * <pre>
 * request.json   {"inputs": {"x": {"dtype": "float32", "shape": [1, 4], "data": [[1, 2, 3, 4]]}}, "outputs": ["y"]}
 * expected.json  {"outputs": {"y": {"dtype": "float32", "shape": [1, 3], "data": [[7.49, 11.22, 12.73]]}},
 *                 "tolerance": {"absolute": 1e-5, "relative": 1e-4}}
 *            or  {"error": "Missing required input(s): x"}
 * </pre>
 *
 * request.json is the body of the native REST predict call ({@code timeout_ms} and {@code codec} are accepted and
 * ignored); expected.json is its expected answer, so a saved response works too ({@code model} and
 * {@code version} are ignored). Hidden entries and plain files in {@code tests/} are skipped, so a README there is
 * fine.
 */
public final class GoldenCases {
    /** The directory of a version that holds its golden examples. */
    public static final String DIRECTORY = "tests";
    public static final String REQUEST = "request.json";
    public static final String EXPECTED = "expected.json";

    private static final long MAX_FILE_BYTES = 64L << 20;
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private GoldenCases() {}

    /**
     * The golden examples of a version directory, sorted by name; none when it has no {@code tests} directory.
     *
     * @throws ModelConfigException naming the tests directory and every problem of every example, each prefixed
     *     with its file ({@code two_rows/expected.json: ...})
     */
    public static List<GoldenCase> read(Path versionDirectory) {
        Path tests = versionDirectory.resolve(DIRECTORY);
        if (!Files.exists(tests)) {
            return List.of();
        }
        if (!Files.isDirectory(tests)) {
            throw new ModelConfigException(tests, List.of("not a directory; golden examples are directories"
                    + " tests/<name>/ holding " + REQUEST + " and " + EXPECTED));
        }
        List<GoldenCase> cases = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (Path dir : caseDirectories(tests)) {
            new Reading(dir, problems).read().ifPresent(cases::add);
        }
        if (!problems.isEmpty()) {
            throw new ModelConfigException(tests, problems);
        }
        return List.copyOf(cases);
    }

    private static List<Path> caseDirectories(Path tests) {
        List<Path> dirs = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(tests)) {
            for (Path e : entries) {
                if (!e.getFileName().toString().startsWith(".") && Files.isDirectory(e)) {
                    dirs.add(e);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + tests, e);
        }
        dirs.sort(null);
        return dirs;
    }

    /** One example's files; problems go to the shared list, prefixed with the file. */
    private static final class Reading {
        final Path dir;
        final String name;
        final List<String> problems;
        final int before;

        Reading(Path dir, List<String> problems) {
            this.dir = dir;
            this.name = dir.getFileName().toString();
            this.problems = problems;
            this.before = problems.size();
        }

        Optional<GoldenCase> read() {
            JsonNode request = tree(REQUEST);
            JsonNode expected = tree(EXPECTED);
            Map<String, Tensor> inputs = Map.of();
            Optional<List<String>> outputs = Optional.empty();
            if (request != null) {
                fieldsIn(REQUEST, request, Set.of("inputs", "outputs", "timeout_ms", "codec"));
                inputs = tensors(REQUEST, "inputs", request.get("inputs"), true);
                outputs = names(request.get("outputs"));
            }
            Map<String, Tensor> expectedOutputs = Map.of();
            Optional<String> error = Optional.empty();
            Tolerance tolerance = Tolerance.DEFAULT;
            if (expected != null) {
                fieldsIn(EXPECTED, expected, Set.of("outputs", "error", "tolerance", "model", "version"));
                boolean hasOutputs = expected.has("outputs");
                if (hasOutputs == expected.has("error")) {
                    problem(EXPECTED, hasOutputs ? "has both outputs and error; expected one of them"
                            : "needs outputs (the expected output tensors) or error (text the error message"
                                    + " contains)");
                }
                if (hasOutputs) {
                    expectedOutputs = tensors(EXPECTED, "outputs", expected.get("outputs"), false);
                } else if (expected.has("error")) {
                    error = text(expected.get("error"));
                }
                tolerance = tolerance(expected.get("tolerance"));
            }
            if (problems.size() > before) {
                return Optional.empty();
            }
            return Optional.of(new GoldenCase(name, dir, inputs, outputs, expectedOutputs, error, tolerance));
        }

        private JsonNode tree(String file) {
            Path path = dir.resolve(file);
            if (!Files.isRegularFile(path)) {
                problem(file, "no such file, or not a regular file");
                return null;
            }
            try {
                if (Files.size(path) > MAX_FILE_BYTES) {
                    problem(file, "larger than the limit of " + MAX_FILE_BYTES + " bytes (64 MiB)");
                    return null;
                }
                JsonNode tree = JSON.readTree(path.toFile());
                if (tree == null || !tree.isObject()) {
                    problem(file, "expected a JSON object, got " + (tree == null ? "nothing" : tree.getNodeType()));
                    return null;
                }
                return tree;
            } catch (JsonProcessingException e) {
                problem(file, "not valid JSON: " + e.getOriginalMessage() + " (line " + e.getLocation().getLineNr()
                        + ")");
                return null;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + path, e);
            }
        }

        private void fieldsIn(String file, JsonNode tree, Set<String> known) {
            for (Iterator<String> it = tree.fieldNames(); it.hasNext(); ) {
                String field = it.next();
                if (!known.contains(field)) {
                    problem(file, "unknown field " + ClientText.quote(field) + "; expected "
                            + String.join(", ", known.stream().sorted().toList()));
                }
            }
        }

        private Map<String, Tensor> tensors(String file, String field, JsonNode node, boolean mayBeEmpty) {
            if (node == null || !node.isObject() || (node.isEmpty() && !mayBeEmpty)) {
                problem(file, field + " must be an object of name to tensor payload"
                        + (mayBeEmpty ? "" : ", with at least one tensor") + ", got "
                        + ClientText.quote(String.valueOf(node)));
                return Map.of();
            }
            try (JsonParser p = node.traverse()) {
                return TensorCodec.decodeNamed(p);
            } catch (InvalidInputException | IOException e) {
                problem(file, field + ": " + e.getMessage());
            }
            return Map.of();
        }

        private Optional<List<String>> names(JsonNode node) {
            if (node == null) {
                return Optional.empty();
            }
            List<String> names = new ArrayList<>();
            if (node.isArray()) {
                node.forEach(n -> {
                    if (n.isTextual()) {
                        names.add(n.textValue());
                    }
                });
            }
            if (!node.isArray() || names.size() != node.size()) {
                problem(REQUEST, "outputs must be a list of output names, got "
                        + ClientText.quote(node.toString()));
                return Optional.empty();
            }
            return Optional.of(names);
        }

        private Optional<String> text(JsonNode node) {
            if (!node.isTextual() || node.textValue().isEmpty()) {
                problem(EXPECTED, "error must be a non-empty string (text the error message contains), got "
                        + ClientText.quote(node.toString()));
                return Optional.empty();
            }
            return Optional.of(node.textValue());
        }

        private Tolerance tolerance(JsonNode node) {
            if (node == null) {
                return Tolerance.DEFAULT;
            }
            if (!node.isObject()) {
                problem(EXPECTED, "tolerance must be an object {\"absolute\": number, \"relative\": number}, got "
                        + ClientText.quote(node.toString()));
                return Tolerance.DEFAULT;
            }
            fieldsIn(EXPECTED, node, Set.of("absolute", "relative"));
            double absolute = number(node, "absolute", Tolerance.DEFAULT.absolute());
            double relative = number(node, "relative", Tolerance.DEFAULT.relative());
            try {
                return new Tolerance(absolute, relative);
            } catch (IllegalArgumentException e) {
                problem(EXPECTED, "tolerance: " + e.getMessage());
                return Tolerance.DEFAULT;
            }
        }

        private double number(JsonNode tolerance, String field, double otherwise) {
            JsonNode n = tolerance.get(field);
            if (n == null) {
                return otherwise;
            }
            if (!n.isNumber()) {
                problem(EXPECTED, "tolerance." + field + " must be a number, got "
                        + ClientText.quote(n.toString()));
                return otherwise;
            }
            return n.doubleValue();
        }

        private void problem(String file, String what) {
            problems.add(name + "/" + file + ": " + what);
        }
    }
}
