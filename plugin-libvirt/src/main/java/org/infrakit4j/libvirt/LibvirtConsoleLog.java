package org.infrakit4j.libvirt;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * The end of a domain's console log, for the warn line logged before a dead domain is reaped. libvirt keeps a
 * serial or console device's output only when the device has a {@code <log file=.../>} (written by virtlogd on the
 * libvirt host); the plugin reads that file when it is on the plugin's own host.
 */
final class LibvirtConsoleLog {
    /** Lines and bytes kept: enough to see how a guest died, never a flood in the log. */
    static final int MAX_LINES = 20;
    static final int MAX_BYTES = 4096;

    private LibvirtConsoleLog() {
    }

    /**
     * {@code consoleLog}: the last lines of the first serial or console device's log file; or, when there is none
     * or it cannot be read here, {@code consoleLogMissing} saying why.
     */
    static Map<String, String> lastLines(Document domain) {
        String file = logFile(domain);
        if (file == null) {
            return Map.of("consoleLogMissing", "the domain's serial console has no <log file=...>");
        }
        Path path = Path.of(file);
        if (!Files.isReadable(path)) {
            return Map.of("consoleLogMissing", file + " is not readable on the plugin's host");
        }
        try {
            return Map.of("consoleLog", tail(path), "consoleLogFile", file);
        } catch (IOException e) {
            return Map.of("consoleLogMissing", file + ": " + e.getMessage());
        }
    }

    /** The log file of the first serial or console device that has one; null when none has. */
    static String logFile(Document domain) {
        Element devices = LibvirtXml.first(domain.getDocumentElement(), "devices");
        if (devices == null) {
            return null;
        }
        for (Node n = devices.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && (e.getNodeName().equals("serial") || e.getNodeName().equals("console"))) {
                Element log = LibvirtXml.first(e, "log");
                if (log != null && !log.getAttribute("file").isEmpty()) {
                    return log.getAttribute("file");
                }
            }
        }
        return null;
    }

    /** The last {@link #MAX_LINES} lines within the file's last {@link #MAX_BYTES} bytes. */
    static String tail(Path path) throws IOException {
        byte[] bytes;
        try (SeekableByteChannel ch = Files.newByteChannel(path)) {
            long size = ch.size();
            int n = (int) Math.min(size, MAX_BYTES);
            ch.position(size - n);
            ByteBuffer buf = ByteBuffer.allocate(n);
            while (buf.hasRemaining() && ch.read(buf) >= 0) {
                // read to the end
            }
            bytes = Arrays.copyOf(buf.array(), buf.position());
        }
        String text = new String(bytes, StandardCharsets.UTF_8).replace("\r\n", "\n").replace('\r', '\n');
        List<String> lines = text.lines().toList();
        if (bytes.length == MAX_BYTES && lines.size() > 1) {
            lines = lines.subList(1, lines.size()); // the first is likely cut
        }
        return String.join("\n", lines.subList(Math.max(0, lines.size() - MAX_LINES), lines.size()));
    }
}
