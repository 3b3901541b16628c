package dev.sluice.http;

import dev.sluice.Charge;
import dev.sluice.Decision;
import dev.sluice.Policy;
import dev.sluice.Sluice;
import dev.sluice.http.QuotaAnswer.HeaderStyle;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Per-client quotas for one HTTP request, put together once for every adapter: who the client
 * is ({@link Identities}, else anonymous by {@link ClientAddresses}), which rule applies
 * ({@link RouteRules}), the rule's policies for that kind of client charged all or nothing
 * ({@link Sluice#tryAcquireAll}), and the answer ({@link QuotaAnswer}).
 *
 * <pre>{@code
 * HttpQuotas quotas = HttpQuotas.builder(sluice)
 *     .identities(Identities.builder().header("X-Client-Id").build())
 *     .addresses(ClientAddresses.builder().trustedProxies("10.0.0.0/8").build())
 *     .rules(rules)
 *     .build();
 * HttpQuotas.Outcome o = quotas.decide(request);
 * if (o.answer().refused()) { write o.answer(): status, headers, problem body } else { add its headers, go on }
 * }</pre>
 *
 * <p>A store that cannot decide answers by each policy's failure choice, never by an exception:
 * failing open is an admission (the operator chose it), failing closed a 503.
 */
public final class HttpQuotas {

  /**
   * What one request got.
   *
   * @param client who it counted against
   * @param rule the rule that applied; empty if none did
   * @param decision the deciding policy's decision; null when nothing was charged (no rule, an
   *     exclusion, or no policy for this kind of client)
   * @param answer the answer: a refusal to send, or an admission's headers to add
   */
  public record Outcome(Client client, Optional<RouteRules.Rule> rule, Decision decision, QuotaAnswer answer) {

    /**
     * Checks the components.
     *
     * @param client who it counted against
     * @param rule the rule that applied, or empty
     * @param decision the deciding decision, or null
     * @param answer the answer
     */
    public Outcome {
      Objects.requireNonNull(client, "client");
      Objects.requireNonNull(rule, "rule");
      Objects.requireNonNull(answer, "answer");
    }

    /**
     * Whether any policy was charged (or asked and refused).
     *
     * @return whether a decision was made
     */
    public boolean decided() {
      return decision != null;
    }
  }

  private final Sluice sluice;
  private final Identities identities;
  private final ClientAddresses addresses;
  private final RouteRules rules;
  private final HeaderStyle style;

  private HttpQuotas(Builder b) {
    this.sluice = b.sluice;
    this.identities = b.identities;
    this.addresses = b.addresses;
    this.rules = b.rules;
    this.style = b.style;
  }

  /**
   * A builder over {@code sluice} (its store, clock and listener decide).
   *
   * @param sluice where decisions are made
   * @return the builder
   */
  public static Builder builder(Sluice sluice) {
    return new Builder(Objects.requireNonNull(sluice, "sluice"));
  }

  /**
   * Decides one request: charges the matching rule's policies for its client, all or nothing.
   *
   * @param request the request
   * @return the outcome; its answer is a refusal to send, or an admission
   */
  public Outcome decide(QuotaRequest request) {
    Objects.requireNonNull(request, "request");
    Client client = identities.isEmpty() ? null : identities.identify(request).orElse(null);
    if (client == null) {
      client = addresses.client(request);
    }
    RouteRules.Rule rule = rules.find(request.method(), request.path());
    List<Policy> policies = rule == null ? List.of() : rule.policies(client.kind());
    if (policies.isEmpty()) {
      return new Outcome(client, Optional.ofNullable(rule), null, QuotaAnswer.admitted(List.of(), style));
    }
    long cost = rule.cost();
    String key = client.key();
    List<Charge> charges;
    if (policies.size() == 1) {
      charges = List.of(new Charge(policies.get(0), key, cost));
    } else {
      Charge[] all = new Charge[policies.size()];
      for (int i = 0; i < all.length; i++) {
        all[i] = new Charge(policies.get(i), key, cost);
      }
      charges = List.of(all);
    }
    Decision d = sluice.tryAcquireAll(charges);
    List<Decision> decided = List.of(d);
    QuotaAnswer answer = d.allowed() ? QuotaAnswer.admitted(decided, style)
        : QuotaAnswer.refused(d, d.policy().name(), null, cost == 1 ? "1 request" : "a cost of " + cost,
            decided, style);
    return new Outcome(client, Optional.of(rule), d, answer);
  }

  /** Builds {@link HttpQuotas}. */
  public static final class Builder {
    private final Sluice sluice;
    private Identities identities = Identities.none();
    private ClientAddresses addresses = ClientAddresses.builder().build();
    private RouteRules rules = RouteRules.builder().build();
    private HeaderStyle style = HeaderStyle.IETF;

    private Builder(Sluice sluice) {
      this.sluice = sluice;
    }

    /**
     * Where authenticated client ids come from (default none: every client is anonymous).
     *
     * @param identities the sources
     * @return this builder
     */
    public Builder identities(Identities identities) {
      this.identities = Objects.requireNonNull(identities, "identities");
      return this;
    }

    /**
     * How an anonymous client's address is found (default: the socket peer, no proxy trusted).
     *
     * @param addresses the rules
     * @return this builder
     */
    public Builder addresses(ClientAddresses addresses) {
      this.addresses = Objects.requireNonNull(addresses, "addresses");
      return this;
    }

    /**
     * Which policies requests take (default none).
     *
     * @param rules the rules
     * @return this builder
     */
    public Builder rules(RouteRules rules) {
      this.rules = Objects.requireNonNull(rules, "rules");
      return this;
    }

    /**
     * Which rate-limit headers answers carry (default {@link HeaderStyle#IETF}).
     *
     * @param style the style
     * @return this builder
     */
    public Builder headers(HeaderStyle style) {
      this.style = Objects.requireNonNull(style, "style");
      return this;
    }

    /**
     * The quotas.
     *
     * @return the quotas
     * @throws IllegalStateException if a rule has policies for authenticated clients but no
     *     identity source is configured (no request could ever be authenticated)
     */
    public HttpQuotas build() {
      boolean perClient = rules.rules().stream().anyMatch(r -> !r.authenticated().isEmpty());
      if (perClient) {
        identities.requireSource();
      }
      return new HttpQuotas(this);
    }
  }
}
