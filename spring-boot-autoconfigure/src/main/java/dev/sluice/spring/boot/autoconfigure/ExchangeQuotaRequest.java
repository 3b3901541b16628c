package dev.sluice.spring.boot.autoconfigure;

import dev.sluice.http.QuotaRequest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * A WebFlux request as {@code HttpQuotas} reads it: the path within the application as sent (not
 * decoded, no query), the socket peer's address (never looked up in DNS; none known counts as
 * {@code 0.0.0.0}), the principal resolved before, every line of a header.
 */
final class ExchangeQuotaRequest implements QuotaRequest {
  private static final InetAddress NONE = none();

  private final ServerHttpRequest request;
  private final String principal;
  private Map<String, List<String>> headers;

  ExchangeQuotaRequest(ServerHttpRequest request, String principal) {
    this.request = request;
    this.principal = principal;
  }

  private static InetAddress none() {
    try {
      return InetAddress.getByAddress(new byte[4]);
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  @Override
  public String method() {
    return request.getMethod().name();
  }

  @Override
  public String path() {
    return request.getPath().pathWithinApplication().value();
  }

  @Override
  public InetAddress peer() {
    InetSocketAddress remote = request.getRemoteAddress();
    InetAddress a = remote == null ? null : remote.getAddress();
    return a == null ? NONE : a;
  }

  @Override
  public String principalName() {
    return principal;
  }

  @Override
  public List<String> headers(String name) {
    if (headers == null) {
      // forEach has one signature on Spring Framework 6 and 7 (HttpHeaders.get does not)
      Map<String, List<String>> all = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      request.getHeaders().forEach((k, v) -> all.computeIfAbsent(k, x -> new ArrayList<>()).addAll(v));
      headers = all;
    }
    return headers.getOrDefault(name, List.of());
  }
}
