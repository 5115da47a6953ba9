package io.inferno.http;

import static io.inferno.http.ServerHarness.xBody;
import static io.inferno.testing.Await.done;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.inferno.testing.ModelProbe;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every metric the Grafana dashboard and the alerting rules query is one a real server exports: a server serves
 * traffic of every kind (answers, failures, an unknown name, a model that failed to load, a rejection), and the
 * sample names of its /metrics (with their {@code _bucket}, {@code _sum}, {@code _count} and {@code _total}
 * suffixes) must include every name the queries use.
 */
class DeployMetricNamesTest {
    private static final Path DEPLOY = Path.of("..", "deploy");
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
    private static final Pattern LABEL_LISTS = Pattern.compile(
            "\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without",
            "on", "ignoring", "group_left", "group_right", "inf", "nan");

    @TempDir
    Path root;

    @Test
    void theDashboardAndTheAlertsQueryOnlyMetricsTheServerExports() throws Exception {
        Set<String> used = new TreeSet<>();
        dashboardQueries().forEach(q -> used.addAll(metricNames(q)));
        alertExpressions().forEach(q -> used.addAll(metricNames(q)));
        assertThat(used).as("metrics the dashboard and alerts use").contains("infer_requests_total",
                "infer_latency_seconds_bucket", "infer_queue_depth", "infer_rejections_total", "model_loaded",
                "ready", "state_store_healthy", "http_inflight_bytes", "infer_batch_retries_total");
        assertThat(exportedSampleNames()).containsAll(used);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            sum by (model, le) (rate(infer_latency_seconds_bucket{model=~"$model"}[$__rate_interval])) | infer_latency_seconds_bucket
            count by (namespace) (ready == 1) < on (namespace) group_left () model_loaded | ready model_loaded
            sum(1 - state_store_healthy)                                                   | state_store_healthy
            label_values(model_loaded, model)                                              | model_loaded
            histogram_quantile(0.99, x_bucket) > 1e-3 and on (model) y offset 5m           | x_bucket y
            """)
    void metricNamesAreTheIdentifiersThatAreNotFunctionsLabelsOrKeywords(String query, String names) {
        assertThat(metricNames(query)).containsExactlyInAnyOrder(names.split(" "));
    }

    /** The names of the series a query selects. */
    static Set<String> metricNames(String query) {
        String q = STRING.matcher(query).replaceAll("\"\"");
        q = q.replaceAll("\\{[^}]*}", " ").replaceAll("\\[[^]]*]", " ");
        q = LABEL_LISTS.matcher(q).replaceAll(" ");
        q = q.replaceAll("label_values\\(([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*,[^)]*\\)", "$1");
        q = q.replaceAll("\\b\\d+(?:\\.\\d+)?(?:e[-+]?\\d+)?\\b", " ");
        Set<String> names = new TreeSet<>();
        Matcher m = IDENTIFIER.matcher(q);
        while (m.find()) {
            String id = m.group();
            boolean function = q.substring(m.end()).matches("(?s)\\s*\\(.*");
            boolean unit = m.start() > 0 && Character.isDigit(q.charAt(m.start() - 1));
            if (!function && !unit && !KEYWORDS.contains(id.toLowerCase())) {
                names.add(id);
            }
        }
        return names;
    }

    /** Every {@code expr} of the dashboard's panels and every metric query of its template variables. */
    static List<String> dashboardQueries() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(DEPLOY.resolve("grafana/inferno.json").toFile());
        List<String> queries = new java.util.ArrayList<>();
        dashboard.findValues("expr").forEach(e -> queries.add(e.asText()));
        for (JsonNode variable : dashboard.at("/templating/list")) {
            if (variable.path("type").asText().equals("query")) {
                queries.add(variable.at("/query/query").asText());
            }
        }
        assertThat(queries).hasSizeGreaterThan(10);
        return queries;
    }

    /** Every {@code expr} of deploy/prometheus/alerts.yml. */
    static List<String> alertExpressions() throws IOException {
        JsonNode rules = new ObjectMapper(new YAMLFactory()).readTree(DEPLOY.resolve("prometheus/alerts.yml").toFile());
        List<String> expressions = rules.findValues("expr").stream().map(JsonNode::asText).toList();
        assertThat(expressions).hasSizeGreaterThan(5);
        return expressions;
    }

    /** The sample names a server's /metrics holds after traffic of every kind. */
    private Set<String> exportedSampleNames() throws Exception {
        Path repo = ServerHarness.standardRepository(root);
        try (ModelProbe probe = ModelProbe.open(repo);
                ServerHarness http = new ServerHarness(repo, Map.of())) {
            assertThat(http.post("/v1/models/scale:predict", xBody(1, 2)).statusCode()).isEqualTo(200);
            assertThat(http.post("/v1/models/failing:predict", xBody(1, 2)).statusCode()).isEqualTo(500);
            assertThat(http.post("/v1/models/nope:predict", xBody(1)).statusCode()).isEqualTo(404);
            assertThat(http.post("/v1/models/broken:predict", xBody(1)).statusCode()).isEqualTo(404);
            ModelProbe.Gate gate = probe.predictions("gated");
            gate.hold();
            try {
                CompletableFuture<Integer> running = CompletableFuture.supplyAsync(
                        () -> http.post("/v1/models/gated:predict", xBody(1)).statusCode());
                gate.awaitArrivals(1);
                String expiring = xBody(1).replace("}}}", "}}, \"timeout_ms\": 50}");
                assertThat(http.post("/v1/models/gated:predict", expiring).statusCode()).isEqualTo(504);
                gate.release();
                assertThat(done(running)).isEqualTo(200);
            } finally {
                gate.release();
            }
            String metrics = http.get("/metrics").body();
            Set<String> names = new TreeSet<>();
            for (String line : metrics.split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    names.add(line.split("[{ ]", 2)[0]);
                }
            }
            return names;
        }
    }
}
