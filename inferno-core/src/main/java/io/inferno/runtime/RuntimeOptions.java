package io.inferno.runtime;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * Process-wide settings every runtime receives.
 *
 * @param device where models run
 * @param intraOpThreads threads one operator may use (libtorch's intra-op pool); empty leaves the engine's default
 * @param interOpThreads threads for independent operators (libtorch's inter-op pool); empty leaves the default
 */
public record RuntimeOptions(Device device, OptionalInt intraOpThreads, OptionalInt interOpThreads) {
    public static final RuntimeOptions DEFAULTS = new RuntimeOptions(Device.AUTO, OptionalInt.empty(),
            OptionalInt.empty());

    public RuntimeOptions {
        Objects.requireNonNull(device, "device");
        requirePositive(intraOpThreads, "intra-op threads");
        requirePositive(interOpThreads, "inter-op threads");
    }

    private static void requirePositive(OptionalInt threads, String what) {
        if (threads.isPresent() && threads.getAsInt() < 1) {
            throw new IllegalArgumentException(what + " must be 1 or more, got " + threads.getAsInt());
        }
    }

    public RuntimeOptions withDevice(Device d) {
        return new RuntimeOptions(d, intraOpThreads, interOpThreads);
    }

    public RuntimeOptions withIntraOpThreads(int n) {
        return new RuntimeOptions(device, OptionalInt.of(n), interOpThreads);
    }
}
