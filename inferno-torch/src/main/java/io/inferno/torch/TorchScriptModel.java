package io.inferno.torch;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.JniUtils;
import io.inferno.InvalidInputException;
import io.inferno.model.Signature;
import io.inferno.model.TensorSpec;
import io.inferno.runtime.Model;
import io.inferno.tensor.DType;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One loaded TorchScript module, run one batch per {@link #predict} call, from any number of threads at once.
 *
 * <p>Concurrency: a call shares nothing mutable with other calls. It opens its own {@link NDManager} under the
 * model's manager, which owns every native array of the batch (outputs, device copies, large inputs) and is closed
 * when the call returns or throws; the {@link IValue}s that carry arguments and results are closed by the call too.
 * Small host inputs are written into tensors kept from one batch to the next ({@link InputTensors}): a call
 * borrows a set of them for its duration, so no two calls share one, and {@link #close} frees them. The loaded
 * module is shared: libtorch runs one module's {@code forward} from several threads at once, and DJL's manager
 * tree is concurrent. The graph-optimizer switch is applied per thread (see
 * {@link TorchEngine#prepareThread}). Only {@link #close} changes state, and the engine calls it after the last
 * {@link #predict}.
 *
 * <p>Inputs go in by position, in signature order: each tensor's bytes are copied once, into the memory of a
 * tensor libtorch allocated on the host (on a GPU, libtorch copies that to the device). Outputs are a
 * {@code Tensor}, a tuple or list of tensors (matched to the signature's outputs by position) or a
 * {@code Dict[str, Tensor]} (matched by key); each declared output is copied once from native memory into a new
 * heap buffer that the returned {@link Tensor} owns.
 */
final class TorchScriptModel implements Model {
    private final String id;
    private final String fileName;
    private final Signature signature;
    private final ai.djl.Model model;
    private final PtSymbolBlock module;
    private final PtNDManager manager;
    private final TorchEngine engine;
    private final InputTensors inputTensors;
    private final AtomicBoolean closed = new AtomicBoolean();

    TorchScriptModel(String id, String fileName, Signature signature, ai.djl.Model model, TorchEngine engine) {
        this.id = id;
        this.fileName = fileName;
        this.signature = signature;
        this.model = model;
        this.module = (PtSymbolBlock) model.getBlock();
        this.manager = (PtNDManager) model.getNDManager();
        this.engine = engine;
        this.inputTensors = new InputTensors(manager);
    }

    @Override
    public Map<String, Tensor> predict(Map<String, Tensor> inputs) {
        if (closed.get()) {
            throw new IllegalStateException("model " + id + " is closed");
        }
        engine.prepareThread();
        try (PtNDManager batch = manager.newSubManager(manager.getDevice());
                InputTensors.Lease kept = inputTensors.borrow()) {
            List<IValue> arguments = new ArrayList<>(inputs.size());
            List<IValue> owned = new ArrayList<>(inputs.size()); // the arguments this call closes
            try {
                for (String name : positional(inputs)) {
                    Tensor t = inputs.get(name);
                    DataType type = TorchTypes.toDjl(t.dtype()).orElseThrow(() -> new InvalidInputException(
                            TorchTypes.unsupported("input '" + name + "'", t.dtype())));
                    IValue value = batch.getDevice().isGpu() ? null : kept.fill(name, t, type);
                    if (value == null) {
                        value = IValue.from(toNative(batch, t, type));
                        owned.add(value);
                    }
                    arguments.add(value);
                }
                try (IValue result = forward(arguments)) {
                    return outputs(result, batch);
                }
            } finally {
                owned.forEach(IValue::close);
            }
        }
    }

    /** The inputs given, by name, in signature order; an optional input may be left out only with all later ones. */
    private List<String> positional(Map<String, Tensor> inputs) {
        List<String> ordered = new ArrayList<>(inputs.size());
        String skipped = null;
        for (TensorSpec spec : signature.inputs()) {
            Tensor t = inputs.get(spec.name());
            if (t == null) {
                if (!spec.optional()) {
                    throw new InvalidInputException("missing required input '" + spec.name() + "'");
                }
                skipped = skipped == null ? spec.name() : skipped;
            } else if (skipped != null) {
                throw new InvalidInputException("input '" + spec.name() + "' needs optional input '" + skipped
                        + "' as well: TorchScript takes inputs by position, so an optional input can be left out only"
                        + " together with every input after it");
            } else {
                ordered.add(spec.name());
            }
        }
        if (ordered.isEmpty()) {
            throw new InvalidInputException("a TorchScript model needs at least one input tensor");
        }
        return ordered;
    }

    /**
     * One copy: libtorch allocates the tensor on the host and the bytes go straight into its memory, which the
     * batch's manager frees deterministically (no direct buffer waiting for the garbage collector). On a GPU,
     * libtorch then copies it to the device. Small host inputs skip the allocation: {@link InputTensors}. The type
     * comes from {@link TorchTypes#toDjl}, checked first: DJL's native layer aborts the process on a type it cannot
     * create.
     */
    private static PtNDArray toNative(PtNDManager batch, Tensor t, DataType type) {
        PtNDArray host = JniUtils.createEmptyNdArray(batch, new ai.djl.ndarray.types.Shape(t.shape().dims()), type,
                ai.djl.Device.cpu(), SparseFormat.DENSE);
        if (t.byteSize() > 0) {
            host.toByteBuffer(true).put(t.data()); // a view of the new tensor's memory
        }
        return batch.getDevice().isGpu() ? host.toDevice(batch.getDevice(), false) : host;
    }

    private IValue forward(List<IValue> arguments) {
        try {
            return module.forward(arguments.toArray(IValue[]::new));
        } catch (EngineException e) {
            String reason = TorchErrors.reason(e);
            String params = TorchErrors.forwardParameters(e.getMessage()).orElse(null);
            if (params != null) {
                reason += "; " + fileName + "'s forward takes (" + params + ") and gets the signature's "
                        + arguments.size() + " input" + (arguments.size() == 1 ? "" : "s") + " by position ("
                        + signature.inputNamesText() + ")";
            }
            throw new TorchScriptException(reason, e);
        }
    }

    private Map<String, Tensor> outputs(IValue result, PtNDManager batch) {
        List<TensorSpec> declared = signature.outputs();
        Map<String, Tensor> out = new LinkedHashMap<>();
        if (result.isTensor()) {
            requireCount(1, "a single tensor");
            out.put(declared.get(0).name(), toTensor(result.toTensor(batch), declared.get(0).name()));
        } else if (result.isTuple() || result.isList()) {
            IValue[] items = result.isTuple() ? result.toIValueTuple() : result.toIValueArray();
            try {
                String what = (result.isTuple() ? "a tuple" : "a list") + " of " + items.length;
                requireCount(items.length, what);
                for (int i = 0; i < declared.size(); i++) {
                    String name = declared.get(i).name();
                    if (!items[i].isTensor()) {
                        throw new TorchScriptException("forward returned " + what + " whose item " + i + " ('" + name
                                + "') is a " + items[i].getType() + ", not a Tensor");
                    }
                    out.put(name, toTensor(items[i].toTensor(batch), name));
                }
            } finally {
                closeAll(items);
            }
        } else if (result.isMap()) {
            Map<String, IValue> byKey = result.toIValueMap();
            try {
                for (TensorSpec spec : declared) {
                    IValue v = byKey.get(spec.name());
                    if (v == null || !v.isTensor()) {
                        throw new TorchScriptException("forward returned a dict with keys " + new TreeSet<>(
                                byKey.keySet()) + (v == null ? "" : " whose '" + spec.name() + "' is a " + v.getType())
                                + "; the signature's outputs, matched by key, are " + signature.outputNamesText());
                    }
                    out.put(spec.name(), toTensor(v.toTensor(batch), spec.name()));
                }
            } finally {
                closeAll(byKey.values().toArray(IValue[]::new));
            }
        } else {
            throw new TorchScriptException("forward returned a " + result.getType()
                    + "; the TorchScript runtime takes a Tensor, a tuple or list of Tensors, or a Dict[str, Tensor]");
        }
        return out;
    }

    private void requireCount(int returned, String what) {
        int n = signature.outputs().size();
        if (returned < n) {
            throw new TorchScriptException("forward returned " + what + (returned == 1 ? "" : " tensors")
                    + "; the signature declares " + n + " outputs (" + signature.outputNamesText()
                    + "), matched by position");
        }
    }

    /** One copy: native memory into a new heap buffer (after a device-to-host copy for a GPU result). */
    private static Tensor toTensor(PtNDArray array, String name) {
        DataType type = array.getDataType();
        DType dtype = TorchTypes.toInferno(type).orElseThrow(
                () -> new TorchScriptException(TorchTypes.unsupported("output '" + name + "'", type)));
        Shape shape = Shape.of(array.getShape().getShape());
        return Tensor.wrap(dtype, shape, array.toByteBuffer());
    }

    private static void closeAll(IValue[] values) {
        for (IValue v : values) {
            v.close();
        }
    }

    /** With libtorch's graph optimizer on, its first optimized run is slow: the loader pays for it. */
    @Override
    public boolean warmsUpBatchSizes() {
        return engine.graphOptimizer();
    }

    /**
     * Native arrays alive under this model's manager: its parameters, the inputs kept between batches
     * ({@link #keptInputs}), plus any a batch failed to free.
     */
    int liveArrays() {
        return manager.getManagedArrays().size();
    }

    /** Input tensors kept between batches by the leases not in use ({@link InputTensors}). */
    int keptInputs() {
        return inputTensors.kept();
    }

    /** Native arrays alive in the whole process, under DJL's system manager. */
    int processLiveArrays() {
        return manager.getParentManager().getManagedArrays().size();
    }

    /** The DJL device the module runs on. */
    ai.djl.Device device() {
        return manager.getDevice();
    }

    /** Frees the module and its parameters; idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            inputTensors.close();
            model.close();
        }
    }

    @Override
    public String toString() {
        return "TorchScriptModel[" + id + ", " + fileName + "]";
    }
}
