package org.infrakit4j.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.infrakit4j.docker.DockerEngine.Operation;
import org.infrakit4j.runtime.Patience;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The work on a container that goes on after Provision or Destroy answered: the set-up after create (Init copied in,
 * networks connected, started; on failure the half-made container is removed), a dead pet's start, and removals
 * (stop, remove, forget its Label tags). Each piece runs on a slot of the bounded {@link DockerBackgroundWork},
 * under the container's lock, and a caller waits for it at most the patience: InfraKit's Go client gives a whole
 * call 1 s (wire-protocol.md §1.2). While a set-up or start runs the container is never dead; while a removal runs
 * it is {@link #isRemoving removing}, left out of Describe, and a Destroy that overlaps it joins it.
 */
final class DockerContainerWork implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DockerContainerWork.class);

    private final DockerEngine engine;
    private final DockerClient docker;
    private final DockerInstanceLocks locks;
    private final DockerLabelStore store;
    private final DockerDeadContainers dead;
    private final Duration patience;
    private final DockerBackgroundWork background;
    /** Removals under way, by container ID. */
    private final Map<String, CompletableFuture<Void>> removing = new ConcurrentHashMap<>();

    /**
     * @param dead told which containers are being started, so none of them counts as dead meanwhile
     * @param patience how long {@link #await} waits before leaving the work to finish on its own
     */
    DockerContainerWork(DockerEngine engine, DockerInstanceLocks locks, DockerLabelStore store,
                        DockerDeadContainers dead, Duration patience) {
        this.engine = engine;
        this.docker = engine.client();
        this.locks = locks;
        this.store = store;
        this.dead = dead;
        this.patience = patience;
        this.background = new DockerBackgroundWork(engine.host());
    }

    /**
     * Reserves the slot of a set-up before the container is created, so a created container always gets one.
     *
     * @throws InstanceException BACKEND_UNAVAILABLE when every slot is taken
     */
    DockerBackgroundWork.Ticket reserve(String what) {
        return background.reserve(what);
    }

    /**
     * The set-up of container {@code id}, just created from {@code spec}, on the slot of {@code ticket}: Init copied
     * in, networks connected, started. If it fails the container is removed (unless the engine does not answer:
     * then it is left, labelled as ours, for Describe to report and the group to destroy).
     */
    CompletableFuture<Void> setUp(String id, DockerContainerSpec spec, DockerBackgroundWork.Ticket ticket) {
        return starting(id, ticket, "setting up container " + id, () -> {
            try {
                copyInitAndConnect(id, spec, Set.of());
                engine.run(Operation.CONTAINER_START, "start container " + id,
                        () -> docker.startContainerCmd(id).exec());
            } catch (RuntimeException e) {
                removeHalfMade(id, e);
                throw e;
            }
        });
    }

    /**
     * Starts a dead pet's container again. One that never ran ({@code state} is {@code created}) gets the set-up it
     * missed: Init, and the networks it is not on yet ({@code joined} are those it is on).
     *
     * @throws InstanceException CONFLICT when the container is being removed; BACKEND_UNAVAILABLE when every slot
     *     is taken
     */
    CompletableFuture<Void> startAgain(String id, DockerContainerSpec spec, String state, Set<String> joined) {
        DockerBackgroundWork.Ticket ticket = background.reserve("starting dead pet container " + id);
        return starting(id, ticket, "starting dead pet container " + id, () -> {
            if (removing.containsKey(id)) {
                throw new InstanceException(ErrorCode.CONFLICT, "container " + id + " is being destroyed");
            }
            if (state.equals("created")) {
                copyInitAndConnect(id, spec, joined);
            }
            engine.run(Operation.CONTAINER_START, "start container " + id, () -> {
                try {
                    docker.startContainerCmd(id).exec();
                } catch (NotModifiedException e) {
                    // running already
                }
            });
        });
    }

    /**
     * Stops (giving it {@code grace} seconds) and removes container {@code id}, then forgets its Label tags; joins
     * the removal already under way if there is one. Ownership is the caller's to check.
     *
     * @throws InstanceException BACKEND_UNAVAILABLE when every slot is taken, or the plugin is stopping
     */
    CompletableFuture<Void> remove(String id, int grace, String reason) {
        DockerBackgroundWork.Ticket ticket = background.reserve("removing container " + id);
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> under = removing.putIfAbsent(id, mine);
        if (under != null) {
            ticket.release(); // another Destroy's removal is under way
            return under;
        }
        LOG.atInfo().addKeyValue("method", "Destroy").addKeyValue("instance", id).addKeyValue("reason", reason)
                .log("destroying");
        try {
            background.start(ticket, "removing container " + id, () -> {
                try {
                    locks.run(id, () -> {
                        engine.stopAndRemove(id, grace);
                        forget(id);
                    });
                    removing.remove(id, mine);
                    mine.complete(null);
                } catch (RuntimeException e) {
                    removing.remove(id, mine);
                    mine.completeExceptionally(e);
                    LOG.atWarn().addKeyValue("instance", id).addKeyValue("error", e.getMessage())
                            .log("destroy failed; the container is described again for a retry");
                }
            });
        } catch (InstanceException e) {
            removing.remove(id, mine);
            throw e;
        }
        return mine;
    }

    /** The removal of {@code id} under way, if any. */
    Optional<CompletableFuture<Void>> removal(String id) {
        return Optional.ofNullable(removing.get(id));
    }

    boolean isRemoving(String id) {
        return removing.containsKey(id);
    }

    /** The containers being removed now: a snapshot. */
    Set<String> removing() {
        return Set.copyOf(removing.keySet());
    }

    /** Forgets the Label tags of a container that is gone. */
    void forget(String id) {
        try {
            store.forget(id);
        } catch (IOException e) {
            throw store.unwritable(e);
        }
    }

    /**
     * Waits up to the patience for a piece of work.
     *
     * @return true when it finished in time, false when it goes on in the background
     * @throws RuntimeException the work's own failure, when it failed in time
     */
    boolean await(CompletableFuture<Void> work, String what) {
        return Patience.await(work, patience, what);
    }

    /** Set-ups, starts and removals under way or waiting now. */
    int underWay() {
        return background.underWay();
    }

    /** Stops taking work and lets what is under way finish for a while (the engine's timeout and a second). */
    @Override
    public void close() {
        try {
            int dropped = background.close(engine.timeout().plusSeconds(1));
            if (dropped > 0) {
                LOG.atWarn().addKeyValue("tasks", dropped).log("stopped with container set-ups or removals "
                        + "unfinished; Describe still reports those containers");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Runs {@code work} on the container in the background, under its lock, on the slot of {@code ticket}; the
     * container counts as starting (never dead) until it is done.
     */
    private CompletableFuture<Void> starting(String id, DockerBackgroundWork.Ticket ticket, String what,
                                             Runnable work) {
        dead.starting(id);
        try {
            return background.start(ticket, what, () -> {
                try {
                    locks.run(id, work);
                } finally {
                    dead.started(id);
                }
            });
        } catch (RuntimeException e) {
            dead.started(id);
            throw e;
        }
    }

    /** Copies Init into the container and connects it to its networks but those in {@code joined}. */
    private void copyInitAndConnect(String id, DockerContainerSpec c, Set<String> joined) {
        if (c.hasInit()) {
            engine.run(Operation.PUT_CONTAINER_ARCHIVE, "copy Init into container " + id,
                    () -> docker.copyArchiveToContainerCmd(id).withRemotePath("/")
                            .withTarInputStream(new ByteArrayInputStream(c.initArchive())).exec());
        }
        for (String network : c.networksToConnect()) {
            if (!joined.contains(network)) {
                engine.run(Operation.NETWORK_CONNECT, "connect container " + id + " to network " + network,
                        () -> docker.connectToNetworkCmd().withContainerId(id).withNetworkId(network).exec());
            }
        }
    }

    private void removeHalfMade(String id, RuntimeException cause) {
        if (cause instanceof InstanceException ie && ie.code() == ErrorCode.BACKEND_UNAVAILABLE) {
            // A remove would wait out one more timeout on an engine that is not answering. The container is labelled
            // as ours, so Describe reports it and the group destroys it: not orphaned.
            LOG.atWarn().addKeyValue("instance", id).addKeyValue("error", cause.getMessage())
                    .log("provision failed after create with the engine not answering; container left for Destroy");
            return;
        }
        try {
            boolean removed = engine.call(Operation.CONTAINER_DELETE, "remove container " + id, () -> {
                try {
                    docker.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
                    return true;
                } catch (NotFoundException e) {
                    return false; // a Destroy came first
                }
            });
            LOG.atWarn().addKeyValue("instance", id).addKeyValue("error", cause.getMessage())
                    .log(removed ? "provision failed after create; container removed"
                            : "provision failed after create; container already destroyed");
        } catch (RuntimeException e) {
            // Still labelled as ours, so Describe reports it and the group destroys it: not orphaned.
            LOG.atError().addKeyValue("instance", id).addKeyValue("error", e.getMessage())
                    .log("provision failed after create and the container could not be removed");
        }
    }
}
