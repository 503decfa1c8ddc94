package org.infrakit4j.aws;

import java.time.Duration;
import java.util.Objects;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;

/**
 * One plugin call's deadline ({@code --call-timeout}): every EC2 call it makes (Label's DescribeInstances then
 * CreateTags, Provision's lookup then RunInstances), with their retries and backoff, shares it, so a call never takes
 * a multiple of the timeout because it happens to need several EC2 calls.
 *
 * <p>The reaper's calls carry a background deadline: their requests are marked so that {@link Ec2RequestBudget}
 * sends them only on the budget the plugin's own calls leave spare.
 *
 * @param at the deadline in {@link System#nanoTime()} terms
 * @param budget the whole call's time, for messages
 * @param background whether the calls are the plugin's background work (reaping), not a client's call
 */
record Ec2Deadline(long at, Duration budget, boolean background) {
    Ec2Deadline {
        Objects.requireNonNull(budget, "budget");
        if (budget.isNegative() || budget.isZero()) {
            throw new IllegalArgumentException("budget must be positive, got " + budget);
        }
    }

    /** A deadline {@code budget} from now. */
    static Ec2Deadline after(Duration budget) {
        return new Ec2Deadline(System.nanoTime() + budget.toNanos(), budget, false);
    }

    /** A deadline {@code budget} from now for background work, whose requests yield to the plugin's calls. */
    static Ec2Deadline background(Duration budget) {
        return new Ec2Deadline(System.nanoTime() + budget.toNanos(), budget, true);
    }

    long remainingNanos() {
        return at - System.nanoTime();
    }

    /**
     * The request settings of one EC2 call: what is left of the deadline as its whole-call timeout (the SDK's retries
     * included).
     *
     * @throws InstanceException backend unavailable, when nothing is left: the call is not sent
     */
    AwsRequestOverrideConfiguration sdk(String action) {
        long left = remainingNanos();
        if (left < 1_000_000) {
            throw spent(action);
        }
        AwsRequestOverrideConfiguration.Builder b = AwsRequestOverrideConfiguration.builder()
                .apiCallTimeout(Duration.ofNanos(left));
        if (background) {
            b.putExecutionAttribute(Ec2RequestBudget.BACKGROUND_UNTIL, at);
        }
        return b.build();
    }

    /** The error for an EC2 call that was not sent because the plugin call's time is spent. */
    InstanceException spent(String action) {
        return new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "EC2 " + action + " not sent: the call timeout of "
                + budget.toMillis() + " ms is spent by the EC2 calls before it");
    }
}
