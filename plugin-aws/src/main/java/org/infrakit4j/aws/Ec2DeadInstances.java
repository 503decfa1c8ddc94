package org.infrakit4j.aws;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.infrakit4j.runtime.Reaper;
import org.infrakit4j.spi.InstanceId;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Instance;

/**
 * The plugin's dead instances for its {@link Reaper}: one filtered DescribeInstances (marker, namespace, stopped or
 * stopping) lists them, EC2's state reason and console output tell their last state, and they go through the
 * plugin's own Destroy path. Every call is background work under the request budget ({@link Ec2Deadline#background}).
 */
final class Ec2DeadInstances implements Reaper.Backend {
    /** Dead instances listed per sweep at most, as many as the reaper remembers; the others come in later sweeps. */
    static final int MAX_LISTED = 10_000;
    /** The tail of the console output logged before an instance goes. */
    static final int CONSOLE_LINES = 20;
    static final int CONSOLE_BYTES = 4096;

    private final Ec2Client ec2;
    private final Ec2Config config;
    private final Ec2InstanceLookup lookup;
    private final Ec2InstancePlugin plugin;

    Ec2DeadInstances(Ec2Client ec2, Ec2Config config, Ec2InstanceLookup lookup, Ec2InstancePlugin plugin) {
        this.ec2 = ec2;
        this.config = config;
        this.lookup = lookup;
        this.plugin = plugin;
    }

    /** A dead instance as the reaper knows it; its state is EC2's word, {@code stopped} or {@code stopping}. */
    static Reaper.DeadInstance of(Instance instance) {
        return new Reaper.DeadInstance(new InstanceId(instance.instanceId()),
                Ec2Tags.value(instance.tags(), Ec2Tags.LOGICAL_ID_KEY), Ec2TagFilters.state(instance));
    }

    @Override
    public List<Reaper.DeadInstance> listDead() {
        List<Reaper.DeadInstance> out = new ArrayList<>();
        for (Instance i : lookup.dead(Ec2Deadline.background(config.callTimeout()), MAX_LISTED)) {
            // The filter asked EC2 for exactly these; checked again, as the reaper destroys what is listed here.
            if (Ec2Tags.managed(i.tags(), config.namespace()) && Ec2TagFilters.dead(Ec2TagFilters.state(i))
                    && !plugin.isStarting(i)) {
                out.add(of(i));
            }
        }
        return out;
    }

    /**
     * EC2's state, its state reason and transition reason (why it stopped: user-initiated, instance-initiated
     * shutdown, spot interruption...), and the last lines of its console output when EC2 keeps any.
     */
    @Override
    public Map<String, String> lastState(Reaper.DeadInstance dead) {
        Ec2Deadline deadline = Ec2Deadline.background(config.callTimeout());
        Map<String, String> out = new LinkedHashMap<>();
        Optional<Instance> instance = lookup.byId(dead.id().value(), deadline);
        if (instance.isEmpty()) {
            out.put("ec2State", "gone");
            return out;
        }
        Instance i = instance.get();
        out.put("ec2State", Ec2TagFilters.state(i));
        if (i.stateReason() != null && i.stateReason().code() != null) {
            out.put("stateReason", i.stateReason().code() + (i.stateReason().message() == null ? ""
                    : ": " + i.stateReason().message()));
        }
        if (i.stateTransitionReason() != null && !i.stateTransitionReason().isEmpty()) {
            out.put("stateTransitionReason", i.stateTransitionReason());
        }
        try {
            String output = ec2.getConsoleOutput(r -> r.instanceId(dead.id().value())
                    .overrideConfiguration(deadline.sdk("GetConsoleOutput"))).output();
            if (output != null && !output.isEmpty()) {
                out.put("consoleOutput", tail(new String(Base64.getMimeDecoder().decode(output),
                        StandardCharsets.UTF_8)));
            }
        } catch (SdkException | IllegalArgumentException e) {
            // Best effort: the state reason above is already worth logging.
            out.put("consoleOutput", "unavailable: " + (e instanceof SdkException s
                    ? lookup.failure("GetConsoleOutput", s).getMessage() : "not base64"));
        }
        return out;
    }

    /** The last {@value #CONSOLE_LINES} lines, at most {@value #CONSOLE_BYTES} bytes of them (cut at a line start). */
    static String tail(String text) {
        String t = text.stripTrailing();
        int from = t.length();
        for (int lines = 0; lines < CONSOLE_LINES && from > 0; lines++) {
            from = t.lastIndexOf('\n', from - 1);
            if (from < 0) {
                from = 0;
                break;
            }
        }
        String tail = t.substring(from == 0 ? 0 : from + 1);
        while (tail.getBytes(StandardCharsets.UTF_8).length > CONSOLE_BYTES) {
            int next = tail.indexOf('\n');
            // One line longer than the limit: keep its end.
            tail = next < 0 ? tail.substring(tail.length() - CONSOLE_BYTES / 4) : tail.substring(next + 1);
        }
        return tail;
    }

    @Override
    public boolean reapIfStillDead(Reaper.DeadInstance dead) {
        return plugin.reapIfStillDead(dead);
    }
}
