package io.inferno.validation;

import io.inferno.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A request that passed {@link RequestValidator#validate}: its inputs and selected outputs in signature order, the
 * sizes its symbolic dimensions took, its row count and its {@link BatchKey}.
 *
 * <p>Only a validator makes one, so holding a {@code ValidatedRequest} means the request fits the signature.
 */
public final class ValidatedRequest {
    private final Map<String, Tensor> inputs;
    private final List<String> outputs;
    private final long rows;
    private final BatchKey batchKey;
    private final Map<String, Integer> symbolIndex; // the validator's, immutable
    private final long[] symbolSizes; // -1 where no present input used the symbol

    ValidatedRequest(Map<String, Tensor> inputs, List<String> outputs, long rows, BatchKey batchKey,
            Map<String, Integer> symbolIndex, long[] symbolSizes) {
        this.inputs = inputs;
        this.outputs = outputs;
        this.rows = rows;
        this.batchKey = batchKey;
        this.symbolIndex = symbolIndex;
        this.symbolSizes = symbolSizes;
    }

    /** The inputs the request gave, unmodifiable, in signature order; optional inputs it left out are absent. */
    public Map<String, Tensor> inputs() {
        return inputs;
    }

    /** The outputs to return, unmodifiable, in signature order: the selection, or every output when none was made. */
    public List<String> outputs() {
        return outputs;
    }

    /**
     * Rows this request adds to a batch: the size of its {@code batch} dimension, or 1 when none of its inputs has
     * one (the request then runs as one unit).
     */
    public long rows() {
        return rows;
    }

    /** What another request must share with this one to join it in a batch. */
    public BatchKey batchKey() {
        return batchKey;
    }

    /**
     * The size the request gave a symbolic dimension such as {@code seq} or {@code batch}; empty when the signature
     * has no such symbol or only inputs the request left out use it.
     */
    public OptionalLong dim(String symbol) {
        Integer k = symbolIndex.get(symbol);
        return k == null || symbolSizes[k] < 0 ? OptionalLong.empty() : OptionalLong.of(symbolSizes[k]);
    }

    @Override
    public String toString() {
        return "ValidatedRequest[rows=" + rows + ", inputs=" + inputs + ", outputs=" + outputs + "]";
    }
}
