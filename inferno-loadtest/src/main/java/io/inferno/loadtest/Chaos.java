package io.inferno.loadtest;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;

/**
 * A chaos run against a running server on the sample models (bench/chaos.sh starts one): valid clients of the
 * classifier and of {@code torchscript} share the server with poison requests (a token id of -8, which makes the
 * classifier's {@code forward} throw), amplifying requests (tens of thousands of unknown fields), oversized bodies,
 * slow clients trickling a byte every two seconds, and a hot swap of {@code torchscript} between versions 1 and 2.
 * Prints the valid requests' success rate and latency, every other kind's answers by status, the health probe's
 * worst latency, and the server's RSS at the start and the end. Not a test: a tool for the figures in issue notes.
 *
 * <pre>
 * java -cp inferno-loadtest.jar io.inferno.loadtest.Chaos --host http://127.0.0.1:18080 --pid 1234 --seconds 60
 * </pre>
 */
public final class Chaos {
    private static final int TIMEOUT_MS = 30_000;
    private static final int SEQ = 32;

    private final URI base;
    private final Path procStatus;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Recorder validLatency = new Recorder(3);
    private final Map<String, Map<String, LongAdder>> answers = new ConcurrentHashMap<>();
    private final AtomicLong healthWorstMicros = new AtomicLong();
    private final LongAdder slowDropped = new LongAdder();
    private final LongAdder swaps = new LongAdder();

    private Chaos(URI base, long pid) {
        this.base = base;
        this.procStatus = Path.of("/proc/" + pid + "/status");
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new TreeMap<>(Map.of("--host", "http://127.0.0.1:18080", "--pid", "0",
                "--seconds", "60", "--valid", "16", "--poison", "4", "--amplify", "2", "--oversized", "1",
                "--slow", "250", "--swap-ms", "1000"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!o.containsKey(args[i])) {
                System.err.println("unknown option " + args[i] + "; options: " + o.keySet());
                System.exit(2);
            }
            o.put(args[i], args[i + 1]);
        }
        new Chaos(URI.create(o.get("--host")), Long.parseLong(o.get("--pid"))).run(o);
    }

    private void run(Map<String, String> o) throws InterruptedException {
        long rssStart = rssKiB();
        List<Thread> threads = new ArrayList<>();
        int valid = Integer.parseInt(o.get("--valid"));
        for (int i = 0; i < valid; i++) {
            int seed = i;
            threads.add(start("valid-" + i, () -> valid(seed % 2 == 0, seed)));
        }
        repeat(threads, "poison", Integer.parseInt(o.get("--poison")), this::poison);
        repeat(threads, "amplify", Integer.parseInt(o.get("--amplify")), this::amplify);
        repeat(threads, "oversized", Integer.parseInt(o.get("--oversized")), this::oversized);
        int slow = Integer.parseInt(o.get("--slow"));
        threads.add(start("slow", () -> slow(slow)));
        long swapMs = Long.parseLong(o.get("--swap-ms"));
        threads.add(start("swap", () -> swap(swapMs)));
        threads.add(start("health", this::health));
        Thread.sleep(Long.parseLong(o.get("--seconds")) * 1000);
        running.set(false);
        for (Thread t : threads) {
            t.join(TIMEOUT_MS + 5_000);
        }
        report(rssStart, rssKiB(), slow);
    }

    private static void repeat(List<Thread> threads, String name, int n, Runnable body) {
        for (int i = 0; i < n; i++) {
            threads.add(start(name + "-" + i, body));
        }
    }

