package org.infrakit4j.aws;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * The {@code --rate} budget: mutating EC2 calls (everything but Describe*) of the whole process, retries included,
 * share one token bucket of {@code rate} per second with a burst of one second's worth, so a scale-up of a big
 * group does not trip EC2's own request limits.
 *
 * <p>Background requests (the reaper's, marked with {@link #BACKGROUND_UNTIL}) are all counted, Describe included,
 * and only ever take what the plugin's calls leave spare: a permit while the bucket still holds half a burst after
 * it, never one reserved ahead. Reaping therefore never makes a client's call wait, nor pushes the process past
 * {@code rate}; it waits instead, until its own deadline.
 */
final class Ec2RequestBudget implements ExecutionInterceptor {
    /** On a background request: its deadline in {@link System#nanoTime()} terms. */
    static final ExecutionAttribute<Long> BACKGROUND_UNTIL = new ExecutionAttribute<>("ik4j.budget.background-until");

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
        if (rate <= 0) {
            return;
        }
        Long backgroundUntil = attributes.getAttribute(BACKGROUND_UNTIL);
        if (backgroundUntil != null) {
            awaitSpare(backgroundUntil);
        } else if (mutating(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME))) {
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

    /**
     * Waits for a spare permit until {@code until}; past it the request goes on to the SDK, whose call timeout (the
     * same deadline) ends it at once.
     */
    private void awaitSpare(long until) {
        while (true) {
            long wait = trySpare();
            long left = until - clock.getAsLong();
            if (wait == 0 || left <= 0) {
                return;
            }
            try {
                TimeUnit.NANOSECONDS.sleep(Math.min(wait, left));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Takes a permit for background work if the bucket keeps at least half a burst (all of it, with a burst of one)
     * for the plugin's own calls after it; returns 0 when it did, else how long to wait before asking again.
     */
    synchronized long trySpare() {
        long now = clock.getAsLong();
        refill(now);
        double needed = Math.min(burst, 1 + burst / 2);
        if (nextFree <= now && stored >= needed) {
            stored -= 1;
            return 0;
        }
        long behind = Math.max(0, nextFree - now);
        return Math.max(1_000_000, behind + (long) ((needed - (nextFree <= now ? stored : 0)) * intervalNanos));
    }

    /** Takes one permit and returns how long the caller must wait for it (nanoseconds). */
    synchronized long reserve() {
        long now = clock.getAsLong();
        refill(now);
        long wait = nextFree - now;
        double fromStored = Math.min(1, stored);
        stored -= fromStored;
        nextFree += (long) ((1 - fromStored) * intervalNanos);
        return wait;
    }

    /** Adds the permits earned since the last one was due, up to a burst. */
    private void refill(long now) {
        if (now > nextFree) {
            stored = Math.min(burst, stored + (double) (now - nextFree) / intervalNanos);
            nextFree = now;
        }
    }
}
