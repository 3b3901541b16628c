package dev.sluice.server.service;

import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import java.util.List;
import java.util.Map;

/**
 * {@code RESPONSE_DYNAMIC_METADATA}: the response's {@code dynamic_metadata}, as theirs builds it:
 * {@code domain}; {@code descriptors}, one struct per request descriptor with its {@code entries}
 * as {@code "key=value"} strings, its {@code limit} override as text
 * ({@code "requests_per_unit:42 unit:HOUR"}; theirs prints Go's protobuf text, whose spacing
 * varies) and its {@code hitsAddend} if set; the request's {@code hitsAddend} unless 0; and
 * {@code metadata}, the rules' {@code metadata} of the descriptors that were not OVER_LIMIT, merged
 * in request order (the first value of a key stays; structs under one key are merged the same
 * way), left out when empty.
 */
final class DynamicMetadata {

  private DynamicMetadata() {}

  /**
   * The metadata of a decided request.
   *
   * @param request the request as received
   * @param items its descriptors, decided
   * @param passed per descriptor, whether its status is not OVER_LIMIT (unlimited ones excluded)
   */
  static Struct of(RateLimitRequest request, List<Item> items, boolean[] passed) {
    Struct.Builder out = Struct.newBuilder();
    out.putFields("domain", string(request.getDomain()));
    ListValue.Builder descriptors = ListValue.newBuilder();
    for (RateLimitDescriptor d : request.getDescriptorsList()) {
      descriptors.addValues(Value.newBuilder().setStructValue(descriptor(d)));
    }
    out.putFields("descriptors", Value.newBuilder().setListValue(descriptors).build());
    if (request.getHitsAddend() != 0) {
      out.putFields("hitsAddend", number(Integer.toUnsignedLong(request.getHitsAddend())));
    }
    Struct.Builder merged = Struct.newBuilder();
    for (Item it : items) {
      if (passed[it.index] && it.rule != null && !it.rule.metadata().isEmpty()) {
        merge(merged, struct(it.rule.metadata()));
      }
    }
    if (merged.getFieldsCount() > 0) {
      out.putFields("metadata", Value.newBuilder().setStructValue(merged).build());
    }
    return out.build();
  }

  private static Struct descriptor(RateLimitDescriptor d) {
    Struct.Builder s = Struct.newBuilder();
    ListValue.Builder entries = ListValue.newBuilder();
    for (RateLimitDescriptor.Entry e : d.getEntriesList()) {
      entries.addValues(string(e.getKey() + "=" + e.getValue()));
    }
    s.putFields("entries", Value.newBuilder().setListValue(entries).build());
    if (d.hasLimit()) {
      s.putFields("limit", string("requests_per_unit:" + Integer.toUnsignedString(d.getLimit().getRequestsPerUnit())
          + " unit:" + d.getLimit().getUnit().name()));
    }
    if (d.hasHitsAddend()) {
      s.putFields("hitsAddend", number(d.getHitsAddend().getValue()));
    }
    return s.build();
  }

  /** Adds {@code src}'s fields to {@code dest}: a key already there stays, unless both are structs (merged). */
  private static void merge(Struct.Builder dest, Struct src) {
    for (Map.Entry<String, Value> e : src.getFieldsMap().entrySet()) {
      Value there = dest.getFieldsMap().get(e.getKey());
      if (there == null) {
        dest.putFields(e.getKey(), e.getValue());
      } else if (there.hasStructValue() && e.getValue().hasStructValue()) {
        Struct.Builder inner = there.getStructValue().toBuilder();
        merge(inner, e.getValue().getStructValue());
        dest.putFields(e.getKey(), Value.newBuilder().setStructValue(inner).build());
      }
    }
  }

  private static Struct struct(Map<String, Object> map) {
    Struct.Builder s = Struct.newBuilder();
    map.forEach((k, v) -> s.putFields(k, value(v)));
    return s.build();
  }

  @SuppressWarnings("unchecked")
  private static Value value(Object v) {
    if (v == null) {
      return Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
    }
    if (v instanceof Boolean b) {
      return Value.newBuilder().setBoolValue(b).build();
    }
    if (v instanceof Number n) {
      return Value.newBuilder().setNumberValue(n.doubleValue()).build();
    }
    if (v instanceof List<?> list) {
      ListValue.Builder l = ListValue.newBuilder();
      for (Object o : list) {
        l.addValues(value(o));
      }
      return Value.newBuilder().setListValue(l).build();
    }
    if (v instanceof Map<?, ?> m) {
      return Value.newBuilder().setStructValue(struct((Map<String, Object>) m)).build();
    }
    return string(String.valueOf(v));
  }

  private static Value string(String s) {
    return Value.newBuilder().setStringValue(s).build();
  }

  private static Value number(double d) {
    return Value.newBuilder().setNumberValue(d).build();
  }
}
