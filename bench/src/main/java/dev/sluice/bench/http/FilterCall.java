package dev.sluice.bench.http;

import dev.sluice.Sluice;
import dev.sluice.servlet.SluiceFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.lang.reflect.Proxy;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link SluiceFilter}'s own work per request, without a container: {@link FilterReport}'s filter
 * (in-memory store, exclusion {@code /health/**}, rule {@code /**} per client, IETF headers)
 * deciding a {@code GET /api/items} from one of 64 clients told apart by {@code X-Forwarded-For}
 * from the trusted 127.0.0.1, as Jetty would hand it over. The request and response are
 * minimal {@link Proxy} implementations answering what the filter reads; the chain does nothing.
 * What the filter adds to a request in bench/filter.sh is this, plus the collector's work for
 * its garbage ({@code -prof gc}).
 *
 * <p>{@code java -jar bench/target/benchmarks.jar FilterCall -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FilterCall {

  private static final int CLIENTS = 64;

  private Sluice sluice;
  private SluiceFilter filter;
  private HttpServletRequest[] requests;
  private HttpServletResponse response;
  private int next;
  private final FilterChain chain = (req, res) -> {};

  @Setup
  public void setup() {
    sluice = Sluice.inMemory();
    filter = FilterReport.filter(sluice);
    requests = new HttpServletRequest[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
      requests[i] = request("198.51.100." + i);
    }
    response = (HttpServletResponse) Proxy.newProxyInstance(FilterCall.class.getClassLoader(),
        new Class<?>[] {HttpServletResponse.class}, (proxy, method, args) -> null);
  }

  @TearDown
  public void tearDown() {
    sluice.close();
  }

  /** A request as Jetty hands it to the filter: fresh attributes per call (see {@link #decide}). */
  private static HttpServletRequest request(String forwardedFor) {
    Map<String, Object> attributes = new HashMap<>();
    return (HttpServletRequest) Proxy.newProxyInstance(FilterCall.class.getClassLoader(),
        new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> switch (method.getName()) {
          case "getDispatcherType" -> DispatcherType.REQUEST;
          case "getMethod" -> "GET";
          case "getRequestURI" -> "/api/items";
          case "getContextPath" -> "";
          case "getRemoteAddr" -> "127.0.0.1";
          case "getUserPrincipal" -> null;
          case "getHeaders" -> "X-Forwarded-For".equalsIgnoreCase((String) args[0])
              ? Collections.enumeration(java.util.List.of(forwardedFor)) : Collections.emptyEnumeration();
          case "getHeader" -> "X-Forwarded-For".equalsIgnoreCase((String) args[0]) ? forwardedFor : null;
          case "getAttribute" -> attributes.get((String) args[0]);
          case "setAttribute" -> {
            attributes.put((String) args[0], args[1]);
            yield null;
          }
          case "removeAttribute" -> attributes.remove((String) args[0]);
          case "isAsyncStarted" -> false;
          case "hashCode" -> System.identityHashCode(proxy);
          case "equals" -> proxy == args[0];
          case "toString" -> "request from " + forwardedFor;
          default -> throw new UnsupportedOperationException(method.getName());
        });
  }

  @Benchmark
  public HttpServletRequest decide() throws Exception {
    HttpServletRequest r = requests[next];
    next = (next + 1) % CLIENTS;
    filter.doFilter(r, response, chain);
    r.removeAttribute("dev.sluice.servlet.SluiceFilter.seen"); // the next call is a new request
    return r;
  }
}
