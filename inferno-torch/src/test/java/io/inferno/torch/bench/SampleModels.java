package io.inferno.torch.bench;

import io.inferno.repository.ModelPackage;
import io.inferno.repository.RepositoryScanner;
import io.inferno.runtime.Model;
import io.inferno.runtime.ModelLoader;
import io.inferno.runtime.RuntimeOptions;
import io.inferno.runtime.Runtimes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;

/** Loads the sample repository's models the way the engine does, for benchmarks; and reads the process RSS. */
final class SampleModels {
    /** One intra-op and one inter-op thread: the setting for shared hosts (docs/torchscript.md, Threads). */
    static final RuntimeOptions ONE_THREAD = new RuntimeOptions(io.inferno.runtime.Device.AUTO, OptionalInt.of(1),
            OptionalInt.of(1));

    private SampleModels() {}

    static Model load(String name, long version) {
        return load(name, version, ONE_THREAD);
    }

    static Model load(String name, long version, RuntimeOptions options) {
        Path root = Path.of(System.getProperty("inferno.models", "../models"));
        ModelPackage p = new RepositoryScanner().scan(root).find(name, version)
                .orElseThrow(() -> new IllegalStateException(name + ":" + version + " not found in " + root));
        return new ModelLoader(Runtimes.discovered(SampleModels.class.getClassLoader()), options)
                .load(p.directory(), p.config());
    }

    /** RSS, committed Java heap and direct buffers, in MiB: what grew, if anything did. */
    static String memory() {
        double heap = Runtime.getRuntime().totalMemory() / 1048576.0;
        double direct = java.lang.management.ManagementFactory.getPlatformMXBeans(
                java.lang.management.BufferPoolMXBean.class).stream().filter(b -> b.getName().equals("direct"))
                .mapToLong(java.lang.management.BufferPoolMXBean::getMemoryUsed).sum() / 1048576.0;
        return String.format("RSS %.1f MiB (committed heap %.1f MiB, direct buffers %.2f MiB)", rssMib(), heap,
                direct);
    }

    /** The resident set size of this process in MiB, from /proc/self/status (Linux). */
    static double rssMib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
            return Double.NaN;
        } catch (IOException e) {
            return Double.NaN;
        }
    }
}
