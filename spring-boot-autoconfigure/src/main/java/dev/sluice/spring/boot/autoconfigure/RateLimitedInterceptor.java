package dev.sluice.spring.boot.autoconfigure;

import dev.sluice.Decision;
import dev.sluice.Keys;
import dev.sluice.Limiter;
import dev.sluice.Policy;
import dev.sluice.QuotaExceeded;
import dev.sluice.Sluice;
import dev.sluice.http.QuotaConfig;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.expression.Expression;
import org.springframework.expression.spel.standard.SpelExpressionParser;

/** Charges a {@link RateLimited} method's policy before the method runs. */
final class RateLimitedInterceptor implements MethodInterceptor {

  private final ObjectProvider<Sluice> sluice;
  private final ObjectProvider<QuotaConfig> config;
  private final SpelExpressionParser parser = new SpelExpressionParser();
  private final ParameterNameDiscoverer names = new DefaultParameterNameDiscoverer();
  private final Map<Method, Limit> limits = new ConcurrentHashMap<>();

  RateLimitedInterceptor(ObjectProvider<Sluice> sluice, ObjectProvider<QuotaConfig> config) {
    this.sluice = sluice;
    this.config = config;
  }

  /** One annotated method: its policy and parsed key expression. */
  /** One annotated method's limit; its limiter is made on the first call and kept. */
  private static final class Limit {
    final Policy policy;
    final Expression key;
    final String fixedKey;
    final long cost;
    private volatile Limiter limiter;

    Limit(Policy policy, Expression key, String fixedKey, long cost) {
      this.policy = policy;
      this.key = key;
      this.fixedKey = fixedKey;
      this.cost = cost;
    }

    Limiter limiter(Sluice sluice) {
      Limiter l = limiter;
      if (l == null) {
        l = sluice.limiter(policy); // two racing first calls make two views of one policy: harmless
        limiter = l;
      }
      return l;
    }
  }

  /**
   * Checks every {@link RateLimited} method of {@code type}: a policy that is configured and a
   * rate policy, a key expression that parses, a cost of at least 1.
   */
  void check(Class<?> type) {
    for (Method m : type.getMethods()) {
      if (AnnotatedElementUtils.hasAnnotation(m, RateLimited.class)) {
        limit(m);
      }
    }
    for (Method m : type.getDeclaredMethods()) {
      if (AnnotatedElementUtils.hasAnnotation(m, RateLimited.class)) {
        limit(m);
      }
    }
  }

  private Limit limit(Method method) {
    return limits.computeIfAbsent(method, m -> {
      RateLimited a = AnnotatedElementUtils.findMergedAnnotation(m, RateLimited.class);
      String where = "@RateLimited on " + m.getDeclaringClass().getName() + "." + m.getName();
      Map<String, Policy> policies = config.getObject().policies();
      Policy p = policies.get(a.policy());
      if (p == null) {
        throw new IllegalStateException(where + ": unknown policy '" + a.policy() + "'; the policies are "
            + String.join(", ", policies.keySet()));
      }
      if (p.kind() != Policy.Kind.RATE) {
        throw new IllegalStateException(where + ": policy '" + a.policy() + "' is a " + p.kind().name().toLowerCase()
            + " policy; @RateLimited takes a rate policy");
      }
      if (a.cost() < 1) {
        throw new IllegalStateException(where + ": cost (" + a.cost() + ") must be at least 1");
      }
      Expression key = null;
      if (!a.key().isEmpty()) {
        try {
          key = parser.parseExpression(a.key());
        } catch (RuntimeException e) {
          throw new IllegalStateException(where + ": key '" + a.key() + "' is not a SpEL expression: " + e.getMessage(), e);
        }
      }
      return new Limit(p, key, m.getDeclaringClass().getName() + "." + m.getName(), a.cost());
    });
  }

  @Override
  public Object invoke(MethodInvocation invocation) throws Throwable {
    Method method = invocation.getMethod();
    Object target = invocation.getThis();
    Method specific = target == null ? method : AopUtils.getMostSpecificMethod(method, target.getClass());
    if (!AnnotatedElementUtils.hasAnnotation(specific, RateLimited.class)) {
      return invocation.proceed();
    }
    Limit limit = limit(specific);
    String key = limit.fixedKey;
    if (limit.key != null) {
      MethodBasedEvaluationContext context =
          new MethodBasedEvaluationContext(null, specific, invocation.getArguments(), names);
      Object value = limit.key.getValue(context);
      if (value == null) {
        throw new IllegalArgumentException("@RateLimited key '" + limit.key.getExpressionString() + "' on "
            + limit.fixedKey + " evaluated to null");
      }
      // the value comes from the caller: an empty, overlong or malformed one is counted under its
      // digest, never refused with an exception the caller did not choose
      key = Keys.orDigest(String.valueOf(value));
    }
    Decision d = limit.limiter(sluice.getObject()).tryAcquire(key, limit.cost);
    if (!d.allowed()) {
      throw QuotaExceeded.of(d, key).toException();
    }
    return invocation.proceed();
  }
}
