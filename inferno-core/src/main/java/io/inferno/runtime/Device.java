package io.inferno.runtime;

import java.util.Locale;

/**
 * Where a runtime places a model: {@code auto} (a GPU when one is available, else the CPU), {@code cpu},
 * {@code cuda} (GPU 0) or {@code cuda:N}.
 *
 * @param kind which kind of device
 * @param index the GPU index for {@link Kind#CUDA}; 0 otherwise
 */
public record Device(Kind kind, int index) {
    public enum Kind {
        AUTO,
        CPU,
        CUDA
    }

    public static final Device AUTO = new Device(Kind.AUTO, 0);
    public static final Device CPU = new Device(Kind.CPU, 0);

    public Device {
        if (index < 0 || (kind != Kind.CUDA && index != 0)) {
            throw new IllegalArgumentException("invalid device index " + index + " for " + kind);
        }
    }

    public static Device cuda(int index) {
        return new Device(Kind.CUDA, index);
    }

    /** The GPU index of {@code cuda:N}: decimal digits without a sign or a leading zero. */
    private static final java.util.regex.Pattern GPU_INDEX = java.util.regex.Pattern.compile("0|[1-9][0-9]{0,8}");

    /**
     * Parses {@code auto}, {@code cpu}, {@code cuda} or {@code cuda:N} (case-insensitive); nothing else, so that a
     * guess such as {@code gpu} is refused with the accepted values rather than read as one of them.
     *
     * @throws IllegalArgumentException naming the value and the accepted forms
     */
    public static Device parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        switch (t) {
            case "auto":
                return AUTO;
            case "cpu":
                return CPU;
            case "cuda":
                return cuda(0);
            default:
                if (t.startsWith("cuda:") && GPU_INDEX.matcher(t.substring(5)).matches()) {
                    return cuda(Integer.parseInt(t.substring(5)));
                }
                throw new IllegalArgumentException(
                        "invalid device '" + text + "'; expected auto, cpu, cuda or cuda:N (N = 0, 1, ...)");
        }
    }

    @Override
    public String toString() {
        return kind == Kind.CUDA ? "cuda:" + index : kind.name().toLowerCase(Locale.ROOT);
    }
}
