package io.sluice.common.security;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Who may call a service's admin endpoints, under {@code sluice.security}.
 *
 * @param token the shared secret (from a Secret, e.g. {@code SLUICE_SECURITY_TOKEN}) sent as {@code Authorization:
 *     Bearer <token>} or as the password of HTTP basic; unset, every protected endpoint refuses every call
 * @param username the user name that goes with the token in HTTP basic
 */
@ConfigurationProperties("sluice.security")
public record SluiceSecurityProperties(
        String token, @DefaultValue("sluice") String username) {

    public SluiceSecurityProperties {
        token = token == null || token.isBlank() ? null : token;
    }

    @Override
    public String toString() {
        return "SluiceSecurityProperties[username=" + username + ", token=" + (token == null ? "unset" : "***") + "]";
    }
}
