package io.inferno.onnx;

import ai.onnxruntime.MapInfo;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.SequenceInfo;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.TensorInfo.OnnxTensorType;
import ai.onnxruntime.ValueInfo;
import io.inferno.model.Dim;
import io.inferno.model.Signature;
import io.inferno.model.TensorSpec;
import io.inferno.tensor.DType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The inputs and outputs an ONNX graph declares, as ONNX Runtime reports them, and how they meet model.yaml's
 * signature: either {@linkplain #check checked against it}, or {@linkplain #signature turned into one} when
 * model.yaml has none.
 *
 * <p>ONNX Runtime runs a graph only with every one of its inputs (initializers that an input could override are
 * not exposed by its Java API), so each graph input is a required input of the signature and each signature input
 * must be one of the graph's. Outputs are fetched by name, so the signature may declare any subset of the graph's
 * outputs. A dimension the graph leaves dynamic admits whatever model.yaml declares for it; one the graph fixes
 * must be declared with the same size (for an output, it must at least not be declared {@code batch}).
 *
 * @param inputs the graph's inputs, in graph order
 * @param outputs the graph's outputs, in graph order
 */
record Graph(List<Port> inputs, List<Port> outputs) {
    private static final Pattern SYMBOL = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    Graph {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    /** One input or output of the graph. */
    sealed interface Port permits TensorPort, OtherPort {
        String name();
    }

    /**
     * A tensor: its element type and shape, each dimension a size or -1 when dynamic, with the graph's name for it
     * ({@code dim_param}) or an empty string.
     */
    record TensorPort(String name, OnnxTensorType type, long[] dims, String[] dimNames) implements Port {
        TensorPort {
            dims = dims.clone();
            dimNames = dimNames.clone();
        }

        int rank() {
            return dims.length;
        }

        /** The shape as the graph has it, for messages: {@code [batch, seq]}, {@code [?, 4]}. */
        String shapeText() {
            List<String> parts = new ArrayList<>();
            for (int i = 0; i < dims.length; i++) {
                parts.add(dims[i] >= 0 ? Long.toString(dims[i]) : dimNames[i].isEmpty() ? "?" : dimNames[i]);
            }
            return parts.toString();
        }
    }

    /** A value Inferno cannot carry: a sequence, a map or an optional. */
    record OtherPort(String name, String what) implements Port {}

    /** Reads a session's inputs and outputs. */
    static Graph of(OrtSession session) throws OrtException {
        return new Graph(ports(session.getInputInfo()), ports(session.getOutputInfo()));
    }

    private static List<Port> ports(Map<String, NodeInfo> infos) {
        List<Port> ports = new ArrayList<>();
        for (NodeInfo node : infos.values()) {
            ValueInfo info = node.getInfo();
            if (info instanceof TensorInfo t) {
                ports.add(new TensorPort(node.getName(), t.onnxType, t.getShape(), t.getDimensionNames()));
            } else if (info instanceof SequenceInfo s) {
                ports.add(new OtherPort(node.getName(), s.sequenceOfMaps ? "a sequence of maps" : "a sequence"));
            } else if (info instanceof MapInfo) {
                ports.add(new OtherPort(node.getName(), "a map"));
            } else {
                ports.add(new OtherPort(node.getName(), "a " + info.getClass().getSimpleName()));
            }
        }
        return ports;
    }

    // ---------------------------------------------------------------------------------------------------------
    // model.yaml has a signature: check it against the graph

    /** Every way {@code declared} disagrees with the graph; empty when it can be served. */
    List<String> check(Signature declared) {
        List<String> problems = new ArrayList<>();
        Map<String, Port> graphInputs = byName(inputs);
        Map<String, Port> graphOutputs = byName(outputs);
        for (TensorSpec spec : declared.inputs()) {
            Port port = graphInputs.get(spec.name());
            if (port == null) {
                problems.add("input '" + spec.name() + "' is not an input of the graph (its inputs: "
                        + names(inputs) + ")");
                continue;
            }
            if (spec.optional()) {
                problems.add("input '" + spec.name() + "' is optional in model.yaml, but the graph needs it (ONNX"
                        + " Runtime runs a graph only with all of its inputs)");
            }
            compare("input", spec, port, true, problems);
        }
        for (Port port : inputs) {
            if (declared.input(port.name()).isEmpty()) {
                problems.add("the graph's input '" + port.name() + "' " + describe(port) + " is missing from"
                        + " model.yaml's signature (ONNX Runtime runs a graph only with all of its inputs)");
            }
        }
        for (TensorSpec spec : declared.outputs()) {
            Port port = graphOutputs.get(spec.name());
            if (port == null) {
                problems.add("output '" + spec.name() + "' is not an output of the graph (its outputs: "
                        + names(outputs) + ")");
                continue;
            }
            compare("output", spec, port, false, problems);
        }
        return problems;
    }

    private static void compare(String kind, TensorSpec spec, Port port, boolean input, List<String> problems) {
        String what = kind + " '" + spec.name() + "'";
        if (!(port instanceof TensorPort t)) {
            problems.add(what + " is " + ((OtherPort) port).what() + " in the graph, not a tensor");
            return;
        }
        Optional<DType> type = OnnxTypes.toInferno(t.type());
        if (type.isEmpty()) {
            problems.add(OnnxTypes.unsupported(what, t.type()));
        } else if (type.get() != spec.dtype()) {
            problems.add(what + " is " + spec.dtype() + " in model.yaml, " + type.get() + " in the graph");
        }
        if (spec.rank() != t.rank()) {
            problems.add(what + " has rank " + spec.rank() + " in model.yaml (" + spec.shapeText() + "), rank "
                    + t.rank() + " in the graph (" + t.shapeText() + ")");
            return;
        }
        for (int i = 0; i < t.rank(); i++) {
            long fixed = t.dims()[i];
            Dim d = spec.shape().get(i);
            if (fixed < 0) {
                continue; // dynamic in the graph: any declaration narrows it
            }
            if (d instanceof Dim.Fixed f) {
                if (f.size() != fixed) {
                    problems.add(what + " dimension " + i + " is " + f.size() + " in model.yaml, " + fixed
                            + " in the graph (" + t.shapeText() + ")");
                }
            } else if (input || d.isBatch()) {
                problems.add(what + " dimension " + i + " is " + d + " in model.yaml, but the graph fixes it at "
                        + fixed + " (" + t.shapeText() + ")");
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // model.yaml has no signature: take the graph's

    /**
     * The signature this graph declares, as model.yaml would write it: every input; every output Inferno can
     * carry ({@code skipped} collects the others, a sequence or a string tensor for example). A leading dynamic
     * dimension is {@code batch}; another dynamic one is the graph's name for it when that is a valid symbol
     * (so that tensors sharing it must agree), else {@code -1}.
     *
     * @throws IllegalArgumentException listing why the graph cannot be served: an input Inferno cannot carry, a
     *     name Inferno does not allow, or no output left
     */
    Signature signature(List<String> skipped) {
        List<String> problems = new ArrayList<>();
        List<TensorSpec> in = new ArrayList<>();
        for (Port port : inputs) {
            spec("input", port, problems).ifPresent(in::add);
        }
        List<TensorSpec> out = new ArrayList<>();
        for (Port port : outputs) {
            List<String> outputProblems = new ArrayList<>();
            Optional<TensorSpec> spec = spec("output", port, outputProblems);
            spec.ifPresent(out::add);
            skipped.addAll(outputProblems);
        }
        if (out.isEmpty()) {
            problems.add("none of the graph's outputs can be served" + (skipped.isEmpty() ? ""
                    : ": " + String.join("; ", skipped)));
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return new Signature(in, out);
    }

    private static Optional<TensorSpec> spec(String kind, Port port, List<String> problems) {
        String what = "the graph's " + kind + " '" + port.name() + "'";
        if (!(port instanceof TensorPort t)) {
            problems.add(what + " is " + ((OtherPort) port).what() + ", not a tensor");
            return Optional.empty();
        }
        if (!TensorSpec.NAME.matcher(t.name()).matches()) {
            problems.add(what + " has a name Inferno does not accept (tensor names match " + TensorSpec.NAME.pattern()
                    + "); rename it in the graph");
            return Optional.empty();
        }
        Optional<DType> type = OnnxTypes.toInferno(t.type());
        if (type.isEmpty()) {
            problems.add(OnnxTypes.unsupported(what, t.type()));
            return Optional.empty();
        }
        List<Dim> shape = new ArrayList<>();
        for (int i = 0; i < t.rank(); i++) {
            long size = t.dims()[i];
            String name = t.dimNames()[i];
            if (size >= 0) {
                shape.add(Dim.fixed(size));
            } else if (i == 0) {
                shape.add(Dim.BATCH);
            } else if (SYMBOL.matcher(name).matches() && !name.equals(Dim.BATCH_NAME)) {
                shape.add(Dim.symbolic(name));
            } else {
                shape.add(Dim.ANY);
            }
        }
        return Optional.of(new TensorSpec(t.name(), type.get(), shape, false));
    }

    // ---------------------------------------------------------------------------------------------------------

    private static Map<String, Port> byName(List<Port> ports) {
        Map<String, Port> map = new LinkedHashMap<>();
        ports.forEach(p -> map.put(p.name(), p));
        return map;
    }

    private static String names(List<Port> ports) {
        return ports.isEmpty() ? "none" : String.join(", ", ports.stream().map(Port::name).sorted().toList());
    }

    private static String describe(Port port) {
        if (port instanceof TensorPort t) {
            return OnnxTypes.toInferno(t.type()).map(DType::wireName).orElse(OnnxTypes.name(t.type())) + " "
                    + t.shapeText();
        }
        return "(" + ((OtherPort) port).what() + ")";
    }
}
