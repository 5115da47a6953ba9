package io.inferno.http;

import ai.djl.util.Ec2Utils;
import ai.djl.util.Utils;
import io.inferno.Inferno;
import java.lang.reflect.Field;
import java.nio.file.Path;

/**
 * A program embedding Inferno, run by {@link EmbeddedDjlDefaultsIT} in a JVM of its own (DJL's settings are
 * process-wide and read once): it serves the repository named by its argument, then prints what DJL decided,
 * {@code offline=<bool> calledHome=<bool>}. DJL records the time of its usage report ("call home", which starts
 * with a probe of the cloud metadata address) in {@code Ec2Utils.lastCheckIn}, and leaves it at 0 when the report
 * is off.
 */
public final class DjlDefaultsProbe {
    private DjlDefaultsProbe() {}

    public static void main(String[] args) throws Exception {
        try (Inferno inferno = Inferno.builder().repository(Path.of(args[0])).build()) {
            inferno.ready().join();
            inferno.models().forEach(m -> System.out.println(m.name() + " loaded " + m.loaded()));
        }
        Field lastCheckIn = Ec2Utils.class.getDeclaredField("lastCheckIn");
        lastCheckIn.setAccessible(true);
        System.out.println("offline=" + Utils.isOfflineMode() + " calledHome=" + (lastCheckIn.getLong(null) != 0));
    }
}
