package dev.sluice.http;

import java.net.InetAddress;

/**
 * One HTTP request as {@link HttpQuotas} reads it: what an adapter (a Servlet filter, a Spring
 * {@code WebFilter}) gives from its own request type. Every value comes from the client except
 * the peer and the principal, and is treated as hostile.
 */
public interface QuotaRequest extends IdentityView {

  /**
   * The method as sent, e.g. {@code GET}.
   *
   * @return the method
   */
  String method();

  /**
   * The path as sent, without the query string (not decoded).
   *
   * @return the path
   */
  String path();

  /**
   * The socket peer: the address the connection comes from.
   *
   * @return the peer's address
   */
  InetAddress peer();
}
