package io.sluice.e2e;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module graph as a rule (ArchUnit, over every module's main classes): no service imports another, {@code common}
 * imports no service, and no main code imports a test library or the test kit. Only the quickstart, which runs every
 * service in one JVM, may import them all.
 */
class ModuleBoundariesTest {

    /** The deployable services and the operator's command line: each may import {@code common}, and nothing else of ours. */
    private static final List<String> SERVICES = List.of("getter", "handler", "loader", "pgtask", "monitor", "cli");

    private static final String[] TEST_LIBRARIES = {
        "io.sluice.testkit..",
        "org.junit..",
        "org.assertj..",
        "org.awaitility..",
        "org.testcontainers..",
        "org.mockito.."
    };

    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.sluice");
    }

    @Test
    void theImportSeesEveryModule() {
        for (String module : List.of(
                "common", "embedded", "getter", "handler", "loader", "pgtask", "monitor", "cli", "quickstart")) {
            assertThat(main.containPackage("io.sluice." + module)).as(module).isTrue();
        }
    }

    @Test
    void noServiceImportsAnother() {
        assertNoViolations(serviceRules());
    }

    @Test
    void commonAndEmbeddedImportNoService() {
        List<ArchRule> rules = new ArrayList<>();
        for (String library : List.of("common", "embedded")) {
            rules.add(noClasses()
                    .that()
                    .resideInAPackage("io.sluice." + library + "..")
                    .should()
                    .dependOnClassesThat()
                    .resideInAnyPackage(packages(SERVICES, "quickstart", "testkit", "bench"))
                    .because(library + " is what the services share; it must not know any of them"));
        }
        rules.add(noClasses()
                .that()
                .resideInAPackage("io.sluice.common..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.sluice.embedded..")
                .because("the embedded broker and database are the quickstart's, not the services'"));
        assertNoViolations(rules);
    }

    @Test
    void noMainCodeImportsATestLibrary() {
        assertNoViolations(List.of(noClasses()
                .that()
                .resideOutsideOfPackages("io.sluice.testkit..", "io.sluice.bench..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(TEST_LIBRARIES)
                .because("test libraries stay off the services' runtime classpath")));
    }

    @Test
    void theRulesCatchAClassThatCrossesAServiceBoundary() {
        // The e2e tests import getter, handler and loader together by design: the same rules must see that.
        JavaClasses tests = new ClassFileImporter().importPackages("io.sluice.e2e");
        List<ArchRule> rules = new ArrayList<>();
        for (String service : SERVICES) {
            rules.add(noClasses()
                    .that()
                    .resideInAPackage("io.sluice.e2e..")
                    .should()
                    .dependOnClassesThat()
                    .resideInAPackage("io.sluice." + service + ".."));
        }
        long broken =
                rules.stream().filter(r -> r.evaluate(tests).hasViolation()).count();
        assertThat(broken).isGreaterThanOrEqualTo(3);
    }

    private static List<ArchRule> serviceRules() {
        List<ArchRule> rules = new ArrayList<>();
        for (String service : SERVICES) {
            List<String> others = new ArrayList<>(SERVICES);
            others.remove(service);
            rules.add(noClasses()
                    .that()
                    .resideInAPackage("io.sluice." + service + "..")
                    .should()
                    .dependOnClassesThat()
                    .resideInAnyPackage(packages(others, "quickstart", "embedded"))
                    .because("services talk over RabbitMQ and the contracts in common, never by importing"
                            + " each other"));
        }
        return rules;
    }

    private static String[] packages(List<String> modules, String... more) {
        List<String> all = new ArrayList<>(modules);
        all.addAll(List.of(more));
        return all.stream().map(m -> "io.sluice." + m + "..").toArray(String[]::new);
    }

    private static void assertNoViolations(List<ArchRule> rules) {
        List<String> violations = new ArrayList<>();
        for (ArchRule rule : rules) {
            EvaluationResult result = rule.evaluate(main);
            violations.addAll(result.getFailureReport().getDetails());
        }
        assertThat(violations).isEmpty();
    }
}
