package io.inferno.http;

import io.inferno.OverloadedException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes all requests in flight may hold at once ({@code MAX_INFLIGHT_BYTES}): request bodies as they are
 * buffered, the input tensors decoded from them, and the outputs and encoded answers until they are written.
 *
 * <p>Algorithm: one {@link AtomicLong} of bytes in use. {@link Reservation#tryAdd} adds with a compare-and-set loop
 * that never lets the sum pass the limit; that is where a request is refused. {@link Reservation#add} adds
 * unconditionally, for memory that is already allocated and would only be wasted by a refusal (a model's outputs).
 * Each exchange holds one {@link Reservation} and closes it when the exchange ends, however it ends; closing
 * releases everything it holds exactly once, and anything added after the close is not counted, so a client that
 * disconnects while its request is in a model cannot leak budget. A reservation's own fields are guarded by its
 * monitor, held only for arithmetic on the atomic.
 */
final class InflightBudget {
    private final long limit;
    private final AtomicLong used = new AtomicLong();

    /** @param limit the most bytes in flight, at least 1 */
    InflightBudget(long limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, got " + limit);
        }
        this.limit = limit;
    }

    long limit() {
        return limit;
    }

    /** The bytes held now, by every open reservation. */
    long used() {
        return used.get();
    }

    /** The bytes that could be reserved now (a snapshot: others may take them meanwhile). */
    long available() {
        return limit - used.get();
    }

    /** The refusal of a request that needs {@code wanted} more bytes than the budget has room for. */
    OverloadedException refusal(long wanted) {
        return new OverloadedException(OverloadedException.Reason.MEMORY, "the server holds " + used() + " of the "
                + limit + " bytes it allows for requests in flight (MAX_INFLIGHT_BYTES) and this request needs "
                + wanted + " more; retry later");
    }

    /** A new, empty reservation for one exchange. */
    Reservation open() {
        return new Reservation();
    }

    private boolean tryTake(long bytes) {
        long now;
        do {
            now = used.get();
            if (bytes > limit - now) {
                return false;
            }
        } while (!used.compareAndSet(now, now + bytes));
        return true;
    }

    /** The bytes one exchange holds; see the class comment. */
    final class Reservation implements AutoCloseable {
        private long held; // guarded by this
        private boolean closed; // guarded by this

        /** Reserves {@code bytes} if the budget has room; false (and nothing reserved) if not, or once closed. */
        synchronized boolean tryAdd(long bytes) {
            if (closed || !tryTake(bytes)) {
                return false;
            }
            held += bytes;
            return true;
        }

        /** Counts {@code bytes} that are already allocated, even past the limit; nothing once closed. */
        synchronized void add(long bytes) {
            if (!closed) {
                used.addAndGet(bytes);
                held += bytes;
            }
        }

        OverloadedException refusal(long wanted) {
            return InflightBudget.this.refusal(wanted);
        }

        synchronized long held() {
            return held;
        }

        /** Releases everything held; idempotent. */
        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                used.addAndGet(-held);
                held = 0;
            }
        }
    }
}
