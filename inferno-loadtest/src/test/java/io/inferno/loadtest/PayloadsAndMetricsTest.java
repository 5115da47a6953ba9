package io.inferno.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PayloadsAndMetricsTest {
    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void generatesEveryRequiredInputFromTheSignature() throws Exception {
        JsonNode description = mapper.readTree("""
                {"name": "multi_io", "signature": {"inputs": [
                  {"name": "tokens", "dtype": "int64", "shape": ["batch", "seq"]},
                  {"name": "mask", "dtype": "float32", "shape": ["batch", "seq", 2]},
                  {"name": "extra", "dtype": "bool", "shape": ["batch"], "optional": true}]}}
                """);
        JsonNode body = mapper.readTree(Payloads.generate(mapper, description, 3, Map.of("seq", 5L), 1));
        JsonNode inputs = body.get("inputs");
        assertThat(inputs.fieldNames()).toIterable().containsExactly("tokens", "mask");
        assertThat(inputs.get("tokens").get("shape").toString()).isEqualTo("[3,5]");
        assertThat(inputs.get("tokens").get("data")).hasSize(3);
        assertThat(inputs.get("tokens").get("data").get(0)).hasSize(5);
        assertThat(inputs.get("tokens").get("data").get(0).get(0).isIntegralNumber()).isTrue();
        assertThat(inputs.get("mask").get("shape").toString()).isEqualTo("[3,5,2]");
        assertThat(inputs.get("mask").get("data").get(2).get(4)).hasSize(2);
    }

    @Test
    void readsTheServersQueueAndComputeSplitBetweenTwoScrapes() {
        String before = """
                # TYPE infer_queue_seconds histogram
                infer_queue_seconds_count{model="m"} 10
                infer_queue_seconds_sum{model="m"} 0.010
                infer_compute_seconds_count{model="m"} 2
                infer_compute_seconds_sum{model="m"} 0.004
                infer_batch_size_count{model="m"} 2
                infer_batch_size_sum{model="m"} 10
                infer_batch_size_count{model="other"} 99
                """;
        String after = before.replace("infer_queue_seconds_count{model=\"m\"} 10",
                        "infer_queue_seconds_count{model=\"m\"} 30")
                .replace("0.010", "0.050").replace("infer_compute_seconds_count{model=\"m\"} 2",
                        "infer_compute_seconds_count{model=\"m\"} 6")
                .replace("0.004", "0.016").replace("infer_batch_size_count{model=\"m\"} 2",
                        "infer_batch_size_count{model=\"m\"} 6")
                .replace("infer_batch_size_sum{model=\"m\"} 10", "infer_batch_size_sum{model=\"m\"} 30");
        Report.Server s = ServerMetrics.parse(after, "m").since(ServerMetrics.parse(before, "m"));
        assertThat(s.meanQueueMs()).isCloseTo(2.0, within(1e-9));
        assertThat(s.meanComputeMs()).isCloseTo(3.0, within(1e-9));
        assertThat(s.meanBatchSize()).isCloseTo(5.0, within(1e-9));
        assertThat(s.batches()).isEqualTo(4.0);
    }
}
