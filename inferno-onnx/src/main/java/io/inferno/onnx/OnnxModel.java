package io.inferno.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.inferno.model.Signature;
import io.inferno.model.TensorSpec;
import io.inferno.runtime.Model;
import io.inferno.tensor.DType;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One ONNX Runtime session, run one batch per {@link #predict} call, from any number of threads at once.
 *
 * <p>Concurrency: a call shares nothing mutable with other calls. Its native objects (input tensors, their memory,
 * the result) belong to a {@link NativeBatch} opened for the call and closed when it returns or throws. The
 * session is shared: ONNX Runtime runs one session from several threads at once. Only {@link #close} changes
 * state, and the engine calls it after the last {@link #predict}.
 *
 * <p>Inputs go in by name: each tensor's bytes are copied once, into direct memory that ONNX Runtime reads in place
 * (with the CUDA execution provider, ONNX Runtime copies them to the GPU). Only the signature's outputs are
 * fetched, by name, so ONNX Runtime skips the parts of the graph that only other outputs need; each is copied once,
 * from ONNX Runtime's memory (on the host, also with CUDA) into a new heap buffer that the returned {@link Tensor}
 * owns.
 */
final class OnnxModel implements Model {
    private final String id;
    private final String fileName;
    private final Signature signature;
    private final Optional<Signature> read;
    private final OrtEnvironment environment;
    private final OrtSession session;
    private final Set<String> outputNames;
    private final String device;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * @param signature the signature served: model.yaml's, or the graph's when model.yaml has none
     * @param read the graph's signature when model.yaml has none, for {@link #signature()}; else empty
     * @param device where the session runs, for messages: {@code cpu} or {@code cuda:N}
     */
    OnnxModel(String id, String fileName, Signature signature, Optional<Signature> read, OrtEnvironment environment,
            OrtSession session, String device) {
        this.id = id;
        this.fileName = fileName;
        this.signature = signature;
        this.read = read;
        this.environment = environment;
        this.session = session;
        this.device = device;
        Set<String> names = new LinkedHashSet<>();
        signature.outputs().forEach(o -> names.add(o.name()));
        this.outputNames = Set.copyOf(names);
    }

    @Override
    public Map<String, Tensor> predict(Map<String, Tensor> inputs) {
        if (closed.get()) {
            throw new IllegalStateException("model " + id + " is closed");
        }
        try (NativeBatch batch = new NativeBatch()) {
            Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : inputs.entrySet()) {
                feeds.put(e.getKey(), toNative(batch, e.getKey(), e.getValue()));
            }
            return outputs(batch.own(run(feeds)));
        }
    }

    /** One copy: the tensor's bytes into direct memory that the batch frees, wrapped without a copy. */
    private OnnxTensor toNative(NativeBatch batch, String name, Tensor t) {
        ByteBuffer memory = batch.allocate(t.byteSize());
        memory.put(t.data()).flip();
        try {
            return batch.own(OnnxTensor.createTensor(environment, memory, t.shape().dims(),
                    OnnxTypes.javaType(t.dtype())));
        } catch (OrtException e) {
            throw new OnnxRunException("input '" + name + "': " + OnnxRuntime.reason(e), e);
        }
    }

    private OrtSession.Result run(Map<String, OnnxTensor> feeds) {
        try {
            return session.run(feeds, outputNames);
        } catch (OrtException e) {
            throw new OnnxRunException(OnnxRuntime.reason(e), e);
        }
    }

    /** One copy per declared output: ONNX Runtime's memory into a heap buffer the returned tensor owns. */
    private Map<String, Tensor> outputs(OrtSession.Result result) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (TensorSpec spec : signature.outputs()) {
            OnnxValue value = result.get(spec.name()).orElseThrow(() -> new OnnxRunException("output '"
                    + spec.name() + "' is missing from ONNX Runtime's result", null));
            if (!(value instanceof OnnxTensor tensor)) {
                throw new OnnxRunException("output '" + spec.name() + "' came back as " + value.getType()
                        + ", not a tensor", null);
            }
            TensorInfo info = tensor.getInfo();
            DType dtype = OnnxTypes.toInferno(info.onnxType).orElseThrow(() -> new OnnxRunException(
                    OnnxTypes.unsupported("output '" + spec.name() + "'", info.onnxType), null));
            out.put(spec.name(), Tensor.wrap(dtype, Shape.of(info.getShape()), tensor.getByteBuffer()));
        }
        return out;
    }

    /** The graph's signature, when model.yaml has none. */
    @Override
    public Optional<Signature> signature() {
        return read;
    }

    /** Where the session runs: {@code cpu} or {@code cuda:N}. */
    String device() {
        return device;
    }

    /** Frees the session; idempotent. */
    @Override
    public void close() throws OrtException {
        if (closed.compareAndSet(false, true)) {
            session.close();
        }
    }

    @Override
    public String toString() {
        return "OnnxModel[" + id + ", " + fileName + "]";
    }
}
