package io.inferno.http;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a connection whose request header is still arriving {@code REQUEST_HEADER_TIMEOUT_S} after it began.
 * Jetty 12 has no such timeout: it parses headers without a thread, so a slow header costs no thread, but a client
 * sending a header byte now and then, within the idle timeout, holds a connection and its buffer for as long as
 * it likes (slowloris). There is no request yet to answer: the connection is expired exactly as Jetty expires one
 * whose header stalls for the idle timeout (closed without an answer).
 *
 * <p>Algorithm: each connection (a {@link Connection.Listener} on the connector) is watched with the public
 * counters Jetty keeps: the bytes it has received. This handler, the first after the server, counts the exchanges
 * in progress on each connection and, when one ends, marks the bytes received so far. A sweep on Jetty's scheduler,
 * every quarter timeout (at most every second), looks at connections with no exchange in progress: one that
 * received bytes since its mark is receiving a header; the first sweep to see it notes the time, and a sweep at
 * least a timeout later that still sees it closes the connection, so a header is cut off between the timeout and
 * the timeout plus two sweep periods (1.5 times a short timeout, 2 s past a long one). Idle
 * keep-alive connections (nothing received since the mark) are left to the idle timeout, and bodies to
 * {@link RequestIntake}. The counters are atomic; the noted time is touched by the sweep only.
 */
final class HeaderDeadline extends Handler.Wrapper implements Connection.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(HeaderDeadline.class);

    private final long timeoutNanos;
    private final long periodMillis;
    private final Map<Connection, Watch> watches = new ConcurrentHashMap<>();
    private volatile Scheduler.Task sweep;

    /** @param timeout the longest a request header may take to arrive */
    HeaderDeadline(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
        this.periodMillis = Math.max(10, Math.min(1000, timeout.toMillis() / 4));
    }

    private static final class Watch {
        final Connection connection;
        final AtomicInteger exchanges = new AtomicInteger();
        volatile long mark; // bytes received when the last exchange ended
        long headerSeen; // nanoTime a sweep first saw a header arriving, 0 for none; sweep only

        Watch(Connection connection) {
            this.connection = connection;
        }
    }

    @Override
    public void onOpened(Connection connection) {
        watches.put(connection, new Watch(connection));
    }

    @Override
    public void onClosed(Connection connection) {
        watches.remove(connection);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        Watch watch = watches.get(request.getConnectionMetaData().getConnection());
        if (watch == null) {
            return super.handle(request, response, callback);
        }
        watch.exchanges.incrementAndGet();
        AtomicBoolean ended = new AtomicBoolean();
        Runnable end = () -> {
            if (ended.compareAndSet(false, true)) {
                watch.mark = watch.connection.getBytesIn();
                watch.exchanges.decrementAndGet();
            }
        };
        try {
            if (super.handle(request, response, Callback.from(end, callback))) {
                return true;
            }
            end.run(); // not handled: Jetty answers 404 and completes the original callback
            return false;
        } catch (Throwable t) {
            end.run(); // Jetty fails the original callback
            throw t;
        }
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        schedule();
    }

    @Override
    protected void doStop() throws Exception {
        Scheduler.Task task = sweep;
        if (task != null) {
            task.cancel();
        }
        super.doStop();
    }

    private void schedule() {
        if (isRunning()) {
            sweep = getServer().getScheduler().schedule(this::sweep, periodMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void sweep() {
        try {
            long now = System.nanoTime();
            for (Watch w : watches.values()) {
                if (w.exchanges.get() > 0 || w.connection.getBytesIn() <= w.mark) {
                    w.headerSeen = 0;
                } else if (w.headerSeen == 0) {
                    w.headerSeen = now;
                } else if (now - w.headerSeen >= timeoutNanos) {
                    LOG.debug("closing {}: its request header took longer than {} ms", w.connection,
                            TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
                    TimeoutException late = new TimeoutException("request header timeout");
                    if (w.connection.onIdleExpired(late)) {
                        w.connection.getEndPoint().close(late);
                    }
                }
            }
        } finally {
            schedule();
        }
    }
}
