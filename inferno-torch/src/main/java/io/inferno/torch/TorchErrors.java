package io.inferno.torch;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns libtorch's error messages into one short line for clients and load reports.
 *
 * <p>TorchScript interpreter failures run to dozens of lines: "The following operation failed in the TorchScript
 * interpreter.", a serialized-code traceback, and last the Python-style exception ({@code RuntimeError: index out
 * of range in self}), which is the useful part. Argument errors carry a one-line {@code Declaration: forward(...)}
 * after the reason. Loader errors start with a C++ source location ({@code [enforce fail at
 * inline_container.cc:176] .}). The full text stays available as the exception's cause.
 */
final class TorchErrors {
    static final int MAX_LENGTH = 300;

    private static final Pattern EXCEPTION_LINE = Pattern.compile("^\\s*(?:[\\w.]+\\.)?\\w*(?:Error|Exception): .*");
    private static final Pattern ENFORCE = Pattern.compile("^\\[enforce fail at [^\\]]*\\]\\s*\\.?\\s*");
    private static final Pattern DECLARATION = Pattern.compile("\\.?\\s*Declaration: (forward\\(.*\\)\\s*->.*)");

    private TorchErrors() {}

    /** A one-line reason: the exception line of a traceback, or else the first line; at most {@value MAX_LENGTH}. */
    static String reason(Throwable e) {
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName();
        }
        return shorten(ENFORCE.matcher(meaningfulLine(withoutDeclaration(message))).replaceFirst(""));
    }

    /**
     * The parameters of {@code forward} when the message quotes its declaration, for example {@code Tensor a,
     * Tensor b} from {@code Declaration: forward(__torch__.M self, Tensor a, Tensor b) -> Tensor}; empty otherwise.
     */
    static Optional<String> forwardParameters(String message) {
        if (message == null) {
            return Optional.empty();
        }
        Matcher m = DECLARATION.matcher(message);
        if (!m.find()) {
            return Optional.empty();
        }
        String declaration = m.group(1);
        int open = declaration.indexOf('(');
        int close = declaration.lastIndexOf(") ->");
        if (close < open) {
            return Optional.empty();
        }
        String params = declaration.substring(open + 1, close).trim();
        // the first parameter is the module itself: "__torch__.Name self"
        if (params.endsWith(" self")) {
            params = "";
        } else if (params.matches("^[\\w.]+ self, .*")) {
            params = params.substring(params.indexOf(", ") + 2);
        }
        return Optional.of(params);
    }

    private static String withoutDeclaration(String message) {
        Matcher m = DECLARATION.matcher(message);
        return m.find() ? message.substring(0, m.start()) : message;
    }

    private static String meaningfulLine(String message) {
        String[] lines = message.strip().split("\\R");
        for (int i = lines.length - 1; i >= 0; i--) {
            if (EXCEPTION_LINE.matcher(lines[i]).matches()) {
                return lines[i].strip();
            }
        }
        for (String line : lines) {
            if (!line.isBlank()) {
                return line.strip();
            }
        }
        return message.strip();
    }

    private static String shorten(String line) {
        if (line.length() <= MAX_LENGTH) {
            return line;
        }
        // prefer ending at a sentence: "Could not run 'aten::empty_strided' with arguments from the 'CUDA' backend."
        int sentence = line.lastIndexOf(". ", MAX_LENGTH);
        return sentence > MAX_LENGTH / 3 ? line.substring(0, sentence + 1) : line.substring(0, MAX_LENGTH - 3) + "...";
    }
}
