package io.inferno.http;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferno.ModelRunner;
import io.inferno.http.RepositoryCheck.Outcome;
import io.inferno.http.RepositoryCheck.Report;
import io.inferno.repository.SkippedPath;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar inferno-server.jar check [--json] <repository>}: checks every package of a model repository
 * ({@link RepositoryCheck}) and prints one line per version, or a JSON report. Exit status 0 when every version
 * passed, 1 when one failed (or there was nothing to check), 2 for bad usage. Logs go to standard error, at WARN,
 * so that standard output holds only the report.
 */
final class Check {
    static final int PASSED = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    static final String USAGE_TEXT = "usage: java -jar inferno-server.jar check [--json] <repository>\n"
            + "  checks every model package of the repository (model.yaml, load, signature check, warmup, golden"
            + " examples);\n  exit status 0 when all pass, 1 when some fail, 2 for bad usage";

    private static final ObjectMapper JSON = new ObjectMapper();

    private Check() {}

    /** The subcommand from {@link Main}: {@code args[0]} names it. Returns the exit status. */
    static int main(String[] args) {
        logToStandardError();
        return run(List.of(args), ModelRunner.builder(), System.out, System.err);
    }

    /** Runs the command line {@code args} (starting with {@code check}); returns the exit status. */
    static int run(List<String> args, ModelRunner.Builder runners, PrintStream out, PrintStream err) {
        if (args.isEmpty() || !args.get(0).equals("check")) {
            err.println("inferno: unknown command " + (args.isEmpty() ? "" : "'" + args.get(0) + "'")
                    + "; without arguments the server starts\n" + USAGE_TEXT);
            return USAGE;
        }
        boolean json = false;
        List<String> paths = new ArrayList<>();
        for (String arg : args.subList(1, args.size())) {
            if (arg.equals("--help") || arg.equals("-h")) {
                out.println(USAGE_TEXT);
                return PASSED;
            } else if (arg.equals("--json")) {
                json = true;
            } else if (arg.startsWith("-")) {
                err.println("inferno check: unknown option '" + arg + "'\n" + USAGE_TEXT);
                return USAGE;
            } else {
                paths.add(arg);
            }
        }
        if (paths.size() != 1) {
            err.println("inferno check: expected one repository, got " + (paths.isEmpty() ? "none" : paths)
                    + "\n" + USAGE_TEXT);
            return USAGE;
        }
        Report report;
        try {
            report = RepositoryCheck.check(Path.of(paths.get(0)), runners);
        } catch (IllegalArgumentException | UncheckedIOException e) {
            err.println("inferno check: " + e.getMessage());
            return USAGE;
        }
        out.print(json ? json(report) : text(report));
        out.flush();
        return report.passed() ? PASSED : FAILED;
    }

    /** One line per version ({@code PASS  name:version  detail} or {@code FAIL  name:version  stage: reason}). */
    static String text(Report report) {
        StringBuilder s = new StringBuilder();
        for (Outcome o : report.outcomes()) {
            s.append(o.passed() ? "PASS  " : "FAIL  ").append(o.id()).append("  ")
                    .append(o.failedAt().map(stage -> stage.label + ": ").orElse("")).append(o.detail()).append('\n');
        }
        for (SkippedPath p : report.skipped()) {
            if (!p.path().getFileName().toString().startsWith(".")) {
                s.append("SKIP  ").append(report.repository().relativize(p.path())).append("  ").append(p.reason())
                        .append('\n');
            }
        }
        long failed = report.failures();
        s.append(report.outcomes().isEmpty() ? "no model packages found in " + report.repository()
                : report.outcomes().size() + " checked in " + report.repository() + ": "
                        + (report.outcomes().size() - failed) + " passed, " + failed + " failed").append('\n');
        return s.toString();
    }

    /**
     * {@code {"repository", "passed", "versions": [{"model", "version", "passed", "stage", "detail",
     * "golden_examples"}], "skipped": [{"path", "reason"}]}}; {@code stage} only for a failure, {@code version}
     * absent for a refused model directory.
     */
    static String json(Report report) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("repository", report.repository().toString());
        root.put("passed", report.passed());
        List<Map<String, Object>> versions = new ArrayList<>();
        for (Outcome o : report.outcomes()) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("model", o.model());
            o.version().ifPresent(n -> v.put("version", n));
            v.put("passed", o.passed());
            o.failedAt().ifPresent(stage -> v.put("stage", stage.label));
            v.put("detail", o.detail());
            v.put("golden_examples", o.goldenExamples());
            versions.add(v);
        }
        root.put("versions", versions);
        List<Map<String, Object>> skipped = new ArrayList<>();
        for (SkippedPath p : report.skipped()) {
            skipped.add(Map.of("path", report.repository().relativize(p.path()).toString(), "reason", p.reason()));
        }
        root.put("skipped", skipped);
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the report", e);
        }
    }

    /** Moves the JSON log lines from standard output, which holds the report, to standard error, at WARN. */
    private static void logToStandardError() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        Appender<ILoggingEvent> appender = context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDOUT");
        if (appender instanceof ConsoleAppender<ILoggingEvent> console) {
            console.stop();
            console.setTarget("System.err");
            console.start();
        }
        context.getLogger("io.inferno").setLevel(Level.WARN);
    }
}
