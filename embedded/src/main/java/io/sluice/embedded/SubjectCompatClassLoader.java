package io.sluice.embedded;

import java.io.IOException;
import java.io.InputStream;
import org.springframework.asm.ClassReader;
import org.springframework.asm.ClassVisitor;
import org.springframework.asm.ClassWriter;
import org.springframework.asm.MethodVisitor;
import org.springframework.asm.Opcodes;

/**
 * Loads the classes of one package tree itself (child first) and rewrites their calls to
 * {@code Subject.getSubject(AccessControlContext)}, which throws on JDK 24 and later (JEP 486), into
 * {@code Subject.current()}, its replacement since JDK 18 — so that a library written for the Security Manager era
 * (Qpid Broker-J) runs on any JDK 21+. {@code Subject.doAs} still sets the subject that {@code current()} returns.
 */
final class SubjectCompatClassLoader extends ClassLoader {

    static {
        registerAsParallelCapable();
    }

    private static final String SUBJECT = "javax/security/auth/Subject";
    private static final String GET_SUBJECT = "(Ljava/security/AccessControlContext;)Ljavax/security/auth/Subject;";

    private final String packagePrefix;

    SubjectCompatClassLoader(String packagePrefix, ClassLoader parent) {
        super("subject-compat", parent);
        this.packagePrefix = packagePrefix;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (!name.startsWith(packagePrefix)) {
            return super.loadClass(name, resolve);
        }
        synchronized (getClassLoadingLock(name)) {
            Class<?> loaded = findLoadedClass(name);
            if (loaded == null) {
                byte[] bytes = rewrite(read(name));
                loaded = defineClass(name, bytes, 0, bytes.length);
            }
            if (resolve) {
                resolveClass(loaded);
            }
            return loaded;
        }
    }

    private byte[] read(String name) throws ClassNotFoundException {
        try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
            if (in == null) {
                throw new ClassNotFoundException(name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new ClassNotFoundException(name, e);
        }
    }

    /** The class with every {@code Subject.getSubject(acc)} replaced by {@code pop; Subject.current()}. */
    static byte[] rewrite(byte[] original) {
        ClassReader reader = new ClassReader(original);
        ClassWriter writer = new ClassWriter(reader, 0); // same stack depth: pop one reference, push one
        boolean[] changed = {false};
        reader.accept(
                new ClassVisitor(Opcodes.ASM9, writer) {
                    @Override
                    public MethodVisitor visitMethod(
                            int access, String name, String descriptor, String signature, String[] exceptions) {
                        MethodVisitor target = super.visitMethod(access, name, descriptor, signature, exceptions);
                        return new MethodVisitor(Opcodes.ASM9, target) {
                            @Override
                            public void visitMethodInsn(
                                    int opcode, String owner, String method, String desc, boolean isInterface) {
                                if (opcode == Opcodes.INVOKESTATIC
                                        && owner.equals(SUBJECT)
                                        && method.equals("getSubject")
                                        && desc.equals(GET_SUBJECT)) {
                                    changed[0] = true;
                                    super.visitInsn(Opcodes.POP);
                                    super.visitMethodInsn(
                                            opcode, SUBJECT, "current", "()Ljavax/security/auth/Subject;", false);
                                } else {
                                    super.visitMethodInsn(opcode, owner, method, desc, isInterface);
                                }
                            }
                        };
                    }
                },
                0);
        return changed[0] ? writer.toByteArray() : original;
    }
}
