package dev.sluice.server.http;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * One HTTP request as a handler sees it: method, path, raw query, headers and the whole body
 * (at most {@link Options#maxRequestBytes()}).
 */
public final class Request {

  private final String method;
  private final String path;
  private final String query;
  private final Function<String, String> headers;
  private final byte[] body;
  private final InetSocketAddress peer;

  Request(String method, String path, String query, Function<String, String> headers,
      byte[] body, InetSocketAddress peer) {
    this.method = method;
    this.path = path;
    this.query = query;
    this.headers = headers;
    this.body = body;
    this.peer = peer;
  }

  /** The method as sent, e.g. {@code POST}; a {@code HEAD} reaches the {@code GET} handler. */
  public String method() {
    return method;
  }

  /** The path, without the query, as sent (not decoded). */
  public String path() {
    return path;
  }

  /** The raw query after {@code ?}, or {@code ""}. */
  public String query() {
    return query;
  }

  /** The first value of header {@code name} (any case), or {@code null}. */
  public String header(String name) {
    return headers.apply(name);
  }

  /**
   * The address of the connection's other end (the client, or a proxy in front of it), or
   * {@code null} if the transport did not say.
   */
  public InetSocketAddress peer() {
    return peer;
  }

  /** The body's length in bytes. */
  public int bodyLength() {
    return body.length;
  }

  /** The body itself, for this package's parsers: read it, never change it. */
  byte[] bodyBytes() {
    return body;
  }

  /** A copy of the body. */
  public byte[] body() {
    return body.clone();
  }

  /**
   * The body decoded as UTF-8, strictly.
   *
   * @throws CharacterCodingException if the body is not valid UTF-8
   */
  public String bodyUtf8() throws CharacterCodingException {
    return StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(body))
        .toString();
  }

  @Override
  public String toString() {
    return method + " " + path + (query.isEmpty() ? "" : "?" + query) + " (" + body.length
        + " bytes)";
  }
}
