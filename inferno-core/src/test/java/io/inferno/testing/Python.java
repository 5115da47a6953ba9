package io.inferno.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A Python interpreter as a child process, for compatibility tests with clients Inferno did not write. Debian's
 * {@code /usr/bin/python3} is preferred (its packages are what {@code .ci/run} installs), then whatever python3 is
 * on PATH.
 */
public final class Python {
    private Python() {}

    /** What a child process printed (stdout and stderr together) and how it ended. */
    public record Result(int exit, String output) {}

    /** An interpreter that can import {@code imports} (a Python import statement's names, comma separated). */
    public static Optional<String> with(String imports) throws InterruptedException {
        List<String> candidates = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/python3"))) {
            candidates.add("/usr/bin/python3");
        }
        candidates.add("python3");
        for (String python : candidates) {
            try {
                Process p = new ProcessBuilder(python, "-c", "import " + imports)
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (p.waitFor(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS) && p.exitValue() == 0) {
                    return Optional.of(python);
                }
                p.destroyForcibly();
            } catch (IOException notThere) {
                // next candidate
            }
        }
        return Optional.empty();
    }

    /** Runs {@code command} in {@code dir} with {@code env} added, at most {@link Await#LIMIT}. */
    public static Result run(List<String> command, Map<String, String> env, Path dir) throws Exception {
        Path log = Files.createTempFile(dir, "python", ".log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + " did not finish within " + Await.LIMIT + ": " + Files.readString(log));
        }
        return new Result(p.exitValue(), Files.readString(log));
    }
}
