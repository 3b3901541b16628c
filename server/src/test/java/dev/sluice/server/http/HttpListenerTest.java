package dev.sluice.server.http;

import static dev.sluice.server.http.RawHttp.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.sluice.server.http.RawHttp.Raw;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The listener on real sockets: routing, connections, limits, closing. */
class HttpListenerTest {

  private static final InetSocketAddress ANY_PORT =
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

  private final List<HttpListener> listeners = new ArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);
  private final CountDownLatch entered = new CountDownLatch(1);
  private final AtomicInteger slowCalls = new AtomicInteger();

  /** /fast on the event loop, /slow on the blocking pool (waits for {@link #release}), /boom. */
  private Routes routes() {
    return Routes.builder()
        .get("/fast", "answers at once", r -> Response.text(200, "fast " + r.query()))
        .post("/echo", "echoes the body", r -> Response.text(200,
            r.bodyLength() + ":" + new String(r.body(), StandardCharsets.UTF_8)))
        .postBlocking("/slow", "waits for the test", r -> {
          slowCalls.incrementAndGet();
          entered.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Response.text(500, "interrupted");
          }
          return Response.text(200, "slow " + r.query());
        })
        .get("/boom", "throws", r -> {
          throw new IllegalStateException("secret detail");
        })
        .get("/null", "returns null", r -> null)
        .build();
  }

  private HttpListener start(Options options) throws IOException {
    HttpListener listener = HttpListener.start(ANY_PORT, routes(), options);
    listeners.add(listener);
    return listener;
  }

  private HttpListener start() throws IOException {
    return start(Options.builder().shutdownGrace(Duration.ofSeconds(2)).build());
  }

  @AfterEach
  void closeAll() {
    release.countDown();
    listeners.forEach(HttpListener::close);
  }

  private static HttpClient http11() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  private static URI uri(HttpListener l, String path) {
    return URI.create("http://" + l.address().getHostString() + ":" + l.address().getPort()
        + path);
  }

  // ---- routing

  @Test
  void ephemeralPortIsReported() throws IOException {
    HttpListener l = start();
    assertThat(l.address().getPort()).isPositive();
    assertThat(l.address().getAddress().isLoopbackAddress()).isTrue();
  }

  @Test
  void unknownPathIs404() throws Exception {
    HttpListener l = start();
    HttpResponse<String> r = http11().send(HttpRequest.newBuilder(uri(l, "/nope")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.body()).isEqualTo("404 page not found\n");
    assertThat(r.headers().firstValue("content-type")).hasValue(Response.TEXT);
  }

  @Test
  void wrongMethodIs405WithAllow() throws Exception {
    HttpListener l = start();
    HttpResponse<String> post = http11().send(HttpRequest.newBuilder(uri(l, "/fast"))
        .POST(HttpRequest.BodyPublishers.ofString("x")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("allow")).hasValue("GET, HEAD");
    assertThat(post.body()).contains("POST", "/fast");

    HttpResponse<String> get = http11().send(HttpRequest.newBuilder(uri(l, "/slow")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(get.headers().firstValue("allow")).hasValue("POST");
    assertThat(slowCalls).hasValue(0);
  }

  @Test
  void queryIsNotPartOfThePath() throws Exception {
    HttpListener l = start();
    HttpResponse<String> r = http11().send(HttpRequest.newBuilder(uri(l, "/fast?a=1&b")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("fast a=1&b");
  }

  @Test
  void absoluteFormTargetIsRouted() throws Exception {
    HttpListener l = start();
    try (RawHttp c = new RawHttp(l.address())) {
      Raw r = c.send("GET http://test/fast?x HTTP/1.1\r\nHost: test\r\n\r\n").read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("fast x");
    }
  }

  @Test
  void headAnswersWithTheLengthButNoBody() throws Exception {
    HttpListener l = start();
    try (RawHttp c = new RawHttp(l.address())) {
      Raw head = c.send(request("HEAD", "/fast?abc", "", "")).read(true);
      assertThat(head.status()).isEqualTo(200);
      assertThat(head.header("content-length")).isEqualTo("8"); // "fast abc"
      // if the HEAD response had carried a body, this read would see it instead
      Raw next = c.send(request("GET", "/fast?next", "", "")).read();
      assertThat(next.body()).isEqualTo("fast next");
    }
  }

  @Test
  void handlerFailureIs500WithoutDetailAndTheConnectionLives() throws Exception {
    HttpListener l = start();
    try (RawHttp c = new RawHttp(l.address())) {
      Raw boom = c.send(request("GET", "/boom", "", "")).read();
      assertThat(boom.status()).isEqualTo(500);
      assertThat(boom.body()).isEqualTo("internal error\n");
      Raw nul = c.send(request("GET", "/null", "", "")).read();
      assertThat(nul.status()).isEqualTo(500);
      Raw after = c.send(request("GET", "/fast?ok", "", "")).read();
      assertThat(after.status()).isEqualTo(200);
    }
  }

  @Test
  void defaultClientWithItsH2cUpgradeGetsHttp11() throws Exception {
    HttpListener l = start();
    HttpResponse<String> r = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(uri(l, "/fast?h2")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
    assertThat(r.body()).isEqualTo("fast h2");
  }

  // ---- connections

  @Test
  void keepAliveServesManyRequestsOnOneConnection() throws Exception {
    HttpListener l = start();
    release.countDown();
    try (RawHttp c = new RawHttp(l.address())) {
      for (int i = 0; i < 200; i++) {
        Raw r = i % 2 == 0 ? c.send(request("GET", "/fast?" + i, "", "")).read()
            : c.send(request("POST", "/slow?" + i, "", "")).read();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).endsWith(" " + i);
        assertThat(r.header("connection")).isNull();
      }
    }
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    HttpListener l = HttpListener.start(ANY_PORT, Routes.builder()
        .get("/fast", "", r -> Response.text(200, "fast " + r.query()))
        .postBlocking("/slow", "", r -> {
          try {
            Thread.sleep(5); // a misordering connection would let /fast overtake this
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return Response.text(200, "slow " + r.query());
        })
        .build(), Options.defaults());
    listeners.add(l);
    StringBuilder all = new StringBuilder();
    int n = 40;
    for (int i = 0; i < n; i++) {
      all.append(i % 3 == 0 ? request("POST", "/slow?" + i, "", "")
          : request("GET", "/fast?" + i, "", ""));
    }
    try (RawHttp c = new RawHttp(l.address())) {
      c.send(all.toString());
      for (int i = 0; i < n; i++) {
        assertThat(c.read().body()).isEqualTo((i % 3 == 0 ? "slow " : "fast ") + i);
      }
    }
  }

  /**
   * /now answers before its handler returns, /later on the blocking pool, /fails with a failed
   * future, /nothing with null, /throws throws, /busy hands a task to the pool (which may refuse it).
   */
  private HttpListener startAsync(Options options) throws IOException {
    HttpListener l = HttpListener.start(ANY_PORT, Routes.builder()
        .get("/fast", "", r -> Response.text(200, "fast " + r.query()))
        .postAsync("/now", "", (r, pool) -> CompletableFuture.completedFuture(
            Response.text(200, "now " + r.query() + " on " + Thread.currentThread().getName())))
        .postAsync("/later", "", (r, pool) -> CompletableFuture.supplyAsync(() -> {
          try {
            Thread.sleep(5); // a misordering connection would let the next request overtake this
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return Response.text(200, "later " + r.query());
        }, pool))
        .postAsync("/fails", "", (r, pool) -> CompletableFuture.failedFuture(new IllegalStateException("secret")))
        .postAsync("/nothing", "", (r, pool) -> CompletableFuture.completedFuture(null))
        .postAsync("/throws", "", (r, pool) -> {
          throw new IllegalStateException("secret");
        })
        .postAsync("/busy", "", (r, pool) -> {
          CompletableFuture<Response> f = new CompletableFuture<>();
          pool.execute(() -> {
            entered.countDown();
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            f.complete(Response.text(200, "busy " + r.query()));
          });
          return f;
        })
        .build(), options);
    listeners.add(l);
    return l;
  }

  @Test
  void asyncRouteReadyAtOnceIsAnsweredOnTheEventLoop() throws Exception {
    HttpListener l = startAsync(Options.defaults());
    try (RawHttp c = new RawHttp(l.address())) {
      Raw r = c.send(request("POST", "/now?1", "", "")).read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).startsWith("now 1 on sluice-http-").doesNotContain("blocking");
    }
  }

  @Test
  void asyncRoutesKeepPipelinedAnswersInOrder() throws Exception {
    HttpListener l = startAsync(Options.defaults());
    StringBuilder all = new StringBuilder();
    int n = 60;
    for (int i = 0; i < n; i++) {
      all.append(switch (i % 3) {
        case 0 -> request("POST", "/later?" + i, "", "");
        case 1 -> request("POST", "/now?" + i, "", "");
        default -> request("GET", "/fast?" + i, "", "");
      });
    }
    try (RawHttp c = new RawHttp(l.address())) {
      c.send(all.toString());
      for (int i = 0; i < n; i++) {
        String expected = (i % 3 == 0 ? "later " : i % 3 == 1 ? "now " : "fast ") + i;
        assertThat(c.read().body()).startsWith(expected);
      }
    }
  }

  @Test
  void asyncRouteThatFailsOrAnswersNullIs500WithoutDetail() throws Exception {
    HttpListener l = startAsync(Options.defaults());
    try (RawHttp c = new RawHttp(l.address())) {
      for (String path : List.of("/fails", "/nothing", "/throws")) {
        Raw r = c.send(request("POST", path, "", "")).read();
        assertThat(r.status()).as(path).isEqualTo(500);
        assertThat(r.body()).as(path).isEqualTo("internal error\n");
      }
      assertThat(c.send(request("POST", "/now?2", "", "")).read().body()).startsWith("now 2");
    }
  }

  @Test
  void asyncRouteRefusedByAFullPoolIs503() throws Exception {
    HttpListener l = startAsync(Options.builder().blockingThreads(1).blockingQueue(0).build());
    try (RawHttp first = new RawHttp(l.address()); RawHttp second = new RawHttp(l.address())) {
      first.send(request("POST", "/busy?1", "", ""));
      assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
      Raw busy = second.send(request("POST", "/busy?2", "", "")).read();
      assertThat(busy.status()).isEqualTo(503);
      assertThat(busy.body()).contains("busy: too many requests");
      assertThat(second.send(request("POST", "/now?3", "", "")).read().body()).startsWith("now 3");
      release.countDown();
      assertThat(first.read().body()).isEqualTo("busy 1");
    }
  }

  @Test
  void clientConnectionCloseIsHonoured() throws Exception {
    HttpListener l = start();
    try (RawHttp c = new RawHttp(l.address())) {
      Raw r = c.send(request("GET", "/fast", "Connection: close\r\n", "")).read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("connection")).isEqualTo("close");
      assertThat(c.closedByPeer()).isTrue();
    }
  }

  @Test
  void http10ClosesUnlessKeepAliveIsAsked() throws Exception {
    HttpListener l = start();
    try (RawHttp c = new RawHttp(l.address())) {
      Raw r = c.send("GET /fast?a HTTP/1.0\r\n\r\n").read();
      assertThat(r.statusLine()).startsWith("HTTP/1.0 200");
      assertThat(c.closedByPeer()).isTrue();
    }
    try (RawHttp c = new RawHttp(l.address())) {
      Raw r = c.send("GET /fast?b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read();
      assertThat(r.header("connection")).isEqualToIgnoringCase("keep-alive");
      Raw again = c.send("GET /fast?c HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read();
      assertThat(again.body()).isEqualTo("fast c");
    }
  }

  @Test
  void idleConnectionIsClosedButNotOneWaitingForItsAnswer() throws Exception {
    HttpListener l = start(Options.builder().idleTimeout(Duration.ofMillis(200)).build());
    try (RawHttp idle = new RawHttp(l.address())) {
      assertThat(idle.send(request("GET", "/fast", "", "")).read().status()).isEqualTo(200);
      assertThat(idle.closedByPeer()).isTrue();
    }
    try (RawHttp waiting = new RawHttp(l.address())) {
      waiting.send(request("POST", "/slow?late", "", ""));
      assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
      waiting.timeout(600); // three idle timeouts pass while the request is in flight
      assertThat(waiting.closedByPeer()).isFalse();
      release.countDown();
      waiting.timeout(5_000);
      assertThat(waiting.read().body()).isEqualTo("slow late");
    }
  }

  @Test
  void fullBlockingPoolIs503() throws Exception {
    HttpListener l = start(Options.builder().blockingThreads(1).blockingQueue(0).build());
    try (RawHttp first = new RawHttp(l.address()); RawHttp second = new RawHttp(l.address())) {
      first.send(request("POST", "/slow?1", "", ""));
      assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
      Raw busy = second.send(request("POST", "/slow?2", "", "")).read();
      assertThat(busy.status()).isEqualTo(503);
      assertThat(busy.body()).contains("busy");
      release.countDown();
      assertThat(first.read().body()).isEqualTo("slow 1");
      assertThat(second.send(request("POST", "/slow?3", "", "")).read().body())
          .isEqualTo("slow 3");
    }
  }

  @Test
  void addressInUseIsAnIoException() throws Exception {
    HttpListener first = start();
    assertThatThrownBy(() -> HttpListener.start(first.address(), routes(), Options.defaults()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("cannot listen for HTTP on")
        .hasMessageContaining(String.valueOf(first.address().getPort()));
  }

  // ---- limits and malformed requests

  private HttpListener small() throws IOException {
    return start(Options.builder().maxRequestBytes(1024).build());
  }

  @Test
  void bodyAtTheLimitIsServed() throws Exception {
    HttpListener l = small();
    try (RawHttp c = new RawHttp(l.address())) {
      Raw r = c.send(request("POST", "/echo", "", "x".repeat(1024))).read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).startsWith("1024:xxx");
    }
  }

  @Test
  void bodyOverTheLimitIs413AndTheConnectionCloses() throws Exception {
    HttpListener l = small();
    try (RawHttp c = new RawHttp(l.address())) {
      Raw r = c.send(request("POST", "/echo", "", "x".repeat(1025))).read();
      assertThat(r.status()).isEqualTo(413);
      assertThat(r.body()).isEqualTo("request body is larger than 1024 bytes\n");
      assertThat(r.header("connection")).isEqualTo("close");
      assertThat(c.closedByPeer()).isTrue();
    }
  }

  @Test
  void chunkedBodyOverTheLimitIs413() throws Exception {
    HttpListener l = small();
    try (RawHttp c = new RawHttp(l.address())) {
      c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
      String chunk = "200\r\n" + "y".repeat(0x200) + "\r\n";
      c.send(chunk + chunk + chunk + "0\r\n\r\n");
      Raw r = c.read();
      assertThat(r.status()).isEqualTo(413);
    }
  }

  @Test
  void chunkedBodyWithinTheLimitIsServed() throws Exception {
    HttpListener l = small();
    try (RawHttp c = new RawHttp(l.address())) {
      c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
          + "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
      assertThat(c.read().body()).isEqualTo("5:abcde");
    }
  }

  @Test
  void expectContinueOverTheLimitIs413BeforeTheBody() throws Exception {
    HttpListener l = small();
    try (RawHttp c = new RawHttp(l.address())) {
      Raw r = c.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
          + "Content-Length: 5000\r\n\r\n").read();
      assertThat(r.status()).isEqualTo(413);
    }
  }

  @Test
  void expectContinueWithinTheLimitGets100ThenTheAnswer() throws Exception {
    HttpListener l = small();
    try (RawHttp c = new RawHttp(l.address())) {
      Raw cont = c.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
          + "Content-Length: 3\r\n\r\n").read();
      assertThat(cont.status()).isEqualTo(100);
      assertThat(c.send("abc").read().body()).isEqualTo("3:abc");
    }
  }

  @Test
  void unsupportedExpectationIs417AndTheConnectionServesTheNextRequest() throws Exception {
    HttpListener l = small();
    try (RawHttp c = new RawHttp(l.address())) {
      // a client that asked for an expectation waits for the answer before sending the body
      Raw failed = c.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: something-else\r\n"
          + "Content-Length: 3\r\n\r\n").read();
      assertThat(failed.status()).isEqualTo(417);
      Raw next = c.send(request("GET", "/fast", "", "")).read();
      assertThat(next.status()).as(next.statusLine() + " " + next.body()).isEqualTo(200);
    }
  }

  @Test
  void oversizedBodyFromARealClientGets413() throws Exception {
    HttpListener l = start(); // 1 MiB default
    HttpResponse<String> r = http11().send(HttpRequest.newBuilder(uri(l, "/echo"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[2 << 20])).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(r.body()).isEqualTo("request body is larger than 1048576 bytes\n");
  }

  @Test
  void tooLongRequestLineIs414() throws Exception {
    HttpListener l = start();
    try (RawHttp c = new RawHttp(l.address())) {
      Raw r = c.send(request("GET", "/fast?" + "q".repeat(5000), "", "")).read();
      assertThat(r.status()).isEqualTo(414);
      assertThat(c.closedByPeer()).isTrue();
    }
  }

  @Test
  void tooLargeHeadersAre431() throws Exception {
    HttpListener l = start();
    try (RawHttp c = new RawHttp(l.address())) {
      Raw r = c.send(request("GET", "/fast", "X-Big: " + "h".repeat(9000) + "\r\n", ""))
          .read();
      assertThat(r.status()).isEqualTo(431);
      assertThat(c.closedByPeer()).isTrue();
    }
  }

  @Test
  void garbageIs400AndTheConnectionCloses() throws Exception {
    HttpListener l = start();
    try (RawHttp c = new RawHttp(l.address())) {
      Raw r = c.send("GET /fast HTTP/9.9 extra\r\n\r\n").read();
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.body()).startsWith("malformed HTTP request: ").doesNotContain("\tat ");
      assertThat(c.closedByPeer()).isTrue();
    }
    try (RawHttp c = new RawHttp(l.address())) {
      Raw r = c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n"
          + "Content-Length: 4\r\n\r\nabcd").read();
      assertThat(r.status()).isEqualTo(400);
    }
    // and the server still serves
    assertThat(http11().send(HttpRequest.newBuilder(uri(l, "/fast")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
  }

  @Test
  void contentLengthBesideChunkedIs400AndWhatFollowsIsNeverRun() throws Exception {
    // the request-smuggling shape: a front proxy that trusts Content-Length would forward the
    // "GET /fast" as the body's tail; here it must be neither body nor a second request
    HttpListener l = start();
    try (RawHttp c = new RawHttp(l.address())) {
      Raw r = c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n"
          + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
          + "GET /fast?smuggled HTTP/1.1\r\nHost: t\r\n\r\n").read();
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.body()).contains("Transfer-Encoding");
      assertThat(c.closedByPeer()).isTrue();
    }
  }

  // ---- closing

  @Test
  void closeLetsTheRequestInFlightFinishAndClosesIdleConnectionsAtOnce() throws Exception {
    HttpListener l = start(Options.builder().shutdownGrace(Duration.ofSeconds(30)).build());
    try (RawHttp busy = new RawHttp(l.address()); RawHttp idle = new RawHttp(l.address())) {
      assertThat(idle.send(request("GET", "/fast", "", "")).read().status()).isEqualTo(200);
      busy.send(request("POST", "/slow?inflight", "", ""));
      assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();

      CompletableFuture<Void> closing = CompletableFuture.runAsync(l::close);
      assertThat(idle.closedByPeer()).isTrue();
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
          assertThatThrownBy(() -> new Socket(l.address().getAddress(), l.address().getPort())
              .close()).isInstanceOf(ConnectException.class));
      assertThat(closing).isNotDone();

      release.countDown();
      Raw r = busy.read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("slow inflight");
      assertThat(r.header("connection")).isEqualTo("close");
      closing.get(10, TimeUnit.SECONDS);
      assertThat(busy.closedByPeer()).isTrue();
    }
  }

  @Test
  void closeGivesUpOnARequestThatOutlivesTheGrace() throws Exception {
    HttpListener l = start(Options.builder().shutdownGrace(Duration.ofMillis(300)).build());
    try (RawHttp stuck = new RawHttp(l.address())) {
      stuck.send(request("POST", "/slow?never", "", ""));
      assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
      long start = System.nanoTime();
      l.close();
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(tookMillis).isBetween(300L, 5_000L);
      assertThat(stuck.closedByPeer()).isTrue();
    }
  }

  @Test
  void closeTwiceIsHarmless() throws Exception {
    HttpListener l = start();
    l.close();
    l.close();
    assertThatThrownBy(() -> new Socket(l.address().getAddress(), l.address().getPort()).close())
        .isInstanceOf(ConnectException.class);
  }
}
