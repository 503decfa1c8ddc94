package org.infrakit4j.aws;

import java.net.ConnectException;
import java.util.Set;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/** Turns SDK failures into the plugin's typed errors, naming the EC2 action, error code and message. */
final class Ec2Errors {
    private static final Set<String> INSTANCE_NOT_FOUND = Set.of("InvalidInstanceID.NotFound",
            "InvalidInstanceID.Malformed");

    private Ec2Errors() {
    }

    /** The AWS error code, or "" for a failure that never got an AWS answer. */
    static String code(SdkException e) {
        if (e instanceof AwsServiceException a && a.awsErrorDetails() != null
                && a.awsErrorDetails().errorCode() != null) {
            return a.awsErrorDetails().errorCode();
        }
        return "";
    }

    /** EC2's own message of a failure it answered; the SDK's otherwise. */
    static String message(SdkException e) {
        if (e instanceof AwsServiceException a && a.awsErrorDetails() != null
                && a.awsErrorDetails().errorMessage() != null) {
            return a.awsErrorDetails().errorMessage();
        }
        return e.getMessage();
    }

    static boolean instanceNotFound(SdkException e) {
        return INSTANCE_NOT_FOUND.contains(code(e));
    }

    /** Whether the endpoint refused the connection: nothing listens there. */
    static boolean refused(SdkException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return true;
            }
        }
        return false;
    }

    static InstanceException translate(String action, SdkException e) {
        return translate(action, e, "EC2");
    }

    /** @param endpoint how to name the endpoint when it cannot be reached, e.g. {@code EC2 at http://...} */
    static InstanceException translate(String action, SdkException e, String endpoint) {
        if (e instanceof AwsServiceException a) {
            String message = a.awsErrorDetails() == null ? a.getMessage() : a.awsErrorDetails().errorMessage();
            String text = "EC2 " + action + " failed: " + code(e) + ": " + message;
            if (a.isThrottlingException() || a.statusCode() >= 500) {
                return new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, text + " (after retries)", e);
            }
            if (code(e).equals("IdempotentParameterMismatch")) {
                return new InstanceException(ErrorCode.CONFLICT, text, e);
            }
            return new InstanceException(ErrorCode.BACKEND_ERROR, text, e);
        }
        if (e instanceof SdkClientException) {
            return new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "EC2 " + action + " failed: cannot reach "
                    + endpoint + ": " + e.getMessage(), e);
        }
        return new InstanceException(ErrorCode.INTERNAL, "EC2 " + action + " failed: " + e.getMessage(), e);
    }
}
