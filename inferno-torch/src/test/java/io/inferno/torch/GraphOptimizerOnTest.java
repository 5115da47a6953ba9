package io.inferno.torch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.inferno.runtime.RuntimeOptions;
import io.inferno.tensor.Shape;
import io.inferno.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * libtorch's graph optimizer turned on ({@code -Dai.djl.pytorch.graph_optimizer=true}): the setting is
 * process-wide, so surefire runs this class alone in its own execution with the property set (inferno-torch's
 * pom.xml), and the default execution skips it.
 */
class GraphOptimizerOnTest {
    @BeforeAll
    static void onlyWithTheOptimizerOn() {
        // a -Dtest filter on the command line also runs this class in the default execution, without the property
        assumeTrue("true".equals(System.getProperty(TorchEngine.GRAPH_OPTIMIZER_PROPERTY)),
                "runs in surefire's graph-optimizer-on execution");
    }

    /** The lines the runtime logs while loading the sample classifier in this process. */
    static List<String> loadLog() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(TorchScriptRuntime.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try (TorchScriptModel model = Samples.load("my_classifier", 1)) {
            return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        } finally {
            logger.detachAppender(appender);
        }
    }

    @Test
    void thePropertyTurnsItOn() {
        assertThat(TorchEngine.start(RuntimeOptions.DEFAULTS).graphOptimizer()).isTrue();
    }

    @Test
    void aModelIsWarmedUpAtLoadAndServesAnyBatchSize() throws Exception {
        try (TorchScriptModel model = Samples.load("my_classifier", 1)) {
            assertThat(model.warmsUpBatchSizes()).isTrue(); // the loader ran it at 1, 2, 4, 8, 16 and 32 rows
            for (int rows : new int[] {3, 32, 17}) {
                Tensor tokens = Tensor.ofLongs(Shape.of(rows, 5), new long[rows * 5]);
                assertThat(model.predict(Map.of("tokens", tokens)).get("probs").shape()).isEqualTo(Shape.of(rows, 4));
            }
        }
    }

    @Test
    void eachLoadLogsThatTheOptimizerIsOn() throws Exception {
        assertThat(loadLog()).anySatisfy(line -> assertThat(line).startsWith("loaded my_classifier:1 from ")
                .endsWith(", graph optimizer on"));
    }
}
