package org.infrakit4j.rpc;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** What went wrong with a file, in words for a start-up message: never an exception's class name. */
public final class IoProblem {
    private IoProblem() {
    }

    /** E.g. "permission denied", "no such file or directory", "/x exists and is not a directory". */
    public static String describe(IOException e) {
        if (e instanceof AccessDeniedException a) {
            return "permission denied" + at(a);
        }
        if (e instanceof NoSuchFileException n) {
            return "no such file or directory" + at(n);
        }
        if (e instanceof FileAlreadyExistsException f) {
            return (f.getFile() == null ? "it" : f.getFile()) + " exists and is not a directory";
        }
        if (e instanceof NotDirectoryException n) {
            return n.getFile() + " is not a directory";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason().toLowerCase(java.util.Locale.ROOT) + at(f);
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? "input/output error" : m;
    }

    private static String at(FileSystemException e) {
        return e.getFile() == null ? "" : " (" + e.getFile() + ")";
    }
}
