package org.infrakit4j.libvirt;

import java.util.List;
import org.infrakit4j.testkit.PropertiesFuzz;

/** The libvirt plugin's vocabulary for fuzzing Validate (the shapes come from {@link PropertiesFuzz}). */
final class LibvirtFuzzProperties {
    /** Valid Properties: every member the plugin knows, kernel boot, a DomainXML template, the least there can be. */
    static final List<String> VALID = List.of(
            "{\"NamePrefix\":\"worker\",\"Type\":\"qemu\",\"MemoryMiB\":1024,\"VCPUs\":2,\"CPUModel\":\"host-model\","
                    + "\"OS\":{\"Boot\":[\"hd\",\"cdrom\"]},\"Disks\":[{\"Kind\":\"new\",\"SizeMiB\":8,\"Format\":"
                    + "\"raw\",\"Pool\":\"fast\",\"Bus\":\"sata\",\"ReadOnly\":false},{\"Kind\":\"overlay\",\"Base\":"
                    + "\"images/debian-12.qcow2\",\"SizeMiB\":8192},{\"Kind\":\"existing\",\"Volume\":\"data.img\","
                    + "\"ReadOnly\":true}],\"Interfaces\":[{\"Network\":\"default\",\"Model\":\"e1000\",\"MAC\":"
                    + "\"52:54:00:12:34:56\"},{\"Bridge\":\"br0\"}],\"Console\":false,\"StopTimeoutSeconds\":30}",
            "{\"Type\":\"kvm\",\"OS\":{\"Kernel\":\"/boot/vmlinuz\",\"Initrd\":\"/boot/initrd.img\",\"Cmdline\":"
                    + "\"console=ttyS0 root=/dev/vda\"}}",
            "{\"NamePrefix\":\"t\",\"DomainXML\":\"<domain type='qemu'><memory unit='MiB'>64</memory><os><type>hvm"
                    + "</type></os><devices><graphics type='vnc'/></devices></domain>\",\"Disks\":[{\"Kind\":\"new\","
                    + "\"SizeMiB\":1}]}",
            "{}");

    private static final List<String> NAMES = List.of("NamePrefix", "Type", "MemoryMiB", "VCPUs", "CPUModel", "OS",
            "Kernel", "Initrd", "Cmdline", "Boot", "Disks", "Kind", "SizeMiB", "Format", "Base", "Volume", "Pool",
            "Bus", "ReadOnly", "Interfaces", "Network", "Bridge", "Model", "MAC", "Console", "StopTimeoutSeconds",
            "DomainXML");

    private static final List<String> TEXTS = List.of("worker", "qemu", "kvm", "test", "xen", "host-model",
            "host-passthrough", "hd", "cdrom", "network", "new", "overlay", "existing", "qcow2", "raw", "iso",
            "virtio", "sata", "ide", "e1000", "default", "br0", "52:54:00:12:34:56", "01:00:5e:00:00:01",
            "/boot/vmlinuz", "vmlinuz", "pool/vol.img", "../etc/passwd", "a/b/c", "<domain type='qemu'/>",
            "<domain/>", "", " ", "QEMU", "yes");

    static final PropertiesFuzz FUZZ = new PropertiesFuzz(VALID, NAMES, TEXTS, List.of(
            "<!DOCTYPE d [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><domain type='qemu'>&x;</domain>",
            "</name><name>evil", "vd\u0000a"), List.of(4097, 3601), "Disks");

    private LibvirtFuzzProperties() {
    }
}
