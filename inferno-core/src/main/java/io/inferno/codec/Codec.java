package io.inferno.codec;

import io.inferno.text.ClientText;
import java.util.Arrays;
import java.util.stream.Collectors;

/** How tensor payloads carry their elements on the wire. */
public enum Codec {
    /** {@code {"dtype", "shape", "data"}}: nested JSON lists, row-major. */
    JSON("json"),
    /** {@code {"dtype", "shape", "base64"}}: the contiguous little-endian bytes, base64-encoded. */
    BASE64("base64");

    private final String wireName;

    Codec(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /**
     * @throws IllegalArgumentException naming the value and the supported names
     */
    public static Codec forName(String name) {
        for (Codec c : values()) {
            if (c.wireName.equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unsupported codec " + ClientText.quote(name) + "; supported: "
                + Arrays.stream(values()).map(Codec::wireName).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return wireName;
    }
}
