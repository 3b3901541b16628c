package dev.sluice.server.service;

import dev.sluice.Keys;
import dev.sluice.server.RequestException;
import dev.sluice.server.config.Unit;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import java.util.List;
import java.util.Map;

/**
 * The checks on a {@code RateLimitRequest}, before anything is looked up or charged. Every
 * refusal is an {@code INVALID_ARGUMENT} whose message names the field (as a path into the
 * request) and the value.
 */
final class Requests {

  private Requests() {}

  /** A request that passed the checks. */
  record Checked(String domain, List<Descriptor> descriptors) {}

  /**
   * One descriptor.
   *
   * @param entries its entries
   * @param hits its cost: the descriptor's {@code hits_addend} if set, else the request's, where
   *     0 means 1
   * @param overrideRequestsPerUnit the request's {@code limit} override, if {@code overrideUnit} is set
   * @param overrideUnit the override's unit, or null without an override
   */
  record Descriptor(List<Map.Entry<String, String>> entries, long hits, long overrideRequestsPerUnit, Unit overrideUnit) {}

  static Checked check(RateLimitRequest r, int maxLength, int maxDescriptors, int maxEntries) throws RequestException {
    String domain = r.getDomain();
    if (domain.isEmpty()) {
      throw RequestException.invalid("domain must not be empty");
    }
    check("domain", domain, maxLength);
    if (r.getDescriptorsCount() == 0) {
      throw RequestException.invalid("descriptors must not be empty");
    }
    if (r.getDescriptorsCount() > maxDescriptors) {
      throw RequestException.invalid("descriptors has " + r.getDescriptorsCount() + " descriptors; at most "
          + maxDescriptors + " are accepted");
    }
    long requestHits = Integer.toUnsignedLong(r.getHitsAddend());
    if (requestHits == 0) {
      requestHits = 1;
    }
    Descriptor[] out = new Descriptor[r.getDescriptorsCount()];
    for (int i = 0; i < r.getDescriptorsCount(); i++) {
      RateLimitDescriptor d = r.getDescriptors(i);
      if (d.getEntriesCount() == 0) {
        throw RequestException.invalid(at(i) + ".entries must not be empty");
      }
      if (d.getEntriesCount() > maxEntries) {
        throw RequestException.invalid(at(i) + ".entries has " + d.getEntriesCount() + " entries; at most "
            + maxEntries + " are accepted");
      }
      @SuppressWarnings("unchecked")
      Map.Entry<String, String>[] entries = new Map.Entry[d.getEntriesCount()];
      for (int j = 0; j < d.getEntriesCount(); j++) {
        RateLimitDescriptor.Entry e = d.getEntries(j);
        if (e.getKey().isEmpty()) {
          throw RequestException.invalid(at(i) + ".entries[" + j + "].key must not be empty");
        }
        String problem = problem(e.getKey(), maxLength);
        if (problem != null) {
          throw RequestException.invalid(at(i) + ".entries[" + j + "].key" + problem);
        }
        problem = problem(e.getValue(), maxLength);
        if (problem != null) {
          throw RequestException.invalid(at(i) + ".entries[" + j + "].value" + problem);
        }
        entries[j] = Map.entry(e.getKey(), e.getValue());
      }
      long hits = requestHits;
      if (d.hasHitsAddend()) {
        hits = d.getHitsAddend().getValue();
        if (hits < 0) {
          throw RequestException.invalid(at(i) + ".hits_addend (" + Long.toUnsignedString(hits)
              + ") must be at most " + Long.MAX_VALUE);
        }
      }
      Unit unit = null;
      long rpu = 0;
      if (d.hasLimit()) {
        var u = d.getLimit().getUnit();
        if (u == io.envoyproxy.envoy.type.v3.RateLimitUnit.UNKNOWN || u == io.envoyproxy.envoy.type.v3.RateLimitUnit.UNRECOGNIZED) {
          throw RequestException.invalid(at(i) + ".limit.unit (" + (u == io.envoyproxy.envoy.type.v3.RateLimitUnit.UNRECOGNIZED
              ? d.getLimit().getUnitValue() : u.name()) + ") must be one of SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, YEAR");
        }
        unit = Unit.valueOf(u.name());
        rpu = Integer.toUnsignedLong(d.getLimit().getRequestsPerUnit());
      }
      out[i] = new Descriptor(List.of(entries), hits, rpu, unit);
    }
    return new Checked(domain, List.of(out));
  }

  /** The path of descriptor {@code i}, for messages. */
  private static String at(int i) {
    return "descriptors[" + i + "]";
  }

  /** Refuses {@code value} of {@code field} as {@link #problem} says. */
  private static void check(String field, String value, int max) throws RequestException {
    String problem = problem(value, max);
    if (problem != null) {
      throw RequestException.invalid(field + problem);
    }
  }

  /**
   * What is wrong with {@code value} (to follow the field's name in a message): a length over
   * {@code max}, a control character or a lone surrogate, the text quoted printably; null if
   * nothing is.
   */
  private static String problem(String value, int max) {
    if (value.length() > max) {
      return " '" + Keys.printable(value) + "' is " + value.length() + " characters; at most " + max + " are accepted";
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c >= 0x20 && c < 0x7f) {
        continue;
      }
      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
        return " '" + Keys.printable(value) + "' contains control character U+" + String.format("%04X", (int) c)
            + " at index " + i;
      }
      if (Character.isSurrogate(c)) {
        boolean pair = Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1));
        if (!pair) {
          return " '" + Keys.printable(value) + "' holds a lone surrogate at index " + i;
        }
        i++;
      }
    }
    return null;
  }
}
