package dev.sluice.server;

/**
 * A call that gets no {@code RateLimitResponse}: gRPC answers it with the status of its
 * {@link Kind}, HTTP with the matching status code. Its message names the field and the value.
 */
public final class RequestException extends Exception {

  private static final long serialVersionUID = 1L;

  /** Why there is no answer; each maps to one gRPC status and one HTTP status. */
  public enum Kind {
    /** The request is malformed: gRPC INVALID_ARGUMENT, HTTP 400. Nothing was charged. */
    INVALID_ARGUMENT(400),
    /** The store could not decide and the failure choice is to say so: gRPC UNAVAILABLE, HTTP 503. */
    UNAVAILABLE(503),
    /** A bug: gRPC INTERNAL, HTTP 500. */
    INTERNAL(500);

    private final int httpStatus;

    Kind(int httpStatus) {
      this.httpStatus = httpStatus;
    }

    /** The HTTP status code of this kind. */
    public int httpStatus() {
      return httpStatus;
    }
  }

  private final Kind kind;

  /**
   * An exception of {@code kind}.
   *
   * @param kind why there is no answer
   * @param message what to tell the caller: the field, the value and the reason
   */
  public RequestException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  /** Why there is no answer. */
  public Kind kind() {
    return kind;
  }

  /** Shorthand for an {@link Kind#INVALID_ARGUMENT}. */
  public static RequestException invalid(String message) {
    return new RequestException(Kind.INVALID_ARGUMENT, message);
  }
}
