package org.infrakit4j.docker;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.infrakit4j.docker.DockerEngine.Operation;
import org.infrakit4j.rpc.GoQuote;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.Spec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pet check of Provision: a pet's container is named by its LogicalID, so a create that finds the name taken
 * asks here whose it is. Our container for the same pet (our marker and namespace, the same LogicalID, carrying
 * every wanted tag, Label's included) is the answer, so a retried Provision returns what it made; a dead one is
 * started again first, so the pet keeps its container and its disk (never silently replaced). Anything else holding
 * the name is a conflict.
 */
final class DockerPets {
    private static final Logger LOG = LoggerFactory.getLogger(DockerPets.class);

    private final DockerEngine engine;
    private final DockerLabels labels;
    private final DockerLabelStore store;
    private final DockerDeadContainers dead;
    private final DockerContainerWork work;

    DockerPets(DockerEngine engine, DockerLabels labels, DockerLabelStore store, DockerDeadContainers dead,
               DockerContainerWork work) {
        this.engine = engine;
        this.labels = labels;
        this.store = store;
        this.dead = dead;
        this.work = work;
    }

    /**
     * The container of the pet {@code spec} names, whose name clashed with a create: itself, started again first
     * if it is dead (waiting for that as long as for a new one).
     *
     * @throws InstanceException CONFLICT when the name is another's (not ours, another namespace, another pet, other
     *     tags), when it is gone since the clash, or when its dead container is being destroyed
     */
    InstanceId existing(DockerContainerSpec spec, Spec wanted) {
        String name = spec.name().orElseThrow(() -> new IllegalArgumentException("a pet has a LogicalID"));
        InspectContainerResponse c = engine.call(Operation.CONTAINER_INSPECT, "inspect container " + name, () -> {
            try {
                return engine.client().inspectContainerCmd(name).exec();
            } catch (NotFoundException e) {
                throw new InstanceException(ErrorCode.CONFLICT, "LogicalID " + quote(name)
                        + ": the container name was in use but is gone now; retry");
            }
        });
        Map<String, String> have = c.getConfig().getLabels();
        if (!labels.isManaged(have) || !labels.inNamespace(have)) {
            throw new InstanceException(ErrorCode.CONFLICT, "LogicalID " + quote(name)
                    + " is the name of container " + c.getId() + ", which this plugin does not manage");
        }
        Map<String, String> view = DockerLabels.view(have, store.get(c.getId()));
        if (!Optional.of(name).equals(DockerLabels.logicalId(have)) || !Description.matches(view, wanted.tags())) {
            throw new InstanceException(ErrorCode.CONFLICT, "LogicalID " + quote(name)
                    + " is held by container " + c.getId() + " with other tags");
        }
        Optional<String> deadIn = dead.deadState(c, Instant.now());
        if (deadIn.isPresent()) {
            return startAgain(c, spec, deadIn.get());
        }
        LOG.atInfo().addKeyValue("method", "Provision").addKeyValue("instance", c.getId())
                .addKeyValue("logicalId", name).log("provision retried: returning the existing container");
        return new InstanceId(c.getId());
    }

    private InstanceId startAgain(InspectContainerResponse c, DockerContainerSpec spec, String state) {
        String id = c.getId();
        String name = spec.name().orElseThrow();
        if (work.isRemoving(id)) {
            throw new InstanceException(ErrorCode.CONFLICT, "LogicalID " + quote(name) + ": its dead container "
                    + id + " is being destroyed; retry");
        }
        Set<String> joined = c.getNetworkSettings() == null || c.getNetworkSettings().getNetworks() == null
                ? Set.of() : Set.copyOf(c.getNetworkSettings().getNetworks().keySet());
        CompletableFuture<Void> start = work.startAgain(id, spec, state, joined);
        boolean started = work.await(start, "starting container " + id);
        LOG.atInfo().addKeyValue("method", "Provision").addKeyValue("instance", id).addKeyValue("logicalId", name)
                .addKeyValue("was", state).addKeyValue("started", started).log("dead pet started again as itself");
        return new InstanceId(id);
    }

    /** Go's %q, as the reference plugin quoted names in its errors. */
    private static String quote(String s) {
        return GoQuote.quote(s);
    }
}
