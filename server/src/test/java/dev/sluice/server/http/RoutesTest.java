package dev.sluice.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Construction-time checks of {@link Routes}, {@link Options} and {@link Response}. */
class RoutesTest {

  private static final Handler OK = r -> Response.text(200, "ok");

  @Test
  void aRouteIsDefinedOnce() {
    assertThatThrownBy(() -> Routes.builder().get("/a", "", OK).get("/a", "", OK))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("route GET /a is already defined");
  }

  @Test
  void pathsAreAbsoluteAndPlain() {
    assertThatThrownBy(() -> Routes.builder().get("a", "", OK))
        .hasMessage("path \"a\" must start with /");
    assertThatThrownBy(() -> Routes.builder().get("/a?b", "", OK))
        .hasMessageContaining("at index 2");
    assertThatThrownBy(() -> Routes.builder().get("/a b", "", OK))
        .hasMessageContaining("at index 2");
  }

  @Test
  void theIndexOwnsItsPath() {
    assertThatThrownBy(() -> Routes.builder().get("/", "", OK).index("/"))
        .hasMessage("index path / already has a route");
    assertThatThrownBy(() -> Routes.builder().index("/").get("/", "", OK))
        .hasMessage("path / is the index");
  }

  @Test
  void includeMergesAndStillRefusesDuplicates() {
    Routes a = Routes.builder().get("/a", "", OK).build();
    Routes both = Routes.builder().include(a).post("/a", "", OK).get("/b", "", OK).build();
    assertThat(both.paths()).containsExactly("/a", "/b");
    assertThat(Routes.allow(both.at("/a"))).isEqualTo("GET, HEAD, POST");
    assertThatThrownBy(() -> Routes.builder().include(a).include(a))
        .hasMessage("route GET /a is already defined");
  }

  @Test
  void onlyBlockingRoutesNeedAPool() {
    assertThat(Routes.builder().get("/a", "", OK).build().blocks()).isFalse();
    assertThat(Routes.builder().postBlocking("/a", "", OK).build().blocks()).isTrue();
    assertThat(Routes.builder().postAsync("/a", "", (r, pool) -> null).build().blocks()).isTrue();
    assertThat(Routes.none().blocks()).isFalse();
  }

  @Test
  void optionsNameTheBadField() {
    assertThatThrownBy(() -> Options.builder().maxRequestBytes(-1).build())
        .hasMessage("maxRequestBytes (-1) must be at least 0");
    assertThatThrownBy(() -> Options.builder().blockingThreads(0).build())
        .hasMessage("blockingThreads (0) must be at least 1");
    assertThatThrownBy(() -> Options.builder().maxHeaderBytes(10).build())
        .hasMessage("maxHeaderBytes (10) must be at least 1024");
    assertThatThrownBy(() -> Options.builder().idleTimeout(Duration.ofSeconds(-1)).build())
        .hasMessage("idleTimeout (PT-1S) must not be negative");
    Options o = Options.defaults();
    assertThat(o.maxRequestBytes()).isEqualTo(1 << 20);
    assertThat(o.toBuilder().build()).isEqualTo(o);
  }

  @Test
  void responsesRefuseHeaderInjection() {
    Response r = Response.text(200, "x");
    assertThatThrownBy(() -> r.withHeader("X-A", "v\r\nSet-Cookie: evil"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("X-A");
    assertThatThrownBy(() -> r.withHeader("X A", "v"))
        .hasMessageContaining("not allowed in an HTTP token");
    assertThatThrownBy(() -> Response.text(99, "x"))
        .hasMessage("status (99) must be in [100, 599]");
    assertThat(r.withHeader("Retry-After", "1").headers()).containsEntry("Retry-After", "1");
  }
}
