package io.inferno.validation;

import io.inferno.tensor.DType;
import java.util.Arrays;

/**
 * What two validated requests of one model version must share to run in one batch: for every declared input, in
 * signature order, whether it is present, its dtype and every dimension but the batch dimension. Rows do not take
 * part, so requests of 2 and of 30 rows with equal keys can be concatenated along dimension 0.
 *
 * <p>Keys compare by value and hash in constant time (the hash is computed once). They are meant to be compared
 * only with keys from the same {@link RequestValidator}: keys of different signatures may happen to be equal.
 */
public final class BatchKey {
    /** Header value of an optional input the request left out. */
    static final long ABSENT = -1;

    // Per input i: parts[offsets[i]] is the dtype ordinal or ABSENT, then its dimensions without the batch one
    // (zeros when absent). The layout is shared with the validator that made the key and never changes.
    private final long[] parts;
    private final Layout layout;
    private final int hash;

    BatchKey(long[] parts, Layout layout) {
        this.parts = parts;
        this.layout = layout;
        this.hash = Arrays.hashCode(parts);
    }

    /** Where each input's part of a key starts, and its name; built once per validator. */
    record Layout(String[] names, int[] offsets, int length) {}

    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof BatchKey k && hash == k.hash && Arrays.equals(parts, k.parts);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    /** For logs, for example {@code BatchKey[tokens int64 (7), mask int64 (7), bias absent]}. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("BatchKey[");
        String[] names = layout.names();
        int[] offsets = layout.offsets();
        for (int i = 0; i < names.length; i++) {
            int start = offsets[i];
            int end = i + 1 < names.length ? offsets[i + 1] : layout.length();
            b.append(i == 0 ? "" : ", ").append(names[i]);
            if (parts[start] == ABSENT) {
                b.append(" absent");
                continue;
            }
            b.append(' ').append(DType.values()[(int) parts[start]]).append(" (");
            for (int p = start + 1; p < end; p++) {
                b.append(p == start + 1 ? "" : ", ").append(parts[p]);
            }
            b.append(')');
        }
        return b.append(']').toString();
    }
}
