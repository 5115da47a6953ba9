package io.inferno.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * deploy/prometheus/alerts.yml passes {@code promtool check rules}, and its unit tests (alerts_test.yml: each alert
 * firing and not firing) pass {@code promtool test rules}. Skipped when promtool is not installed, except in CI.
 */
class AlertRulesPromtoolTest {
    private static final Path PROMETHEUS = Path.of("..", "deploy", "prometheus");

    @Test
    void theRulesAreValid() throws Exception {
        String output = promtool("check", "rules", "alerts.yml");
        assertThat(output).contains("SUCCESS");
    }

    @Test
    void everyAlertFiresAndStaysSilentAsItsUnitTestsSay() throws Exception {
        String output = promtool("test", "rules", "alerts_test.yml");
        assertThat(output).contains("SUCCESS");
    }

    /** Runs promtool in deploy/prometheus and returns its output; fails the test if it exits non-zero. */
    private static String promtool(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("promtool"));
        command.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(command).directory(PROMETHEUS.toFile()).redirectErrorStream(true).start();
        } catch (IOException notInstalled) {
            assertThat("true".equals(System.getenv("CI")))
                    .as("promtool must be installed in CI (.ci/run installs Debian's prometheus)").isFalse();
            assumeTrue(false, "promtool is not installed (Debian's prometheus package): " + notInstalled.getMessage());
            throw notInstalled;
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("promtool %s finished", command).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        return output;
    }
}
