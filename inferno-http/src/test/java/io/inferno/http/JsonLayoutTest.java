package io.inferno.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonLayoutTest {
    private final LoggerContext context = new LoggerContext();

    private JsonNode layout(LoggingEvent event) throws Exception {
        JsonLayout layout = new JsonLayout();
        layout.setContext(context);
        layout.start();
        String line = layout.doLayout(event);
        assertThat(line).endsWith("\n").doesNotContain("\n{");
        assertThat(line.strip()).doesNotContain("\n");
        return new ObjectMapper().readTree(line);
    }

    @Test
    void writesOneObjectWithTheRequestContext() throws Exception {
        LoggingEvent e = new LoggingEvent("x", context.getLogger("io.inferno.http.access"), Level.INFO,
                "POST /v1/models/m:predict 200 \"quoted\"", null, null);
        e.setMDCPropertyMap(Map.of("request_id", "abc", "model", "m", "version", "2", "route",
                "/v1/models/{name}:predict", "status", "200", "duration_ms", "3"));
        JsonNode j = layout(e);
        assertThat(Instant.parse(j.get("ts").asText())).isNotNull();
        assertThat(j.get("level").asText()).isEqualTo("INFO");
        assertThat(j.get("logger").asText()).isEqualTo("io.inferno.http.access");
        assertThat(j.get("msg").asText()).isEqualTo("POST /v1/models/m:predict 200 \"quoted\"");
        assertThat(j.get("request_id").asText()).isEqualTo("abc");
        assertThat(j.get("status").isInt()).isTrue();
        assertThat(j.get("duration_ms").asInt()).isEqualTo(3);
        assertThat(j.get("version").asInt()).isEqualTo(2);
        assertThat(j.get("route").asText()).isEqualTo("/v1/models/{name}:predict");
    }

    @Test
    void putsAStackTraceInItsOwnField() throws Exception {
        LoggingEvent e = new LoggingEvent("x", context.getLogger("t"), Level.ERROR, "failed",
                new IllegalStateException("boom\nsecond line"), null);
        e.setMDCPropertyMap(Map.of());
        JsonNode j = layout(e);
        assertThat(j.get("stack").asText()).contains("IllegalStateException: boom").contains("second line");
    }
}
