package org.infrakit4j.libvirt;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.infrakit4j.runtime.Schema;
import org.infrakit4j.runtime.StrictProperties;

/**
 * The Properties of a libvirt instance. Every field is optional; absent ones take the defaults below. Decoded
 * strictly by {@link LibvirtPropertiesDecoder}: unknown fields and wrong types are errors naming the field path. Its
 * JSON Schema ({@code --properties-schema}) is derived from these records and their {@link Schema} facts, which
 * document the checks below (the checks stay here).
 *
 * @param namePrefix domain name prefix; the instance ID is {@code <prefix>-<12 hex digits>}
 * @param type domain type: {@code qemu} (TCG), {@code kvm}, or {@code test} (test:///); absent: from the driver
 * @param domainXml a full {@code <domain>} template; the plugin sets the name, adds its metadata, Disks,
 *     Interfaces, the seed disk and attachments. It excludes Type, MemoryMiB, VCPUs, CPUModel, OS and Console.
 */
@JsonPropertyOrder({"NamePrefix", "Type", "MemoryMiB", "VCPUs", "CPUModel", "OS", "Disks", "Interfaces", "Console",
    "StopTimeoutSeconds", "DomainXML"})
@Schema(title = "infrakit4j instance-libvirt Properties",
        description = "Member names match case-insensitively (as Go's encoding/json); unknown members are refused.")
