package dev.sluice.server.api;

import static dev.sluice.server.api.ApiServer.header;
import static dev.sluice.server.api.ApiServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.server.http.HttpListener;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The OpenAPI description and the routes cannot drift apart: every route served (asked over HTTP,
 * by the {@code Allow} of a 405) is in the document with its method, and nothing else is; every
 * request body's properties are the fields the route takes (asked by sending an unknown one);
 * every {@code $ref} resolves; every problem type is documented.
 */
class OpenApiDriftTest {

  private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");

  @TempDir
  static Path tmp;
  static ApiServer s;
  static Map<String, Object> doc;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void load() throws Exception {
    s = ApiServer.start(ApiServer.Kind.MEMORY, tmp);
    doc = (Map<String, Object>) new Load(LoadSettings.builder().build())
        .loadFromString(new String(OpenApi.text(), StandardCharsets.UTF_8));
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  @Test
  void isOpenApi31() {
    assertThat(String.valueOf(doc.get("openapi"))).startsWith("3.1.");
  }

  @Test
  void everyRouteServedIsDocumentedWithItsMethodAndNothingElse() throws Exception {
    Map<String, Set<String>> served = new TreeMap<>();
    served.putAll(served(s.main, ApiRoutes.main(s.store, Map::of).paths()));
    served.putAll(served(s.admin, ApiRoutes.admin(AdminAccess.of(s.admin.address(), null), s.store, Map::of,
        () -> s.config, s.service).paths()));

    Map<String, Set<String>> documented = new TreeMap<>();
    paths().forEach((path, item) -> {
      Set<String> methods = new TreeSet<>();
      for (String k : item.keySet()) {
        if (METHODS.contains(k)) {
          methods.add(k.toUpperCase(Locale.ROOT));
        }
      }
      documented.put(path, methods);
    });
    assertThat(documented).isEqualTo(served);
  }

  @Test
  void adminPathsNameTheDebugListenerAndTheToken() {
    paths().forEach((path, item) -> {
      boolean admin = path.startsWith("/v1/admin/");
      assertThat(item.containsKey("servers")).as(path).isEqualTo(admin);
      for (Map<String, Object> op : operations(item)) {
        assertThat(op.containsKey("security")).as(path).isEqualTo(admin);
        assertThat(responses(op)).as(path).contains("200");
        if (admin) {
          assertThat(responses(op)).as(path).contains("401", "403");
        }
      }
    });
  }

  @Test
  void everyRequestBodyHasTheFieldsItsRouteTakes() throws Exception {
    int checked = 0;
    for (Map.Entry<String, Map<String, Object>> e : paths().entrySet()) {
      Map<String, Object> post = map(e.getValue().get("post"));
      if (post == null) {
        continue;
      }
      Map<String, Object> body = resolve(map(post.get("requestBody")));
      Map<String, Object> schema = resolve(map(map(map(body.get("content")).get("application/json")).get("schema")));
      Set<String> documented = new TreeSet<>(map(schema.get("properties")).keySet());
      assertThat(schema.get("additionalProperties")).as(e.getKey()).isEqualTo(false);

      HttpResponse<String> r = e.getKey().startsWith("/v1/admin/")
          ? s.admin("POST", e.getKey(), "{\"zzz\":1}", null) : s.post(e.getKey(), "{\"zzz\":1}");
      assertThat(r.statusCode()).as(e.getKey()).isEqualTo(400);
      String detail = json(r).get("detail").stringValue();
      String fields = detail.substring(detail.indexOf("its fields are ") + "its fields are ".length());
      assertThat(new TreeSet<>(Arrays.asList(fields.split(", ")))).as(e.getKey()).isEqualTo(documented);
      checked++;
    }
    assertThat(checked).isEqualTo(15);
  }

  @Test
  void everyRefResolves() {
    List<String> refs = new ArrayList<>();
    collectRefs(doc, refs);
    assertThat(refs).isNotEmpty();
    for (String ref : refs) {
      assertThat(ref).startsWith("#/");
      Object at = doc;
      for (String part : ref.substring(2).split("/")) {
        at = map(at) == null ? null : map(at).get(part);
      }
      assertThat(at).as(ref).isNotNull();
    }
  }

  @Test
  void everyProblemTypeIsDocumentedHereAndInTheDocsPage() throws Exception {
    String text = new String(OpenApi.text(), StandardCharsets.UTF_8);
    String page = Files.readString(Path.of("..", "docs", "http-api.md"));
    for (Problem.Type t : Problem.Type.values()) {
      assertThat(text).as(t.slug).contains("`" + t.slug + "`");
      assertThat(page).as(t.slug).contains("\n### " + t.slug + "\n");
      assertThat(t.uri()).isEqualTo("https://github.com/sluice-ratelimit/sluice/blob/main/docs/http-api.md#" + t.slug);
    }
  }

  @Test
  void theDocumentIsServed() throws Exception {
    HttpResponse<String> r = s.get("/v1/openapi.yaml");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(header(r, "content-type")).isEqualTo("application/yaml");
    assertThat(r.body()).isEqualTo(new String(OpenApi.text(), StandardCharsets.UTF_8));
    assertThat(r.body()).isEqualTo(Files.readString(
        Path.of("src", "main", "resources", "dev", "sluice", "server", "api", "openapi.yaml")));
  }

  /** Each path's methods as the listener tells them: the {@code Allow} of a 405, HEAD left out. */
  private static Map<String, Set<String>> served(HttpListener listener, List<String> paths) throws Exception {
    Map<String, Set<String>> out = new TreeMap<>();
    for (String path : paths) {
      HttpResponse<String> r = s.send(listener, "OPTIONS", path, null, null);
      assertThat(r.statusCode()).as(path).isEqualTo(405);
      Set<String> methods = new TreeSet<>(Arrays.asList(header(r, "Allow").split(", ")));
      methods.remove("HEAD");
      out.put(path, methods);
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Map<String, Object>> paths() {
    return (Map<String, Map<String, Object>>) doc.get("paths");
  }

  private static List<Map<String, Object>> operations(Map<String, Object> item) {
    List<Map<String, Object>> ops = new ArrayList<>();
    item.forEach((k, v) -> {
      if (METHODS.contains(k)) {
        ops.add(map(v));
      }
    });
    return ops;
  }

  private static Set<String> responses(Map<String, Object> op) {
    return map(op.get("responses")).keySet();
  }

  /** {@code node}, or what its {@code $ref} points at. */
  private static Map<String, Object> resolve(Map<String, Object> node) {
    Object ref = node.get("$ref");
    if (ref == null) {
      return node;
    }
    Object at = doc;
    for (String part : String.valueOf(ref).substring(2).split("/")) {
      at = map(at).get(part);
    }
    return map(at);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return o instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
  }

  private static void collectRefs(Object node, List<String> into) {
    if (node instanceof Map<?, ?> m) {
      m.forEach((k, v) -> {
        if ("$ref".equals(k)) {
          into.add(String.valueOf(v));
        } else {
          collectRefs(v, into);
        }
      });
    } else if (node instanceof List<?> l) {
      l.forEach(v -> collectRefs(v, into));
    }
  }
}
