package io.inferno.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferno.ModelDescription;
import io.inferno.ModelStatus;
import io.inferno.codec.Codec;
import io.inferno.model.BatchingConfig;
import io.inferno.model.Dim;
import io.inferno.model.Signature;
import io.inferno.model.TensorSpec;
import io.inferno.state.ReplicaReport;
import io.inferno.tensor.DType;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ModelViewsTest {
    private final ModelViews views = new ModelViews(new ObjectMapper());

    @Test
    void aModelWithoutActiveVersionShowsNullAndAFailureWithoutVersionShowsNull() {
        ModelStatus s = new ModelStatus("m", OptionalLong.empty(), List.of(), List.of(1L, 2L),
                List.of(new ModelStatus.Failure(OptionalLong.empty(), "config.yaml is missing"),
                        new ModelStatus.Failure(OptionalLong.of(2), "bad artifact")));
        assertThat(views.status(s).toString()).isEqualTo("{\"name\":\"m\",\"active_version\":null,"
                + "\"loaded_versions\":[],\"versions_on_disk\":[1,2],\"failures\":["
                + "{\"version\":null,\"reason\":\"config.yaml is missing\"},"
                + "{\"version\":2,\"reason\":\"bad artifact\"}]}");
    }

    @Test
    void theListHasAFleetOnlyWithASharedStateStore() {
        ModelStatus s = new ModelStatus("m", OptionalLong.of(1), List.of(1L), List.of(1L), List.of());
        ReplicaReport r = new ReplicaReport("r1", Map.of("m", List.of(1L)), Instant.parse("2024-01-02T03:04:05Z"));
        assertThat(views.models(List.of(s), false, true, List.of(r)).has("fleet")).isFalse();
        var shared = views.models(List.of(s), true, false, List.of(r));
        assertThat(shared.get("state_store").toString()).isEqualTo("{\"shared\":true,\"healthy\":false}");
        assertThat(shared.get("fleet").toString())
                .isEqualTo("[{\"replica\":\"r1\",\"at\":\"2024-01-02T03:04:05Z\",\"loaded\":{\"m\":[1]}}]");
    }

    @Test
    void aShapeListsFixedSizesSymbolicNamesAndMinusOneForAny() {
        Signature sig = new Signature(
                List.of(new TensorSpec("x", DType.FLOAT32, List.of(Dim.symbolic("batch"), Dim.ANY, Dim.fixed(4)),
                        true)),
                List.of(TensorSpec.of("y", DType.INT64, Dim.symbolic("batch"))));
        ModelDescription d = new ModelDescription("m", 3, "java", sig, BatchingConfig.DEFAULTS, 2, Codec.BASE64);
        var o = views.description(d);
        assertThat(o.get("signature").toString()).isEqualTo("{\"inputs\":[{\"name\":\"x\",\"dtype\":\"float32\","
                + "\"shape\":[\"batch\",-1,4],\"optional\":true}],"
                + "\"outputs\":[{\"name\":\"y\",\"dtype\":\"int64\",\"shape\":[\"batch\"]}]}");
        assertThat(o.get("concurrency").get("max_concurrency").asInt()).isEqualTo(2);
        assertThat(o.get("codecs").get("default").asText()).isEqualTo("base64");
    }

    @Test
    void theActiveViewSaysWhetherTheActiveVersionIsLoaded() {
        ModelStatus notLoaded = new ModelStatus("m", OptionalLong.of(2), List.of(1L), List.of(1L, 2L), List.of());
        assertThat(views.active("m", notLoaded).toString())
                .isEqualTo("{\"name\":\"m\",\"version\":2,\"loaded\":false}");
        ModelStatus none = new ModelStatus("m", OptionalLong.empty(), List.of(), List.of(), List.of());
        assertThat(views.active("m", none).toString())
                .isEqualTo("{\"name\":\"m\",\"version\":null,\"loaded\":false}");
    }
}
