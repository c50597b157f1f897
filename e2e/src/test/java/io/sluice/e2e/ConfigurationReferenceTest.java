package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code docs/configuration.md} against the services' configuration metadata (what Spring Boot's processor writes
 * from the properties records), so the reference cannot drift: every {@code sluice.*} property is documented, and
 * every property the document names exists, down to the components of list and map entries
 * ({@code sluice.getter.cdc.sources[N].url}). A cell's {@code .name} continues the first name's parent, as in
 * "{@code sluice.security.token}, {@code .username}".
 */
class ConfigurationReferenceTest {

    private static final Path REFERENCE = Path.of("..", "docs", "configuration.md");
    private static final Pattern CODE = Pattern.compile("`([^`]+)`");

    /** Every property of the services' metadata: name → Java type. */
    private static final Map<String, String> PROPERTIES = new TreeMap<>();

    /** Every sluice property name the reference's table rows name, continuations resolved. */
    private static final Set<String> DOCUMENTED = new TreeSet<>();

    @BeforeAll
    static void read() throws Exception {
        Enumeration<URL> files = ConfigurationReferenceTest.class
                .getClassLoader()
                .getResources("META-INF/spring-configuration-metadata.json");
        while (files.hasMoreElements()) {
            try (InputStream in = files.nextElement().openStream()) {
                JsonNode metadata = JsonMapper.builder().build().readTree(in);
                metadata.path("properties")
                        .forEach(p -> PROPERTIES.put(
                                p.path("name").asString(), p.path("type").asString()));
            }
        }
        assertThat(PROPERTIES).containsKeys("sluice.loader.target", "sluice.getter.cdc.sources");
        for (String line : Files.readAllLines(REFERENCE)) {
            if (!line.startsWith("| `")) {
                continue;
            }
            String cell = line.substring(2, line.indexOf(" |", 2));
            String parent = null;
            Matcher code = CODE.matcher(cell);
            while (code.find()) {
                String name = code.group(1);
                if (name.startsWith(".") && parent != null) {
                    name = parent + name;
                } else if (name.startsWith("sluice.") || name.startsWith("spring.")) {
                    parent = name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : name;
                } else {
                    continue;
                }
                if (name.startsWith("sluice.")) {
                    DOCUMENTED.add(name);
                }
            }
        }
        assertThat(DOCUMENTED).contains("sluice.security.username", "sluice.getter.cdc.sources[N].url");
    }

    @Test
    void everySluicePropertyTheServicesHaveIsDocumented() {
        List<String> missing = new ArrayList<>();
        for (String property : PROPERTIES.keySet()) {
            if (property.startsWith("sluice.") && DOCUMENTED.stream().noneMatch(d -> covers(d, property))) {
                missing.add(property);
            }
        }
        assertThat(missing).as("sluice properties missing from " + REFERENCE).isEmpty();
    }

    @Test
    void everyPropertyTheReferenceNamesExists() {
        List<String> unknown = new ArrayList<>();
        for (String documented : DOCUMENTED) {
            if (!exists(documented)) {
                unknown.add(documented);
            }
        }
        assertThat(unknown)
                .as("names in " + REFERENCE + " that no service knows")
                .isEmpty();
    }

    /** Whether a documented name (perhaps {@code x.*}, or an entry's component) documents this property. */
    private static boolean covers(String documented, String property) {
        String name = documented.endsWith(".*") ? documented.substring(0, documented.length() - 2) : documented;
        return property.equals(name)
                || documented.endsWith(".*") && property.startsWith(name + ".")
                || name.startsWith(property + "[")
                || name.startsWith(property + ".");
    }