public record LibvirtProperties(@Schema(pattern = "^[A-Za-z0-9][A-Za-z0-9_.+-]{0,39}$", defaultValue = DEFAULT_PREFIX,
                                        description = "Domain name prefix; the instance ID is "
                                                + "<NamePrefix>-<12 hex digits>.")
                                @JsonProperty("NamePrefix") String namePrefix,
                                @Schema(values = {"qemu", "kvm", "test"},
                                        description = "Domain type; default: test on test:// URIs, else qemu (TCG).")
                                @JsonProperty("Type") String type,
                                @Schema(minimum = 1, maximum = 16777216, defaultValue = "256")
                                @JsonProperty("MemoryMiB") Long memoryMiB,
                                @Schema(minimum = 1, maximum = 4096, defaultValue = "1") @JsonProperty("VCPUs") Integer vcpus,
                                @Schema(description = "host-passthrough, host-model, or a CPU model name.")
                                @JsonProperty("CPUModel") String cpuModel,
                                @JsonProperty("OS") Os os,
                                @JsonProperty("Disks") List<Disk> disks,
                                @JsonProperty("Interfaces") List<Nic> interfaces,
                                @Schema(defaultValue = "true", description = "A serial pty console.")
                                @JsonProperty("Console") Boolean console,
                                @Schema(minimum = 0, maximum = 3600, defaultValue = "0", description = "Destroy: 0 = "
                                        + "hard stop; else ACPI shutdown, waiting this long before the hard stop.")
                                @JsonProperty("StopTimeoutSeconds") Integer stopTimeoutSeconds,
                                @Schema(description = "A <domain> template; excludes Type, MemoryMiB, VCPUs, CPUModel, "
                                        + "OS and Console.")
                                @JsonProperty("DomainXML") String domainXml) {
    public static final String DEFAULT_PREFIX = "infrakit";
    public static final long DEFAULT_MEMORY_MIB = 256;
    public static final Set<String> TYPES = Set.of("qemu", "kvm", "test");
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.+-]*");
    private static final Pattern MAC = Pattern.compile("(?i)[0-9a-f]{2}(:[0-9a-f]{2}){5}");
    private static final Pattern CPU_MODEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.+-]*");

    /** A bad value at a field path relative to the record that throws it. */
    public LibvirtProperties {
        if (domainXml != null) {
            for (var f : new Object[][] {{"Type", type}, {"MemoryMiB", memoryMiB}, {"VCPUs", vcpus},
                {"CPUModel", cpuModel}, {"OS", os}, {"Console", console}}) {
                if (f[1] != null) {
                    throw new StrictProperties.Problem((String) f[0], "cannot be combined with DomainXML: put it in the template");
                }
            }
            LibvirtDomainXml.parseTemplate(domainXml);
        }
        namePrefix = namePrefix == null ? DEFAULT_PREFIX : namePrefix;
        if (namePrefix.length() > 40 || !NAME.matcher(namePrefix).matches()) {
            throw new StrictProperties.Problem("NamePrefix", "must be 1-40 letters, digits, '_', '.', '+' or '-', starting with a "
                    + "letter or digit");
        }
        if (type != null && !TYPES.contains(type)) {
            throw new StrictProperties.Problem("Type", "must be qemu, kvm or test");
        }
        memoryMiB = memoryMiB == null ? DEFAULT_MEMORY_MIB : memoryMiB;
        if (memoryMiB <= 0 || memoryMiB > 16L * 1024 * 1024) {
            throw new StrictProperties.Problem("MemoryMiB", "must be > 0 and at most 16 TiB");
        }
        vcpus = vcpus == null ? 1 : vcpus;
        if (vcpus < 1 || vcpus > 4096) {
            throw new StrictProperties.Problem("VCPUs", "must be between 1 and 4096");
        }
        if (cpuModel != null && !CPU_MODEL.matcher(cpuModel).matches()) {
            throw new StrictProperties.Problem("CPUModel", "must be host-passthrough, host-model or a CPU model name");
        }
        os = os == null ? new Os(null, null, null, null) : os;
        disks = StrictProperties.listOf("Disks", disks);
        interfaces = StrictProperties.listOf("Interfaces", interfaces);
        console = console == null || console;
        stopTimeoutSeconds = stopTimeoutSeconds == null ? 0 : stopTimeoutSeconds;
        if (stopTimeoutSeconds < 0 || stopTimeoutSeconds > 3600) {
            throw new StrictProperties.Problem("StopTimeoutSeconds", "must be between 0 (hard stop) and 3600");
        }
    }

    /** All defaults: a diskless, network-less domain. */
    public static LibvirtProperties defaults() {
        return new LibvirtProperties(null, null, null, null, null, null, null, null, null, null, null);
    }

    /** Direct kernel boot (Kernel, Initrd, Cmdline) or firmware boot from Boot devices (default hd). */
    @JsonPropertyOrder({"Kernel", "Initrd", "Cmdline", "Boot"})
    public record Os(@Schema(pattern = "^/", description = "Direct kernel boot: path on the libvirt host.")
                     @JsonProperty("Kernel") String kernel,
                     @Schema(pattern = "^/") @JsonProperty("Initrd") String initrd,
                     @JsonProperty("Cmdline") String cmdline,
                     @Schema(values = {"hd", "cdrom", "network", "fd"}, defaultValue = "[\"hd\"]",
                             description = "Firmware boot devices (default hd, none with Kernel).")
                     @JsonProperty("Boot") List<String> boot) {
        private static final Set<String> DEVICES = Set.of("hd", "cdrom", "network", "fd");

        public Os {
            if (kernel != null && !kernel.startsWith("/")) {
                throw new StrictProperties.Problem("Kernel", "must be an absolute path on the libvirt host");
            }
            if (initrd != null && (kernel == null || !initrd.startsWith("/"))) {
                throw new StrictProperties.Problem("Initrd", kernel == null ? "needs Kernel" : "must be an absolute path");
            }
            if (cmdline != null && kernel == null) {
                throw new StrictProperties.Problem("Cmdline", "needs Kernel");
            }
            if (boot != null && kernel != null) {
                throw new StrictProperties.Problem("Boot", "cannot be combined with Kernel (direct kernel boot)");
            }
            boot = boot == null ? (kernel == null ? List.of("hd") : List.of()) : List.copyOf(boot);
            for (int i = 0; i < boot.size(); i++) {
                if (!DEVICES.contains(boot.get(i))) {
                    throw new StrictProperties.Problem("Boot[" + i + "]", "must be hd, cdrom, network or fd");
                }
            }
        }
    }

    /**
     * A disk: {@code new} (a fresh volume of SizeMiB), {@code overlay} (a copy-on-write qcow2 over Base) or
     * {@code existing} (Volume as it is). Volumes are {@code pool/volume} or just {@code volume} in the
     * plugin's storage pool; new and overlay volumes are made in Pool (default: the plugin's) and deleted on
     * Destroy, existing ones are kept.
     */
    @JsonPropertyOrder({"Kind", "SizeMiB", "Format", "Base", "Volume", "Pool", "Bus", "ReadOnly"})
    public record Disk(@Schema(required = true, values = {"new", "overlay", "existing"})
                       @JsonProperty("Kind") String kind,
                       @Schema(minimum = 1, maximum = 1 << 30, description = "new: required; overlay: default the "
                               + "base's.")
                       @JsonProperty("SizeMiB") Long sizeMiB,
                       @Schema(values = {"qcow2", "raw"}, defaultValue = "qcow2", description = "Absent for existing.")
                       @JsonProperty("Format") String format,
                       @Schema(description = "overlay: pool/volume or volume (in --storage-pool).")
                       @JsonProperty("Base") String base,
                       @Schema(description = "existing: pool/volume or volume; kept on Destroy.")
                       @JsonProperty("Volume") String volume,
                       @Schema(description = "new, overlay: where to make it; default --storage-pool.")
                       @JsonProperty("Pool") String pool,
                       @Schema(values = {"virtio", "sata", "scsi", "ide", "usb"}, defaultValue = "virtio")
                       @JsonProperty("Bus") String bus,
                       @Schema(defaultValue = "false") @JsonProperty("ReadOnly") Boolean readOnly) {
        public static final Set<String> KINDS = Set.of("new", "overlay", "existing");
        private static final Set<String> BUSES = Set.of("virtio", "sata", "scsi", "ide", "usb");

        public Disk {
            if (kind == null) {
                throw new StrictProperties.Problem("Kind", "is required: new, overlay or existing");
            }
            if (!KINDS.contains(kind)) {
                throw new StrictProperties.Problem("Kind", "must be new, overlay or existing");
            }
            switch (kind) {
                case "new" -> {
                    if (sizeMiB == null) {
                        throw new StrictProperties.Problem("SizeMiB", "is required for a new disk");
                    }
                    forbid("Base", base, kind);
                    forbid("Volume", volume, kind);
                }
                case "overlay" -> {
                    if (base == null) {
                        throw new StrictProperties.Problem("Base", "is required for an overlay disk");
                    }
                    if (format != null && !format.equals("qcow2")) {
                        throw new StrictProperties.Problem("Format", "an overlay is always qcow2");
                    }
                    forbid("Volume", volume, kind);
                }
                default -> {
                    if (volume == null) {
                        throw new StrictProperties.Problem("Volume", "is required for an existing disk");
                    }
                    forbid("SizeMiB", sizeMiB, kind);
                    forbid("Format", format, kind);
                    forbid("Base", base, kind);
                    forbid("Pool", pool, kind);
                }
            }
            if (sizeMiB != null && (sizeMiB <= 0 || sizeMiB > 1L << 30)) {
                throw new StrictProperties.Problem("SizeMiB", "must be > 0 and at most 1 PiB");
            }
            format = format == null ? (kind.equals("existing") ? null : "qcow2") : format;
            if (format != null && !format.equals("qcow2") && !format.equals("raw")) {
                throw new StrictProperties.Problem("Format", "must be qcow2 or raw");
            }
            checkVolume("Base", base);
            checkVolume("Volume", volume);
            if (pool != null && !LibvirtVolumeRef.NAME.matcher(pool).matches()) {
                throw new StrictProperties.Problem("Pool", "is not a valid storage pool name");
            }
            bus = bus == null ? "virtio" : bus;
            if (!BUSES.contains(bus)) {
                throw new StrictProperties.Problem("Bus", "must be virtio, sata, scsi, ide or usb");
            }
            readOnly = readOnly != null && readOnly;
        }

        private static void forbid(String field, Object value, String kind) {
            if (value != null) {
                throw new StrictProperties.Problem(field, "does not apply to Kind " + kind);
            }
        }

        private static void checkVolume(String field, String ref) {
            if (ref != null) {
                try {
                    LibvirtVolumeRef.parse(ref);
                } catch (IllegalArgumentException e) {
                    throw new StrictProperties.Problem(field, e.getMessage());
                }
            }
        }
    }

    /** A network interface on a libvirt Network or a host Bridge (exactly one), with a Model and MAC. */
    @JsonPropertyOrder({"Network", "Bridge", "Model", "MAC"})
    public record Nic(@Schema(description = "A libvirt network (exactly one of Network, Bridge).")
                      @JsonProperty("Network") String network,
                      @Schema(description = "A host bridge.") @JsonProperty("Bridge") String bridge,
                      @Schema(defaultValue = "virtio") @JsonProperty("Model") String model,
                      @Schema(pattern = "^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$") @JsonProperty("MAC") String mac) {
        public Nic {
            if ((network == null) == (bridge == null)) {
                throw new StrictProperties.Problem(network == null ? "Network" : "Bridge", "give exactly one of Network and Bridge");
            }
            if (network != null && !NAME.matcher(network).matches()) {
                throw new StrictProperties.Problem("Network", "is not a valid network name");
            }
            if (bridge != null && !NAME.matcher(bridge).matches()) {
                throw new StrictProperties.Problem("Bridge", "is not a valid bridge name");
            }
            model = model == null ? "virtio" : model;
            if (!CPU_MODEL.matcher(model).matches()) {
                throw new StrictProperties.Problem("Model", "is not a valid NIC model (e.g. virtio, e1000)");
            }
            if (mac != null) {
                if (!MAC.matcher(mac).matches()) {
                    throw new StrictProperties.Problem("MAC", "must look like 52:54:00:12:34:56");
                }
                if ((Integer.parseInt(mac.substring(0, 2), 16) & 1) != 0) {
                    throw new StrictProperties.Problem("MAC", "must be a unicast address (even first octet)");
                }
                mac = mac.toLowerCase(java.util.Locale.ROOT);
            }
        }
    }

    boolean hasTemplate() {
        return domainXml != null;
    }
}
