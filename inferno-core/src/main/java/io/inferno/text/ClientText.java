package io.inferno.text;

/**
 * Client values quoted in error messages and logs, bounded: a client that sends a megabyte as a dtype or a field
 * name gets back a short excerpt and the value's length, never the value itself, so no answer or log line grows
 * with what a client sends.
 */
public final class ClientText {
    /** Values up to this many characters are quoted whole. */
    public static final int WHOLE = 64;
    /** How much of a longer value is quoted. */
    public static final int EXCERPT = 48;

    private ClientText() {}

    /** {@code 'value'}, or {@code 'first 48 characters…' (N chars)} for a longer value; {@code null} as null. */
    public static String quote(String value) {
        if (value == null) {
            return "null";
        }
        if (value.length() <= WHOLE) {
            return "'" + value + "'";
        }
        int end = EXCERPT;
        if (Character.isHighSurrogate(value.charAt(end - 1))) {
            end--; // never split a surrogate pair
        }
        return "'" + value.substring(0, end) + "…' (" + value.length() + " chars)";
    }

    /** {@code text} cut to at most {@code max} characters, ending in {@code … (N chars)} when cut. */
    public static String truncate(String text, int max) {
        if (text.length() <= max) {
            return text;
        }
        String tail = "… (" + text.length() + " chars)";
        int end = Math.max(0, max - tail.length());
        if (end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(0, end) + tail;
    }
}
