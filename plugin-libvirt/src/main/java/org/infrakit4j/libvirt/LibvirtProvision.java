package org.infrakit4j.libvirt;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.infrakit4j.rpc.GoQuote;
import org.infrakit4j.spi.Attachment;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.Spec;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;
import org.libvirt.StorageVol;

/**
 * One Provision's request, checked against libvirt before anything is made ({@link #prepare}): every pool and
 * volume it needs must exist, so a missing pool fails the call with nothing created or defined.
 */
record LibvirtProvision(LibvirtProperties properties, String init, Optional<String> logicalId,
                        Map<String, String> tags, List<LibvirtVolumeRef> attachedVolumes,
                        List<LibvirtProperties.Nic> nics, String storagePool, String seedPool,
                        boolean linuxKitConfig) {
    LibvirtProvision {
        tags = Map.copyOf(tags);
        attachedVolumes = List.copyOf(attachedVolumes);
        nics = List.copyOf(nics);
    }

    private static final long MIB = 1024L * 1024;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A volume to make for the instance: a new one, an overlay over {@code base}, or the seed. */
    record Creation(LibvirtVolumeRef volume, long bytes, String format, LibvirtVolumeRef base) {
    }

    /** The checked plan: the volumes to make, the disks to attach, the metadata to write. */
    record Prepared(List<Creation> creations, List<LibvirtDomainXml.Disk> disks, LibvirtMetadata metadata,
                    String init, boolean linuxKitConfig) {
        /** Makes the volumes, adding each to {@code made} as soon as it exists (for clean-up). */
        Void createVolumes(Connect c, String name, Instant now, List<LibvirtVolumeRef> made) throws LibvirtException {
            for (Creation k : creations) {
                var pool = c.storagePoolLookupByName(k.volume().pool());
                if (k.base() == null && k.format().equals("iso")) {
                    LibvirtStorage.upload(c, pool, k.volume().name(), LibvirtSeedIso.of(name, init, now, linuxKitConfig));
                } else {
                    StorageVol base = k.base() == null ? null
                            : c.storagePoolLookupByName(k.base().pool()).storageVolLookupByName(k.base().name());
                    long bytes = k.bytes() > 0 ? k.bytes() : base.getInfo().capacity;
                    LibvirtStorage.create(pool, k.volume().name(), bytes, k.format(), base);
                }
                made.add(k.volume());
            }
            return null;
        }
    }

    /** The plan for a Spec: decoded Properties, attachments checked, namespace tags added over the Spec's. */
    static LibvirtProvision of(Spec spec, Map<String, String> namespace, String storagePool) {
        LibvirtProperties props;
        String seedPool = storagePool;
        boolean reference = LibvirtReferenceProperties.recognises(spec.properties());
        if (reference) {
            LibvirtReferenceProperties ref = LibvirtReferenceProperties.decode(spec.properties());
            props = ref.forLogicalId(spec.logicalId());
            // the reference's seed went to MetadataStoragePool, "default" when not given
            seedPool = ref.seedPool() != null ? ref.seedPool()
                    : storagePool != null ? storagePool : LibvirtReferenceProperties.DEFAULT_POOL;
        } else {
            props = LibvirtPropertiesDecoder.ours(spec.properties());
        }
        List<LibvirtVolumeRef> volumes = new ArrayList<>();
        List<LibvirtProperties.Nic> nics = new ArrayList<>(props.interfaces());
        for (int i = 0; i < spec.attachments().size(); i++) {
            Attachment a = spec.attachments().get(i);
            try {
                switch (a.type()) {
                    case "volume" -> volumes.add(LibvirtVolumeRef.parse(a.id()).inPool(storagePool));
                    case "network" -> nics.add(new LibvirtProperties.Nic(a.id(), null, null, null));
                    default -> throw new IllegalArgumentException("Type " + GoQuote.quote(a.type())
                            + " is not supported: want volume or network");
                }
            } catch (IllegalArgumentException e) {
                throw new InstanceException(ErrorCode.INVALID_PROPERTIES, "Attachments[" + i + "]: "
                        + e.getMessage());
            }
        }
        Map<String, String> tags = new HashMap<>(spec.tags());
        tags.putAll(namespace);
        return new LibvirtProvision(props, spec.init(), spec.logicalId(), tags, volumes, nics, storagePool, seedPool,
                reference);
    }

    Prepared prepare(Connect c, String name) throws LibvirtException {
        List<Creation> creations = new ArrayList<>();
        List<LibvirtDomainXml.Disk> disks = new ArrayList<>();
        for (int i = 0; i < properties.disks().size(); i++) {
            LibvirtProperties.Disk d = properties.disks().get(i);
            String at = "Disks[" + i + "]";
            switch (d.kind()) {
                case "existing" -> {
                    LibvirtVolumeRef ref = LibvirtVolumeRef.parse(d.volume()).inPool(storagePool);
                    String format = LibvirtStorage.format(LibvirtStorage.volume(c, ref, at));
                    disks.add(new LibvirtDomainXml.Disk(ref, format, "disk", d.bus(), d.readOnly()));
                }
                default -> {
                    String pool = d.pool() != null ? d.pool() : storagePool;
                    LibvirtStorage.usablePool(c, pool, at);
                    LibvirtVolumeRef base = null;
                    if (d.kind().equals("overlay")) {
                        base = LibvirtVolumeRef.parse(d.base()).inPool(storagePool);
                        LibvirtStorage.volume(c, base, at + ".Base");
                    }
                    LibvirtVolumeRef ref = new LibvirtVolumeRef(pool, name + "-disk" + i + "." + d.format());
                    long bytes = d.sizeMiB() == null ? 0 : d.sizeMiB() * MIB;
                    creations.add(new Creation(ref, bytes, d.format(), base));
                    disks.add(new LibvirtDomainXml.Disk(ref, d.format(), "disk", d.bus(), d.readOnly()));
                }
            }
        }
        for (int i = 0; i < attachedVolumes.size(); i++) {
            LibvirtVolumeRef ref = attachedVolumes.get(i);
            String format = LibvirtStorage.format(LibvirtStorage.volume(c, ref, "Attachments[" + i + "]"));
            disks.add(new LibvirtDomainXml.Disk(ref, format, "disk", "virtio", false));
        }
        if (!init.isEmpty()) {
            LibvirtStorage.usablePool(c, seedPool, "Init (the cloud-init seed disk)");
            LibvirtVolumeRef seed = new LibvirtVolumeRef(seedPool, name + "-seed.iso");
            creations.add(new Creation(seed, 0, "iso", null));
            disks.add(new LibvirtDomainXml.Disk(seed, "raw", "cdrom", "sata", true));
        }
        List<LibvirtVolumeRef> owned = creations.stream().map(Creation::volume).toList();
        return new Prepared(creations, disks, new LibvirtMetadata(logicalId, tags, owned,
                properties.stopTimeoutSeconds()), init, linuxKitConfig);
    }

    /** The domain type when Properties name none: the test driver's own, else qemu (TCG). */
    static String driverType(Connect c) throws LibvirtException {
        String driver = c.getType().toLowerCase(Locale.ROOT);
        return driver.equals("test") ? "test" : "qemu";
    }

    /** A domain name not in use: the prefix and 48 random bits. */
    static String freeName(Connect c, String prefix) throws LibvirtException {
        byte[] bytes = new byte[6];
        while (true) {
            RANDOM.nextBytes(bytes);
            String name = prefix + "-" + HexFormat.of().formatHex(bytes);
            if (LibvirtTeardown.lookup(c, name) == null) {
                return name;
            }
        }
    }
}
