package io.inferno.tensor;

import io.inferno.text.ClientText;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Element types a tensor can hold, named as in model.yaml and on the wire (lowercase).
 *
 * <p>All multi-byte types are stored little-endian. {@code bool} takes one byte per element (0 or 1).
 */
public enum DType {
    BOOL("bool", 1),
    UINT8("uint8", 1),
    INT8("int8", 1),
    INT16("int16", 2),
    INT32("int32", 4),
    INT64("int64", 8),
    FLOAT16("float16", 2),
    BFLOAT16("bfloat16", 2),
    FLOAT32("float32", 4),
    FLOAT64("float64", 8);

    private static final String SUPPORTED =
            Arrays.stream(values()).map(DType::wireName).collect(Collectors.joining(", "));

    private final String wireName;
    private final int itemSize;

    DType(String wireName, int itemSize) {
        this.wireName = wireName;
        this.itemSize = itemSize;
    }

    /** The lowercase name used in model.yaml and in tensor payloads, for example {@code float32}. */
    public String wireName() {
        return wireName;
    }

    /** Bytes per element. */
    public int itemSize() {
        return itemSize;
    }

    /** The name with its indefinite article, for messages: "an int64", "a float32", "a uint8". */
    public String withArticle() {
        return (wireName.startsWith("int") ? "an " : "a ") + wireName;
    }

    /** True for float16, bfloat16, float32 and float64. */
    public boolean isFloatingPoint() {
        return this == FLOAT16 || this == BFLOAT16 || this == FLOAT32 || this == FLOAT64;
    }

    /**
     * Looks a type up by its wire name.
     *
     * @throws IllegalArgumentException naming the value and listing the supported names
     */
    public static DType forName(String name) {
        if (name != null) {
            for (DType t : values()) {
                if (t.wireName.equals(name)) {
                    return t;
                }
            }
        }
        throw new IllegalArgumentException(String.format(Locale.ROOT,
                "unsupported dtype %s; supported: %s", ClientText.quote(name), SUPPORTED));
    }

    /** The supported wire names, comma separated, for error messages. */
    public static String supportedNames() {
        return SUPPORTED;
    }

    @Override
    public String toString() {
        return wireName;
    }
}
