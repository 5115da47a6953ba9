package io.inferno.onnx;

/**
 * An ONNX model failed on a batch. The message is ONNX Runtime's reason in one line (see
 * {@link OnnxRuntime#reason}); the cause, when there is one, is ONNX Runtime's exception. The engine reports it to
 * the batch's callers as a model failure.
 */
final class OnnxRunException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    OnnxRunException(String message, Throwable cause) {
        super(message, cause);
    }
}
