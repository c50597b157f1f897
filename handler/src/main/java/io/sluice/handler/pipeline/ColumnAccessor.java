package io.sluice.handler.pipeline;

import org.springframework.asm.MethodVisitor;
import org.springframework.asm.Opcodes;
import org.springframework.expression.EvaluationContext;
import org.springframework.expression.TypedValue;
import org.springframework.expression.spel.CodeFlow;
import org.springframework.expression.spel.CompilablePropertyAccessor;

/**
 * SpEL access to one column of a {@link RowValues}, knowing its Java type: so that an expression over it ({@code kind
 * >= 0}) compiles to bytecode, which SpEL cannot do over untyped map values. A batch whose column has another type gets
 * another accessor; compiled code that meets a value it did not expect falls back to the interpreter (SpEL's MIXED
 * mode) and is compiled again.
 */
final class ColumnAccessor implements CompilablePropertyAccessor {

    private static final String ROW = RowValues.class.getName().replace('.', '/');

    private final String column;
    private final Class<?> type;

    ColumnAccessor(String column, Class<?> type) {
        this.column = column;
        this.type = type;
    }

    @Override
    public Class<?>[] getSpecificTargetClasses() {
        return new Class<?>[] {RowValues.class};
    }

    @Override
    public boolean canRead(EvaluationContext context, Object target, String name) {
        return target instanceof RowValues && column.equals(name);
    }

    @Override
    public TypedValue read(EvaluationContext context, Object target, String name) {
        RowValues row = (RowValues) target;
        return new TypedValue(type == Integer.class ? row.getInt(name) : row.get(name));
    }

    @Override
    public boolean canWrite(EvaluationContext context, Object target, String name) {
        return false;
    }

    @Override
    public void write(EvaluationContext context, Object target, String name, Object newValue) {
        throw new UnsupportedOperationException("expressions read columns; compute writes them");
    }

    @Override
    public boolean isCompilable() {
        return true;
    }

    @Override
    public Class<?> getPropertyType() {
        return type;
    }

    @Override
    public void generateCode(String propertyName, MethodVisitor mv, CodeFlow cf) {
        String last = cf.lastDescriptor();
        if (last == null) {
            cf.loadTarget(mv);
        }
        if (last == null || !("L" + ROW).equals(last)) {
            mv.visitTypeInsn(Opcodes.CHECKCAST, ROW);
        }
        mv.visitLdcInsn(propertyName);
        if (type == Integer.class) {
            mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, ROW, "getInt", "(Ljava/lang/String;)Ljava/lang/Integer;", false);
            return;
        }
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, ROW, "get", "(Ljava/lang/String;)Ljava/lang/Object;", false);
        if (type != Object.class) {
            mv.visitTypeInsn(Opcodes.CHECKCAST, type.getName().replace('.', '/'));
        }
    }
}
