package io.inferno.http;

import static io.inferno.http.ServerHarness.json;
import static io.inferno.repository.TestRepository.writeYaml;
import static org.assertj.core.api.Assertions.assertThat;

import io.inferno.testing.ScalingModel;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Error answers stay small whatever the client sends: excerpts of client values, a bounded list of problems. */
class BoundedErrorsHttpTest {
    /** Far below what one problem per unknown field would take for the bodies sent here. */
    private static final int DETAIL_LIMIT = 8192;

    @TempDir
    Path repo;

    private ServerHarness h;

    @BeforeEach
    void start() {
        writeYaml(repo.resolve("scale/1"), ScalingModel.yaml("scale", 1, 8));
        h = new ServerHarness(repo, Map.of());
    }

    @AfterEach
    void stop() {
        h.close();
    }

    private static final String INPUTS = "\"inputs\": {\"x\": {\"dtype\": \"float32\", \"shape\": [1, 2], "
            + "\"data\": [[1, 2]]}}";

    @Test
    void tenThousandUnknownFieldsGetOneSmallAnswer() {
        StringBuilder body = new StringBuilder("{").append(INPUTS);
        for (int i = 0; i < 10_000; i++) {
            body.append(", \"unknown_field_number_").append(i).append("\": ").append(i);
        }
        HttpResponse<String> r = h.post("/v1/models/scale:predict", body.append('}').toString());
        assertThat(r.statusCode()).isEqualTo(422);
        String detail = json(r).get("detail").asText();
        assertThat(detail).contains("unknown field 'unknown_field_number_0'").contains("more");
        assertThat(r.body().length()).isLessThan(DETAIL_LIMIT);
    }

    @Test
    void aHugeDtypeIsQuotedAsAnExcerpt() {
        String dtype = "f".repeat(1_000_000);
        HttpResponse<String> r = h.post("/v1/models/scale:predict", "{\"inputs\": {\"x\": {\"dtype\": \"" + dtype
                + "\", \"shape\": [1, 2], \"data\": [[1, 2]]}}}");
        assertThat(r.statusCode()).isEqualTo(422);
        assertThat(json(r).get("detail").asText()).contains("unsupported dtype 'fff").contains("1000000 chars");
        assertThat(r.body().length()).isLessThan(DETAIL_LIMIT);
    }

    @Test
    void aHugeFieldNameAndCodecAreQuotedAsExcerpts() {
        String name = "n".repeat(40_000); // under the JSON parser's own limit on names
        HttpResponse<String> r = h.post("/v1/models/scale:predict", "{" + INPUTS + ", \"" + name + "\": 1, "
                + "\"codec\": \"" + name + "\"}");
        assertThat(r.statusCode()).isEqualTo(422);
        assertThat(r.body().length()).isLessThan(DETAIL_LIMIT);
        assertThat(json(r).get("detail").asText()).contains("40000 chars");
    }

    @Test
    void aTimeoutAboveTheMaximumIs422() {
        for (String timeout : new String[] {"9223372036855", "9223372036854775807", "86400001"}) {
            HttpResponse<String> r = h.post("/v1/models/scale:predict", "{" + INPUTS + ", \"timeout_ms\": "
                    + timeout + "}");
            assertThat(r.statusCode()).as(timeout).isEqualTo(422);
            assertThat(json(r).get("detail").asText()).contains("timeout_ms must be at most 86400000");
        }
        HttpResponse<String> ok = h.post("/v1/models/scale:predict", "{" + INPUTS + ", \"timeout_ms\": 86400000}");
        assertThat(ok.statusCode()).isEqualTo(200);
    }
}
