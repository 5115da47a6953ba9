package io.inferno.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document passes Redocly's linter with nothing to report, under the repository's redocly.yaml (the
 * recommended rules, each an error). The CLI is the one named by {@code REDOCLY_CLI} (.ci/run installs
 * {@code @redocly/cli} {@value #VERSION} and sets it), else {@code redocly} on the PATH; skipped without one, except
 * in CI. {@link OpenApiContractTest} checks that the document says what the server does.
 */
class OpenApiLintTest {
    static final String VERSION = "2.77.0";
    private static final Path DOCUMENT = Path.of("src", "main", "resources", OpenApiContract.RESOURCE);
    private static final Path CONFIG = Path.of("..", "redocly.yaml");
    /** A problem in stylish output: "line:column  severity  rule  message". */
    private static final Pattern PROBLEM = Pattern.compile("\\s*\\d+:\\d+\\s+(error|warning|info)\\s+.*");

    private static Optional<String> cli() {
        String configured = System.getenv("REDOCLY_CLI");
        if (configured != null && !configured.isBlank()) {
            return Optional.of(configured);
        }
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(dir -> new File(dir, "redocly")).filter(File::canExecute).map(File::getPath).findFirst();
    }

    @Test
    void theDocumentPassesRedoclyLintWithNothingToReport() throws Exception {
        Optional<String> cli = cli();
        if ("true".equals(System.getenv("CI"))) {
            assertThat(cli).as("Redocly's CLI must be installed in CI (.ci/run sets REDOCLY_CLI)").isPresent();
        }
        assumeTrue(cli.isPresent(), "Redocly's CLI is not installed: npm install --prefix DIR @redocly/cli@"
                + VERSION + ", then set REDOCLY_CLI=DIR/node_modules/.bin/redocly");
        assertThat(Files.isRegularFile(CONFIG)).as("redocly.yaml at the repository's root").isTrue();
        assertThat(run(cli.get(), "--version").lines()).as("the pinned CLI").contains(VERSION);

        String output = run(cli.get(), "lint", "--config", CONFIG.toString(), "--format", "stylish",
                DOCUMENT.toString());
        // the CLI's own notices (such as a Node.js deprecation banner) are not problems of the document
        assertThat(output.lines().filter(PROBLEM.asMatchPredicate())).as(output).isEmpty();
        assertThat(output).as(output).contains("Your API description is valid");
    }


    /** Runs the CLI; fails the test unless it exits 0 within a minute. Returns what it printed. */
    private static String run(String cli, String... args) throws Exception {
        List<String> command = Stream.concat(Stream.of(cli), Stream.of(args)).toList();
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        // no usage report and no update check: a test reaches for no network
        builder.environment().put("REDOCLY_TELEMETRY", "off");
        builder.environment().put("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true");
        Process p = builder.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
        assertThat(p.exitValue()).as("%s exit status; output:%n%s", command, output).isZero();
        return output;
    }
}
