package org.infrakit4j.aws;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceBlockDeviceMapping;
import software.amazon.awssdk.services.ec2.model.Volume;
import software.amazon.awssdk.services.ec2.model.VolumeAttachment;

/**
 * EBS attachments (spec Attachments of type {@code ebs} or {@code block-device}, ID = a volume id). Volumes are
 * checked before launch (they exist, are available, share one zone), then attached in the background once the
 * instance runs, each on its own free device, with a bounded wait. Progress is kept for Describe's Properties.
 * At most {@code threads} instances attach at once and {@code queued} more wait; a Provision with attachments
 * takes its place before it launches, and when there is none it fails fast as backend unavailable.
 */
final class Ec2Attachments implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Ec2Attachments.class);
    static final Set<String> TYPES = Set.of("ebs", "block-device");

    /** One volume's attachment as Describe shows it. */
    record Progress(String volumeId, String device, String state, String detail) {
        static final String WAITING = "waiting-for-instance";
        static final String ATTACHING = "attaching";
        static final String ATTACHED = "attached";
        static final String FAILED = "failed";
        static final String NOT_ATTACHED = "not-attached";
    }

    private final Ec2Client ec2;
    private final Duration timeout;
    private final Map<String, Map<String, Progress>> byInstance = new ConcurrentHashMap<>();
    private final ThreadPoolExecutor pool;
    /** Places in the pool (threads plus queue): taken before launch, so the queue itself never overflows. */
    private final Semaphore places;
    private final int capacity;

    Ec2Attachments(Ec2Client ec2, Duration timeout, int threads, int queued) {
        if (threads < 1 || queued < 0) {
            throw new IllegalArgumentException("attachment threads must be 1 or more and queue 0 or more, got "
                    + threads + " and " + queued);
        }
        this.ec2 = ec2;
        this.timeout = timeout;
        this.capacity = threads + queued;
        this.places = new Semaphore(capacity);
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                // Sized to all places, not just `queued`: a task gives its place back a moment before its thread is
                // free again, and the next Provision must then find room in the queue.
                new LinkedBlockingQueue<>(capacity), r -> {
                    Thread t = new Thread(r, "ec2-attach-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
    }

    /** A place in the attachment pool, taken before launch; given back by the attachment or by {@link #close}. */
    final class Place implements AutoCloseable {
        private boolean used;

        /** Gives the place back unless an attachment took it over. */
        @Override
        public void close() {
            if (!used) {
                used = true;
                places.release();
            }
        }
    }

    /**
     * Takes a place for one instance's attachments, before anything is launched.
     *
     * @throws InstanceException backend unavailable, when every place is taken (back-pressure)
     */
    Place reserve() {
        if (!places.tryAcquire()) {
            throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "too many attachments in progress (at most "
                    + capacity + " instances' at once); retry later");
        }
        return new Place();
    }

    /**
     * Checks the volumes before any instance exists and returns their common availability zone.
     *
     * @param volumeIds the Properties' {@code AttachVolumeInputs} volumes first, then the spec's Attachments
     * @param fromProperties how many of {@code volumeIds} come from the Properties (errors name their field)
     * @param zone the zone the Properties pin, if any
     * @param deadline the Provision's
     */
    Optional<String> checkBeforeLaunch(List<String> volumeIds, int fromProperties, Optional<String> zone,
                                       Ec2Deadline deadline) {
        if (volumeIds.isEmpty()) {
            return zone;
        }
        List<Volume> volumes;
        try {
            volumes = ec2.describeVolumes(r -> r.volumeIds(volumeIds)
                    .overrideConfiguration(deadline.sdk("DescribeVolumes"))).volumes();
        } catch (SdkException e) {
            if (Ec2Errors.code(e).startsWith("InvalidVolume.")) {
                // Name the field of the volume EC2 names, when it does.
                String field = fromProperties > 0 ? "Properties.AttachVolumeInputs or Attachments" : "Attachments";
                for (int i = 0; i < volumeIds.size(); i++) {
                    if (String.valueOf(e.getMessage()).contains(volumeIds.get(i))) {
                        field = i < fromProperties ? "Properties.AttachVolumeInputs[" + i + "]"
                                : "Attachments[" + (i - fromProperties) + "]";
                        break;
                    }
                }
                throw new InstanceException(ErrorCode.INVALID_PROPERTIES, field + ": " + Ec2Errors.code(e) + ": "
                        + e.getMessage());
            }
            throw Ec2Errors.translate("DescribeVolumes", e);
        }
        Map<String, Volume> byId = new HashMap<>();
        volumes.forEach(v -> byId.put(v.volumeId(), v));
        String common = zone.orElse(null);
        for (int i = 0; i < volumeIds.size(); i++) {
            Volume v = byId.get(volumeIds.get(i));
            String at = (i < fromProperties ? "Properties.AttachVolumeInputs[" + i + "]"
                    : "Attachments[" + (i - fromProperties) + "]") + ": volume " + volumeIds.get(i);
            if (v == null) {
                throw new InstanceException(ErrorCode.INVALID_PROPERTIES, at + " does not exist");
            }
            if (!v.attachments().isEmpty() || !"available".equals(v.stateAsString())) {
                String where = v.attachments().isEmpty() ? "is " + v.stateAsString()
                        : "is already attached to " + v.attachments().get(0).instanceId();
                throw new InstanceException(ErrorCode.CONFLICT, at + " " + where);
            }
            if (common != null && !common.equals(v.availabilityZone())) {
                throw new InstanceException(ErrorCode.INVALID_PROPERTIES, at + " is in " + v.availabilityZone()
                        + " but the instance would be in " + common + " (a volume attaches only in its own zone)");
            }
            common = v.availabilityZone();
        }
        return Optional.ofNullable(common);
    }

    /** Attaches the volumes in the background once the instance runs, in the place taken for them. */
    void start(Place place, String instanceId, List<String> volumeIds, List<String> candidateDevices) {
        Map<String, Progress> progress = new ConcurrentHashMap<>();
        volumeIds.forEach(v -> progress.put(v, new Progress(v, "", Progress.WAITING, "")));
        byInstance.put(instanceId, progress);
        place.used = true;
        try {
            pool.execute(() -> {
                try {
                    attach(instanceId, volumeIds, candidateDevices, progress);
                } finally {
                    places.release();
                }
            });
        } catch (RejectedExecutionException e) {
            // Only after close: the places keep the pool's queue from ever being full.
            places.release();
            volumeIds.forEach(v -> progress.put(v, new Progress(v, "", Progress.FAILED, "plugin stopping")));
        }
    }

    /** What Describe shows: the live progress, or after a restart what the instance's mappings say. */
    List<Progress> progress(Instance instance, List<String> requested) {
        Map<String, Progress> live = byInstance.get(instance.instanceId());
        List<Progress> out = new ArrayList<>();
        for (String volumeId : requested) {
            Progress p = live == null ? null : live.get(volumeId);
            if (p == null) {
                p = instance.blockDeviceMappings().stream()
                        .filter(m -> m.ebs() != null && volumeId.equals(m.ebs().volumeId())).findFirst()
                        .map(m -> new Progress(volumeId, m.deviceName(), m.ebs().statusAsString(), ""))
                        .orElse(new Progress(volumeId, "", Progress.NOT_ATTACHED, ""));
            }
            out.add(p);
        }
        return out;
    }

    void forget(String instanceId) {
        byInstance.remove(instanceId);
    }

    private void attach(String instanceId, List<String> volumeIds, List<String> candidates,
                        Map<String, Progress> progress) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Instance instance;
        try {
            instance = awaitRunning(instanceId, deadline);
        } catch (IllegalStateException e) {
            volumeIds.forEach(v -> progress.put(v, new Progress(v, "", Progress.FAILED, e.getMessage())));
            LOG.atWarn().addKeyValue("instance", instanceId).addKeyValue("volumes", volumeIds)
                    .log("attachments abandoned: " + e.getMessage());
            return;
        }
        Set<String> used = new HashSet<>();
        instance.blockDeviceMappings().forEach(m -> used.add(letters(m.deviceName())));
        if (instance.rootDeviceName() != null) {
            used.add(letters(instance.rootDeviceName()));
        }
        String zone = instance.placement() == null ? null : instance.placement().availabilityZone();
        Map<String, Volume> volumes = new HashMap<>();
        try {
            ec2.describeVolumes(r -> r.volumeIds(volumeIds)).volumes().forEach(v -> volumes.put(v.volumeId(), v));
        } catch (SdkException e) {
            String why = Ec2Errors.translate("DescribeVolumes", e).getMessage();
            volumeIds.forEach(v -> fail(progress, instanceId, v, "", why));
            return;
        }
        List<String> attaching = new ArrayList<>();
        for (String volumeId : volumeIds) {
            Volume v = volumes.get(volumeId);
            String device = candidates.stream().filter(d -> !used.contains(letters(d))).findFirst().orElse(null);
            if (v == null) {
                fail(progress, instanceId, volumeId, "", "volume does not exist any more");
            } else if (zone != null && !zone.equals(v.availabilityZone())) {
                fail(progress, instanceId, volumeId, "", "volume is in " + v.availabilityZone()
                        + " but the instance is in " + zone);
            } else if (!v.attachments().isEmpty()) {
                fail(progress, instanceId, volumeId, "", "volume is already attached to "
                        + v.attachments().get(0).instanceId());
            } else if (device == null) {
                fail(progress, instanceId, volumeId, "", "no free device among " + candidates);
            } else {
                try {
                    ec2.attachVolume(r -> r.instanceId(instanceId).volumeId(volumeId).device(device));
                    used.add(letters(device));
                    attaching.add(volumeId);
                    progress.put(volumeId, new Progress(volumeId, device, Progress.ATTACHING, ""));
                    LOG.atInfo().addKeyValue("instance", instanceId).addKeyValue("volume", volumeId)
                            .addKeyValue("device", device).log("attaching volume");
                } catch (SdkException e) {
                    fail(progress, instanceId, volumeId, device, Ec2Errors.translate("AttachVolume", e).getMessage());
                }
            }
        }
        awaitAttached(instanceId, attaching, progress, deadline);
    }

    private Instance awaitRunning(String instanceId, long deadline) {
        long delay = 250;
        while (true) {
            try {
                List<Instance> found = ec2.describeInstances(r -> r.instanceIds(instanceId)).reservations().stream()
                        .flatMap(r -> r.instances().stream()).toList();
                if (!found.isEmpty()) {
                    String state = found.get(0).state().nameAsString();
                    if (state.equals("running")) {
                        return found.get(0);
                    }
                    if (!state.equals("pending")) {
                        throw new IllegalStateException("instance is " + state + ", not running");
                    }
                }
            } catch (SdkException e) {
                if (!Ec2Errors.instanceNotFound(e)) {
                    LOG.atDebug().addKeyValue("instance", instanceId).log("waiting for running: " + e.getMessage());
                }
            }
            if (System.nanoTime() + delay * 1_000_000 > deadline) {
                throw new IllegalStateException("instance not running after " + timeout);
            }
            sleep(delay);
            delay = Math.min(delay * 2, 5000);
        }
    }

    private void awaitAttached(String instanceId, List<String> volumeIds, Map<String, Progress> progress,
                               long deadline) {
        List<String> pending = new ArrayList<>(volumeIds);
        long delay = 250;
        while (!pending.isEmpty()) {
            try {
                for (Volume v : ec2.describeVolumes(r -> r.volumeIds(pending)).volumes()) {
                    for (VolumeAttachment a : v.attachments()) {
                        if (instanceId.equals(a.instanceId()) && "attached".equals(a.stateAsString())) {
                            progress.put(v.volumeId(), new Progress(v.volumeId(), a.device(), Progress.ATTACHED, ""));
                            pending.remove(v.volumeId());
                            LOG.atInfo().addKeyValue("instance", instanceId).addKeyValue("volume", v.volumeId())
                                    .addKeyValue("device", a.device()).log("volume attached");
                        }
                    }
                }
            } catch (SdkException e) {
                LOG.atDebug().addKeyValue("instance", instanceId).log("waiting for attachments: " + e.getMessage());
            }
            if (pending.isEmpty()) {
                return;
            }
            if (System.nanoTime() + delay * 1_000_000 > deadline) {
                for (String v : pending) {
                    fail(progress, instanceId, v, progress.get(v).device(), "not attached after " + timeout);
                }
                return;
            }
            sleep(delay);
            delay = Math.min(delay * 2, 5000);
        }
    }

    private static void fail(Map<String, Progress> progress, String instanceId, String volumeId, String device,
                             String why) {
        progress.put(volumeId, new Progress(volumeId, device, Progress.FAILED, why));
        LOG.atWarn().addKeyValue("instance", instanceId).addKeyValue("volume", volumeId)
                .log("attachment failed: " + why);
    }

    /** /dev/sdf and /dev/xvdf name the same slot. */
    static String letters(String device) {
        if (device == null) {
            return "";
        }
        return device.replaceFirst("^/dev/(xvd|sd)", "");
    }

    /** The volumes kept after termination: those whose mapping says DeleteOnTermination=false. */
    static List<String> keptOnTermination(Instance instance) {
        return instance.blockDeviceMappings().stream().map(InstanceBlockDeviceMapping::ebs)
                .filter(e -> e != null && !Boolean.TRUE.equals(e.deleteOnTermination()))
                .map(e -> e.volumeId()).toList();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
