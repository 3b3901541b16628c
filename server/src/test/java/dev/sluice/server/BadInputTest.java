package dev.sluice.server;

import static dev.sluice.server.Wire.call;
import static dev.sluice.server.Wire.d;
import static dev.sluice.server.Wire.hits;
import static dev.sluice.server.Wire.request;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UInt64Value;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad requests through real sockets: each is refused (gRPC INVALID_ARGUMENT, HTTP 400) with a
 * message that names the field, nothing is charged (a follow-up query shows it), and the server
 * keeps answering. One server for the class: a refusal must not disturb it.
 */
class BadInputTest {

  static final String CONFIG = """
      domain: bad
      descriptors:
        - key: k
          rate_limit: {unit: day, requests_per_unit: 5}
      """;

  @TempDir
  static Path tmp;
  static TestServer s;

  @BeforeAll
  static void start() throws Exception {
    Wire.awayFromWindowEnd(86_400, 30);
    s = TestServer.start(tmp, Wire.env("memory", null), Map.of("bad.yaml", CONFIG));
  }

  @AfterAll
  static void stop() throws Exception {
    if (s != null) {
      s.close();
    }
  }

  static int remaining() {
    return call(s, "bad", 1, hits(0, d("k", "v"))).getStatuses(0).getLimitRemaining();
  }

  static RateLimitDescriptor many(int entries) {
    RateLimitDescriptor.Builder b = RateLimitDescriptor.newBuilder();
    for (int i = 0; i < entries; i++) {
      b.addEntries(RateLimitDescriptor.Entry.newBuilder().setKey("k").setValue("v"));
    }
    return b.build();
  }

