package io.inferno.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class AdminAuthTest {
    private final AdminAuth auth = new AdminAuth(Optional.of("s3cret"), List.of());

    @Test
    void aMissingHeaderIsRefusedWithHowToAuthorize() {
        HttpProblem refused = catchThrowableOfType(() -> auth.check(null), HttpProblem.class);
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.getMessage())
                .isEqualTo("admin calls need an Authorization: Bearer <ADMIN_TOKEN> header");
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @ValueSource(strings = {
            "", "s3cret", "Basic s3cret", "bearer s3cret", "Bearer", "Bearer ", "Bearer nope", "Bearer s3cre",
            "Bearer s3cret ", "Bearer s3cretx", " Bearer s3cret", "Bearer  s3cret"})
    void aWrongSchemeOrTokenIsRefusedWithoutSayingWhich(String header) {
        HttpProblem refused = catchThrowableOfType(() -> auth.check(header), HttpProblem.class);
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.getMessage()).isEqualTo("the admin token is not valid");
    }

    @Test
    void theRightTokenIsAllowed() {
        assertThatCode(() -> auth.check("Bearer s3cret")).doesNotThrowAnyException();
    }

    @Test
    void aTokenIsComparedAsUtf8() {
        AdminAuth unicode = new AdminAuth(Optional.of("gr\u00fc\u00dfe"), List.of());
        assertThatCode(() -> unicode.check("Bearer gr\u00fc\u00dfe")).doesNotThrowAnyException();
        assertThat(catchThrowableOfType(() -> unicode.check("Bearer grusse"), HttpProblem.class).status())
                .isEqualTo(401);
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @NullSource
    @ValueSource(strings = {"", "Bearer anything", "Basic dXNlcjpwYXNz"})
    void withoutAnAdminTokenEveryCallIsAllowed(String header) {
        AdminAuth open = new AdminAuth(Optional.empty(), List.of());
        assertThatCode(() -> open.check(header)).doesNotThrowAnyException();
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @ValueSource(strings = {"application/json", "application/json; charset=utf-8", "Application/JSON",
            " application/json ;charset=UTF-8", "application/merge-patch+json"})
    void jsonMediaTypesAreAccepted(String type) {
        assertThatCode(() -> AdminAuth.requireJson(type)).doesNotThrowAnyException();
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @NullSource
    @ValueSource(strings = {"", "text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x", "text/json+plain", "application/jsonp", "json"})
    void everyOtherTypeIsRefusedWith415(String type) {
        HttpProblem refused = catchThrowableOfType(() -> AdminAuth.requireJson(type), HttpProblem.class);
        assertThat(refused.status()).isEqualTo(415);
        assertThat(refused.getMessage()).startsWith("admin calls need Content-Type: application/json (got ");
    }
}
