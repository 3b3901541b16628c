package dev.sluice.build;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** What the build promises about itself: the JVM a run is on, and the BOM kept in step. */
class BuildTest {

  /** The core module's directory (surefire runs with it as the working directory). */
  private static final Path CORE = Path.of("").toAbsolutePath();

  /**
   * The second surefire run of core's tests (profile java25) says which Java it expects: it is
   * that one, so "core passes on Java 25" is not a run that quietly used 17.
   */
  @Test
  void theTestsRunOnTheJavaTheBuildAskedFor() {
    String expected = System.getProperty("sluice.test.expectJavaFeature");
    int feature = Runtime.version().feature();
    if (expected != null) {
      assertThat(feature).as("the Java this run was asked to use").isEqualTo(Integer.parseInt(expected));
    } else {
      assertThat(feature).as("the default run: Java 17 or newer").isGreaterThanOrEqualTo(17);
    }
  }

  @Test
  void theBomListsEveryLibraryModuleAtTheProjectsVersionAndNothingElse() throws Exception {
    String parent = Files.readString(CORE.resolveSibling("pom.xml"));
    String bom = Files.readString(CORE.resolveSibling("bom").resolve("pom.xml"));
    assertThat(firstVersion(bom)).isEqualTo(firstVersion(parent));
    assertThat(bom).doesNotContain("<parent>");
    List<String> managed = new ArrayList<>();
    Matcher m = Pattern.compile("<artifactId>(sluice-[a-z0-9-]+)</artifactId>").matcher(bom);
    while (m.find()) {
      managed.add(m.group(1));
    }
    List<String> libraries = new ArrayList<>();
    for (String module : List.of("core", "redis", "sqlite", "http", "servlet", "micrometer",
        "spring-boot-autoconfigure", "spring-boot-starter", "spring-cloud-gateway")) {
      String pom = Files.readString(CORE.resolveSibling(module).resolve("pom.xml"));
      Matcher a = Pattern.compile("</parent>\\s*<artifactId>([^<]+)</artifactId>").matcher(pom);
      assertThat(a.find()).as(module + "/pom.xml names its artifact").isTrue();
      libraries.add(a.group(1));
    }
    assertThat(managed).as("sluice-bom's managed artifacts (after its own id)")
        .containsExactlyElementsOf(concat("sluice-bom", libraries));
  }

  private static List<String> concat(String first, List<String> rest) {
    List<String> all = new ArrayList<>();
    all.add(first);
    all.addAll(rest);
    return all;
  }

  /** The project's own version: the first version after the artifactId of the pom. */
  private static String firstVersion(String pom) {
    String withoutParent = pom.replaceAll("(?s)<parent>.*?</parent>", "");
    Matcher m = Pattern.compile("<version>([^<]+)</version>").matcher(withoutParent);
    assertThat(m.find()).isTrue();
    return m.group(1);
  }
}
