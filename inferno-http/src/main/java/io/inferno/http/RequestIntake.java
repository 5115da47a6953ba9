package io.inferno.http;

import java.io.EOFException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.EagerContentHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Reads request bodies before a request thread sees the request (issue 11). A body arrives chunk by chunk on
 * Jetty's non-blocking callbacks and is copied into one array; only the whole body (or the reason it was refused)
 * is handed to Javalin's servlet, on a request thread. A client sending slowly costs a connection and the bytes it
 * sent, never a thread, so health checks, metrics and other requests are served however many slow clients there
 * are. The route parses the array in place ({@link ReceivedBody}): one copy from the network buffers (and the
 * copies of a buffer that doubles, for large and chunked bodies), none after.
 *
 * <p>It is the loader of Jetty's {@link EagerContentHandler} for every content type; requests without a body pass
 * straight through. Jetty's own {@code RetainedContentLoaderFactory} is not used: it retains the network buffers
 * themselves, so what a body holds follows the buffers it pins, not the bytes it sent (a client sending a byte per
 * packet can pin a pooled buffer per byte), and it has no rate check and no budget. Nor is Jetty's own rate limiting: 12.1 keeps {@code HttpConfiguration.setMinRequestDataRate}
 * but nothing in its HTTP/1.1 connection reads it, and its {@code MinimumDataRateHandler} checks the rate only when
 * more content is demanded, so a client that stops sending is caught by the idle timeout alone; the timer here
 * catches it after one window.
 *
 * <p>While a body arrives the intake refuses it for:
 * <ul>
 *   <li>size ({@code MAX_REQUEST_BYTES}): a declared length over the limit, or the byte that passes it (413);
 *   <li>memory ({@code MAX_INFLIGHT_BYTES}, {@link InflightBudget}): a declared length larger than what is left of
 *       the budget, or a buffer that cannot grow (503). The buffer is reserved as it is allocated: whole for a
 *       declared length up to {@link #EAGER_BYTES}, doubling beyond that and for chunked bodies, so a slow client
 *       holds budget only for about what it has sent, not for what it declared;
 *   <li>speed: every {@code REQUEST_RATE_WINDOW_S} the body must have advanced by {@code MIN_REQUEST_DATA_RATE}
 *       bytes per second of the window, and it may not stall for longer than {@code IDLE_TIMEOUT_S} (408).
 * </ul>
 * A refused body is read and dropped up to {@link #LINGER_BYTES} before the answer (closing a connection with
 * unread bytes resets it, and a client still sending may then lose the answer), unless the client waits for
 * {@code 100 Continue} and has sent nothing. A refusal answers with {@code Connection: close}: the rest of the body
 * is unread. The refusal is handed to the servlet in place of the body, so the route throws it and
 * {@link ErrorMapping} answers it like any other failure (status, JSON detail, access log, metrics).
 *
 * <p>Threads: {@code load} runs on the thread Jetty handles the request on, and hands over inline when the body
 * came with the headers (the common case: no extra dispatch). Otherwise it demands more content; Jetty runs the
 * demand callback, declared non-blocking, possibly on a selector thread, so the hand-over is then executed on the
 * pool. The rate check is a timer on Jetty's scheduler, armed only while a body is incomplete. A loader's reads, its
 * timer and the decision to hand over are serialised by its monitor, which is never held while calling Jetty back
 * (demand, execute, handle); the hand-over happens once. The exchange's memory is released when Jetty completes the
 * request's callback: the answer written, or the exchange failed.
 */
final class RequestIntake implements EagerContentHandler.ContentLoaderFactory {
    /** Declared lengths up to this are allocated (and reserved) at once; larger bodies grow as they arrive. */
    static final int EAGER_BYTES = 1 << 20;
    /** The first buffer of a body without a declared length (chunked). */
    static final int FIRST_CHUNKED_BYTES = 16 << 10;
    /** How much of a refused body is read and dropped before answering. */
    static final long LINGER_BYTES = 1L << 20;

    private static final byte[] EMPTY = new byte[0];

    private final long maxBodyBytes;
    private final InflightBudget budget;
    private final long minBytesPerWindow;
    private final Duration window;
    private final Duration idleTimeout;

    /**
     * @param maxBodyBytes the largest body ({@code MAX_REQUEST_BYTES})
     * @param budget the memory budget of requests in flight
     * @param minRate the slowest acceptable body, in bytes per second; 0 for no rate check
     * @param window the window the rate is measured over
     * @param idleTimeout the connector's idle timeout, quoted when a body stalls
     */
    RequestIntake(long maxBodyBytes, InflightBudget budget, long minRate, Duration window, Duration idleTimeout) {
        this.maxBodyBytes = maxBodyBytes;
        this.budget = budget;
        this.minBytesPerWindow = minRate == 0 ? 0 : Math.max(1, (long) Math.ceil(minRate * window.toMillis() / 1000.0));
        this.window = window;
        this.idleTimeout = idleTimeout;
    }

    /** The handler to put in front of the servlet: Jetty's eager-content handler with this loader. */
    Handler.Wrapper handler() {
        return new EagerContentHandler(this);
    }

    @Override
    public String getApplicableMimeType() {
        return null; // every content type
    }

    @Override
    public EagerContentHandler.ContentLoader newContentLoader(String contentType, String mimeType, Handler handler,
            Request request, Response response, Callback callback) {
        return new Loader(handler, request, response, callback);
    }

    private String slowMessage() {
        return "request body arrived slower than " + (minBytesPerWindow * 1000 / window.toMillis())
                + " bytes/s over " + window.toMillis() + " ms (MIN_REQUEST_DATA_RATE, REQUEST_RATE_WINDOW_S); "
                + "closing the connection";
    }

    private enum Outcome {
        /** More of the body is to come: demand it. */
        WAIT,
        /** The body is whole, or refused and dropped as far as it will be: pass it on. */
        HAND_OVER,
        /** The connection failed, or reading did: no one to answer. */
        ABANDON
    }

    /** Loads one body; see the class comment for the threads and the monitor. */
    private final class Loader extends EagerContentHandler.ContentLoader implements Invocable.Task {
        private final InflightBudget.Reservation reservation = budget.open();
        private final long declared;
        private byte[] bytes = EMPTY; // guarded by this
        private int length; // guarded by this
        private long received; // bytes of body seen, kept or dropped; guarded by this
        private long receivedAtTick; // guarded by this
        private long dropped; // guarded by this
        private Exception refusal; // guarded by this; null while the body is accepted
        private boolean settled; // handed over or abandoned; guarded by this
        private Scheduler.Task timer; // guarded by this
        private Throwable gone; // why the connection failed; guarded by this

        Loader(Handler handler, Request request, Response response, Callback callback) {
            super(handler, request, response, callback);
            declared = request.getLength();
        }

        @Override
        public InvocationType getInvocationType() {
            return InvocationType.NON_BLOCKING;
        }

        @Override
        protected void load() {
            boolean now;
            synchronized (this) {
                try {
                    if (declared > maxBodyBytes) {
                        refusal = new BodyTooLargeException(maxBodyBytes);
                    } else if (declared > budget.available() || !grow(Math.min(declared, EAGER_BYTES))) {
                        refusal = budget.refusal(declared);
                    }
                } catch (RuntimeException | OutOfMemoryError e) {
                    reservation.close(); // Jetty fails the exchange: it must not keep budget
                    throw e;
                }
                now = refusal != null && getRequest().getHeaders().contains(HttpHeader.EXPECT,
                        HttpHeaderValue.CONTINUE.asString());
                settled = now;
            }
            if (now) {
                handOver(); // the client waits for 100 Continue before it sends: nothing to drop
            } else {
                read(false);
            }
        }

        /** The demand callback: more content, or a failure, is available. */
        @Override
        public void run() {
            read(true);
        }

        private void read(boolean onCallback) {
            Outcome outcome;
            synchronized (this) {
                if (settled) {
                    return;
                }
                try {
                    outcome = readAvailable();
                } catch (RuntimeException | OutOfMemoryError e) {
                    gone = e; // Jetty failed a read, or a buffer could not be allocated: fail the exchange
                    outcome = Outcome.ABANDON;
                }
                if (outcome != Outcome.WAIT) {
                    settled = true;
                    if (timer != null) {
                        timer.cancel();
                    }
                } else if (timer == null && minBytesPerWindow > 0) {
                    receivedAtTick = received;
                    timer = getRequest().getComponents().getScheduler().schedule(this::tick,
                            window.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
            switch (outcome) {
                case WAIT -> getRequest().demand(this);
                case ABANDON -> abandon();
                case HAND_OVER -> {
                    if (onCallback) {
                        getRequest().getContext().execute(this::handOver); // may be a selector thread: no blocking
                    } else {
                        handOver();
                    }
                }
            }
        }

        /** Reads what has arrived, up to the end of the body or of what is to be dropped. */
        private Outcome readAvailable() { // holding this
            while (true) {
                Content.Chunk chunk = getRequest().read();
                if (chunk == null) {
                    return Outcome.WAIT;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    Throwable cause = chunk.getFailure();
                    if (cause instanceof TimeoutException) {
                        setRefusal(new SlowBodyException("request body stalled for longer than "
                                + idleTimeout.toMillis() + " ms (IDLE_TIMEOUT_S); closing the connection"));
                    } else if (cause instanceof HttpException && cause instanceof RuntimeException r) {
                        setRefusal(r); // malformed framing, such as bad chunking
                    } else if (cause instanceof EOFException e) {
                        setRefusal(e); // the client ended its side mid-body; it may still read an answer
                    } else {
                        gone = cause;
                        return Outcome.ABANDON;
                    }
                    return Outcome.HAND_OVER;
                }
                take(chunk);
                boolean last = chunk.isLast();
                chunk.release();
                if (last || dropped >= LINGER_BYTES) {
                    return Outcome.HAND_OVER;
                }
            }
        }

        private void setRefusal(Exception e) { // holding this
            if (refusal == null) {
                refusal = e;
            }
        }

        private void take(Content.Chunk chunk) { // holding this
            int n = chunk.remaining();
            received += n;
            if (refusal == null) {
                long needed = (long) length + n;
                if (needed > maxBodyBytes) {
                    refusal = new BodyTooLargeException(maxBodyBytes);
                } else if (needed > bytes.length && !grow(needed)) {
                    refusal = budget.refusal(needed - bytes.length);
                }
                if (refusal == null) {
                    chunk.get(bytes, length, n);
                    length += n;
                    return;
                }
                bytes = EMPTY; // reserved until the exchange ends, but no longer reachable
                length = 0;
            }
            dropped += n;
        }

        /** Grows the buffer to hold at least {@code needed} bytes, reserving the growth first. */
        private boolean grow(long needed) { // holding this
            if (needed <= bytes.length) {
                return true;
            }
            long cap = declared >= 0 ? declared : maxBodyBytes;
            long size = Math.max(needed, Math.min(cap, Math.max((long) bytes.length * 2,
                    declared >= 0 ? EAGER_BYTES : FIRST_CHUNKED_BYTES)));
            if (!reservation.tryAdd(size - bytes.length)) {
                return false;
            }
            byte[] larger = new byte[(int) size];
            System.arraycopy(bytes, 0, larger, 0, length);
            bytes = larger;
            return true;
        }

        /** The rate check, on Jetty's scheduler. */
        private void tick() {
            synchronized (this) {
                timer = null;
                if (settled) {
                    return;
                }
                if (received - receivedAtTick >= minBytesPerWindow) {
                    receivedAtTick = received;
                    timer = getRequest().getComponents().getScheduler().schedule(this::tick,
                            window.toMillis(), TimeUnit.MILLISECONDS);
                    return;
                }
                setRefusal(new SlowBodyException(slowMessage())); // a refused body dropped too slowly keeps its refusal
                settled = true;
            }
            getRequest().getContext().execute(this::handOver);
        }

        /** Passes the request, with its body or its refusal, to the servlet; the budget is released at the end. */
        private void handOver() {
            ReceivedBody body;
            synchronized (this) {
                body = refusal == null ? ReceivedBody.complete(bytes, length, reservation)
                        : ReceivedBody.refused(refusal, reservation);
                if (refusal != null) {
                    getResponse().getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
                }
            }
            Request request = new ReceivedRequest(getRequest(), body);
            request.setAttribute(ReceivedBody.ATTRIBUTE, body);
            handle(request, getResponse(), Callback.from(reservation::close, getCallback()));
        }

        /** The connection failed mid-body: there is no one to answer. */
        private void abandon() {
            Throwable cause;
            synchronized (this) {
                cause = gone;
            }
            reservation.close();
            getCallback().failed(cause);
        }
    }

    /** The request as the servlet sees it: its content is the received body, already whole (or its refusal). */
    private static final class ReceivedRequest extends Request.Wrapper {
        private final ReceivedBody body;
        private boolean replayed; // only the servlet's reading thread reads content

        ReceivedRequest(Request request, ReceivedBody body) {
            super(request);
            this.body = body;
        }

        @Override
        public Content.Chunk read() {
            try {
                byte[] bytes = body.bytes();
                if (replayed) {
                    return Content.Chunk.EOF;
                }
                replayed = true;
                return Content.Chunk.from(ByteBuffer.wrap(bytes, 0, body.length()), true);
            } catch (Exception refused) {
                return Content.Chunk.from(refused, true);
            }
        }

        @Override
        public boolean consumeAvailable() {
            return true;
        }
    }
}
