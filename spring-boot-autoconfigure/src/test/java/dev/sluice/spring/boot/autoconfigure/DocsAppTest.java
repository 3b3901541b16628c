package dev.sluice.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The application.yml of docs/http.md's "Spring Boot" starts an application that does what the page says. */
class DocsAppTest {

  @TempDir
  Path dir;

  @Test
  void thePagesApplicationYmlStartsTheModelUser() throws Exception {
    String page = Files.readString(Path.of("..", "docs", "http.md"));
    String section = page.substring(page.indexOf("\n## Spring Boot\n"));
    int at = section.indexOf("```yaml\n");
    String yaml = section.substring(at + 8, section.indexOf("```", at + 8));
    assertThat(yaml).contains("path: /var/lib/myapp/quotas.db");
    Path file = dir.resolve("application.yml");
    Files.writeString(file, yaml.replace("/var/lib/myapp/quotas.db", dir.resolve("quotas.db").toString()));
    try (Apps.App app = Apps.start(ModelUserApp.class, "application", "spring.config.location=file:" + file)) {
      Apps.Response first = app.get("/api/hello");
      assertThat(first.statusCode()).isEqualTo(200);
      assertThat(first.headers().firstValue("RateLimit-Policy")).hasValue("\"anon-daily\";q=100;w=86400");
      Apps.Response client = app.get("/api/hello", "X-Client-Id", "billing");
      assertThat(client.headers().firstValue("RateLimit-Policy")).hasValue("\"client-daily\";q=10000;w=86400");
      assertThat(app.get("/actuator/sluice").body()).contains("\"store\":\"sqlite\"");
      assertThat(app.get("/actuator/sluice/anon-daily/ip:127.0.0.1").body()).contains("\"used\":1");
      assertThat(app.get("/health/live").headers().firstValue("RateLimit")).isEmpty();
    }
    assertThat(dir.resolve("quotas.db")).exists();
  }
}
