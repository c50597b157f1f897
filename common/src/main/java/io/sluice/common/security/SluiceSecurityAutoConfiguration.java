package io.sluice.common.security;

import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpStatus;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.HttpStatusEntryPoint;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;

/**
 * Every service's HTTP surface: the probes, the bare health status and the metrics are anyone's (the management port
 * is opened only to the monitoring namespace by the NetworkPolicies); everything else — the admin endpoints that
 * change state or reveal data, and health details — needs the token. No credentials: 401; wrong ones: 403.
 */
@AutoConfiguration(
        beforeName = "org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration")
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@EnableConfigurationProperties(SluiceSecurityProperties.class)
public class SluiceSecurityAutoConfiguration {

    /** What anyone may call: probes and the bare health status (details only when authenticated), and metrics. */
    static final String[] OPEN = {
        "/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness", "/actuator/prometheus", "/error"
    };

    @Bean
    SecurityFilterChain sluiceSecurityFilterChain(HttpSecurity http, SluiceSecurityProperties properties)
            throws Exception {
        if (properties.token() == null) {
            LoggerFactory.getLogger(SluiceSecurityAutoConfiguration.class)
                    .warn("sluice.security.token is not set: every admin endpoint refuses every call"
                            + " (set SLUICE_SECURITY_TOKEN from a Secret to use them)");
        }
        return http.csrf(csrf ->
                        csrf.disable()) // no cookies or sessions: a token in a header cannot be forged cross-site
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .authorizeHttpRequests(auth ->
                        auth.requestMatchers(OPEN).permitAll().anyRequest().hasRole(AdminTokenFilter.ROLE))
                .addFilterBefore(new AdminTokenFilter(properties), BasicAuthenticationFilter.class)
                .exceptionHandling(e -> e.authenticationEntryPoint(new HttpStatusEntryPoint(HttpStatus.UNAUTHORIZED)))
                .httpBasic(basic -> basic.disable())
                .formLogin(form -> form.disable())
                .build();
    }

    /** No user but the token: keeps Spring Boot from making (and logging) a generated password. */
    @Bean
    UserDetailsService sluiceNoUsers() {
        return new InMemoryUserDetailsManager();
    }
}
