package io.inferno.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.inferno.grpc.v2.ModelInferRequest;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class AliasingMarshallerTest {
    private final AliasingMarshaller<ModelInferRequest> marshaller =
            new AliasingMarshaller<>(ModelInferRequest.getDefaultInstance());

    private static ModelInferRequest request() {
        return GrpcInferenceTest.rawX("m", 1, 2, 3).setId("r").addRawInputContents(ByteString.copyFrom(new byte[64]))
                .build();
    }

    @Test
    void readsWhatGrpcsOwnMarshallerWrites() {
        ModelInferRequest r = request();
        assertThat(marshaller.parse(marshaller.stream(r))).isEqualTo(r);
        assertThat(marshaller.getMessagePrototype()).isSameAs(ModelInferRequest.getDefaultInstance());
    }

    @Test
    void bytesFieldsAreSlicesOfTheMessageNotCopies() {
        ModelInferRequest parsed = marshaller.parse(marshaller.stream(request()));
        ModelInferRequest copied = parseCopying(request());
        // protobuf's copying parser makes a byte string of its own array; an aliased field is a bounded view
        Class<?> aliased = parsed.getRawInputContents(0).getClass();
        Class<?> own = copied.getRawInputContents(0).getClass();
        assertThat(aliased).as("%s vs %s", aliased, own).isNotEqualTo(own);
        assertThat(parsed.getRawInputContents(0)).isEqualTo(copied.getRawInputContents(0));
    }

    private static ModelInferRequest parseCopying(ModelInferRequest r) {
        try {
            return ModelInferRequest.parseFrom(r.toByteArray());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aMalformedMessageIsAnInternalStatusAsWithGrpcsOwnMarshaller() {
        InputStream garbage = new ByteArrayInputStream(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
        assertThatThrownBy(() -> marshaller.parse(garbage)).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL));
    }
}
