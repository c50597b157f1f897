package io.sluice.handler.pipeline;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * {@code mask: {column: method}} for personal data. Methods: {@code sha256} (with a salt: {@code {sha256: salt}}),
 * {@code redact} ({@code ***}), {@code keep-last-N} (all but the last N characters become {@code *}) and {@code null}.
 * Key columns are masked too (a hashed key still joins); NULLs stay NULL.
 */
final class MaskStep implements StepType {

    @Override
    public String name() {
        return "mask";
    }

    @Override
    public Step create(StepConfig config) {
        Map<String, UnaryOperator<String>> masks = new LinkedHashMap<>();
        config.entries().forEach((column, method) -> masks.put(column, mask(method)));
        return batch -> masks.forEach((column, mask) -> {
            int at = batch.indexOf(column);
            if (at < 0) {
                return;
            }
            for (WorkingBatch.WorkingRow row : batch.rows()) {
                if (!row.isUnchanged(at) && row.value(at) != null) {
                    row.set(at, mask.apply(row.value(at)));
                }
            }
        });
    }

    private static UnaryOperator<String> mask(StepConfig method) {
        Map<String, StepConfig> withSalt = null;
        String name;
        try {
            name = method.text();
        } catch (PipelineConfigException notText) {
            withSalt = method.entries();
            name = withSalt.keySet().iterator().next();
        }
        if (name.equals("sha256")) {
            byte[] salt = withSalt == null
                    ? new byte[0]
                    : withSalt.get("sha256").text().getBytes(StandardCharsets.UTF_8);
            return value -> sha256(salt, value);
        }
        if (name.equals("redact")) {
            return value -> "***";
        }
        if (name.equals("null")) {
            return value -> null;
        }
        if (name.startsWith("keep-last-")) {
            int keep;
            try {
                keep = Integer.parseInt(name.substring("keep-last-".length()));
            } catch (NumberFormatException e) {
                throw method.error("keep-last-N needs a number, got '" + name + "'");
            }
            return value -> value.length() <= keep
                    ? value
                    : "*".repeat(value.length() - keep) + value.substring(value.length() - keep);
        }
        throw method.error("unknown mask '" + name + "'; masks: sha256, {sha256: salt}, redact, keep-last-N, null");
    }

    /** One digest per thread: getting a new one per value costs more than hashing it. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    /** The hex SHA-256 of the salt's bytes then the value's: the same as hashing their concatenation, without it. */
    private static String sha256(byte[] salt, String value) {
        MessageDigest digest = SHA256.get();
        digest.update(salt);
        return HEX.formatHex(digest.digest(value.getBytes(StandardCharsets.UTF_8)));
    }

    private static final HexFormat HEX = HexFormat.of();
}
