package org.infrakit4j.libvirt;

import org.infrakit4j.rpc.GoQuote;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.libvirt.Connect;
import org.libvirt.Error;
import org.libvirt.LibvirtException;
import org.libvirt.StoragePool;
import org.libvirt.StorageVol;
import org.libvirt.Stream;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/** The storage-volume work of Provision and Destroy: new, overlay and seed volumes, their formats and removal. */
final class LibvirtStorage {
    private static final int CHUNK = 256 * 1024;

    private LibvirtStorage() {
    }

    /** An active pool, or a clear error saying why volumes cannot be made for {@code purpose}. */
    static StoragePool usablePool(Connect c, String pool, String purpose) throws LibvirtException {
        if (pool == null) {
            throw new InstanceException(ErrorCode.BACKEND_ERROR, purpose + " needs a storage pool: start the "
                    + "plugin with --storage-pool or name one (Pool, pool/volume)");
        }
        StoragePool p;
        try {
            p = c.storagePoolLookupByName(pool);
        } catch (LibvirtException e) {
            if (LibvirtConnection.is(e, Error.ErrorNumber.VIR_ERR_NO_STORAGE_POOL)) {
                throw new InstanceException(ErrorCode.BACKEND_ERROR, purpose + " needs a storage pool: storage pool "
                        + GoQuote.quote(pool) + " does not exist", e);
            }
            throw e;
        }
        if (p.isActive() != 1) {
            throw new InstanceException(ErrorCode.BACKEND_ERROR, purpose + " needs a storage pool: storage pool "
                    + GoQuote.quote(pool) + " is not active (virsh pool-start " + pool + ")");
        }
        return p;
    }

    static StorageVol volume(Connect c, LibvirtVolumeRef ref, String purpose) throws LibvirtException {
        StoragePool p = usablePool(c, ref.pool(), purpose);
        try {
            return p.storageVolLookupByName(ref.name());
        } catch (LibvirtException e) {
            if (LibvirtConnection.is(e, Error.ErrorNumber.VIR_ERR_NO_STORAGE_VOL)) {
                throw new InstanceException(ErrorCode.BACKEND_ERROR, purpose + ": volume " + ref + " does not exist",
                        e);
            }
            throw e;
        }
    }

    /** The volume's format as libvirt knows it (raw when it says nothing). */
    static String format(StorageVol vol) throws LibvirtException {
        Document doc = LibvirtXml.parse(vol.getXMLDesc(0));
        Element target = LibvirtXml.first(doc.getDocumentElement(), "target");
        Element format = target == null ? null : LibvirtXml.first(target, "format");
        String type = format == null ? "" : format.getAttribute("type");
        return type.isEmpty() || type.equals("none") ? "raw" : type;
    }

    /** A new volume of {@code bytes}, optionally a copy-on-write overlay over {@code base}. */
    static void create(StoragePool pool, String name, long bytes, String format, StorageVol base)
            throws LibvirtException {
        Document doc = LibvirtXml.newDocument();
        Element vol = doc.createElement("volume");
        doc.appendChild(vol);
        LibvirtXml.append(vol, "name", name);
        Element capacity = LibvirtXml.append(vol, "capacity", Long.toString(bytes));
        capacity.setAttribute("unit", "bytes");
        Element target = LibvirtXml.append(vol, "target", null);
        LibvirtXml.append(target, "format", null).setAttribute("type", format);
        if (base != null) {
            Element backing = LibvirtXml.append(vol, "backingStore", null);
            LibvirtXml.append(backing, "path", base.getPath());
            LibvirtXml.append(backing, "format", null).setAttribute("type", format(base));
        }
        pool.storageVolCreateXML(LibvirtXml.format(doc), 0);
    }

    /** Makes a raw volume holding exactly {@code data}; on failure nothing is left behind. */
    static void upload(Connect c, StoragePool pool, String name, byte[] data) throws LibvirtException {
        create(pool, name, data.length, "raw", null);
        StorageVol vol = pool.storageVolLookupByName(name);
        Stream stream = c.streamNew(0);
        boolean done = false;
        try {
            vol.upload(stream, 0, data.length, 0);
            for (int off = 0; off < data.length; ) {
                byte[] chunk = java.util.Arrays.copyOfRange(data, off, Math.min(data.length, off + CHUNK));
                int sent = stream.send(chunk);
                if (sent <= 0) {
                    throw new InstanceException(ErrorCode.BACKEND_ERROR, "upload to volume " + name
                            + " stalled after " + off + " of " + data.length + " bytes");
                }
                off += sent;
            }
            stream.finish();
            done = true;
        } finally {
            if (!done) {
                try {
                    stream.abort();
                } catch (LibvirtException e) {
                    // the stream may never have started; the volume is removed below either way
                }
                delete(c, new LibvirtVolumeRef(pool.getName(), name));
            }
            stream.free();
        }
    }

    /** Deletes a volume; one already gone is fine. */
    static void delete(Connect c, LibvirtVolumeRef ref) throws LibvirtException {
        try {
            c.storagePoolLookupByName(ref.pool()).storageVolLookupByName(ref.name()).delete(0);
        } catch (LibvirtException e) {
            if (!LibvirtConnection.is(e, Error.ErrorNumber.VIR_ERR_NO_STORAGE_VOL)
                    && !LibvirtConnection.is(e, Error.ErrorNumber.VIR_ERR_NO_STORAGE_POOL)) {
                throw e;
            }
        }
    }
}
