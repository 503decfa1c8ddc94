package org.infrakit4j.docker;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One lock per container ID, there only while a call on that container holds it: a call never waits behind a call on
 * another container (a shared stripe would make it wait out that call's engine timeout when the engine hangs).
 */
final class DockerInstanceLocks {
    private final ConcurrentHashMap<String, ReentrantLock> held = new ConcurrentHashMap<>();

    /** Runs {@code body} holding the lock of {@code id}; not reentrant. */
    void run(String id, Runnable body) {
        ReentrantLock mine = new ReentrantLock();
        mine.lock();
        try {
            for (ReentrantLock other = held.putIfAbsent(id, mine); other != null;
                 other = held.putIfAbsent(id, mine)) {
                other.lock(); // returns once its holder is done
                other.unlock();
            }
            body.run();
        } finally {
            held.remove(id, mine);
            mine.unlock();
        }
    }

    /** How many containers have a call holding their lock now. */
    int size() {
        return held.size();
    }
}
