package dev.sluice.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Map;

/**
 * A {@link Response} as the bytes of one HTTP/1.1 (or 1.0) response, written into one buffer:
 * status line, the response's headers in their order, {@code content-type}, {@code
 * content-length}, {@code connection} when needed, the empty line and the body.
 *
 * <p>The connection writes these bytes itself rather than through Netty's {@code
 * HttpResponseEncoder}: no header map, no response object and one buffer per answer instead of
 * two. What goes out is what the encoder wrote: the same status lines (Netty's reason phrases),
 * the same lower-case names of the headers the listener adds, and for 1xx and 204 no {@code
 * content-length} and no body (RFC 9110, 8.6), as Netty's server encoder does. Header names and
 * values were checked when the {@link Response} was made (tokens; no control characters), and
 * are written as Latin-1.
 */
final class ResponseBytes {

  private ResponseBytes() {}

  /**
   * The response's bytes.
   *
   * @param alloc where the buffer comes from
   * @param http10 whether the request was HTTP/1.0 (its keep-alive must be said)
   * @param response the answer
   * @param head whether the request was a HEAD: the headers of the answer, no body
   * @param close whether the connection closes after this answer
   * @return a buffer holding the whole response; the caller writes it
   */
  static ByteBuf encode(ByteBufAllocator alloc, boolean http10, Response response, boolean head,
      boolean close) {
    int status = response.status();
    byte[] body = response.bodyBytes();
    boolean noContent = status < 200 || status == 204;
    boolean sendBody = !head && !noContent;
    Map<String, String> headers = response.headers();
    int size = 128 + (sendBody ? body.length : 0);
    for (Map.Entry<String, String> h : headers.entrySet()) {
      size += h.getKey().length() + h.getValue().length() + 4;
    }
    ByteBuf out = alloc.buffer(size);
    latin1(out, http10 ? "HTTP/1.0 " : "HTTP/1.1 ");
    number(out, status);
    out.writeByte(' ');
    latin1(out, HttpResponseStatus.valueOf(status).reasonPhrase());
    crlf(out);
    for (Map.Entry<String, String> h : headers.entrySet()) {
      header(out, h.getKey(), h.getValue());
    }
    if (response.contentType() != null) {
      header(out, "content-type", response.contentType());
    }
    if (!noContent) {
      latin1(out, "content-length: ");
      number(out, body.length);
      crlf(out);
    }
    if (close) {
      header(out, "connection", "close");
    } else if (http10) {
      header(out, "connection", "keep-alive");
    }
    crlf(out);
    if (sendBody) {
      out.writeBytes(body);
    }
    return out;
  }

  private static void header(ByteBuf out, String name, String value) {
    latin1(out, name);
    out.writeByte(':');
    out.writeByte(' ');
    latin1(out, value);
    crlf(out);
  }

  private static void latin1(ByteBuf out, String s) {
    int n = s.length();
    out.ensureWritable(n);
    for (int i = 0; i < n; i++) {
      out.writeByte(s.charAt(i));
    }
  }

  private static void number(ByteBuf out, int v) {
    if (v >= 10) {
      number(out, v / 10);
    }
    out.writeByte('0' + v % 10);
  }

  private static void crlf(ByteBuf out) {
    out.writeByte('\r');
    out.writeByte('\n');
  }
}
