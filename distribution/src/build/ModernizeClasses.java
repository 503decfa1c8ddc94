import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.commons.JSRInlinerAdapter;

/**
 * Build step (not shipped): re-emits the classes of a bundled jar compiled for Java 5 (class-file version 49) as
 * version 52 with stack map frames, so the JVM's class data sharing (and AOT cache) can store them. Java 17 refuses
 * to archive a class older than version 50 ("Pre JDK 6 class not supported by CDS"), so every start of a plugin
 * read, parsed and verified picocli's ~230 classes with the old inference verifier. The code of each method is
 * unchanged; only the class-file version and the frames the type-checking verifier needs are new.
 *
 * <p>Usage: {@code java -cp <asm jars> ModernizeClasses.java <lib directory> <NOTICE>}: each jar there that holds
 * such classes is rewritten in place, and the NOTICE file says so (Apache-2.0 §4(b)); the others, and signed jars
 * (a changed class would break the signature), are left alone.
 */
public final class ModernizeClasses {
    public static void main(String[] args) throws IOException {
        List<Path> jars;
        try (Stream<Path> files = Files.list(Path.of(args[0]))) {
            jars = files.filter(f -> f.getFileName().toString().endsWith(".jar")).sorted().toList();
        }
        List<String> changed = new java.util.ArrayList<>();
        for (Path jar : jars) {
            Old old = scan(jar);
            if (old.classes() == 0) {
                continue;
            }
            if (old.signed()) {
                System.out.println(jar.getFileName() + ": signed, left as it is (" + old.classes()
                        + " classes older than Java 6, which class data sharing cannot store)");
                continue;
            }
            Path out = jar.resolveSibling(jar.getFileName() + ".modern");
            int rewritten;
            try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()},
                    ModernizeClasses.class.getClassLoader())) {
                rewritten = rewrite(jar, out, loader);
            }
            Files.move(out, jar, StandardCopyOption.REPLACE_EXISTING);
            String line = jar.getFileName() + ": " + rewritten + " classes re-emitted as class-file version 52";
            System.out.println(line);
            changed.add(line);
        }
        if (!changed.isEmpty()) {
            Files.writeString(Path.of(args[1]), String.join(System.lineSeparator(), List.of("",
                    "-------------------------------------------------------------------------------------------------------",
                    "Changed by this distribution's build: the class files of these jars, compiled for Java 5, were",
                    "re-emitted as Java 8 class files with stack map frames so that class data sharing can store them.",
                    "The code of every method is unchanged.", "")) + String.join(System.lineSeparator(), changed)
                    + System.lineSeparator(), java.nio.file.StandardOpenOption.APPEND);
        }
    }

    private record Old(int classes, boolean signed) {
    }

    private static Old scan(Path jar) throws IOException {
        int old = 0;
        boolean signed = false;
        try (InputStream raw = Files.newInputStream(jar); ZipInputStream in = new ZipInputStream(raw)) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                String name = e.getName();
                signed |= name.startsWith("META-INF/") && name.endsWith(".SF");
                if (name.endsWith(".class") && !name.startsWith("META-INF/")
                        && major(new ClassReader(in.readAllBytes())) < 50) {
                    old++;
                }
            }
        }
        return new Old(old, signed);
    }

    private static int rewrite(Path jar, Path out, ClassLoader loader) throws IOException {
        int n = 0;
        try (InputStream raw = Files.newInputStream(jar); ZipInputStream in = new ZipInputStream(raw);
                OutputStream sink = Files.newOutputStream(out); ZipOutputStream zip = new ZipOutputStream(sink)) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                byte[] bytes = in.readAllBytes();
                // A multi-release jar's versioned classes (module-info) are already current.
                if (e.getName().endsWith(".class") && !e.getName().startsWith("META-INF/")) {
                    ClassReader reader = new ClassReader(bytes);
                    if (major(reader) < 50) {
                        bytes = modernize(reader, loader);
                        n++;
                    }
                }
                ZipEntry copy = new ZipEntry(e.getName());
                copy.setTime(e.getTime()); // the same bytes for the same input: reproducible jars
                zip.putNextEntry(copy);
                zip.write(bytes);
                zip.closeEntry();
            }
        }
        return n;
    }

    private static int major(ClassReader reader) {
        return reader.readUnsignedShort(6);
    }

    private static byte[] modernize(ClassReader reader, ClassLoader loader) {
        ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_FRAMES) {
            // Frames need the common super class of two types: resolved against the jar itself and the JDK.
            @Override
            protected ClassLoader getClassLoader() {
                return loader;
            }
        };
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public void visit(int version, int access, String name, String signature, String superName,
                    String[] interfaces) {
                super.visit(Opcodes.V1_8, access, name, signature, superName, interfaces);
            }

            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                // jsr/ret (old finally blocks) are not allowed from version 51: inlined.
                return new JSRInlinerAdapter(super.visitMethod(access, name, descriptor, signature, exceptions),
                        access, name, descriptor, signature, exceptions);
            }
        }, ClassReader.SKIP_FRAMES);
        return writer.toByteArray();
    }
}
