package org.infrakit4j.libvirt;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A cloud-init NoCloud seed: an ISO 9660 image labelled {@code cidata} holding {@code user-data} (the Init
 * script, byte for byte) and {@code meta-data} (instance-id and local-hostname). Written here rather than by
 * genisoimage so Provision spawns no process and writes no temp file holding user-data. Plain ISO 9660 without
 * Rock Ridge or Joliet: file identifiers are {@code USER-DATA.;1}, which Linux (default {@code map=normal})
 * shows as {@code user-data}, as cloud-init expects.
 */
final class LibvirtSeedIso {
    static final String LABEL = "cidata";
    private static final int SECTOR = 2048;
    private static final int FIRST_FILE_SECTOR = 21; // 16 system, PVD, terminator, 2 path tables, root dir

    private LibvirtSeedIso() {
    }

    /** The seed for instance {@code id} with {@code init} as its user-data. */
    static byte[] of(String id, String init, Instant created) {
        return of(id, init, created, false);
    }

    /**
     * As above; with {@code linuxKitConfig}, the Init is also the file {@code config}, where InfraKit's Go plugin
     * put it (its ISO held that one file, which LinuxKit's metadata reader takes).
     */
    static byte[] of(String id, String init, Instant created, boolean linuxKitConfig) {
        Map<String, byte[]> files = new LinkedHashMap<>(); // sorted by identifier, as ISO 9660 requires
        if (linuxKitConfig) {
            files.put("CONFIG.;1", init.getBytes(StandardCharsets.UTF_8));
        }
        files.put("META-DATA.;1", ("instance-id: " + id + "\nlocal-hostname: " + id + "\n")
                .getBytes(StandardCharsets.UTF_8));
        files.put("USER-DATA.;1", init.getBytes(StandardCharsets.UTF_8));
        return image(files, created);
    }

    static byte[] image(Map<String, byte[]> files, Instant created) {
        int sector = FIRST_FILE_SECTOR;
        int[] extents = new int[files.size()];
        int i = 0;
        for (byte[] data : files.values()) {
            extents[i++] = sector;
            sector += Math.max(1, (data.length + SECTOR - 1) / SECTOR);
        }
        int total = sector;
        ByteBuffer iso = ByteBuffer.allocate(total * SECTOR).order(ByteOrder.LITTLE_ENDIAN);
        ZonedDateTime t = created.atZone(ZoneOffset.UTC);

        ByteBuffer pvd = sector(iso, 16);
        pvd.put(0, (byte) 1).put(1, "CD001".getBytes(StandardCharsets.US_ASCII)).put(6, (byte) 1);
        pad(pvd, 8, 32, "LINUX");
        pad(pvd, 40, 32, LABEL);
        both32(pvd, 80, total);
        both16(pvd, 120, 1);
        both16(pvd, 124, 1);
        both16(pvd, 128, SECTOR);
        both32(pvd, 132, 10);
        pvd.order(ByteOrder.LITTLE_ENDIAN).putInt(140, 18);
        pvd.order(ByteOrder.BIG_ENDIAN).putInt(148, 19);
        pvd.order(ByteOrder.LITTLE_ENDIAN);
        record(pvd, 156, 20, SECTOR, true, new byte[] {0}, t);
        pad(pvd, 190, 128, "");
        pad(pvd, 318, 128, "");
        pad(pvd, 446, 128, "");
        pad(pvd, 574, 128, "INFRAKIT4J");
        pad(pvd, 702, 37 * 3, "");
        String stamp = t.format(DateTimeFormatter.ofPattern("yyyyMMddHHmmss")) + "00";
        pvd.put(813, stamp.getBytes(StandardCharsets.US_ASCII));
        pvd.put(830, stamp.getBytes(StandardCharsets.US_ASCII));
        pad(pvd, 847, 16, "0000000000000000");
        pad(pvd, 864, 16, "0000000000000000");
        pvd.put(881, (byte) 1);

        ByteBuffer end = sector(iso, 17);
        end.put(0, (byte) 255).put(1, "CD001".getBytes(StandardCharsets.US_ASCII)).put(6, (byte) 1);

        // Path tables: the root directory only (name length 1, extent, parent 1, name 0x00, pad).
        ByteBuffer lpath = sector(iso, 18).order(ByteOrder.LITTLE_ENDIAN);
        lpath.put(0, (byte) 1).putInt(2, 20).putShort(6, (short) 1);
        ByteBuffer mpath = sector(iso, 19).order(ByteOrder.BIG_ENDIAN);
        mpath.put(0, (byte) 1).putInt(2, 20).putShort(6, (short) 1);

        ByteBuffer root = sector(iso, 20);
        int at = record(root, 0, 20, SECTOR, true, new byte[] {0}, t);
        at += record(root, at, 20, SECTOR, true, new byte[] {1}, t);
        i = 0;
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            at += record(root, at, extents[i], f.getValue().length, false,
                    f.getKey().getBytes(StandardCharsets.US_ASCII), t);
            iso.put(extents[i] * SECTOR, f.getValue());
            i++;
        }
        return iso.array();
    }

    private static ByteBuffer sector(ByteBuffer iso, int n) {
        return iso.slice(n * SECTOR, SECTOR).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Writes a directory record at {@code at}; returns its length. */
    private static int record(ByteBuffer b, int at, int extent, int size, boolean dir, byte[] name,
                              ZonedDateTime t) {
        int length = 33 + name.length + (name.length % 2 == 0 ? 1 : 0);
        b.put(at, (byte) length);
        both32(b, at + 2, extent);
        both32(b, at + 10, size);
        b.put(at + 18, (byte) (t.getYear() - 1900)).put(at + 19, (byte) t.getMonthValue())
                .put(at + 20, (byte) t.getDayOfMonth()).put(at + 21, (byte) t.getHour())
                .put(at + 22, (byte) t.getMinute()).put(at + 23, (byte) t.getSecond()).put(at + 24, (byte) 0);
        b.put(at + 25, (byte) (dir ? 2 : 0));
        both16(b, at + 28, 1);
        b.put(at + 32, (byte) name.length);
        b.put(at + 33, name);
        return length;
    }

    private static void both32(ByteBuffer b, int at, int v) {
        b.order(ByteOrder.LITTLE_ENDIAN).putInt(at, v);
        b.order(ByteOrder.BIG_ENDIAN).putInt(at + 4, v);
        b.order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void both16(ByteBuffer b, int at, int v) {
        b.order(ByteOrder.LITTLE_ENDIAN).putShort(at, (short) v);
        b.order(ByteOrder.BIG_ENDIAN).putShort(at + 2, (short) v);
        b.order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void pad(ByteBuffer b, int at, int width, String text) {
        byte[] field = new byte[width];
        Arrays.fill(field, (byte) ' ');
        byte[] t = text.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(t, 0, field, 0, Math.min(t.length, width));
        b.put(at, field);
    }
}
