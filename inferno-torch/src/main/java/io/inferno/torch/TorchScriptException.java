package io.inferno.torch;

/**
 * A TorchScript model failed on a batch, or returned something its signature cannot take. The message is one
 * short line (see {@link TorchErrors}); the cause, when there is one, carries libtorch's full text. The engine
 * reports it to the batch's callers as a model failure.
 */
final class TorchScriptException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TorchScriptException(String message) {
        super(message);
    }

    TorchScriptException(String message, Throwable cause) {
        super(message, cause);
    }
}
