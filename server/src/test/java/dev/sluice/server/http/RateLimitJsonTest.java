package dev.sluice.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import dev.sluice.server.RequestException;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.DescriptorStatus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link RateLimitJson} against the general path it shortcuts ({@link StrictJson} and protobuf's
 * {@code JsonFormat}), on seeded random bodies and responses: whatever the shortcut reads or
 * prints, the general path reads or prints the same; and it does take every body and response of
 * the common shapes, so that a shortcut that gave up on everything would fail here too.
 */
class RateLimitJsonTest {

  private static final int CASES = 20_000;
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();

  /** A body, and whether only common forms went into it (the shortcut must read it then). */
  private record Body(String json, boolean common) {}

  @Test
  void parsesWhatTheGeneralPathParsesAndNothingElse() {
    Random random = new Random(20261207L);
    int shortcut = 0;
    int generalAccepts = 0;
    for (int i = 0; i < CASES; i++) {
      Body body = new Bodies(random).request();
      byte[] bytes = body.json().getBytes(StandardCharsets.UTF_8);
      if (random.nextInt(50) == 0 && bytes.length > 0) {
        bytes = java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length)); // truncated
        body = new Body(new String(bytes, StandardCharsets.UTF_8), false);
      }
      RateLimitRequest fast = RateLimitJson.parseRequest(bytes);
      RateLimitRequest general;
      try {
        general = JsonEndpoint.parseGeneral(request(bytes));
        generalAccepts++;
      } catch (RequestException e) {
        general = null;
      }
      if (fast != null) {
        shortcut++;
        assertThat(general).as("the general path reads what the shortcut reads: %s", body.json()).isNotNull();
        assertThat(fast).as("the same request from %s", body.json()).isEqualTo(general);
      }
      if (body.common()) {
        assertThat(fast).as("the shortcut reads the common body %s", body.json()).isNotNull();
      }
    }
    // both kinds were generated in numbers
    assertThat(shortcut).isGreaterThan(CASES / 4);
    assertThat(generalAccepts - shortcut).isGreaterThan(CASES / 20);
  }

  @Test
  void readsTheBenchmarksAndTheirFixturesBodies() {
    String json = "{\"domain\":\"bench\",\"descriptors\":[{\"entries\":[{\"key\":\"k\",\"value\":\"v7\"}]}]}";
    RateLimitRequest r = RateLimitJson.parseRequest(json.getBytes(StandardCharsets.UTF_8));
    assertThat(r).isNotNull();
    assertThat(r.getDomain()).isEqualTo("bench");
    assertThat(r.getDescriptors(0).getEntries(0).getValue()).isEqualTo("v7");
    String spaced = """
        {
          "domain": "rl",
          "hits_addend": 3,
          "descriptors": [ { "entries": [ { "key": "source_cluster", "value": "proxy" } ],
                             "limit": { "requests_per_unit": 10, "unit": "MINUTE" }, "hitsAddend": 2 } ]
        }
        """;
    RateLimitRequest s = RateLimitJson.parseRequest(spaced.getBytes(StandardCharsets.UTF_8));
    assertThat(s).isNotNull();
    assertThat(s.getHitsAddend()).isEqualTo(3);
    assertThat(s.getDescriptors(0).getLimit().getRequestsPerUnit()).isEqualTo(10);
    assertThat(s.getDescriptors(0).getHitsAddend().getValue()).isEqualTo(2);
  }

  @Test
  void leavesTheRestToTheGeneralPath() {
    for (String json : List.of(
        "{\"domain\":\"a\",\"domain\":\"b\"}", // a repeated name: refused there
        "{\"hitsAddend\":1,\"hits_addend\":2}", // one field under both names: refused there
        "{\"domain\":\"a\\u0062\"}", // an escape
        "{\"domain\":\"caf\u00e9\"}", // not ASCII
        "{\"domain\":null}",
        "{\"hitsAddend\":\"5\"}", // a number as a string: accepted there
        "{\"hitsAddend\":5.0}",
        "{\"hitsAddend\":4294967296}", // out of uint32's range
        "{\"hitsAddend\":01}",
        "{\"descriptors\":[{\"limit\":{\"unit\":2}}]}", // an enum by number
        "{\"descriptors\":[{\"limit\":{\"unit\":\"FORTNIGHT\"}}]}",
        "{\"unknown\":1}",
        "{\"domain\":\"a\",}",
        "{\"domain\":\"a\"} x",
        "[]",
        "")) {
      assertThat(RateLimitJson.parseRequest(json.getBytes(StandardCharsets.UTF_8))).as(json).isNull();
    }
  }

  @Test
  void printsWhatJsonFormatPrints() throws Exception {
    Random random = new Random(7121202L);
    int shortcut = 0;
    for (int i = 0; i < CASES; i++) {
      boolean[] common = {true};
      RateLimitResponse r = response(random, common);
      byte[] printed = RateLimitJson.printResponse(r);
      String fast = printed == null ? null : new String(printed, StandardCharsets.UTF_8);
      if (fast != null) {
        shortcut++;
        assertThat(fast).as("printed as JsonFormat prints %s", r).isEqualTo(PRINTER.print(r));
      }
      if (common[0]) {
        assertThat(fast).as("the shortcut prints the common response %s", r).isNotNull();
      }
    }
    assertThat(shortcut).isGreaterThan(CASES / 4);
    assertThat(CASES - shortcut).isGreaterThan(CASES / 20);
  }

  private static Request request(byte[] body) {
    return new Request("POST", "/json", "", name -> null, body, null);
  }

  // ---- random requests

  /** One random body: its members in random order, with random spellings, spaces and forms. */
  private static final class Bodies {
    private final Random random;
    private boolean common = true;

    Bodies(Random random) {
      this.random = random;
    }

    Body request() {
      List<String> members = new ArrayList<>();
      if (random.nextInt(8) > 0) {
        members.add(member("domain", string()));
      }
      if (random.nextInt(8) > 0) {
        List<String> ds = new ArrayList<>();
        for (int n = random.nextInt(4); n > 0; n--) {
          ds.add(descriptor());
        }
        members.add(member("descriptors", array(ds)));
      }
      if (random.nextInt(3) == 0) {
        members.add(member(random.nextBoolean() ? "hitsAddend" : "hits_addend", number(0xFFFF_FFFFL)));
      }
      oddities(members, "domain");
      String json = space() + object(members) + space();
      if (random.nextInt(60) == 0) {
        json = json + (random.nextBoolean() ? "x" : "{}");
        common = false;
      }
      return new Body(json, common);
    }

    private String descriptor() {
      List<String> members = new ArrayList<>();
      if (random.nextInt(10) > 0) {
        List<String> es = new ArrayList<>();
        for (int n = random.nextInt(4); n > 0; n--) {
          List<String> e = new ArrayList<>();
          if (random.nextInt(10) > 0) {
            e.add(member("key", string()));
          }
          if (random.nextInt(10) > 0) {
            e.add(member("value", string()));
          }
          oddities(e, "key");
          es.add(object(e));
        }
        members.add(member("entries", array(es)));
      }
      if (random.nextInt(4) == 0) {
        List<String> l = new ArrayList<>();
        if (random.nextInt(5) > 0) {
          l.add(member(random.nextBoolean() ? "requestsPerUnit" : "requests_per_unit", number(0xFFFF_FFFFL)));
        }
        if (random.nextInt(5) > 0) {
          l.add(member("unit", unit()));
        }
        oddities(l, "unit");
        members.add(member("limit", object(l)));
      }
      if (random.nextInt(4) == 0) {
        members.add(member(random.nextBoolean() ? "hitsAddend" : "hits_addend", number(Long.MAX_VALUE)));
      }
      oddities(members, "entries");
      return object(members);
    }

    /** Now and then: an unknown member, a repeated one, or a trailing comma. */
    private void oddities(List<String> members, String known) {
      int r = random.nextInt(80);
      if (r == 0) {
        members.add(member("unknown_field", "1"));
        common = false;
      } else if (r == 1 && !members.isEmpty()) {
        members.add(members.get(random.nextInt(members.size())));
        common = false;
      } else if (r == 2) {
        members.add(member(known, "null"));
        common = false;
      }
      Collections.shuffle(members, random);
    }

    private String object(List<String> members) {
      if (members.isEmpty()) {
        return "{" + space() + "}";
      }
      String s = "{" + space() + String.join("," + space(), members) + space();
      if (random.nextInt(100) == 0) {
        s += ",";
        common = false;
      }
      return s + "}";
    }

    private String array(List<String> elements) {
      return "[" + space() + String.join(space() + "," + space(), elements) + space() + "]";
    }

    private String member(String name, String value) {
      return "\"" + name + "\"" + space() + ":" + space() + value;
    }

    private String space() {
      int r = random.nextInt(40);
      if (r < 30) {
        return "";
      }
      if (r == 39) {
        common = false;
        return random.nextBoolean() ? "\f" : "\u00a0"; // not JSON whitespace
      }
      return List.of(" ", "\n", "\t", "\r\n", "  ").get(random.nextInt(5));
    }

    private String string() {
      int r = random.nextInt(100);
      if (r < 80) {
        StringBuilder s = new StringBuilder("\"");
        String alphabet = "abcXYZ019_-.:/ *=<>&'";
        for (int n = random.nextInt(12); n > 0; n--) {
          s.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return s.append('"').toString();
      }
      common = false;
      return switch (r % 7) {
        case 0 -> "\"a\\\"b\"";
        case 1 -> "\"a\\\\b\"";
        case 2 -> "\"\\u0041x\"";
        case 3 -> "\"caf\u00e9 \ud83d\ude00\"";
        case 4 -> "\"tab\there\"";
        case 5 -> "5";
        default -> "\"\\ud800\"";
      };
    }

    private String number(long max) {
      int r = random.nextInt(100);
      if (r < 80) {
        long v = switch (random.nextInt(4)) {
          case 0 -> 0;
          case 1 -> random.nextInt(10);
          case 2 -> Math.floorMod(random.nextLong(), Math.min(max, 1_000_000_000_000L)) ;
          default -> max == 0xFFFF_FFFFL ? max : 999_999_999_999_999_999L;
        };
        return Long.toString(v);
      }
      common = false;
      return switch (r % 10) {
        case 0 -> "\"" + random.nextInt(100) + "\"";
        case 1 -> "1.0";
        case 2 -> "1e2";
        case 3 -> "-1";
        case 4 -> "01";
        case 5 -> Long.toString(max == 0xFFFF_FFFFL ? max + 1 : Long.MAX_VALUE);
        case 6 -> "18446744073709551615";
        case 7 -> "null";
        case 8 -> "-0";
        default -> "1.5";
      };
    }

    private String unit() {
      int r = random.nextInt(100);
      List<String> names = List.of("UNKNOWN", "SECOND", "MINUTE", "HOUR", "DAY", "MONTH", "YEAR");
      if (r < 85) {
        return "\"" + names.get(random.nextInt(names.size())) + "\"";
      }
      common = false;
      return switch (r % 5) {
        case 0 -> Integer.toString(random.nextInt(8));
        case 1 -> "\"second\"";
        case 2 -> "\"FORTNIGHT\"";
        case 3 -> "\"WEEK\""; // a unit of the response's RateLimit, not of type.v3.RateLimitUnit
        default -> "\"UNRECOGNIZED\"";
      };
    }
  }

  // ---- random responses

  private static RateLimitResponse response(Random random, boolean[] common) {
    RateLimitResponse.Builder r = RateLimitResponse.newBuilder();
    r.setOverallCodeValue(random.nextInt(3));
    for (int n = random.nextInt(4); n > 0; n--) {
      DescriptorStatus.Builder s = DescriptorStatus.newBuilder();
      if (random.nextInt(6) > 0) {
        s.setCodeValue(random.nextInt(3));
      }
      if (random.nextInt(5) > 0) {
        RateLimitResponse.RateLimit.Builder l = RateLimitResponse.RateLimit.newBuilder()
            .setRequestsPerUnit(random.nextInt(4) == 0 ? random.nextInt() : random.nextInt(1000))
            .setUnitValue(List.of(0, 1, 2, 3, 4, 5, 6, 7).get(random.nextInt(8)));
        if (random.nextInt(3) == 0) {
          l.setName(text(random, common));
        }
        s.setCurrentLimit(l);
      }
      if (random.nextInt(4) > 0) {
        s.setLimitRemaining(random.nextInt(4) == 0 ? -1 - random.nextInt(10) : random.nextInt(100));
      }
      if (random.nextInt(4) > 0) {
        com.google.protobuf.Duration.Builder d = com.google.protobuf.Duration.newBuilder()
            .setSeconds(random.nextInt(4) == 0 ? 0 : random.nextInt(40_000_000));
        if (random.nextInt(20) == 0) {
          d.setNanos(1 + random.nextInt(999_999_999));
          common[0] = false;
        }
        s.setDurationUntilReset(d);
      }
      if (random.nextInt(40) == 0) {
        s.setQuota(RateLimitResponse.Quota.newBuilder().setRequests(5).setId("q"));
        common[0] = false;
      }
      r.addStatuses(s);
    }
    for (int n = random.nextInt(4) == 0 ? 1 + random.nextInt(3) : 0; n > 0; n--) {
      HeaderValue.Builder h = HeaderValue.newBuilder();
      if (random.nextInt(10) > 0) {
        h.setKey(text(random, common));
      }
      if (random.nextInt(10) > 0) {
        h.setValue(text(random, common));
      }
      if (random.nextInt(30) == 0) {
        h.setRawValue(ByteString.copyFromUtf8("raw"));
        common[0] = false;
      }
      r.addResponseHeadersToAdd(h);
    }
    int extra = random.nextInt(40);
    if (extra == 0) {
      r.setDynamicMetadata(Struct.newBuilder().putAllFields(Map.of("k", Value.newBuilder().setStringValue("v").build())));
      common[0] = false;
    } else if (extra == 1) {
      r.addRequestHeadersToAdd(HeaderValue.newBuilder().setKey("a").setValue("b"));
      common[0] = false;
    } else if (extra == 2) {
      r.setRawBody(ByteString.copyFromUtf8("body"));
      common[0] = false;
    }
    return r.build();
  }

  private static String text(Random random, boolean[] common) {
    if (random.nextInt(8) == 0) {
      common[0] = false;
      return List.of("a<b", "x=y", "it's", "caf\u00e9", "q\"uote", "back\\slash", "tab\t").get(random.nextInt(7));
    }
    StringBuilder s = new StringBuilder();
    String alphabet = "abcXYZ019_-.:/ ;,";
    for (int n = random.nextInt(10); n > 0; n--) {
      s.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return s.toString();
  }
}
