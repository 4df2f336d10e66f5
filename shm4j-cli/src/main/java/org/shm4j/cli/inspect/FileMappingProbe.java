package org.shm4j.cli.inspect;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Optional;
import org.shm4j.FileMappingRecord;
import org.shm4j.SharedMemoryException;
import org.shm4j.cli.probe.Recognised;
import org.shm4j.cli.probe.SegmentBytes;
import org.shm4j.cli.probe.SegmentTypeProbe;

/**
 * Recognises the name of a named file mapping ({@code SharedMemory.mapFile(name, file, ...)}) by its
 * record magic and shows the file it names and whether that file is still there unchanged. It only
 * looks at the path ({@code lstat}); it never opens or follows it.
 */
public final class FileMappingProbe implements SegmentTypeProbe {
    /** The type shown in {@code ls}. */
    public static final String TYPE = "file-mapping";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public int headerBytes() {
        return FileMappingRecord.MAX_BYTES;
    }

    @Override
    public Optional<Recognised> probe(SegmentBytes bytes) {
        if (bytes.byteSize() < FileMappingRecord.HEADER_BYTES || bytes.byteSize() > FileMappingRecord.MAX_BYTES) {
            return Optional.empty();
        }
        var header = bytes.header();
        if (header.remaining() < 8 || header.getLong(0) != FileMappingRecord.MAGIC) {
            return Optional.empty();
        }
        var details = new LinkedHashMap<String, Object>();
        try {
            FileMappingRecord r = FileMappingRecord.decode(header, "?");
            details.put("file", r.path());
            details.put("fileState", r.fileState().name().toLowerCase(Locale.ROOT).replace('_', ' '));
            details.put("access", r.access().name());
            details.put("fileDevice", r.deviceMajor() + ":" + r.deviceMinor());
            details.put("fileInode", r.inode());
            details.put("fileOwnerUid", (long) r.ownerUid());
            details.put("fileMode", "0" + Integer.toOctalString(r.mode() & 07777));
            details.put("fileBytesWhenNamed", r.byteSizeWhenNamed());
        } catch (SharedMemoryException e) {
            details.put("malformed", e.getMessage());
        }
        return Optional.of(new Recognised(TYPE, details));
    }
}
