package com.example.consumer;

import io.inferno.Inferno;
import io.inferno.ModelService;
import io.inferno.PredictRequest;
import io.inferno.Prediction;
import io.inferno.client.InfernoClient;
import io.inferno.http.InfernoServer;
import io.inferno.http.ServerSettings;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.net.URI;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Uses Inferno as a dependency: embeds it on a model repository and predicts with the TorchScript sample, then
 * serves the same engine over HTTP and makes the same prediction through the client. Exits non-zero (an
 * exception) unless both answers agree.
 */
public final class Consumer {
    private Consumer() {}

    public static void main(String[] args) throws Exception {
        Path models = Path.of(args.length > 0 ? args[0] : "models");
        PredictRequest request = PredictRequest.of("torchscript",
                Map.of("x", Tensor.ofFloats(Shape.of(2, 4), 1, 2, 3, 4, 0, 0, 0, 0)));

        try (Inferno inferno = Inferno.builder().repository(models).build()) {
            Prediction embedded = predict(inferno, request);
            System.out.println("embedded: torchscript:" + embedded.version() + " y = "
                    + Arrays.toString(embedded.output("y").toFloatArray()));

            InfernoServer server = InfernoServer.start(
                    ServerSettings.fromEnvironment(Map.of("PORT", "0", "HOST", "127.0.0.1")), inferno);
            try (InfernoClient client = InfernoClient.builder(URI.create("http://127.0.0.1:" + server.port()))
                    .build()) {
                Prediction remote = predict(client, request);
                System.out.println("remote:   torchscript:" + remote.version() + " y = "
                        + Arrays.toString(remote.output("y").toFloatArray()));
                if (!remote.equals(embedded)) {
                    throw new IllegalStateException("the client's answer differs from the embedded one");
                }
            } finally {
                server.close();
            }
        }
        System.out.println("consumer OK");
    }

    /** The same code for both: only the line that creates the service differs. */
    private static Prediction predict(ModelService service, PredictRequest request) {
        return service.predict(request).join();
    }
}
