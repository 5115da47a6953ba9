package io.inferno.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inferno.ModelDescription;
import io.inferno.ModelStatus;
import io.inferno.model.Dim;
import io.inferno.model.TensorSpec;
import io.inferno.state.ReplicaReport;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * The JSON views of models that the read-only routes answer with (docs/api.md): the model list, one model's
 * status, a version's description and the active version. Pure functions of their arguments.
 */
final class ModelViews {
    private final ObjectMapper mapper;

    ModelViews(ObjectMapper mapper) {
        this.mapper = Objects.requireNonNull(mapper, "mapper");
    }

    /**
     * The body of {@code GET /v1/models}.
     *
     * @param models every model's status
     * @param shared whether state is kept in a shared store; only then is {@code fleet} part of the view
     * @param healthy whether the state store answers
     * @param fleet what each replica reports as loaded; ignored unless {@code shared}
     */
    ObjectNode models(List<ModelStatus> models, boolean shared, boolean healthy, List<ReplicaReport> fleet) {
        ObjectNode root = mapper.createObjectNode();
        ArrayNode array = root.putArray("models");
        for (ModelStatus s : models) {
            array.add(status(s));
        }
        ObjectNode store = root.putObject("state_store");
        store.put("shared", shared);
        store.put("healthy", healthy);
        if (shared) {
            ArrayNode replicas = root.putArray("fleet");
            for (ReplicaReport r : fleet) {
                ObjectNode replica = replicas.addObject();
                replica.put("replica", r.replica());
                replica.put("at", r.at().toString());
                ObjectNode loaded = replica.putObject("loaded");
                r.loaded().forEach((model, versions) -> {
                    ArrayNode a = loaded.putArray(model);
                    versions.forEach(a::add);
                });
            }
        }
        return root;
    }

    /** One model in the list: active, loaded and on-disk versions, and load failures. */
    ObjectNode status(ModelStatus s) {
        ObjectNode m = mapper.createObjectNode();
        m.put("name", s.name());
        putVersion(m, "active_version", s.active());
        ArrayNode loaded = m.putArray("loaded_versions");
        s.loaded().forEach(loaded::add);
        ArrayNode onDisk = m.putArray("versions_on_disk");
        s.onDisk().forEach(onDisk::add);
        ArrayNode failures = m.putArray("failures");
        for (ModelStatus.Failure f : s.failures()) {
            ObjectNode fo = failures.addObject();
            putVersion(fo, "version", f.version());
            fo.put("reason", f.reason());
        }
        return m;
    }

    /** The body of {@code GET /v1/models/{name}} and {@code .../versions/{version}}. */
    ObjectNode description(ModelDescription d) {
        ObjectNode o = mapper.createObjectNode();
        o.put("name", d.name());
        o.put("version", d.version());
        o.put("format", d.format());
        ObjectNode sig = o.putObject("signature");
        specs(sig.putArray("inputs"), d.signature().inputs(), true);
        specs(sig.putArray("outputs"), d.signature().outputs(), false);
        ObjectNode b = o.putObject("batching");
        b.put("enabled", d.batching().enabled());
        b.put("max_batch_size", d.batching().maxBatchSize());
        b.put("max_batch_latency_ms", d.batching().maxBatchLatencyMs());
        b.put("max_queue_size", d.batching().maxQueueSize());
        b.put("timeout_ms", d.batching().timeoutMs());
        o.putObject("concurrency").put("max_concurrency", d.maxConcurrency());
        o.putObject("codecs").put("default", d.defaultCodec().wireName());
        return o;
    }

    /** The body of {@code GET /v1/models/{name}/active}. */
    ObjectNode active(String name, ModelStatus s) {
        ObjectNode o = mapper.createObjectNode();
        o.put("name", name);
        putVersion(o, "version", s.active());
        o.put("loaded", s.activeLoaded());
        return o;
    }

    /** A version field: the number, or JSON null when there is none. */
    private static void putVersion(ObjectNode o, String field, OptionalLong version) {
        if (version.isPresent()) {
            o.put(field, version.getAsLong());
        } else {
            o.putNull(field);
        }
    }

    /** Tensor specs; a shape lists fixed sizes as numbers, symbolic ones by name and any other as -1. */
    private static void specs(ArrayNode out, List<TensorSpec> specs, boolean inputs) {
        for (TensorSpec s : specs) {
            ObjectNode t = out.addObject();
            t.put("name", s.name());
            t.put("dtype", s.dtype().wireName());
            ArrayNode shape = t.putArray("shape");
            for (Dim d : s.shape()) {
                if (d instanceof Dim.Fixed f) {
                    shape.add(f.size());
                } else if (d instanceof Dim.Symbolic sym) {
                    shape.add(sym.name());
                } else {
                    shape.add(-1);
                }
            }
            if (inputs) {
                t.put("optional", s.optional());
            }
        }
    }
}
