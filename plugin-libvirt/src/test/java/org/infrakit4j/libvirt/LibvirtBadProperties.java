package org.infrakit4j.libvirt;

import java.util.List;
import org.infrakit4j.testkit.InstancePluginContract.BadProperties;

/** Properties Validate refuses, with the field path each error names; shared by the contract runs. */
final class LibvirtBadProperties {
    static final List<BadProperties> LIST = List.of(
            new BadProperties("[1,2]", ""),
            new BadProperties("\"text\"", ""),
            new BadProperties("{\"MemoryMiB\":0}", "MemoryMiB"),
            new BadProperties("{\"MemoryMiB\":\"64\"}", "MemoryMiB"),
            new BadProperties("{\"MemoryMiB\":1.5}", "MemoryMiB"),
            new BadProperties("{\"Memory\":64}", "Memory"),
            new BadProperties("{\"Type\":\"xen\"}", "Type"),
            new BadProperties("{\"Disks\":[{\"Kind\":\"new\",\"SizeMiB\":1},{\"Kind\":\"floppy\"}]}", "Disks[1].Kind"),
            new BadProperties("{\"Disks\":[{\"Kind\":\"new\",\"SizeMiB\":true}]}", "Disks[0].SizeMiB"),
            new BadProperties("{\"Disks\":[{\"Kind\":\"new\",\"SizeMiB\":1,\"Sise\":2}]}", "Disks[0].Sise"),
            new BadProperties("{\"Interfaces\":[{\"Network\":\"n\",\"MAC\":\"01:00:5e:00:00:01\"}]}",
                    "Interfaces[0].MAC"),
            new BadProperties("{\"OS\":{\"Cmdline\":\"console=ttyS0\"}}", "OS.Cmdline"),
            new BadProperties("{\"DomainXML\":\"<domain type='qemu'><name>x</domain>\"}", "DomainXML"),
            new BadProperties("{\"DomainXML\":\"<domain type='qemu'/>\",\"MemoryMiB\":64}", "MemoryMiB"));

    private LibvirtBadProperties() {
    }
}
