package io.sluice.common.batch;

/** What a row in a batch does, with the one-letter code the wire format uses. */
public enum Op {
    INSERT('c'),
    UPDATE('u'),
    DELETE('d'),
    READ('r'),
    TRUNCATE('t');

    private final char code;

    Op(char code) {
        this.code = code;
    }

    public char code() {
        return code;
    }

    /** True for the operations whose values are the row's new state. */
    public boolean upserts() {
        return this == INSERT || this == UPDATE || this == READ;
    }

    public static Op ofCode(String code) {
        if (code != null && code.length() == 1) {
            return ofCode(code.charAt(0));
        }
        throw unknown(code);
    }

    public static Op ofCode(char code) {
        for (Op op : VALUES) {
            if (op.code == code) {
                return op;
            }
        }
        throw unknown(String.valueOf(code));
    }

    private static MalformedBatchException unknown(String code) {
        return new MalformedBatchException("unknown op '" + code + "' (expected one of c, u, d, r, t)");
    }

    private static final Op[] VALUES = values();
}
