package io.inferno.redis;

/**
 * Where each piece of shared state lives under one prefix (see docs/deployment.md):
 * <ul>
 *   <li>{@code <prefix>:model:<name>}: a hash with the model's desired state ({@code active}, {@code loaded},
 *       {@code revision});
 *   <li>{@code <prefix>:replica:<id>}: a string with a replica's JSON heartbeat, expiring after the heartbeat TTL;
 *   <li>{@code <prefix>:changes}: the pub/sub channel on which the name of every changed model is published.
 * </ul>
 */
record Keys(String prefix) {
    private static final String MODEL = ":model:";
    private static final String REPLICA = ":replica:";

    String model(String name) {
        return prefix + MODEL + name;
    }

    /** The model name in a key that {@link #modelPattern()} matched. */
    String modelName(String key) {
        return key.substring(prefix.length() + MODEL.length());
    }

    /** A SCAN MATCH pattern for every model key. */
    String modelPattern() {
        return glob(prefix) + MODEL + "*";
    }

    String replica(String id) {
        return prefix + REPLICA + id;
    }

    /** A SCAN MATCH pattern for every heartbeat key. */
    String replicaPattern() {
        return glob(prefix) + REPLICA + "*";
    }

    String changes() {
        return prefix + ":changes";
    }

    /** The prefix with Redis glob characters escaped, so that it matches only itself. */
    private static String glob(String literal) {
        StringBuilder out = new StringBuilder(literal.length());
        for (char c : literal.toCharArray()) {
            if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
                out.append('\\');
            }
            out.append(c);
        }
        return out.toString();
    }
}
