package io.inferno.validation;

import io.inferno.InvalidInputException;
import io.inferno.model.BatchingConfig;
import io.inferno.model.Dim;
import io.inferno.model.ModelConfig;
import io.inferno.model.Signature;
import io.inferno.model.TensorSpec;
import io.inferno.tensor.DType;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Checks requests against one model version's signature and batching limits, reporting every problem of a request
 * at once in one {@link InvalidInputException}. The rules and their messages are listed in docs/validation.md.
 *
 * <p>Built once per model version; immutable and safe to share between threads. The constructor compiles the
 * signature into arrays (dtypes, fixed sizes, symbol numbers, name indexes, the sorted name lists quoted in
 * messages), so {@link #validate} does a map lookup and a few comparisons per input and formats no text unless the
 * request is wrong.
 *
 * <p>Problems are reported in this order: missing inputs, unexpected inputs, then for each input in signature
 * order its dtype, rank, fixed dimensions, symbolic dimensions and (for the input that first gives the
 * {@code batch} size) its row count; last the output selection.
 */
public final class RequestValidator {
    private static final int NOT_SYMBOLIC = -1;
    private static final long NOT_FIXED = -1;

    private final Signature signature;
    private final long maxRows;

    // Per declared input i, in signature order.
    private final String[] names;
    private final DType[] dtypes;
    private final boolean[] optional;
    private final long[][] fixedSizes; // [i][d]: the fixed size, or NOT_FIXED
    private final int[][] symbols; // [i][d]: the symbol number, or NOT_SYMBOLIC
    private final Map<String, Integer> inputIndex;
    private final String inputNamesText;

    private final String[] symbolNames;
    private final Map<String, Integer> symbolIndex;
    private final int batchSymbol; // NOT_SYMBOLIC when no input has a batch dimension

    private final BatchKey.Layout keyLayout;
    private final boolean[] dropsFirstDim; // dimension 0 is the batch dimension, left out of the key

    private final String[] outputNames;
    private final Map<String, Integer> outputIndex;
    private final List<String> allOutputs;
    private final String outputNamesText;

    private RequestValidator(Signature signature, BatchingConfig batching) {
        this.signature = Objects.requireNonNull(signature, "signature");
        this.maxRows = Objects.requireNonNull(batching, "batching").enabled() ? batching.maxBatchSize() : Long.MAX_VALUE;

        List<TensorSpec> in = signature.inputs();
        int n = in.size();
        names = new String[n];
        dtypes = new DType[n];
        optional = new boolean[n];
        fixedSizes = new long[n][];
        symbols = new int[n][];
        dropsFirstDim = new boolean[n];
        int[] keyOffsets = new int[n];
        Map<String, Integer> inputs = new HashMap<>();
        Map<String, Integer> symbolNumbers = new HashMap<>();
        List<String> symbolList = new ArrayList<>();
        int keyLength = 0;
        for (int i = 0; i < n; i++) {
            TensorSpec spec = in.get(i);
            names[i] = spec.name();
            dtypes[i] = spec.dtype();
            optional[i] = spec.optional();
            inputs.put(spec.name(), i);
            int rank = spec.rank();
            fixedSizes[i] = new long[rank];
            symbols[i] = new int[rank];
            for (int d = 0; d < rank; d++) {
                Dim dim = spec.shape().get(d);
                fixedSizes[i][d] = dim instanceof Dim.Fixed f ? f.size() : NOT_FIXED;
                symbols[i][d] = NOT_SYMBOLIC;
                if (dim instanceof Dim.Symbolic s) {
                    Integer k = symbolNumbers.get(s.name());
                    if (k == null) {
                        k = symbolList.size();
                        symbolNumbers.put(s.name(), k);
                        symbolList.add(s.name());
                    }
                    symbols[i][d] = k;
                }
            }
            dropsFirstDim[i] = spec.batched();
            keyOffsets[i] = keyLength;
            keyLength += 1 + rank - (spec.batched() ? 1 : 0);
        }
        inputIndex = Map.copyOf(inputs);
        inputNamesText = signature.inputNamesText();
        symbolNames = symbolList.toArray(String[]::new);
        symbolIndex = Map.copyOf(symbolNumbers);
        batchSymbol = symbolNumbers.getOrDefault(Dim.BATCH_NAME, NOT_SYMBOLIC);
        keyLayout = new BatchKey.Layout(names, keyOffsets, keyLength);

        List<TensorSpec> out = signature.outputs();
        outputNames = new String[out.size()];
        Map<String, Integer> outputs = new HashMap<>();
        for (int o = 0; o < outputNames.length; o++) {
            outputNames[o] = out.get(o).name();
            outputs.put(outputNames[o], o);
        }
        outputIndex = Map.copyOf(outputs);
        allOutputs = List.of(outputNames);
        outputNamesText = signature.outputNamesText();
    }

    /**
     * A validator for the signature and batching limits of one model version.
     *
     * @throws IllegalArgumentException when the config has no signature yet (model.yaml left it out and the
     *     runtime's has not been filled in: {@code ModelLoader.servedConfig})
     */
    public static RequestValidator of(ModelConfig config) {
        Signature signature = config.signature().orElseThrow(() -> new IllegalArgumentException(config.id()
                + " has no signature yet: model.yaml leaves it out and the runtime supplies it at load"));
        return of(signature, config.batching());
    }

    /**
     * A validator for a signature; {@code batching} gives the most rows a request may carry when batching is
     * enabled (with batching off, any positive number of rows is accepted).
     */
    public static RequestValidator of(Signature signature, BatchingConfig batching) {
        return new RequestValidator(signature, batching);
    }

    public Signature signature() {
        return signature;
    }

    /**
     * Validates a request that returns every output.
     *
     * @param inputs input name to tensor; no null keys or values
     * @throws InvalidInputException listing every problem found
     */
    public ValidatedRequest validate(Map<String, Tensor> inputs) {
        List<String> problems = new ArrayList<>(); // allocates no array until a problem is added
        Tensor[] tensors = new Tensor[names.length];
        long[] sizes = checkInputs(inputs, tensors, problems);
        throwIfAny(problems);
        return accept(tensors, sizes, allOutputs);
    }

    /**
     * Validates a request that returns only the outputs it names.
     *
     * @param inputs input name to tensor; no null keys or values
     * @param outputs the selected output names: at least one, each known and named once
     * @throws InvalidInputException listing every problem found
     */
    public ValidatedRequest validate(Map<String, Tensor> inputs, List<String> outputs) {
        Objects.requireNonNull(outputs, "outputs");
        List<String> problems = new ArrayList<>();
        Tensor[] tensors = new Tensor[names.length];
        long[] sizes = checkInputs(inputs, tensors, problems);
        List<String> selected = selectOutputs(outputs, problems);
        throwIfAny(problems);
        return accept(tensors, sizes, selected);
    }

    private static void throwIfAny(List<String> problems) {
        if (!problems.isEmpty()) {
            throw new InvalidInputException(problems);
        }
    }

    /**
     * Fills {@code tensors} (by declared input) and returns the size each symbol took, adding what is wrong to
     * {@code problems}.
     */
    private long[] checkInputs(Map<String, Tensor> inputs, Tensor[] tensors, List<String> problems) {
        Objects.requireNonNull(inputs, "inputs");
        List<String> missing = null;
        int found = 0;
        for (int i = 0; i < names.length; i++) {
            Tensor t = inputs.get(names[i]);
            if (t != null) {
                tensors[i] = t;
                found++;
            } else if (inputs.containsKey(names[i])) {
                throw new NullPointerException("input '" + names[i] + "' is null");
            } else if (!optional[i]) {
                missing = missing == null ? new ArrayList<>() : missing;
                missing.add(names[i]);
            }
        }
        if (missing != null) {
            problems.add("Missing required input(s): " + sortedText(missing) + ". Expected inputs: "
                    + inputNamesText);
        }
        if (found < inputs.size()) {
            problems.add(unexpectedInputs(inputs));
        }

        long[] sizes = new long[symbolNames.length];
        // binders[k]: 1 + the input that first gave symbol k its size (the reference), or 0 while unbound.
        int[] binders = new int[symbolNames.length];
        for (int i = 0; i < names.length; i++) {
            if (tensors[i] != null) {
                checkTensor(i, tensors[i], sizes, binders, problems);
            }
        }
        for (int k = 0; k < sizes.length; k++) {
            if (binders[k] == 0) {
                sizes[k] = -1;
            }
        }
        return sizes;
    }

    private String unexpectedInputs(Map<String, Tensor> inputs) {
        List<String> unexpected = new ArrayList<>();
        for (String name : inputs.keySet()) {
            if (!inputIndex.containsKey(Objects.requireNonNull(name, "input name"))) {
                unexpected.add(name);
            }
        }
        return "Unexpected input(s): " + sortedText(unexpected)
                + (names.length == 0 ? ". Expected no inputs" : ". Expected inputs: " + inputNamesText);
    }

    private void checkTensor(int i, Tensor t, long[] sizes, int[] binders, List<String> problems) {
        if (t.dtype() != dtypes[i]) {
            problems.add("Input '" + names[i] + "' has dtype " + t.dtype() + "; expected " + dtypes[i]);
        }
        Shape shape = t.shape();
        long[] fixed = fixedSizes[i];
        if (shape.rank() != fixed.length) {
            problems.add("Input '" + names[i] + "' has shape " + shape + "; expected " + shapeText(i)
                    + " (rank " + fixed.length + ")");
            return; // its dimensions cannot be matched up, so it binds no symbols
        }
        int[] symbol = symbols[i];
        for (int d = 0; d < fixed.length; d++) {
            long size = shape.dim(d);
            if (fixed[d] != NOT_FIXED) {
                if (size != fixed[d]) {
                    problems.add("Input '" + names[i] + "' dimension " + d + " is " + size + "; expected "
                            + fixed[d] + " (shape " + shapeText(i) + ")");
                }
            } else if (symbol[d] != NOT_SYMBOLIC) {
                bind(symbol[d], i, d, size, sizes, binders, problems);
            }
        }
    }

    private void bind(int k, int i, int d, long size, long[] sizes, int[] binders, List<String> problems) {
        if (binders[k] == 0) {
            binders[k] = i + 1;
            sizes[k] = size;
            if (k == batchSymbol) {
                checkRows(i, size, problems);
            }
        } else if (sizes[k] != size) {
            int ref = binders[k] - 1;
            if (ref == i) {
                problems.add("Input '" + names[i] + "' disagrees with itself on dimension '" + symbolNames[k]
                        + "': dimension " + firstDimOf(k, i) + " is " + sizes[k] + ", dimension " + d + " is "
                        + size);
            } else {
                problems.add("Inputs disagree on dimension '" + symbolNames[k] + "': " + names[ref] + " has "
                        + sizes[k] + ", " + names[i] + " has " + size);
            }
        }
    }

    private void checkRows(int i, long rows, List<String> problems) {
        if (rows == 0) {
            problems.add("Input '" + names[i] + "' has 0 rows; expected at least 1");
        } else if (rows > maxRows) {
            problems.add("Input '" + names[i] + "' has " + rows + " rows; this model accepts at most " + maxRows
                    + " per request (max_batch_size)");
        }
    }

    private int firstDimOf(int k, int i) {
        int d = 0;
        while (symbols[i][d] != k) {
            d++;
        }
        return d;
    }

    private String shapeText(int i) {
        return signature.inputs().get(i).shapeText();
    }

    /** The selection in signature order, adding what is wrong with it to {@code problems}. */
    private List<String> selectOutputs(List<String> requested, List<String> problems) {
        if (requested.isEmpty()) {
            problems.add("Outputs must name at least one output. Available outputs: " + outputNamesText);
            return allOutputs;
        }
        boolean[] chosen = new boolean[outputNames.length];
        int count = 0;
        List<String> unknown = null;
        List<String> repeated = null;
        for (String name : requested) {
            Integer o = outputIndex.get(Objects.requireNonNull(name, "output name"));
            if (o == null) {
                if (unknown != null && unknown.contains(name)) {
                    repeated = addOnce(repeated, name);
                } else {
                    unknown = addOnce(unknown, name);
                }
            } else if (chosen[o]) {
                repeated = addOnce(repeated, name);
            } else {
                chosen[o] = true;
                count++;
            }
        }
        if (unknown != null) {
            problems.add("Unknown output(s): " + sortedText(unknown) + ". Available outputs: " + outputNamesText);
        }
        if (repeated != null) {
            problems.add("Duplicate output(s): " + sortedText(repeated));
        }
        if (count == outputNames.length) {
            return allOutputs;
        }
        String[] selected = new String[count];
        for (int o = 0, s = 0; o < chosen.length; o++) {
            if (chosen[o]) {
                selected[s++] = outputNames[o];
            }
        }
        return List.of(selected);
    }

    private static List<String> addOnce(List<String> list, String name) {
        List<String> l = list == null ? new ArrayList<>() : list;
        if (!l.contains(name)) {
            l.add(name);
        }
        return l;
    }

    private ValidatedRequest accept(Tensor[] tensors, long[] sizes, List<String> outputs) {
        Map<String, Tensor> ordered = new LinkedHashMap<>(2 * tensors.length);
        long[] parts = new long[keyLayout.length()];
        int[] offsets = keyLayout.offsets();
        for (int i = 0; i < tensors.length; i++) {
            Tensor t = tensors[i];
            int p = offsets[i];
            if (t == null) {
                parts[p] = BatchKey.ABSENT;
                continue;
            }
            ordered.put(names[i], t);
            parts[p++] = t.dtype().ordinal();
            Shape shape = t.shape();
            for (int d = dropsFirstDim[i] ? 1 : 0; d < shape.rank(); d++) {
                parts[p++] = shape.dim(d);
            }
        }
        long rows = batchSymbol != NOT_SYMBOLIC && sizes[batchSymbol] >= 0 ? sizes[batchSymbol] : 1;
        return new ValidatedRequest(Collections.unmodifiableMap(ordered), outputs, rows,
                new BatchKey(parts, keyLayout), symbolIndex, sizes);
    }

    private static String sortedText(List<String> names) {
        Collections.sort(names);
        return String.join(", ", names);
    }
}
