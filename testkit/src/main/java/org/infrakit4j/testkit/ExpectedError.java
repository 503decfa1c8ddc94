package org.infrakit4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.Objects;
import java.util.regex.Pattern;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;

/**
 * The exact error a provider answers for something it cannot do: its kind and its whole message as a client sees
 * it. A message holding a generated name (an instance ID) is declared as a pattern that must match all of it.
 */
public record ExpectedError(ErrorCode kind, Pattern message) {
    public ExpectedError {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(message, "message");
        // The kind's prefix, quoted, opens the pattern: the message a client sees names its kind first.
        if (!message.pattern().startsWith("\\Q" + WireErrors.prefix(kind))) {
            throw new IllegalArgumentException("the message of a " + kind + " error starts with "
                    + Pattern.quote(WireErrors.prefix(kind)) + ", got " + message.pattern());
        }
    }

    /** The error whose message is exactly {@code message} (kind prefix included, e.g. "invalid properties: ..."). */
    public static ExpectedError exactly(ErrorCode kind, String message) {
        Objects.requireNonNull(message, "message");
        if (!message.startsWith(WireErrors.prefix(kind))) {
            throw new IllegalArgumentException("the message of a " + kind + " error starts with \""
                    + WireErrors.prefix(kind) + "\", got " + message);
        }
        return new ExpectedError(kind, Pattern.compile(Pattern.quote(message)));
    }

    /**
     * The error whose whole message matches {@code regex}, which starts with the kind's prefix quoted: for a message
     * naming something generated, e.g.
     * {@code Pattern.quote("backend error: create volumes for ") + "infrakit-[0-9a-f]{12}"}.
     */
    public static ExpectedError matching(ErrorCode kind, String regex) {
        return new ExpectedError(kind, Pattern.compile(regex, Pattern.DOTALL));
    }

    /** Asserts that {@code call} fails with this error, and nothing else; returns that error. */
    public InstanceException assertThrownBy(ThrowingCallable call, String description) {
        Throwable thrown = catchThrowable(call);
        assertThat(thrown).as("the error of %s (declared: %s)", description, this)
                .isInstanceOf(InstanceException.class);
        InstanceException e = (InstanceException) thrown;
        assertThat(e.code()).as("kind of the error of %s (%s)", description, e.getMessage()).isEqualTo(kind);
        assertThat(WireErrors.text(e)).as("message of the error of %s", description).matches(message);
        return e;
    }
}
