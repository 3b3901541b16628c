package dev.sluice.spring.boot.autoconfigure;

import org.springframework.aop.framework.autoproxy.AbstractBeanFactoryAwareAdvisingPostProcessor;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;
import org.springframework.aop.support.AopUtils;

/**
 * Proxies beans with {@link RateLimited} methods (as {@code @Async} and {@code @Validated} are
 * proxied), checking each annotation when the bean is created so that a bad one fails the start.
 */
final class RateLimitedPostProcessor extends AbstractBeanFactoryAwareAdvisingPostProcessor {
  private static final long serialVersionUID = 1L;

  private final transient RateLimitedInterceptor interceptor;

  RateLimitedPostProcessor(RateLimitedInterceptor interceptor) {
    this.interceptor = interceptor;
    this.advisor = new DefaultPointcutAdvisor(new AnnotationMatchingPointcut(null, RateLimited.class, true), interceptor);
    setBeforeExistingAdvisors(true);
  }

  @Override
  public Object postProcessAfterInitialization(Object bean, String beanName) {
    if (isEligible(bean, beanName)) {
      interceptor.check(AopUtils.getTargetClass(bean));
    }
    return super.postProcessAfterInitialization(bean, beanName);
  }
}
