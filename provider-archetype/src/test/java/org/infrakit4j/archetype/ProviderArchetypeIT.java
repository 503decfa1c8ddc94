package org.infrakit4j.archetype;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.infrakit4j.testkit.PluginProcess;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * What a provider author does, end to end, offline: generate a module from the freshly built archetype, build it
 * with Maven (its whole test suite, the conformance suite included), then run the generated plugin as a user
 * would. The reactor's own artifacts go into a local repository under target/ (never ~/.m2); third-party artifacts
 * come from ~/.m2, read as a file:// repository.
 */
class ProviderArchetypeIT {
    private static final List<String> KIT = List.of("spi", "rpc", "runtime", "testkit");
    private static final Duration MAVEN_LIMIT = Duration.ofMinutes(10);

    private final String version = property("ik4j.version");
    private final Path reactor = Path.of(property("ik4j.reactor")).normalize();
    private final Path work = Path.of(property("ik4j.work"));
    private final Path repo = work.resolve("it-repo");
    private final Path settings = work.resolve("it-settings.xml");

    @Test
    void aGeneratedProviderBuildsPassesItsTestsAndServes() throws Exception {
        String loadBefore = loadAverage();
        installKit();
        Path projects = Files.createDirectories(work.resolve("it-projects"));
        Path module = projects.resolve("proxmox-provider");
        deleteTree(module);

        long t0 = System.nanoTime();
        maven(projects, "org.apache.maven.plugins:maven-archetype-plugin:" + property("ik4j.archetype.plugin.version")
                + ":generate", "-DinteractiveMode=false", "-DarchetypeGroupId=org.infrakit4j",
                "-DarchetypeArtifactId=infrakit4j-provider-archetype", "-DarchetypeVersion=" + version,
                "-DgroupId=com.example", "-DartifactId=proxmox-provider", "-Dversion=1.0.0-SNAPSHOT",
                "-Dpackage=com.example.proxmox", "-DproviderName=Proxmox");
        long generated = System.nanoTime();
        assertThat(module.resolve("src/main/java/com/example/proxmox/ProxmoxInstancePlugin.java")).exists();
        assertThat(module.resolve("src/test/java/com/example/proxmox/ProxmoxInstancePluginContractTest.java"))
                .exists();
        assertNoTemplateNameLeft(module);
        assertSameTextAsTheTemplate(module);
        assertThat(dependencies(module.resolve("pom.xml")))
                .as("the archetype's pom (src/main/archetype/pom.xml) declares the template's dependencies")
                .isEqualTo(dependencies(reactor.resolve("provider-template/pom.xml")));

        maven(module, "verify");
        long built = System.nanoTime();
        Map<String, Integer> tests = testCounts(module.resolve("target/surefire-reports"));
        assertThat(tests).as("the whole conformance suite ran").containsEntry(
                "com.example.proxmox.ProxmoxInstancePluginContractTest", contractTestCount());
        assertThat(tests).containsKeys("com.example.proxmox.ProxmoxMainProcessTest",
                "com.example.proxmox.ProxmoxPropertiesTest", "com.example.proxmox.ProxmoxInstancePluginTest");

        runOnce(module);
        long ran = System.nanoTime();
        String timing = String.format("generate %.1f s, build and test %.1f s (%d tests), start-provision-stop %.1f s;"
                        + " load average before %s, after %s%n", seconds(generated - t0), seconds(built - generated),
                tests.values().stream().mapToInt(Integer::intValue).sum(), seconds(ran - built), loadBefore,
                loadAverage());
        Files.writeString(work.resolve("archetype-it-timing.txt"), timing);
        System.out.print(timing);
    }

