package io.inferno.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for an observable condition, with a bound: a condition never reached fails the test, never hangs it. */
public final class Eventually {
    private Eventually() {}

    public static void await(String what, BooleanSupplier condition) {
        await(what, Duration.ofSeconds(20), condition);
    }

    public static void await(String what, Duration limit, BooleanSupplier condition) {
        long end = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("not reached within " + limit + ": " + what);
            }
            Thread.onSpinWait();
            try {
                Thread.sleep(2); // polling an observable state; the event itself is not timed
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
    }
}
