package dev.sluice.servlet;

import dev.sluice.http.ClientAddresses;
import dev.sluice.http.QuotaRequest;
import jakarta.servlet.http.HttpServletRequest;
import java.net.InetAddress;
import java.security.Principal;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Objects;

/**
 * An {@link HttpServletRequest} as {@link dev.sluice.http.HttpQuotas} reads it.
 *
 * <ul>
 *   <li>{@link #method()}: {@code getMethod()}.
 *   <li>{@link #path()}: the path within the application, as sent: {@code getRequestURI()} (not
 *       decoded, no query string) without {@code getContextPath()}; {@code /} when that leaves
 *       nothing. Rules are written as the application sees its paths ({@code /api/**}, not
 *       {@code /shop/api/**} for an application at {@code /shop}), and the path is left undecoded
 *       so that {@link dev.sluice.http.PathPattern} sees {@code %2e}, {@code %2f} and {@code ;} as
 *       sent and keeps such paths away from exclusions.
 *   <li>{@link #peer()}: {@code getRemoteAddr()}, read as an IP literal without any DNS lookup;
 *       a value that is not an IP literal (a container behind a Unix socket, say) is the
 *       unspecified address {@code 0.0.0.0}: every such peer shares one anonymous quota.
 *   <li>{@link #principalName()}: {@code getUserPrincipal().getName()}, or null.
 *   <li>{@link #headers(String)}: every value of {@code getHeaders(name)}, in order.
 * </ul>
 */
public final class ServletQuotaRequest implements QuotaRequest {


  private final HttpServletRequest request;

  /**
   * A view over {@code request}; values are read when asked for.
   *
   * @param request the request
   * @throws NullPointerException if {@code request} is null
   */
  public ServletQuotaRequest(HttpServletRequest request) {
    this.request = Objects.requireNonNull(request, "request");
  }

  @Override
  public String method() {
    return request.getMethod();
  }

  @Override
  public String path() {
    return path(request.getRequestURI(), request.getContextPath());
  }

  /**
   * The path within the application: {@code requestUri} without {@code contextPath}.
   *
   * @param requestUri the request URI as sent, without the query string
   * @param contextPath the application's context path, empty for the root application
   * @return the rest, {@code /} when nothing is left
   */
  static String path(String requestUri, String contextPath) {
    String uri = requestUri == null ? "" : requestUri;
    String rest = contextPath != null && !contextPath.isEmpty() && uri.startsWith(contextPath)
        ? uri.substring(contextPath.length()) : uri;
    if (rest.isEmpty()) {
      return "/";
    }
    return rest.startsWith("/") ? rest : "/" + rest;
  }

  @Override
  public InetAddress peer() {
    return literal(request.getRemoteAddr());
  }

  /**
   * {@code address} as an IP literal, never looked up in DNS.
   *
   * @param address an IPv4 or IPv6 literal, IPv6 perhaps in brackets or with a zone
   * @return the address, or {@code 0.0.0.0} when {@code address} is not an IP literal
   */
  static InetAddress literal(String address) {
    return ClientAddresses.literal(address);
  }


  @Override
  public String principalName() {
    Principal p = request.getUserPrincipal();
    return p == null ? null : p.getName();
  }

  @Override
  public List<String> headers(String name) {
    Enumeration<String> values = request.getHeaders(name);
    if (values == null || !values.hasMoreElements()) {
      return List.of();
    }
    String first = values.nextElement();
    if (!values.hasMoreElements()) {
      return first == null ? List.of() : List.of(first); // the usual case: one line
    }
    List<String> out = new ArrayList<>();
    if (first != null) {
      out.add(first);
    }
    while (values.hasMoreElements()) {
      String v = values.nextElement();
      if (v != null) {
        out.add(v);
      }
    }
    return out;
  }




  @Override
  public String toString() {
    return "ServletQuotaRequest[" + request.getMethod() + " " + path() + "]";
  }
}
