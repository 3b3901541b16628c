package dev.sluice.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;

/**
 * A cold burst over real HTTP: {@code threads} threads, each with its own {@link HttpClient}, wait
 * at a start gate and then send {@code perThread} GETs each as fast as they are answered, every
 * one as the same client (the same headers). Thread {@code i} calls {@code apps[i % apps.length]},
 * so a burst may be spread over several instances of an application.
 */
final class Burst {

  /** {@code "policy";r=REMAINING;} at the start of a RateLimit header. */
  private static final Pattern REMAINING = Pattern.compile("^\"[^\"]+\";r=(\\d+);");

  private Burst() {}

  /** One answer: its status and its RateLimit and Retry-After headers (null when absent). */
  record Answer(int status, String rateLimit, String retryAfter) {}

  /** Every answer of a burst, in no particular order. */
  record Result(List<Answer> answers) {

    /** How many answers had each status. */
    Map<Integer, Integer> statuses() {
      Map<Integer, Integer> counts = new TreeMap<>();
      answers.forEach(a -> counts.merge(a.status(), 1, Integer::sum));
      return counts;
    }

    /** The {@code r=} of the RateLimit header of each 200, sorted. */
    List<Long> remainingOfAdmitted() {
      return answers.stream().filter(a -> a.status() == 200).map(a -> {
        assertThat(a.rateLimit()).as("RateLimit of an admitted request").isNotNull();
        Matcher m = REMAINING.matcher(a.rateLimit());
        assertThat(m.find()).as("RateLimit %s", a.rateLimit()).isTrue();
        return Long.parseLong(m.group(1));
      }).sorted().toList();
    }

    /**
     * Checks the product's promise for a limit of {@code limit} and a burst well above it: exactly
     * {@code limit} answers are 200, every other one is a 429 with Retry-After, and each admitted
     * request saw a count of its own (the remaining values of the 200s are {@code limit - 1} down
     * to 0, each once: no two requests were admitted on one count).
     */
    void assertExactly(int limit) {
      int total = answers.size();
      assertThat(total).as("a burst well above the limit").isGreaterThan(limit);
      assertThat(statuses()).as("statuses of %d requests against a limit of %d", total, limit)
          .containsExactlyInAnyOrderEntriesOf(Map.of(200, limit, 429, total - limit));
      assertThat(remainingOfAdmitted()).as("remaining after each admitted request")
          .containsExactlyElementsOf(LongStream.range(0, limit).boxed().toList());
      assertThat(answers).filteredOn(a -> a.status() == 429)
          .allSatisfy(a -> assertThat(Long.parseLong(a.retryAfter())).isPositive());
    }
  }

  /**
   * Fires the burst at {@code path} on each of {@code apps} with the request headers {@code
   * headers} (name, value, ...) and returns once every request is answered.
   */
  static Result fire(List<Apps.App> apps, int threads, int perThread, String path, String... headers)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch ready = new CountDownLatch(threads);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<List<Answer>>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        URI uri = URI.create("http://127.0.0.1:" + apps.get(t % apps.size()).port() + path);
        futures.add(pool.submit(() -> {
          HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(Duration.ofSeconds(10)).build();
          HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).GET();
          for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
          }
          HttpRequest request = b.build();
          List<Answer> answers = new ArrayList<>();
          ready.countDown();
          go.await();
          for (int i = 0; i < perThread; i++) {
            HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
            answers.add(new Answer(r.statusCode(), r.headers().firstValue("RateLimit").orElse(null),
                r.headers().firstValue("Retry-After").orElse(null)));
          }
          return answers;
        }));
      }
      assertThat(ready.await(60, TimeUnit.SECONDS)).as("every thread at the gate").isTrue();
      go.countDown();
      List<Answer> all = new ArrayList<>();
      for (Future<List<Answer>> f : futures) {
        all.addAll(f.get(5, TimeUnit.MINUTES));
      }
      return new Result(all);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * The zone where it is now about noon (UTC+12 down to UTC-11): a daily window there cannot end
   * during a test, whatever the time of day it runs at, so a burst is never split over two windows.
   */
  static String noonZone() {
    int hour = ZonedDateTime.now(ZoneOffset.UTC).getHour();
    return ZoneOffset.ofHours(12 - hour).getId();
  }
}