  static Stream<Arguments> badRequests() {
    RateLimitDescriptor good = d("k", "v");
    RateLimitRequest.Builder tooMany = RateLimitRequest.newBuilder().setDomain("bad");
    for (int i = 0; i < 65; i++) {
      tooMany.addDescriptors(good);
    }
    return Stream.of(
        Arguments.of("empty domain", request("", 1, good), "domain"),
        Arguments.of("no descriptors", request("bad", 1), "descriptors"),
        Arguments.of("a descriptor without entries", request("bad", 1, good, RateLimitDescriptor.getDefaultInstance()),
            "descriptors[1].entries"),
        Arguments.of("an empty key", request("bad", 1, good, d("", "v")), "descriptors[1].entries[0].key"),
        Arguments.of("a value over 1024 characters", request("bad", 1, good, d("k", "v".repeat(1025))),
            "descriptors[1].entries[0].value"),
        Arguments.of("a key over 1024 characters", request("bad", 1, d("k".repeat(1025), "v")),
            "descriptors[0].entries[0].key"),
        Arguments.of("a domain over 1024 characters", request("d".repeat(1025), 1, good), "domain"),
        Arguments.of("a control character in a value", request("bad", 1, good, d("k", "a\u0001b")),
            "descriptors[1].entries[0].value"),
        Arguments.of("a newline in a key", request("bad", 1, d("k\n", "v")), "descriptors[0].entries[0].key"),
        Arguments.of("DEL in the domain", request("ba\u007fd", 1, good), "domain"),
        Arguments.of("a C1 control (NEL) in a value", request("bad", 1, d("k", "v\u0085")),
            "descriptors[0].entries[0].value"),
        Arguments.of("65 descriptors", tooMany.build(), "descriptors"),
        Arguments.of("65 entries", request("bad", 1, good, many(65)), "descriptors[1].entries"),
        Arguments.of("hits_addend above 2^63-1", request("bad", 1, good,
            good.toBuilder().setHitsAddend(UInt64Value.of(-1L)).build()), "descriptors[1].hits_addend"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRequests")
  void refusedOverGrpcNamingTheFieldAndNothingCharged(String what, RateLimitRequest r, String field) {
    int before = remaining();
    Status st = Wire.failure(s, r);
    assertThat(st.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(st.getDescription()).contains(field);
    assertThat(remaining()).isEqualTo(before);
    assertThat(call(s, "bad", 1, d("other", "x")).getOverallCode()).isEqualTo(Code.OK);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRequests")
  void refusedOverHttpWith400NamingTheField(String what, RateLimitRequest r, String field) throws Exception {
    int before = remaining();
    String json = com.google.protobuf.util.JsonFormat.printer().print(r);
    HttpResponse<String> response = Wire.postJson(s, json);
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains(field);
    assertThat(remaining()).isEqualTo(before);
  }

  /** Sends {@code body} as the raw bytes of a RateLimitRequest. */
  static RateLimitResponse rawCall(byte[] body) {
    MethodDescriptor.Marshaller<byte[]> bytes = new MethodDescriptor.Marshaller<>() {
      @Override
      public InputStream stream(byte[] value) {
        return new ByteArrayInputStream(value);
      }

      @Override
      public byte[] parse(InputStream stream) {
        try {
          return stream.readAllBytes();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    };
    MethodDescriptor<byte[], RateLimitResponse> method = RateLimitServiceGrpc.getShouldRateLimitMethod()
        .toBuilder(bytes, ProtoUtils.marshaller(RateLimitResponse.getDefaultInstance())).build();
    return ClientCalls.blockingUnaryCall(s.channel, method, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
        body);
  }

  /** A RateLimitRequest written field by field: domain "bad", one descriptor (k, value bytes). */
  static byte[] requestWithValueBytes(byte[] value) throws IOException {
    ByteArrayOutputStream entry = new ByteArrayOutputStream();
    CodedOutputStream e = CodedOutputStream.newInstance(entry);
    e.writeBytes(1, ByteString.copyFromUtf8("k"));
    e.writeBytes(2, ByteString.copyFrom(value));
    e.flush();
    ByteArrayOutputStream descriptor = new ByteArrayOutputStream();
    CodedOutputStream d = CodedOutputStream.newInstance(descriptor);
    d.writeBytes(1, ByteString.copyFrom(entry.toByteArray()));
    d.flush();
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    CodedOutputStream r = CodedOutputStream.newInstance(request);
    r.writeBytes(1, ByteString.copyFromUtf8("bad"));
    r.writeBytes(2, ByteString.copyFrom(descriptor.toByteArray()));
    r.flush();
    return request.toByteArray();
  }

  @Test
  void theHandBuiltRequestIsRight() throws Exception {
    RateLimitResponse r = rawCall(requestWithValueBytes("v".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    assertThat(r.getStatuses(0).getCurrentLimit().getRequestsPerUnit()).isEqualTo(5);
    assertThat(RateLimitRequest.parseFrom(requestWithValueBytes(new byte[] {'v'})))
        .isEqualTo(request("bad", 0, d("k", "v")));
  }

  @Test
  void invalidUtf8InAStringFieldIsAnInvalidArgument() throws Exception {
    int before = remaining();
    for (byte[] value : new byte[][] {
        {(byte) 0xC3, 0x28},                          // a lead byte without its continuation
        {(byte) 0xED, (byte) 0xA0, (byte) 0x80},      // an encoded surrogate (U+D800)
        {(byte) 0xC0, (byte) 0xAF},                   // an overlong '/'
        {(byte) 0xFF}}) {
      StatusRuntimeException e = org.assertj.core.api.Assertions.catchThrowableOfType(StatusRuntimeException.class,
          () -> rawCall(requestWithValueBytes(value)));
      assertThat(e).isNotNull();
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription()).contains("UTF-8");
    }
    assertThat(remaining()).isEqualTo(before);
  }

  @Test
  void aHugeValueIsRefusedWithAShortMessage() {
    int before = remaining();
    String huge = "v".repeat(500_000) + "\u0001";
    for (RateLimitRequest r : List.of(request("bad", 1, d("k", huge)), request("bad", 1, d("k", "v" + huge)))) {
      Status st = Wire.failure(s, r);
      assertThat(st.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(st.getDescription()).contains("descriptors[0].entries[0].value").hasSizeLessThan(400);
    }
    assertThat(remaining()).isEqualTo(before);
  }

  @Test
  void aMessageOverOneMebibyteIsResourceExhausted() {
    int before = remaining();
    RateLimitRequest big = request("bad", 1, d("k", "v"), d("k", "x".repeat(1 << 20)));
    Status st = Wire.failure(s, big);
    assertThat(st.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(remaining()).isEqualTo(before);
    assertThat(call(s, "bad", 1, d("other", "y")).getOverallCode()).isEqualTo(Code.OK);
  }

  @Test
  void overHttpABodyOverOneMebibyteIsRefused() {
    HttpResponse<String> r = Wire.postJson(s, "{\"domain\":\"bad\",\"descriptors\":[{\"entries\":[{\"key\":\"k\",\"value\":\""
        + "x".repeat(1 << 20) + "\"}]}]}");
    assertThat(r.statusCode()).isEqualTo(413);
  }

  @Test
  void overHttpALoneSurrogateEscapedInJsonIs400() {
    int before = remaining();
    HttpResponse<String> r = Wire.postJson(s,
        "{\"domain\":\"bad\",\"descriptors\":[{\"entries\":[{\"key\":\"k\",\"value\":\"v\"}]},"
            + "{\"entries\":[{\"key\":\"k\",\"value\":\"a\\ud800b\"}]}]}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("descriptors[1].entries[0].value");
    assertThat(remaining()).isEqualTo(before);
  }

  @Test
  void overHttpBrokenJsonIs400() {
    for (String body : new String[] {"", "{", "[]", "{\"domain\": 1}", "{\"domain\":\"bad\",\"nope\":1}"}) {
      HttpResponse<String> r = Wire.postJson(s, body);
      assertThat(r.statusCode()).as(body).isEqualTo(400);
    }
  }

  @Test
  void aValidRequestStillWorksOverHttp() {
    HttpResponse<String> r = Wire.postJson(s,
        "{\"domain\":\"bad\",\"descriptors\":[{\"entries\":[{\"key\":\"k\",\"value\":\"http\"}]}]}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"overallCode\":\"OK\"");
  }
}
