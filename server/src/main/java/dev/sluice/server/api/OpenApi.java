package dev.sluice.server.api;

import dev.sluice.server.http.Handler;
import dev.sluice.server.http.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The OpenAPI 3.1 description of the API ({@code openapi.yaml} beside this class), served as is. */
final class OpenApi {

  /** Where the description is, on the class path. */
  static final String RESOURCE = "/dev/sluice/server/api/openapi.yaml";
  /** The YAML media type (RFC 9512). */
  static final String CONTENT_TYPE = "application/yaml";

  private static final byte[] TEXT = load();

  private OpenApi() {}

  /** {@code GET /v1/openapi.yaml}. */
  static Handler handler() {
    return request -> Response.of(200, CONTENT_TYPE, TEXT);
  }

  /** The description's bytes. */
  static byte[] text() {
    return TEXT.clone();
  }

  private static byte[] load() {
    try (InputStream in = OpenApi.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the class path");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }
}
