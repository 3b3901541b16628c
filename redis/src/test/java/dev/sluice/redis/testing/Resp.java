package dev.sluice.redis.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The smallest RESP2 client the fixtures need to bring a server or a cluster up: one blocking
 * connection, one command at a time. Kept apart from Lettuce on purpose, so that a fixture failing
 * to start never hides behind a client's own retries, reconnects or topology refreshes.
 *
 * <p>Replies map to Java as: simple and bulk strings to {@link String}, integers to {@link Long},
 * arrays to {@code List<Object>}, nil to {@code null}; an error reply throws {@link ErrorReply}.
 */
final class Resp implements AutoCloseable {

  /** An error reply ({@code -ERR ...}) from the server. */
  static final class ErrorReply extends IOException {
    private static final long serialVersionUID = 1L;

    ErrorReply(String message) {
      super(message);
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  private Resp(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /** Connects to 127.0.0.1:port; {@code timeout} bounds the connect and every later read. */
  static Resp connect(int port, Duration timeout) throws IOException {
    int millis = Math.toIntExact(Math.max(1, timeout.toMillis()));
    Socket socket = new Socket();
    try {
      socket.connect(new InetSocketAddress(RedisServer.HOST, port), millis);
      socket.setSoTimeout(millis);
      socket.setTcpNoDelay(true);
      return new Resp(socket);
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  /** Opens a connection, sends one command, closes. */
  static Object once(int port, Duration timeout, String... command) throws IOException {
    try (Resp resp = connect(port, timeout)) {
      return resp.call(command);
    }
  }

  /** Sends one command and reads its reply. */
  Object call(String... command) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    buf.writeBytes(("*" + command.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
    for (String arg : command) {
      byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
      buf.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
      buf.writeBytes(bytes);
      buf.writeBytes(new byte[] {'\r', '\n'});
    }
    out.write(buf.toByteArray());
    out.flush();
    return read();
  }

  /** {@link #call} for a command whose reply is a string (simple or bulk). */
  String callString(String... command) throws IOException {
    Object reply = call(command);
    if (reply instanceof String s) {
      return s;
    }
    throw new IOException(
        "expected a string reply to " + command[0] + ", got " + reply);
  }

  private Object read() throws IOException {
    int type = in.read();
    if (type < 0) {
      throw new EOFException("connection closed by the server");
    }
    String line = readLine();
    switch (type) {
      case '+':
        return line;
      case '-':
        throw new ErrorReply(line);
      case ':':
        return Long.parseLong(line);
      case '$': {
        int length = Integer.parseInt(line);
        if (length < 0) {
          return null;
        }
        byte[] bytes = in.readNBytes(length);
        if (bytes.length < length || in.read() != '\r' || in.read() != '\n') {
          throw new EOFException("truncated bulk string");
        }
        return new String(bytes, StandardCharsets.UTF_8);
      }
      case '*': {
        int count = Integer.parseInt(line);
        if (count < 0) {
          return null;
        }
        List<Object> items = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          items.add(read());
        }
        return items;
      }
      default:
        throw new IOException("not a RESP2 reply, starts with byte " + type);
    }
  }

  private String readLine() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("connection closed in the middle of a reply");
      }
      if (b == '\r') {
        if (in.read() != '\n') {
          throw new IOException("CR without LF in a reply");
        }
        return line.toString(StandardCharsets.UTF_8);
      }
      line.write(b);
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
