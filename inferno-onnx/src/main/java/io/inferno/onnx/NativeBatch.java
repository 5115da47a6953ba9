package io.inferno.onnx;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns every native object of one batch, as a per-batch DJL {@code NDManager} does for the TorchScript runtime: the
 * input tensors ONNX Runtime reads, the direct memory behind them, and the result holding the outputs. Closing it
 * frees them all, newest first, whether the batch succeeded or threw. One thread uses a batch, from open to close.
 *
 * <p>Input memory is a direct buffer that ONNX Runtime reads in place (a heap buffer would make its Java API take a
 * direct copy of its own, one copy more). A direct buffer is normally freed only when the garbage collector finds
 * it unreachable, which under load lets native memory pile up between collections (and makes the JVM force a full
 * collection once {@code -XX:MaxDirectMemorySize} is reached). So the batch frees it itself, with
 * {@code sun.misc.Unsafe.invokeCleaner} (the JDK's supported way to release a direct buffer early), after the
 * ONNX Runtime tensor that reads it has been released; where that is unavailable it is left to the collector.
 *
 * <p>{@link #live()} counts, process-wide, the native objects created by batches and not yet freed: it is back at
 * its baseline whenever no batch is running, which the soak test checks.
 */
final class NativeBatch implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NativeBatch.class);
    private static final AtomicLong LIVE = new AtomicLong();
    private static final MethodHandle FREE = directBufferRelease();

    private final Deque<AutoCloseable> owned = new ArrayDeque<>();
    private boolean closed;

    /** Native objects of batches that are still to be freed, in this process. */
    static long live() {
        return LIVE.get();
    }

    /**
     * A direct buffer of {@code bytes} bytes in native order, freed when this batch closes (after everything
     * registered later, such as the tensor that reads it).
     */
    ByteBuffer allocate(int bytes) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
        own(() -> free(buffer));
        return buffer;
    }

    /** Takes ownership of a native object: {@link #close} closes it. Returns it. */
    <T extends AutoCloseable> T own(T resource) {
        if (closed) {
            throw new IllegalStateException("batch is closed");
        }
        LIVE.incrementAndGet();
        owned.push(resource);
        return resource;
    }

    /** Frees everything owned, newest first; a failure to free one is logged and the rest are still freed. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        while (!owned.isEmpty()) {
            AutoCloseable resource = owned.pop();
            try {
                resource.close();
            } catch (Exception | LinkageError e) {
                log.warn("could not free a native object of an ONNX Runtime batch", e);
            } finally {
                LIVE.decrementAndGet();
            }
        }
    }

    private static void free(ByteBuffer buffer) {
        if (FREE == null) {
            return;
        }
        try {
            FREE.invokeExact(buffer);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code Unsafe.invokeCleaner(ByteBuffer)} bound to the JDK's instance, or null where it is not available. */
    private static MethodHandle directBufferRelease() {
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field instance = unsafeClass.getDeclaredField("theUnsafe");
            instance.setAccessible(true);
            return MethodHandles.lookup()
                    .findVirtual(unsafeClass, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class))
                    .bindTo(instance.get(null));
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.info("direct input buffers of ONNX models are freed by the garbage collector: {}", e.toString());
            return null;
        }
    }
}
