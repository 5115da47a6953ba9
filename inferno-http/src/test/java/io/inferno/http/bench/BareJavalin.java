package io.inferno.http.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.javalin.Javalin;

/**
 * The ceiling for the predict route: a bare Javalin endpoint that parses the same JSON body (every token, with
 * Jackson's streaming parser) and answers a small JSON object, with no model, no validation, no batching. The
 * performance docs compare the server's requests per second on the smallest sample against this, in one run.
 *
 * <pre>java -cp "$(cat target/test-classpath.txt)" io.inferno.http.bench.BareJavalin 18081</pre>
 */
public final class BareJavalin {
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER).build();

    private BareJavalin() {}

    public static void main(String[] args) {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 18081;
        Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.routes.post("/v1/models/{name}:predict", ctx -> {
                long numbers = 0;
                try (JsonParser p = JSON.createParser(ctx.req().getInputStream())) {
                    JsonToken t;
                    while ((t = p.nextToken()) != null) {
                        if (t == JsonToken.VALUE_NUMBER_FLOAT || t == JsonToken.VALUE_NUMBER_INT) {
                            numbers += (long) p.getFloatValue();
                        }
                    }
                }
                ctx.contentType("application/json").result("{\"numbers\":" + numbers + "}");
            });
        }).start("127.0.0.1", port);
    }
}
