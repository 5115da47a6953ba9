package io.inferno.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferno.repository.TestRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar inferno-server.jar check} as a model repository's CI runs it: another process, its exit status,
 * its standard output (the report) and standard error (the logs).
 */
class CheckProcessIT {
    @TempDir
    Path work;

    private record Run(int status, String out, String err) {}

    private Run check(String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", Path.of("target", "inferno-server.jar").toAbsolutePath().toString(), "check"));
        command.addAll(List.of(args));
        Path out = work.resolve("out.txt");
        Path err = work.resolve("err.txt");
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("DJL_OFFLINE", "true");
        Process p = pb.start();
        try {
            // only a guard against a hang: checking the samples takes seconds
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("check exited").isTrue();
        } finally {
            p.destroyForcibly();
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void theSampleRepositoryPasses() throws Exception {
        Path models = Path.of("..", "models").toRealPath();

        Run run = check(models.toString());

        assertThat(run.status()).as(run.out() + run.err()).isZero();
        assertThat(run.out().lines()).containsExactly(
                "PASS  java:1  loaded, dry run passed, 1 golden example passed",
                "PASS  mlp_onnx:1  loaded, dry run passed, 1 golden example passed",
                "PASS  multi_io:1  loaded, dry run passed, 2 golden examples passed",
                "PASS  my_classifier:1  loaded, 1 warmup sample passed, 3 golden examples passed",
                "PASS  my_classifier_onnx:1  loaded, 1 warmup sample passed, 1 golden example passed",
                "PASS  torchscript:1  loaded, dry run passed, 2 golden examples passed",
                "PASS  torchscript:2  loaded, dry run passed, 3 golden examples passed",
                "7 checked in " + models + ": 7 passed, 0 failed");
    }

    @Test
    void aBrokenPackageFailsTheRunAndTheJsonReportIsAloneOnStandardOutput() throws Exception {
        Path repo = work.resolve("repo");
        TestRepository.writePackage(repo, "empty", 1); // an empty model.ts: libtorch cannot load it
        TestRepository.writeYaml(repo.resolve("typo/1"), TestRepository.torchscriptYaml("typo", 1) + "batchin: {}\n");

        Run run = check("--json", repo.toString());

        assertThat(run.status()).as(run.out() + run.err()).isEqualTo(1);
        JsonNode report = new ObjectMapper().readTree(run.out());
        assertThat(report.get("passed").asBoolean()).isFalse();
        assertThat(report.get("versions")).hasSize(2);
        assertThat(report.get("versions").get(0).get("stage").asText()).isEqualTo("load");
        assertThat(report.get("versions").get(0).get("detail").asText()).contains("model.ts");
        assertThat(report.get("versions").get(1).get("stage").asText()).isEqualTo("config");
        assertThat(report.get("versions").get(1).get("detail").asText()).contains("batchin: unknown key");
        assertThat(run.err()).contains("cannot serve typo:1"); // the scanner's warning, on standard error
    }

    @Test
    void badUsageExitsTwo() throws Exception {
        Run run = check();

        assertThat(run.status()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).contains("inferno check: expected one repository, got none", Check.USAGE_TEXT);
    }
}