    private static Thread start(String name, Runnable body) {
        Thread t = new Thread(body, "chaos-" + name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    // ---- clients

    private void valid(boolean classifier, int seed) {
        SplittableRandom random = new SplittableRandom(seed);
        String path = classifier ? "/v1/models/my_classifier:predict" : "/v1/models/torchscript:predict";
        String kind = classifier ? "valid my_classifier" : "valid torchscript (hot swapped)";
        try (KeepAliveConnection c = new KeepAliveConnection(base, TIMEOUT_MS)) {
            while (running.get()) {
                byte[] body = classifier ? tokens(random, 0) : json("{\"inputs\":{\"x\":{\"dtype\":\"float32\","
                        + "\"shape\":[1,4],\"data\":[[1,2,3,4]]}}}");
                long t0 = System.nanoTime();
                String outcome = call(c, path, body);
                if (outcome.equals("200")) {
                    validLatency.recordValue((System.nanoTime() - t0) / 1000);
                }
                count(kind, outcome);
            }
        }
    }

    private void poison() {
        SplittableRandom random = new SplittableRandom();
        try (KeepAliveConnection c = new KeepAliveConnection(base, TIMEOUT_MS)) {
            while (running.get()) {
                count("poison (token -8)", call(c, "/v1/models/my_classifier:predict", tokens(random, -8)));
            }
        }
    }

    private void amplify() {
        StringBuilder b = new StringBuilder(2_000_000).append("{\"inputs\":{\"tokens\":{\"dtype\":\"int64\","
                + "\"shape\":[1,1],\"data\":[[1]]}}");
        for (int i = 0; i < 60_000; i++) {
            b.append(",\"unknown_field_").append(i).append("\":0");
        }
        byte[] body = json(b.append('}').toString());
        try (KeepAliveConnection c = new KeepAliveConnection(base, TIMEOUT_MS)) {
            while (running.get()) {
                KeepAliveConnection.Response r = send(c, "/v1/models/my_classifier:predict", body);
                count("amplifying (60k unknown fields, " + body.length / 1024 + " KiB)", r == null ? "no answer"
                        : r.body().length > 16_384 ? r.status() + " with " + r.body().length + " bytes"
                        : Integer.toString(r.status()));
            }
        }
    }

    private void oversized() {
        byte[] chunk = new byte[1 << 20];
        java.util.Arrays.fill(chunk, (byte) ' ');
        while (running.get()) {
            try (Socket s = new Socket()) {
                s.setSoTimeout(TIMEOUT_MS);
                s.connect(new InetSocketAddress(base.getHost(), base.getPort()));
                OutputStream out = s.getOutputStream();
                out.write(("POST /v1/models/my_classifier:predict HTTP/1.1\r\nHost: x\r\nContent-Type: "
                        + "application/json\r\nContent-Length: " + (100L << 20) + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                try {
                    for (int i = 0; i < 100; i++) {
                        out.write(chunk);
                    }
                } catch (IOException refusedEarly) {
                    // the server answered and closed before the whole body was sent
                }
                byte[] head = s.getInputStream().readNBytes(12);
                count("oversized (100 MiB)", head.length == 12 ? new String(head, 9, 3, StandardCharsets.US_ASCII)
                        : "no answer");
            } catch (IOException e) {
                count("oversized (100 MiB)", "connection error");
            }
        }
    }

    /** {@code n} connections, each sending a predict body a byte at a time, one byte per connection every 2 s. */
    private void slow(int n) {
        Socket[] sockets = new Socket[n];
        byte[] head = ("POST /v1/models/my_classifier:predict HTTP/1.1\r\nHost: x\r\nContent-Type: "
                + "application/json\r\nContent-Length: 100000\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        while (running.get()) {
            long round = System.nanoTime();
            for (int i = 0; i < n && running.get(); i++) {
                try {
                    if (sockets[i] == null) {
                        sockets[i] = new Socket();
                        sockets[i].connect(new InetSocketAddress(base.getHost(), base.getPort()), 5000);
                        sockets[i].getOutputStream().write(head);
                    }
                    sockets[i].getOutputStream().write('[');
                } catch (IOException dropped) {
                    slowDropped.increment();
                    closeQuietly(sockets[i]);
                    sockets[i] = null;
                }
            }
            sleepUntil(round + 2_000_000_000L);
        }
        for (Socket s : sockets) {
            closeQuietly(s);
        }
    }

    private void swap(long everyMs) {
        try (KeepAliveConnection c = new KeepAliveConnection(base, TIMEOUT_MS)) {
            long version = 1;
            while (running.get()) {
                String outcome = call(c, "/v1/models:load",
                        json("{\"name\":\"torchscript\",\"version\":" + version + "}"));
                count("hot swap torchscript", outcome);
                swaps.increment();
                version = 3 - version;
                sleepUntil(System.nanoTime() + everyMs * 1_000_000);
            }
        }
    }

    private void health() {
        byte[] head = KeepAliveConnection.getHead(base, "/health/ready");
        try (KeepAliveConnection c = new KeepAliveConnection(base, TIMEOUT_MS)) {
            while (running.get()) {
                long t0 = System.nanoTime();
                String outcome;
                try {
                    outcome = Integer.toString(c.send(head, new byte[0]).status());
                } catch (IOException e) {
                    outcome = "no answer";
                }
                healthWorstMicros.accumulateAndGet((System.nanoTime() - t0) / 1000, Math::max);
                count("health/ready probe", outcome);
                sleepUntil(t0 + 200_000_000L);
            }
        }
    }

    // ---- helpers

    /** A classifier request of random valid token ids; a negative {@code poison} replaces one of them. */
    private static byte[] tokens(SplittableRandom random, int poison) {
        StringBuilder b = new StringBuilder(256).append("{\"inputs\":{\"tokens\":{\"dtype\":\"int64\",\"shape\":[1,")
                .append(SEQ).append("],\"data\":[[");
        int poisonAt = poison >= 0 ? -1 : random.nextInt(SEQ);
        for (int i = 0; i < SEQ; i++) {
            b.append(i > 0 ? "," : "").append(i == poisonAt ? poison : random.nextInt(1000));
        }
        return json(b.append("]]}}}").toString());
    }

    private static byte[] json(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private KeepAliveConnection.Response send(KeepAliveConnection c, String path, byte[] body) {
        try {
            return c.send(KeepAliveConnection.postHead(base, path, body.length), body);
        } catch (IOException e) {
            return null;
        }
    }

    private String call(KeepAliveConnection c, String path, byte[] body) {
        KeepAliveConnection.Response r = send(c, path, body);
        return r == null ? "no answer" : Integer.toString(r.status());
    }

    private void count(String kind, String outcome) {
        answers.computeIfAbsent(kind, k -> new ConcurrentHashMap<>())
                .computeIfAbsent(outcome, k -> new LongAdder()).increment();
    }

    private static void sleepUntil(long nanoTime) {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            try {
                Thread.sleep(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void closeQuietly(Socket s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private long rssKiB() {
        try {
            for (String line : Files.readAllLines(procStatus)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // no such process: reported as 0
        }
        return 0;
    }

    private void report(long rssStart, long rssEnd, int slow) {
        var h = validLatency.getIntervalHistogram();
        long validOk = 0;
        long validAll = 0;
        System.out.println("answers by kind and status:");
        for (var kind : new TreeMap<>(answers).entrySet()) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-48s", kind.getKey()));
            for (var status : new TreeMap<>(kind.getValue()).entrySet()) {
                long n = status.getValue().sum();
                line.append(String.format(Locale.ROOT, " %s: %d", status.getKey(), n));
                if (kind.getKey().startsWith("valid")) {
                    validAll += n;
                    validOk += status.getKey().equals("200") ? n : 0;
                }
            }
            System.out.println(line);
        }
        System.out.printf(Locale.ROOT, "valid requests: %d of %d succeeded (%.3f%%); p50 %.1f ms, p99 %.1f ms,"
                        + " max %.1f ms%n", validOk, validAll, validAll == 0 ? 0 : 100.0 * validOk / validAll,
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0);
        System.out.printf(Locale.ROOT, "health probe worst latency: %.1f ms%n", healthWorstMicros.get() / 1000.0);
        System.out.printf(Locale.ROOT, "slow connections: %d kept open, dropped by the server %d times%n", slow,
                slowDropped.sum());
        System.out.printf(Locale.ROOT, "hot swaps: %d%n", swaps.sum());
        System.out.printf(Locale.ROOT, "server RSS: %d MiB at the start, %d MiB at the end%n", rssStart / 1024,
                rssEnd / 1024);
    }
}
