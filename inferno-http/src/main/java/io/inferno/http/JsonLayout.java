package io.inferno.http;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.LayoutBase;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * One JSON object per log line: {@code ts} (ISO-8601), {@code level}, {@code logger}, {@code msg}, then the
 * request context from the MDC ({@code request_id}, {@code model}, {@code version}, {@code route},
 * {@code status}, {@code duration_ms}, ...) and, for an exception, {@code stack}.
 */
public final class JsonLayout extends LayoutBase<ILoggingEvent> {
    private static final Set<String> NUMERIC = Set.of("status", "duration_ms", "version", "bytes");

    @Override
    public String doLayout(ILoggingEvent event) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = Bodies.JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("ts", Instant.ofEpochMilli(event.getTimeStamp()).toString());
            g.writeStringField("level", event.getLevel().toString());
            g.writeStringField("logger", event.getLoggerName());
            g.writeStringField("msg", event.getFormattedMessage());
            Map<String, String> mdc = event.getMDCPropertyMap();
            if (mdc != null) {
                for (Map.Entry<String, String> e : mdc.entrySet()) {
                    writeField(g, e.getKey(), e.getValue());
                }
            }
            IThrowableProxy thrown = event.getThrowableProxy();
            if (thrown != null) {
                g.writeStringField("stack", ThrowableProxyUtil.asString(thrown));
            }
            g.writeEndObject();
        } catch (IOException e) {
            return "{\"level\":\"ERROR\",\"msg\":\"log line could not be written\"}\n";
        }
        return out.append('\n').toString();
    }

    private static void writeField(JsonGenerator g, String key, String value) throws IOException {
        if (NUMERIC.contains(key)) {
            try {
                g.writeNumberField(key, Long.parseLong(value));
                return;
            } catch (NumberFormatException e) {
                // not a number after all: written as text
            }
        }
        g.writeStringField(key, value);
    }
}
