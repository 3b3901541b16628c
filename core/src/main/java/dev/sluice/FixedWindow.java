package dev.sluice;

/**
 * At most {@code limit} cost per window. Windows are aligned to the epoch
 * ({@link Window#of(java.time.Duration)}) or to calendar boundaries in a time zone
 * ({@link Window#day()}: "resets at UTC midnight"; {@link Window#month(java.time.ZoneId)}).
 *
 * <p>Exact per window; at a boundary a key can spend one window's limit just before and the
 * next one just after. Usage recorded past the limit is forgiven when the window ends.
 *
 * @param name the policy's name
 * @param limit the most cost admitted per window
 * @param window how windows are laid on the timeline
 */
public record FixedWindow(String name, long limit, Window window) implements Policy {

  /**
   * Validates the components.
   *
   * @param name the policy's name: 1 to 128 characters, not blank, well-formed UTF-16
   * @param limit the most cost admitted per window, {@code >= 1}
   * @param window how windows are laid on the timeline; not null
   * @throws IllegalArgumentException if a component is null or out of range
   */
  public FixedWindow {
    Checks.name(name);
    Checks.positive("limit", limit);
    Checks.notNull("window", window);
  }

  /** {@link Policy.Kind#RATE}. */
  @Override
  public Kind kind() {
    return Kind.RATE;
  }

  /** The same window with {@code limit / instances}. */
  @Override
  public java.util.Optional<Policy> share(int instances) {
    return Checks.share(this, instances, l -> new FixedWindow(name, l, window));
  }

  /**
   * Same as the canonical constructor.
   *
   * @param name the policy's name: 1 to 128 characters, not blank, well-formed UTF-16
   * @param limit the most cost admitted per window, {@code >= 1}
   * @param window how windows are laid on the timeline; not null
   * @return the policy
   * @throws IllegalArgumentException if an argument is null or out of range
   */
  public static FixedWindow of(String name, long limit, Window window) {
    return new FixedWindow(name, limit, window);
  }

  /** The window's length; a calendar window's nominal length ({@link Window#nominalLength()}). */
  @Override
  public java.time.Duration quotaWindow() {
    return window.nominalLength();
  }

  @Override
  public boolean usesWallClock() {
    return window.calendar();
  }
}
