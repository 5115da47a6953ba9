package io.inferno.protocol;

import io.inferno.tensor.DType;
import io.inferno.text.ClientText;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The Open Inference Protocol's tensor datatypes, and the Inferno {@link DType} each stands for.
 *
 * <p>Every Inferno dtype has a datatype ({@link #of}); the protocol's UINT16, UINT32, UINT64 and BYTES have no
 * Inferno dtype yet, so a request using them is refused with a message saying so ({@link #dtypeOf}). Element bytes
 * are the same in both: little-endian, BOOL one byte of 0 or 1, FP16 IEEE half precision, BF16 the high half of a
 * float32.
 */
public enum V2Datatype {
    BOOL(DType.BOOL),
    UINT8(DType.UINT8),
    UINT16(null),
    UINT32(null),
    UINT64(null),
    INT8(DType.INT8),
    INT16(DType.INT16),
    INT32(DType.INT32),
    INT64(DType.INT64),
    FP16(DType.FLOAT16),
    BF16(DType.BFLOAT16),
    FP32(DType.FLOAT32),
    FP64(DType.FLOAT64),
    BYTES(null);

    private static final V2Datatype[] BY_DTYPE = new V2Datatype[DType.values().length];
    private static final String SUPPORTED;

    static {
        for (V2Datatype d : values()) {
            if (d.dtype != null) {
                BY_DTYPE[d.dtype.ordinal()] = d;
            }
        }
        SUPPORTED = Arrays.stream(values()).filter(d -> d.dtype != null).map(Enum::name)
                .collect(Collectors.joining(", "));
    }

    private final DType dtype; // null: no Inferno dtype yet (never exposed as null)

    V2Datatype(DType dtype) {
        this.dtype = dtype;
    }

    /** The Inferno dtype, or empty for UINT16, UINT32, UINT64 and BYTES. */
    public Optional<DType> dtype() {
        return Optional.ofNullable(dtype);
    }

    /** The datatype of an Inferno dtype (every dtype has one). */
    public static V2Datatype of(DType dtype) {
        return BY_DTYPE[dtype.ordinal()];
    }

    /**
     * The Inferno dtype a datatype name stands for (names are upper case, as in the specification).
     *
     * @throws IllegalArgumentException saying whether the name is not a datatype of the protocol at all, or one
     *     Inferno does not support yet, and listing the supported names; the name is quoted as an excerpt
     */
    public static DType dtypeOf(String name) {
        V2Datatype d = lookup(name);
        if (d == null) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "unknown datatype %s; supported: %s", ClientText.quote(name), SUPPORTED));
        }
        if (d == BYTES) {
            throw new IllegalArgumentException(
                    "datatype BYTES is not supported yet (Inferno has no string tensors); supported: " + SUPPORTED);
        }
        if (d.dtype == null) {
            throw new IllegalArgumentException("datatype " + d + " is not supported yet (Inferno has no "
                    + d.name().toLowerCase(Locale.ROOT) + " tensors); supported: " + SUPPORTED);
        }
        return d.dtype;
    }

    private static V2Datatype lookup(String name) {
        if (name != null) {
            for (V2Datatype d : values()) {
                if (d.name().equals(name)) {
                    return d;
                }
            }
        }
        return null;
    }

    /** The datatypes Inferno supports, comma separated, for messages. */
    public static String supportedNames() {
        return SUPPORTED;
    }
}
