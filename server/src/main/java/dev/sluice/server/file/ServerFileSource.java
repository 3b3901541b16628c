package dev.sluice.server.file;

import dev.sluice.Policy;
import dev.sluice.server.config.ConfigFile;
import dev.sluice.server.settings.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;

/**
 * A server file as a running server uses it: read once at the start for the settings, then
 * reloaded (the domains and the policies) whenever it changes.
 *
 * <p>A reload reads and checks the whole file as a start would: if anything in it would stop a
 * start (a setting too), the reload is refused and the last good domains and policies stay, as
 * with the runtime layout. Settings never change in a running server: when the file's settings
 * differ from those the server started with, the reload logs a warning naming them (names only,
 * never values) and they take effect at the next start. {@code MERGE_DOMAIN_CONFIG} is a setting
 * too: reloads keep the one the server started with.
 */
public final class ServerFileSource implements AutoCloseable {

  /** How often the file is read when no file system event came. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);

  private static final Logger LOG = Logger.getLogger(ServerFileSource.class.getName());

  private final Path path;
  private final Map<String, String> env;
  private final ServerFile initial;
  private final AtomicReference<ServerFile> current;
  private final FileWatch watch;

  private ServerFileSource(Path path, Map<String, String> env, ServerFile initial, byte[] bytes, Duration poll) {
    this.path = path;
    this.env = env;
    this.initial = initial;
    this.current = new AtomicReference<>(initial);
    this.watch = new FileWatch(path, poll);
    watch.seen(bytes);
  }

  /**
   * Reads a server file for a start.
   *
   * @param path the file
   * @param env the environment, e.g. {@link System#getenv()}: its variables win over the file's settings
   * @return the source, not yet watching
   * @throws ServerFileException listing every problem of the file, each with file, line and field
   * @throws IOException if the file cannot be read
   */
  public static ServerFileSource open(Path path, Map<String, String> env) throws ServerFileException, IOException {
    return open(path, env, DEFAULT_POLL_INTERVAL);
  }

  /**
   * As {@link #open(Path, Map)}, polling every {@code poll}.
   *
   * @param path the file
   * @param env the environment
   * @param poll how often to read the file when no file system event came: 10 ms to 1 hour
   * @return the source
   * @throws ServerFileException listing every problem of the file
   * @throws IOException if the file cannot be read
   */
  public static ServerFileSource open(Path path, Map<String, String> env, Duration poll)
      throws ServerFileException, IOException {
    Objects.requireNonNull(path, "path");
    Map<String, String> copy = Map.copyOf(Objects.requireNonNull(env, "env"));
    if (poll.compareTo(Duration.ofMillis(10)) < 0 || poll.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException("poll (" + poll + ") must be 10 ms to 1 hour");
    }
    byte[] bytes = Files.readAllBytes(path);
    ServerFile f = ServerFile.load(new ConfigFile(path.toString(), ServerFile.text(path.toString(), bytes)), copy);
    return new ServerFileSource(path, copy, f, bytes, poll);
  }

  /**
   * The file's path.
   *
   * @return the path as given
   */
  public Path path() {
    return path;
  }

  /**
   * The settings the server starts with (a reload does not change them).
   *
   * @return the settings
   */
  public Settings settings() {
    return initial.settings();
  }

  /**
   * The file as read at the start.
   *
   * @return the file at the start
   */
  public ServerFile initial() {
    return initial;
  }

  /**
   * The file as last loaded successfully.
   *
   * @return the current file
   */
  public ServerFile current() {
    return current.get();
  }

  /**
   * The named policies now (the last good file's).
   *
   * @return name to policy; unmodifiable
   */
  public Map<String, Policy> policies() {
    return current.get().policies();
  }

  /**
   * The start banner's lines: where the settings in effect came from (as at the start), and the
   * policies now.
   *
   * @return lines without indentation
   */
  public List<String> describe() {
    List<String> lines = new ArrayList<>(initial.describeOrigins());
    Map<String, Policy> p = policies();
    lines.add("policies: " + (p.isEmpty() ? "none" : String.join(", ", p.keySet())));
    return lines;
  }

  /**
   * Reads and checks the file again; on success it becomes {@link #current()}. Logs a warning
   * when its settings differ from those the server started with.
   *
   * @return the file
   * @throws ServerFileException listing every problem (the current file stays)
   * @throws IOException if the file cannot be read (the current file stays)
   */
  public ServerFile reload() throws ServerFileException, IOException {
    byte[] bytes = Files.readAllBytes(path);
    watch.seen(bytes);
    ServerFile next = ServerFile.load(new ConfigFile(path.toString(), ServerFile.text(path.toString(), bytes)), env,
        initial.settings().runtime().mergeDomainConfig());
    List<String> changed = changedSettings(initial.fileSettings(), next.fileSettings());
    if (!changed.isEmpty()) {
      List<String> shown = new ArrayList<>();
      for (String n : changed) {
        shown.add(env.containsKey(n) ? n + " (the environment's value wins anyway)" : n);
      }
      LOG.warning(() -> path + ": settings differ from those the server started with: " + String.join(", ", shown)
          + "; settings take effect at the next start (the domains and policies were reloaded)");
    }
    current.set(next);
    return next;
  }

  /** The names whose text differs, was added or was removed, in the order first seen. */
  static List<String> changedSettings(Map<String, String> before, Map<String, String> after) {
    Set<String> names = new LinkedHashSet<>(before.keySet());
    names.addAll(after.keySet());
    List<String> changed = new ArrayList<>();
    for (String n : names) {
      if (!Objects.equals(before.get(n), after.get(n))) {
        changed.add(n);
      }
    }
    return changed;
  }

  /**
   * Starts watching the file: {@code onChange} runs on a daemon thread after each change of its
   * contents has settled (typically a reload that calls {@link #reload()}).
   *
   * @param onChange what to run
   * @throws IllegalStateException if already watching, or closed
   */
  public void watch(Runnable onChange) {
    watch.start(Objects.requireNonNull(onChange, "onChange"));
  }

  /** Stops watching (idempotent). */
  @Override
  public void close() {
    watch.close();
  }
}
