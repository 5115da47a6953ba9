package io.inferno.torch;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.JniUtils;
import io.inferno.tensor.Tensor;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * Native input tensors of one model kept from one batch to the next, so that a small input costs one copy into
 * memory libtorch already owns, instead of a tensor allocation and four native calls (allocate, view, wrap in an
 * {@link IValue}, free it). On the smallest sample model this halved a call of the runtime (20 to 11 µs back to
 * back, {@code TinyModelLatencyBenchmark}), and took about 25 µs off a call made after the thread slept, which is
 * how a server at one connection runs it.
 *
 * <p>Bounds. Only host (CPU) tensors of at most {@link #MAX_BYTES} bytes are kept; a larger input costs the same
 * copy either way and is allocated per batch as before. A {@link Lease} keeps at most {@link #SHAPES} tensors (an
 * input name, dtype and shape each), dropping the least recently used one, which is freed at once. A call borrows
 * a lease for its duration, so there are at most as many leases as calls ever ran at once on the model (its
 * {@code max_concurrency}, plus a loader's check): at most {@code SHAPES * MAX_BYTES} (512 KiB) of native memory per
 * lease. {@link #close} frees them all, with the model; a lease given back after that is freed then.
 *
 * <p>What a model may do with its inputs: modify them in place, or return them or views of them (outputs are
 * copied to the heap before the call returns). What it must not do is keep a reference to an input tensor after
 * {@code forward} returns (in a module attribute, say): the next batch writes its own rows into that memory.
 *
 * <p>Threads: a lease is used by one call at a time; the idle leases sit in a lock-free deque.
 */
final class InputTensors implements AutoCloseable {
    /** Inputs up to this many bytes are kept between batches. */
    static final int MAX_BYTES = 64 << 10;
    /** Tensors a lease keeps at most. */
    static final int SHAPES = 8;

    private final PtNDManager parent;
    private final ConcurrentLinkedDeque<Lease> idle = new ConcurrentLinkedDeque<>();
    private volatile boolean closed;

    /** @param parent the model's manager, under which each lease opens its own */
    InputTensors(PtNDManager parent) {
        this.parent = parent;
    }

    /** The kept tensors for one call, which gives them back with {@link Lease#close}. */
    Lease borrow() {
        Lease lease = idle.pollFirst();
        return lease != null ? lease : new Lease();
    }

    /** Native tensors kept by idle leases (for tests: leases in use are not counted). */
    int kept() {
        int n = 0;
        for (Lease lease : idle) {
            n += lease.slots.size();
        }
        return n;
    }

    /** Frees every kept tensor; leases in use are freed when given back. */
    @Override
    public void close() {
        closed = true;
        freeIdle();
    }

    private void freeIdle() {
        Lease lease;
        while ((lease = idle.pollFirst()) != null) {
            lease.free();
        }
    }

    /** One input tensor kept: its name, dtype and shape, the native tensor, a view of its memory, and its IValue. */
    private record Slot(String name, DataType type, long[] dims, PtNDArray array, ByteBuffer memory, IValue value) {
        boolean holds(String n, DataType t, long[] d) {
            return type == t && Arrays.equals(dims, d) && name.equals(n);
        }
    }

    /** The tensors one call uses; not thread-safe. */
    final class Lease implements AutoCloseable {
        private final List<Slot> slots = new ArrayList<>(SHAPES); // least recently used first
        private PtNDManager own; // opened with the first kept tensor

        private Lease() {}

        /**
         * The input {@code t} as a kept host tensor holding its bytes, wrapped for {@code forward}; null when it is
         * not kept (empty or larger than {@link #MAX_BYTES}). The value belongs to the lease: do not close it.
         */
        IValue fill(String name, Tensor t, DataType type) {
            int bytes = t.byteSize();
            if (bytes == 0 || bytes > MAX_BYTES) {
                return null;
            }
            long[] dims = t.shape().dims();
            Slot slot = find(name, type, dims);
            if (slot == null) {
                slot = add(name, type, dims);
            }
            ByteBuffer memory = slot.memory();
            memory.clear();
            memory.put(t.data());
            return slot.value();
        }

        private Slot find(String name, DataType type, long[] dims) {
            for (int i = slots.size() - 1; i >= 0; i--) {
                Slot s = slots.get(i);
                if (s.holds(name, type, dims)) {
                    if (i != slots.size() - 1) {
                        slots.add(slots.remove(i)); // most recently used last
                    }
                    return s;
                }
            }
            return null;
        }

        private Slot add(String name, DataType type, long[] dims) {
            if (slots.size() == SHAPES) {
                release(slots.remove(0));
            }
            if (own == null) {
                own = parent.newSubManager(Device.cpu());
            }
            PtNDArray array = JniUtils.createEmptyNdArray(own, new ai.djl.ndarray.types.Shape(dims), type,
                    Device.cpu(), SparseFormat.DENSE);
            IValue value;
            try {
                value = IValue.from(array);
            } catch (RuntimeException e) {
                array.close();
                throw e;
            }
            Slot slot = new Slot(name, type, dims, array, array.toByteBuffer(true), value);
            slots.add(slot);
            return slot;
        }

        private void release(Slot slot) {
            slot.value().close();
            slot.array().close();
        }

        private void free() {
            slots.forEach(this::release);
            slots.clear();
            if (own != null) {
                own.close();
                own = null;
            }
        }

        /** Gives the lease back for the next call, or frees it when the model is closed. */
        @Override
        public void close() {
            idle.offerFirst(this);
            if (closed) {
                freeIdle();
            }
        }
    }
}
