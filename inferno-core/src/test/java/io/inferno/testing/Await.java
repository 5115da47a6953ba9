package io.inferno.testing;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * Bounded waits for tests. A test that waits for something that never happens fails here, naming what it waited
 * for, instead of hanging the build. {@link #LIMIT} is generous: it only catches hangs, it is no performance bound.
 */
public final class Await {
    /** How long any single wait in a test may take before the test fails. */
    public static final Duration LIMIT = Duration.ofSeconds(30);

    private Await() {}

    /**
     * The future's value, as {@link CompletableFuture#join()} gives it (a failure is rethrown as a
     * {@link CompletionException} around its cause), but failing the test after {@link #LIMIT}.
     */
    public static <T> T done(CompletableFuture<T> future) {
        try {
            return future.get(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new CompletionException(e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("future not completed within " + LIMIT + ": " + future, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + future, e);
        }
    }

    /** The cause a future failed with; fails the test if it succeeds or is not done within {@link #LIMIT}. */
    public static Throwable failure(CompletableFuture<?> future) {
        try {
            Object value = done(future);
            throw new AssertionError("expected a failure, got " + value);
        } catch (CompletionException e) {
            return e.getCause();
        }
    }

    /** Waits until the latch is open; fails the test after {@link #LIMIT}. */
    public static void open(CountDownLatch latch, String what) throws InterruptedException {
        if (!latch.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(what + ": not within " + LIMIT);
        }
    }

    /** Takes {@code permits} permits (the count of some event); fails the test after {@link #LIMIT}. */
    public static void acquire(Semaphore events, int permits, String what) throws InterruptedException {
        if (!events.tryAcquire(permits, LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(what + ": " + permits + " expected, " + events.availablePermits()
                    + " seen within " + LIMIT);
        }
    }

    /**
     * Polls an observable condition every few milliseconds, for when nothing signals it; fails the test after
     * {@link #LIMIT}. Returns how long it took (to print, not to assert).
     */
    public static Duration until(String what, BooleanSupplier condition) throws InterruptedException {
        long start = System.nanoTime();
        long end = start + LIMIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError(what + ": not reached within " + LIMIT);
            }
            Thread.sleep(5);
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
