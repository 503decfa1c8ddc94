package org.infrakit4j.docker;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.PullImageResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.ContainerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.infrakit4j.docker.DockerEngine.Operation;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;

/**
 * The image side of Provision: the Pull policy (never, if-missing, always; pulls carry no registry credentials) and
 * the image's own command when the Init wrapper needs it.
 */
final class DockerImages {
    private final DockerEngine engine;

    DockerImages(DockerEngine engine) {
        this.engine = engine;
    }

    /** Create found no image and the policy is if-missing: pull, then create again. */
    static final class Missing extends RuntimeException {
        Missing() {
            super(null, null, false, false);
        }
    }

    /** Pulls as the policy asks; returns the image config when the command must come from the image. */
    ContainerConfig prepare(DockerProperties p, boolean needConfig) {
        if (p.pull() == DockerProperties.Pull.ALWAYS) {
            pull(p.image());
        }
        if (!needConfig) {
            return null;
        }
        Optional<ContainerConfig> local = inspectImage(p.image());
        if (local.isEmpty() && p.pull() == DockerProperties.Pull.IF_MISSING) {
            pull(p.image());
            local = inspectImage(p.image());
        }
        return local.orElseThrow(() -> new InstanceException(ErrorCode.BACKEND_ERROR, "docker engine at "
                + engine.host() + ": no such image " + p.image() + " (Pull is "
                + p.pull().name().toLowerCase(Locale.ROOT).replace('_', '-') + ")"));
    }

    private Optional<ContainerConfig> inspectImage(String image) {
        return engine.call(Operation.IMAGE_INSPECT, "inspect image " + image, () -> {
            try {
                return Optional.ofNullable(engine.client().inspectImageCmd(image).exec().getConfig());
            } catch (NotFoundException e) {
                return Optional.empty();
            }
        });
    }

    void pull(String image) {
        // A pull streams for as long as the download takes: allow ten engine timeouts.
        long timeout = engine.timeout().toSeconds() * 10;
        engine.call(Operation.IMAGE_CREATE, "pull " + image, engine.timeout().multipliedBy(11), () -> {
            try (ResultCallback.Adapter<?> cb = engine.client().pullImageCmd(image)
                    .exec(new PullImageResultCallback())) {
                if (!cb.awaitCompletion(timeout, TimeUnit.SECONDS)) {
                    throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "docker engine at " + engine.host()
                            + ": pull " + image + " did not finish within " + timeout + " s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InstanceException(ErrorCode.INTERNAL, "interrupted while pulling " + image, e);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return null;
        });
    }
}
