package io.inferno.http;

import io.inferno.OverloadedException;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.Optional;

/**
 * A request body as {@link RequestIntake} received it before the request reached a thread: its bytes, or the
 * reason it was refused, and the memory reservation of the exchange, which the route adds the decoded inputs and
 * the outputs to. A request that declared no body has none of either.
 */
final class ReceivedBody {
    /** The servlet request attribute that carries it. */
    static final String ATTRIBUTE = ReceivedBody.class.getName();

    private static final ReceivedBody NONE = new ReceivedBody(new byte[0], 0, Optional.empty(), Optional.empty());

    private final byte[] bytes;
    private final int length;
    private final Optional<Exception> failure;
    private final Optional<InflightBudget.Reservation> reservation;

    private ReceivedBody(byte[] bytes, int length, Optional<Exception> failure,
            Optional<InflightBudget.Reservation> reservation) {
        this.bytes = bytes;
        this.length = length;
        this.failure = failure;
        this.reservation = reservation;
    }

    /** A whole body, {@code bytes[0, length)}. */
    static ReceivedBody complete(byte[] bytes, int length, InflightBudget.Reservation reservation) {
        return new ReceivedBody(bytes, length, Optional.empty(), Optional.of(reservation));
    }

    /** A body refused while it arrived: reading it throws {@code failure}. */
    static ReceivedBody refused(Exception failure, InflightBudget.Reservation reservation) {
        return new ReceivedBody(new byte[0], 0, Optional.of(failure), Optional.of(reservation));
    }

    /** The body the intake attached to the request, or an empty one for a request that declared none. */
    static ReceivedBody of(HttpServletRequest request) {
        return request.getAttribute(ATTRIBUTE) instanceof ReceivedBody b ? b : NONE;
    }

    /** The same, for a request handled in Jetty's core API, in front of the servlet ({@link PredictRoutes}). */
    static ReceivedBody of(org.eclipse.jetty.server.Request request) {
        return request.getAttribute(ATTRIBUTE) instanceof ReceivedBody b ? b : NONE;
    }

    /**
     * The body's bytes, valid up to {@link #length()}; the array is the intake's buffer, not a copy.
     *
     * @throws IOException or an unchecked exception: why the intake refused the body
     */
    byte[] bytes() throws IOException {
        if (failure.isPresent()) {
            Exception e = failure.get();
            if (e instanceof IOException io) {
                throw io;
            }
            throw (RuntimeException) e;
        }
        return bytes;
    }

    int length() {
        return length;
    }

    /**
     * Counts memory derived from the body (decoded inputs) against the budget.
     *
     * @throws OverloadedException when the budget has no room for it
     */
    void hold(long bytes) {
        if (reservation.isPresent() && !reservation.get().tryAdd(bytes)) {
            throw reservation.get().refusal(bytes);
        }
    }

    /** Counts memory that already exists (outputs, the encoded answer) until the exchange ends, past the limit. */
    void count(long bytes) {
        reservation.ifPresent(r -> r.add(bytes));
    }
}
