package org.infrakit4j.aws;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.infrakit4j.rpc.GoQuote;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;

/**
 * One lock per LogicalID, held only while a call of that pet looks up and launches, so a retried Provision in this
 * process finds the first one's instance while other pets never wait behind it. A lock exists only while some call
 * holds or waits for it (the map never outgrows the calls in progress), and waiting for it is bounded by the
 * waiting call's own deadline.
 */
final class Ec2PetLocks {
    /** A lock and how many calls hold or wait for it; both changed only inside the map's compute. */
    private static final class Entry {
        final ReentrantLock lock = new ReentrantLock();
        int users;
    }

    private final Map<String, Entry> locks = new ConcurrentHashMap<>();

    /**
     * Runs {@code body} holding the LogicalID's lock.
     *
     * @throws InstanceException backend unavailable, when another call of the same pet holds the lock past the
     *     deadline
     */
    <T> T withLock(String logicalId, Ec2Deadline deadline, Supplier<T> body) {
        Entry entry = locks.compute(logicalId, (k, e) -> {
            Entry out = e == null ? new Entry() : e;
            out.users++;
            return out;
        });
        try {
            if (!entry.lock.tryLock(Math.max(0, deadline.remainingNanos()), TimeUnit.NANOSECONDS)) {
                throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "another Provision of LogicalID "
                        + GoQuote.quote(logicalId) + " is still running after the call timeout of "
                        + deadline.budget().toMillis() + " ms");
            }
            try {
                return body.get();
            } finally {
                entry.lock.unlock();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "interrupted waiting for another Provision of "
                    + "LogicalID " + GoQuote.quote(logicalId));
        } finally {
            locks.computeIfPresent(logicalId, (k, e) -> --e.users == 0 ? null : e);
        }
    }

    /** How many LogicalIDs have a lock now (for tests: none once no call is in progress). */
    int size() {
        return locks.size();
    }
}