    /** The generated plugin as a user runs it: java -jar, its own socket, SIGTERM. */
    private void runOnce(Path module) throws Exception {
        Path home = Files.createTempDirectory(Path.of("/tmp"), "ik4ja-"); // socket paths must stay short
        try {
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-jar", module.resolve("target/proxmox-provider-1.0.0-SNAPSHOT.jar").toString())
                    .redirectErrorStream(true).redirectOutput(home.resolve("plugin.log").toFile());
            pb.environment().put("INFRAKIT_HOME", home.toString());
            pb.environment().remove("INFRAKIT_PLUGINS_DIR");
            Process p = pb.start();
            try {
                Path socket = home.resolve("plugins/instance-proxmox");
                PluginProcess.awaitSocket(socket, p, Duration.ofSeconds(60));
                try (InstancePluginClient client = InstancePluginClient.connect(socket, "", Duration.ofSeconds(10))) {
                    InstanceId id = client.provision(Spec.of(new RawJson("{\"Size\":\"large\"}"), Map.of("g", "it")));
                    assertThat(client.describeInstances(Map.of("g", "it"), false)).extracting(Description::id)
                            .containsExactly(id);
                }
                PluginProcess.term(p);
                assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("stopped after SIGTERM").isTrue();
                assertThat(p.exitValue()).as(Files.readString(home.resolve("plugin.log"))).isZero();
                assertThat(socket).doesNotExist();
            } finally {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } finally {
            deleteTree(home);
        }
    }

    /**
     * Puts the reactor's freshly built kit (and the parent pom its poms inherit) into target/it-repo, as
     * {@code mvn install} would put them into ~/.m2, and points that repository's remote at ~/.m2 for the rest.
     */
    private void installKit() throws IOException {
        install("infrakit4j-parent", reactor.resolve("pom.xml"), null);
        for (String module : KIT) {
            Path jar = reactor.resolve(module).resolve("target/infrakit4j-" + module + "-" + version + ".jar");
            assertThat(jar).as("the reactor builds %s before this module (mvn verify, not test)", module).exists();
            install("infrakit4j-" + module, reactor.resolve(module).resolve("pom.xml"), jar);
        }
        Path archetype = Path.of(property("ik4j.archetype.jar"));
        assertThat(archetype).exists();
        install("infrakit4j-provider-archetype", reactor.resolve("provider-archetype/pom.xml"), archetype);
        Path userRepo = Path.of(property("ik4j.user.repository"));
        // ~/.m2 read as the only remote: central and its plugin repository point there (a file repository has no
        // checksums to check), and every other repository is mirrored to it.
        Files.writeString(settings, """
                <settings>
                  <mirrors>
                    <mirror>
                      <id>central</id>
                      <mirrorOf>*</mirrorOf>
                      <url>%1$s</url>
                    </mirror>
                  </mirrors>
                  <profiles>
                    <profile>
                      <id>user-repository</id>
                      <repositories>
                        <repository>
                          <id>central</id>
                          <url>%1$s</url>
                          <releases><checksumPolicy>ignore</checksumPolicy></releases>
                          <snapshots><enabled>false</enabled></snapshots>
                        </repository>
                      </repositories>
                      <pluginRepositories>
                        <pluginRepository>
                          <id>central</id>
                          <url>%1$s</url>
                          <releases><checksumPolicy>ignore</checksumPolicy></releases>
                          <snapshots><enabled>false</enabled></snapshots>
                        </pluginRepository>
                      </pluginRepositories>
                    </profile>
                  </profiles>
                  <activeProfiles><activeProfile>user-repository</activeProfile></activeProfiles>
                </settings>
                """.formatted(userRepo.toUri()));
    }

    private void install(String artifactId, Path pom, Path jar) throws IOException {
        Path dir = Files.createDirectories(repo.resolve("org/infrakit4j").resolve(artifactId).resolve(version));
        Files.copy(pom, dir.resolve(artifactId + "-" + version + ".pom"), StandardCopyOption.REPLACE_EXISTING);
        if (jar != null) {
            Files.copy(jar, dir.resolve(artifactId + "-" + version + ".jar"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Runs Maven in {@code dir} against the it repository; fails with its output when it fails. */
    private void maven(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(property("ik4j.mvn"), "-B", "-s", settings.toString(),
                "-Dmaven.repo.local=" + repo));
        cmd.addAll(List.of(args));
        Path log = Files.createTempFile(work, "it-maven-", ".log");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            assertThat(p.waitFor(MAVEN_LIMIT.toMinutes(), TimeUnit.MINUTES)).as("mvn %s finished within %s (log %s)",
                    args[0], MAVEN_LIMIT, log).isTrue();
            assertThat(p.exitValue()).as("mvn %s in %s:%n%s", String.join(" ", args), dir, tail(log)).isZero();
        } finally {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static void assertNoTemplateNameLeft(Path module) throws IOException {
        try (Stream<Path> files = Files.walk(module.resolve("src"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertThat(Files.readString(f).toLowerCase(java.util.Locale.ROOT)).as(f.toString())
                        .doesNotContain("template").doesNotContain("symbol_");
            }
        }
    }

    /**
     * Each generated file, with the chosen names mapped back, is its provider-template file byte for byte: the
     * Velocity escaping lost nothing, and no template file was left out.
     */
    private void assertSameTextAsTheTemplate(Path module) throws IOException {
        Path template = reactor.resolve("provider-template/src");
        List<Path> sources;
        try (Stream<Path> files = Files.walk(template)) {
            sources = files.filter(Files::isRegularFile).toList();
        }
        assertThat(sources).hasSizeGreaterThan(5);
        for (Path source : sources) {
            String relative = template.relativize(source).toString().replace("org/infrakit4j/template",
                    "com/example/proxmox").replace("/Template", "/Proxmox");
            Path generated = module.resolve("src").resolve(relative);
            assertThat(generated).as("generated from %s", source).exists();
            String back = Files.readString(generated).replace("com.example.proxmox", "org.infrakit4j.template")
                    .replace("proxmox-provider", "infrakit4j-provider-template")
                    .replace("instance-proxmox", "instance-template").replace("Proxmox", "Template");
            assertThat(back).as("%s mapped back", generated).isEqualTo(Files.readString(source));
        }
    }

    /** groupId:artifactId:scope of each dependency a pom declares. */
    private static TreeSet<String> dependencies(Path pom) throws Exception {
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
        Element deps = (Element) doc.getDocumentElement().getElementsByTagName("dependencies").item(
                doc.getDocumentElement().getElementsByTagName("dependencyManagement").getLength() > 0 ? 1 : 0);
        TreeSet<String> out = new TreeSet<>();
        NodeList list = deps.getElementsByTagName("dependency");
        for (int i = 0; i < list.getLength(); i++) {
            Element d = (Element) list.item(i);
            NodeList scope = d.getElementsByTagName("scope");
            out.add(text(d, "groupId") + ":" + text(d, "artifactId") + ":"
                    + (scope.getLength() == 0 ? "compile" : scope.item(0).getTextContent()));
        }
        return out;
    }

    private static String text(Element e, String tag) {
        return e.getElementsByTagName(tag).item(0).getTextContent().trim();
    }

    private static Map<String, Integer> testCounts(Path reports) throws Exception {
        Map<String, Integer> out = new java.util.TreeMap<>();
        try (Stream<Path> files = Files.list(reports)) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("TEST-")).toList()) {
                var suite = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(f.toFile())
                        .getDocumentElement();
                assertThat(Integer.parseInt(suite.getAttribute("failures")) + Integer.parseInt(
                        suite.getAttribute("errors")) + Integer.parseInt(suite.getAttribute("skipped")))
                        .as("failed, errors and skipped in %s", f).isZero();
                out.put(suite.getAttribute("name"), Integer.parseInt(suite.getAttribute("tests")));
            }
        }
        return out;
    }

    /** The tests of testkit's InstancePluginContract, counted in its source. */
    private int contractTestCount() throws IOException {
        String source = Files.readString(reactor.resolve(
                "testkit/src/main/java/org/infrakit4j/testkit/InstancePluginContract.java"));
        int n = source.split("\n\\s*@Test\\b", -1).length - 1;
        assertThat(n).as("@Test methods in InstancePluginContract").isGreaterThan(10);
        return n;
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private static String property(String name) {
        String value = System.getProperty(name);
        assertThat(value).as("system property %s (set by provider-archetype's pom)", name).isNotBlank();
        return value;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
