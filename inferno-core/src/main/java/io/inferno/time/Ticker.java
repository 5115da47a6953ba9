package io.inferno.time;

/**
 * A source of monotonic nanoseconds, injected wherever Inferno measures time so that tests can advance a fake
 * clock instead of sleeping.
 */
@FunctionalInterface
public interface Ticker {
    /** Nanoseconds from an arbitrary origin, monotonic, as {@link System#nanoTime()}. */
    long read();

    /** The system's monotonic clock. */
    static Ticker system() {
        return System::nanoTime;
    }
}
