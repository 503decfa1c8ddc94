package org.infrakit4j.runtime;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;

/**
 * A call's bounded wait for slow backend work it started (a container or domain start, a removal): InfraKit's Go
 * client of this era gives a whole call 1 s, so the call answers once the work is done or the patience is spent,
 * and the work goes on by itself.
 */
public final class Patience {
    private Patience() {
    }

    /**
     * @param what names the work in an error that is not the work's own ("setting up container c1")
     * @return true when the work finished within the patience, false when it goes on by itself
     * @throws RuntimeException the work's own failure, when it failed within the patience
     */
    public static boolean await(Future<?> work, Duration patience, String what) {
        try {
            work.get(patience.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new InstanceException(ErrorCode.INTERNAL, what + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
