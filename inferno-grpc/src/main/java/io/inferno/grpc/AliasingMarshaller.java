package io.inferno.grpc;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a message with its {@code bytes} fields as slices of the one buffer the message was read into.
 *
 * <p>gRPC's own protobuf marshaller reads a message into a byte array, then copies every {@code bytes} field out of
 * it into a byte string of its own: a raw tensor is copied twice on its way in. With aliasing, the fields share the
 * array (protobuf byte strings are immutable, so nothing can change them), and a tensor that wraps one
 * ({@link TensorMessages}) costs the single copy from the network. The array lives as long as any of its fields.
 * Writing is gRPC's own.
 */
final class AliasingMarshaller<T extends Message> implements MethodDescriptor.PrototypeMarshaller<T> {
    private final T prototype;
    private final Parser<T> parser;
    private final MethodDescriptor.Marshaller<T> writer;

    @SuppressWarnings("unchecked")
    AliasingMarshaller(T prototype) {
        this.prototype = prototype;
        this.parser = (Parser<T>) prototype.getParserForType();
        this.writer = ProtoUtils.marshaller(prototype);
    }

    @Override
    public T getMessagePrototype() {
        return prototype;
    }

    @Override
    @SuppressWarnings("unchecked") // the prototype's class is T's
    public Class<T> getMessageClass() {
        return (Class<T>) prototype.getClass();
    }

    @Override
    public InputStream stream(T value) {
        return writer.stream(value);
    }

    /** The whole stream, read once into an array of its exact size when gRPC knows the size (it does). */
    private static byte[] read(InputStream stream) throws IOException {
        if (!(stream instanceof KnownLength)) {
            return stream.readAllBytes();
        }
        byte[] message = new byte[stream.available()];
        int n = stream.readNBytes(message, 0, message.length);
        if (n != message.length || stream.read() != -1) {
            throw new IOException("the message is not the " + message.length + " bytes announced");
        }
        return message;
    }

    @Override
    public T parse(InputStream stream) {
        try {
            byte[] message = read(stream); // the one copy
            // a wrapped array counts as immutable, which aliasing needs (a bare array's decoder copies regardless)
            CodedInputStream in = UnsafeByteOperations.unsafeWrap(message).newCodedInput();
            in.enableAliasing(true);
            T parsed = parser.parseFrom(in, ExtensionRegistryLite.getEmptyRegistry());
            in.checkLastTagWas(0);
            return parsed;
        } catch (InvalidProtocolBufferException e) {
            throw Status.INTERNAL.withDescription("invalid protobuf byte sequence").withCause(e).asRuntimeException();
        } catch (IOException e) {
            throw Status.INTERNAL.withDescription("cannot read the message").withCause(e).asRuntimeException();
        }
    }
}
