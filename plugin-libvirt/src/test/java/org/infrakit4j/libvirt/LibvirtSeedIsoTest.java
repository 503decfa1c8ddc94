package org.infrakit4j.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LibvirtSeedIsoTest {
    @TempDir
    Path dir;

    @Test
    void blkidSeesAnIso9660VolumeLabelledCidata() throws Exception {
        Path iso = dir.resolve("seed.iso");
        Files.write(iso, LibvirtSeedIso.of("web-1", "#cloud-config\n", Instant.parse("2024-05-06T07:08:09Z")));
        assertThat(run("blkid", "-p", "-o", "export", iso.toString()))
                .contains("LABEL=cidata").contains("TYPE=iso9660");
    }

    @Test
    void holdsUserDataByteForByteAndMetaData() throws Exception {
        String init = "#!/bin/sh\necho \"<&>\" ünïcode\n" + "x".repeat(5000);
        byte[] image = LibvirtSeedIso.of("web-1", init, Instant.now());
        assertThat(image.length % 2048).isZero();
        Map<String, String> files = read(image);
        assertThat(files).containsOnlyKeys("META-DATA.;1", "USER-DATA.;1");
        assertThat(files.get("USER-DATA.;1")).isEqualTo(init);
        assertThat(files.get("META-DATA.;1")).isEqualTo("instance-id: web-1\nlocal-hostname: web-1\n");
        assertThat(read(LibvirtSeedIso.of("web-2", "", Instant.now())).get("USER-DATA.;1")).isEmpty();
    }

    @Test
    void forTheGoPluginsShapeAlsoHoldsTheInitAsConfig() {
        byte[] image = LibvirtSeedIso.of("web-1", "test1\ntest2", Instant.now(), true);
        Map<String, String> files = read(image);
        assertThat(files).containsOnlyKeys("CONFIG.;1", "META-DATA.;1", "USER-DATA.;1");
        assertThat(files.get("CONFIG.;1")).isEqualTo("test1\ntest2");
        assertThat(files.get("USER-DATA.;1")).isEqualTo("test1\ntest2");
    }

    /** A minimal reader of the root directory, independent of the writer's helpers. */
    static Map<String, String> read(byte[] iso) {
        assertThat(new String(iso, 16 * 2048 + 1, 5, StandardCharsets.US_ASCII)).isEqualTo("CD001");
        int rootExtent = le32(iso, 16 * 2048 + 156 + 2);
        int at = rootExtent * 2048;
        Map<String, String> files = new LinkedHashMap<>();
        while (iso[at] != 0) {
            int len = iso[at] & 0xff;
            int nameLen = iso[at + 32] & 0xff;
            if ((iso[at + 25] & 2) == 0) {
                String name = new String(iso, at + 33, nameLen, StandardCharsets.US_ASCII);
                files.put(name, new String(iso, le32(iso, at + 2) * 2048, le32(iso, at + 10), StandardCharsets.UTF_8));
            }
            at += len;
        }
        return files;
    }

    private static int le32(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }

    static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", command) + ": " + out).isZero();
        return out;
    }
}