    /** Whether a documented name is a property, a subtree ({@code x.*}) or a component of a list or map entry. */
    private static boolean exists(String documented) {
        if (documented.endsWith(".*")) {
            String prefix = documented.substring(0, documented.length() - 2);
            return exists(prefix) || PROPERTIES.keySet().stream().anyMatch(p -> p.startsWith(prefix + "."));
        }
        if (PROPERTIES.containsKey(documented)) {
            return true;
        }
        for (Map.Entry<String, String> property : PROPERTIES.entrySet()) {
            String name = property.getKey();
            if (documented.startsWith(name + "[") || documented.startsWith(name + ".")) {
                Type type = typeOf(property.getValue());
                if (type != null && walk(type, documented.substring(name.length()))) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Whether {@code rest} ({@code [N].s3.bucket}, {@code [<pattern>].mode}, {@code .types.<column>}) is a path into
     * {@code type}: an index or key into a list or map, then a component of the record or bean it holds.
     */
    private static boolean walk(Type type, String rest) {
        if (rest.isEmpty()) {
            return true;
        }
        Class<?> raw = raw(type);
        if (List.class.isAssignableFrom(raw) || Map.class.isAssignableFrom(raw)) {
            Type element =
                    ((ParameterizedType) type).getActualTypeArguments()[List.class.isAssignableFrom(raw) ? 0 : 1];
            if (rest.startsWith("[")) {
                int end = rest.indexOf(']');
                return end > 0 && walk(element, rest.substring(end + 1));
            }
            if (Map.class.isAssignableFrom(raw) && rest.startsWith(".")) {
                int end = rest.indexOf('.', 1);
                return walk(element, end < 0 ? "" : rest.substring(end)); // a key such as .types.<column>
            }
            return false;
        }
        if (!rest.startsWith(".")) {
            return false;
        }
        int end = nextSeparator(rest);
        String component = rest.substring(1, end);
        Type componentType = component(raw, component);
        return componentType != null && walk(componentType, rest.substring(end));
    }

    private static int nextSeparator(String rest) {
        for (int i = 1; i < rest.length(); i++) {
            if (rest.charAt(i) == '.' || rest.charAt(i) == '[') {
                return i;
            }
        }
        return rest.length();
    }

    /** The type of a record component or bean property named in kebab case, or null. */
    private static Type component(Class<?> owner, String kebab) {
        String camel = Pattern.compile("-([a-z0-9])")
                .matcher(kebab)
                .replaceAll(m -> m.group(1).toUpperCase());
        if (owner.isRecord()) {
            for (RecordComponent component : owner.getRecordComponents()) {
                if (component.getName().equals(camel)) {
                    return component.getGenericType();
                }
            }
            return null;
        }
        for (var method : owner.getMethods()) {
            String property = method.getName().replaceFirst("^(get|is)", "");
            if (method.getParameterCount() == 0 && property.equalsIgnoreCase(camel)) {
                return method.getGenericReturnType();
            }
        }
        return null;
    }

    private static Class<?> raw(Type type) {
        return type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
    }

    /** A metadata type ({@code java.util.List<io.sluice.getter.cdc.CdcProperties$Source>}) as a reflected type. */
    private static Type typeOf(String name) {
        int open = name.indexOf('<');
        try {
            Class<?> raw = Class.forName(open < 0 ? name : name.substring(0, open));
            if (open < 0) {
                return raw;
            }
            List<Type> arguments = new ArrayList<>();
            for (String argument : splitArguments(name.substring(open + 1, name.length() - 1))) {
                Type parsed = typeOf(argument.strip());
                if (parsed == null) {
                    return null;
                }
                arguments.add(parsed);
            }
            return new ParameterizedType() {
                @Override
                public Type[] getActualTypeArguments() {
                    return arguments.toArray(Type[]::new);
                }

                @Override
                public Type getRawType() {
                    return raw;
                }

                @Override
                public Type getOwnerType() {
                    return null;
                }
            };
        } catch (ClassNotFoundException e) {
            return null;
        }
    }

    private static List<String> splitArguments(String arguments) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < arguments.length(); i++) {
            char c = arguments.charAt(i);
            if (c == '<') {
                depth++;
            } else if (c == '>') {
                depth--;
            } else if (c == ',' && depth == 0) {
                parts.add(arguments.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(arguments.substring(start));
        return parts;
    }
}
