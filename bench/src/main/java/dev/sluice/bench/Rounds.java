package dev.sluice.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The rounds of the Redis and SQLite reports: every cell (a row with one setting) measured once
 * per round, the rounds interleaved; per cell, the median round by decisions/s and the range.
 */
public final class Rounds<R> {

  /** One measurement of a cell. */
  @FunctionalInterface
  public interface Measure<R> {
    R run() throws Exception;
  }

  /** One cell, a row with one setting: its name in the progress lines, and its measurement. */
  public record Cell<R>(String label, Measure<R> measure) {}

  private final List<List<R>> results = new ArrayList<>(); // per cell, one per round
  private final ToDoubleFunction<R> perSecond;

  private Rounds(int cells, ToDoubleFunction<R> perSecond) {
    for (int i = 0; i < cells; i++) {
      results.add(new ArrayList<>());
    }
    this.perSecond = perSecond;
  }

  /**
   * Measures every cell {@code rounds} times, round after round, printing a line before each
   * measurement and {@code describe} of its result after it.
   */
  public static <R> Rounds<R> run(int rounds, List<? extends Cell<R>> cells,
      Function<R, String> describe, ToDoubleFunction<R> perSecond) throws Exception {
    Rounds<R> r = new Rounds<>(cells.size(), perSecond);
    for (int round = 1; round <= rounds; round++) {
      for (int i = 0; i < cells.size(); i++) {
        Cell<R> cell = cells.get(i);
        System.out.printf(Locale.ROOT, "# round %d/%d: %s%n", round, rounds, cell.label());
        R result = cell.measure().run();
        System.out.println(describe.apply(result));
        r.results.get(i).add(result);
      }
    }
    return r;
  }

  /** Per cell, the median round by decisions/s (the lower one of an even count). */
  public List<R> medians() {
    List<R> out = new ArrayList<>();
    for (List<R> rs : results) {
      List<R> sorted = sorted(rs);
      out.add(sorted.get((sorted.size() - 1) / 2));
    }
    return out;
  }

  /** Per cell, the lowest and highest decisions/s of its rounds. */
  public List<double[]> ranges() {
    List<double[]> out = new ArrayList<>();
    for (List<R> rs : results) {
      List<R> sorted = sorted(rs);
      out.add(new double[] {perSecond.applyAsDouble(sorted.get(0)),
          perSecond.applyAsDouble(sorted.get(sorted.size() - 1))});
    }
    return out;
  }

  private List<R> sorted(List<R> rs) {
    List<R> sorted = new ArrayList<>(rs);
    sorted.sort(Comparator.comparingDouble(perSecond));
    return sorted;
  }

  /**
   * The first columns of a report's table: Row, {@code setting} (e.g. ">keys"), decisions/s, the
   * range of the rounds (only when there were several), p50 µs, p99 µs; then {@code more}.
   */
  public static List<String> headers(String setting, int rounds, String... more) {
    List<String> h = new ArrayList<>(List.of("Row", setting, ">decisions/s"));
    if (rounds > 1) {
      h.add(">rounds: min–max");
    }
    h.addAll(List.of(">p50 µs", ">p99 µs"));
    h.addAll(List.of(more));
    return h;
  }

  /** A cell's median round under {@link #headers}: its first cells, then {@code more}. */
  public static Object[] cells(String row, String setting, Callers.Totals calls, double[] range,
      int rounds, String... more) {
    List<String> cells = new ArrayList<>(List.of(row, setting,
        String.format(Locale.ROOT, "%,.0f", calls.perSecond())));
    if (rounds > 1) {
      cells.add(String.format(Locale.ROOT, "%,.0f–%,.0f", range[0], range[1]));
    }
    cells.addAll(List.of(ReportText.us(calls.p50us()), ReportText.us(calls.p99us())));
    cells.addAll(List.of(more));
    return cells.toArray();
  }
}
