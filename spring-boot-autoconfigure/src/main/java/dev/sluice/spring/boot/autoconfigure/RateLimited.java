package dev.sluice.spring.boot.autoconfigure;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Limits calls of a bean method by a policy of {@code sluice.policies}: each call is charged
 * {@link #cost()} on the key {@link #key()} evaluates to; a call the policy refuses throws core's
 * {@code dev.sluice.QuotaExceededException} instead of running, which a controller's caller gets
 * as a 429 {@code application/problem+json} answer ({@link QuotaExceededHandler}).
 *
 * <pre>{@code
 * @RateLimited(policy = "exports", key = "#customerId")
 * public Report export(String customerId, Range range) { ... }
 * }</pre>
 *
 * <p>The policy must be a rate policy (not a concurrency or budget policy); a name that is not
 * configured, or of the wrong kind, fails the application's start. A store that cannot decide
 * answers by the policy's failure choice: failing open runs the method, failing closed throws
 * (503).
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface RateLimited {

  /**
   * The policy's name under {@code sluice.policies}.
   *
   * @return the name
   */
  String policy();

  /**
   * A SpEL expression over the method's arguments ({@code #name}, or {@code #p0}, {@code #a0} by
   * position) giving the key; its value's {@code String.valueOf} is the key, or, when that is not
   * a valid key (empty, over 512 characters, a lone surrogate) or starts with {@code sha256:},
   * {@code sha256:} and its SHA-256 ({@code Keys.orDigest}): a caller's value is counted, never
   * refused with an exception. A value of null is a programming error: the call throws
   * {@link IllegalArgumentException} naming the expression. Empty (the default): one key for the
   * method, its class and name.
   *
   * @return the expression
   */
  String key() default "";

  /**
   * What one call costs, at least 1.
   *
   * @return the cost
   */
  long cost() default 1;
}
