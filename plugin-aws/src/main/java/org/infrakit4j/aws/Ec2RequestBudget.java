package org.infrakit4j.aws;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * The {@code --rate} budget: mutating EC2 calls (everything but Describe*) of the whole process, retries included,
 * share one token bucket of {@code rate} per second with a burst of one second's worth, so a scale-up of a big
 * group does not trip EC2's own request limits.
 */
final class Ec2RequestBudget implements ExecutionInterceptor {
    private final double rate;
    private final double burst;
    private final long intervalNanos;
    private final LongSupplier clock;
    private double stored;
    private long nextFree;

    Ec2RequestBudget(double rate) {
        this(rate, System::nanoTime);
    }

    /** @param clock nanoseconds, as {@link System#nanoTime()} (a test's own clock keeps it exact) */
    Ec2RequestBudget(double rate, LongSupplier clock) {
        this.rate = rate;
        this.burst = Math.max(1, rate);
        this.intervalNanos = rate > 0 ? (long) (TimeUnit.SECONDS.toNanos(1) / rate) : 0;
        this.clock = clock;
        this.stored = burst;
        this.nextFree = clock.getAsLong();
    }

    static boolean mutating(String operation) {
        return operation != null && !operation.startsWith("Describe");
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        if (rate > 0 && mutating(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME))) {
            long wait = reserve();
            if (wait > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(wait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** Takes one permit and returns how long the caller must wait for it (nanoseconds). */
    synchronized long reserve() {
        long now = clock.getAsLong();
        if (now > nextFree) {
            stored = Math.min(burst, stored + (double) (now - nextFree) / intervalNanos);
            nextFree = now;
        }
        long wait = nextFree - now;
        double fromStored = Math.min(1, stored);
        stored -= fromStored;
        nextFree += (long) ((1 - fromStored) * intervalNanos);
        return wait;
    }
}
