package dev.sluice.server.runtime;

import dev.sluice.server.config.ConfigFile;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The rate limit config files, as envoyproxy/ratelimit finds them under its runtime layout
 * ({@code RUNTIME_ROOT/RUNTIME_SUBDIRECTORY/RUNTIME_APPDIRECTORY}), and a watch that says when
 * they change.
 *
 * <h2>Which files</h2>
 * Every regular file under the config directory, at any depth and whatever its extension (their
 * loader, lyft/goruntime, walks the tree and loads every file; their README's "*.yaml" is a
 * convention, not a filter). With {@code ignoreDotFiles} ({@code RUNTIME_IGNOREDOTFILES}), files
 * and directories whose name starts with a dot are skipped: set it for a Kubernetes ConfigMap,
 * whose {@code ..2024_01_01...} directory would otherwise be read as well as the links to it (as
 * in theirs). A symbolic link to a file is read through; a link to a directory is not entered; a
 * link to nothing is skipped. See {@link ConfigTree}.
 *
 * <h2>Watching</h2>
 * {@link #watch} starts one daemon thread that calls back after the files' names or contents
 * change and then hold still: an addition, a modification, a deletion, a rename, or a swap of a
 * symbolic link anywhere on the path (the root, as {@code RUNTIME_WATCH_ROOT} intends, or a
 * ConfigMap's {@code ..data}). Two sources tell it to look: a {@link WatchService} on the config
 * directory, its subdirectories, its parent and the watched root's parent (registrations follow a
 * swap), and a poll every {@code pollInterval} for what the watch service misses (inotify does not
 * follow a swapped link; macOS polls slowly). Looking is reading every file and hashing names and
 * contents, so a change that restores the previous contents, a touch, or a change to a skipped
 * dotfile calls nothing. A change calls back once it has held still for 200 ms (two equal reads
 * 200 ms apart; a burst of writes is one call), at most about 1.5 s after it was first seen even if
 * the files keep changing. The time from a change to the call is about 0.4 s when the watch
 * service sees it, at most {@code pollInterval} + 0.2 s when only the poll does.
 *
 * <p>The callback is for a change since the last {@link #read()} (or since {@link #watch} when
 * nothing was read before): read, then watch, and a change in between is not lost.
 */
public final class RuntimeSource implements AutoCloseable {

  /** A poll interval that keeps the call within about 1.2 s of a change the watch service misses. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);

  private static final System.Logger LOG = System.getLogger(RuntimeSource.class.getName());
  private static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
  /** Longest wait for events to stop before looking anyway. */
  private static final long MAX_DEFER_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** Longest wait for a change to hold still before calling back anyway. */
  private static final long MAX_SETTLE_NANOS = TimeUnit.MILLISECONDS.toNanos(1_500);
  private static final AtomicInteger IDS = new AtomicInteger();

  private final Path configDir;
  private final Path watchRoot;
  private final boolean ignoreDotFiles;
  private final long pollNanos;
  private final boolean useWatchService;
  /** The fingerprint of the files last handed out: by {@link #read()} or by a callback. */
  private final AtomicReference<String> delivered = new AtomicReference<>();
  private final BlockingQueue<Boolean> wake = new ArrayBlockingQueue<>(1);
  private final Object lock = new Object();
  private Thread thread;
  private WatchService watcher;
  private volatile boolean closed;

  /**
   * A source of config files.
   *
   * @param configDir the config directory ({@code RuntimeSettings.configDirectory()}); it need not
   *     exist yet
   * @param watchRoot a root whose swap must be noticed ({@code RuntimeSettings.watchedRoot()}), or null
   * @param ignoreDotFiles skip files and directories whose name starts with a dot
   * @param pollInterval how often to look even without a watch service event: 10 ms to 1 hour;
   *     {@link #DEFAULT_POLL_INTERVAL} unless there is a reason
   * @throws IllegalArgumentException if {@code pollInterval} is out of range
   */
  public RuntimeSource(Path configDir, Path watchRoot, boolean ignoreDotFiles, Duration pollInterval) {
    this(configDir, watchRoot, ignoreDotFiles, pollInterval, true);
  }

  /** As the public constructor; {@code useWatchService} false leaves only the poll (for tests). */
  RuntimeSource(Path configDir, Path watchRoot, boolean ignoreDotFiles, Duration pollInterval,
      boolean useWatchService) {
    this.configDir = Objects.requireNonNull(configDir, "configDir");
    this.watchRoot = watchRoot;
    this.ignoreDotFiles = ignoreDotFiles;
    Objects.requireNonNull(pollInterval, "pollInterval");
    if (pollInterval.compareTo(Duration.ofMillis(10)) < 0 || pollInterval.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException("pollInterval (" + pollInterval + ") must be 10 ms to 1 hour");
    }
    this.pollNanos = pollInterval.toNanos();
    this.useWatchService = useWatchService;
  }

  /**
   * The config files now.
   *
   * @return their paths (the config directory resolved against each file's path within it), sorted
   * @throws IOException if the config directory does not exist, is not a directory, or cannot be listed
   */
  public List<Path> files() throws IOException {
    return ConfigTree.list(configDir, ignoreDotFiles).files();
  }

  /**
   * Reads the config files now; the next callback of {@link #watch} is for a change after this read.
   *
   * @return one {@link ConfigFile} per file, in the order of {@link #files()}: its name is its path,
   *     its content its text
   * @throws IOException if the config directory cannot be listed or a file cannot be read, or a
   *     file is not valid UTF-8 (the message names the file and the offset)
   */
  public List<ConfigFile> read() throws IOException {
    ConfigTree.Contents c = ConfigTree.read(configDir, ignoreDotFiles);
    List<ConfigFile> out = new ArrayList<>(c.files().size());
    for (int i = 0; i < c.files().size(); i++) {
      Path p = c.files().get(i);
      out.add(new ConfigFile(p.toString(), ConfigTree.utf8(p, c.bytes().get(i))));
    }
    delivered.set(c.fingerprint());
    return List.copyOf(out);
  }

  /**
   * Starts watching: {@code onChange} runs on this source's daemon thread after each change has
   * settled (see the class comment). A callback that throws is logged, and watching goes on.
   *
   * @param onChange what to run; typically a reload that calls {@link #read()}
   * @throws IllegalStateException if already watching, or closed
   */
  public void watch(Runnable onChange) {
    Objects.requireNonNull(onChange, "onChange");
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("this RuntimeSource of " + configDir + " is closed");
      }
      if (thread != null) {
        throw new IllegalStateException("this RuntimeSource of " + configDir + " is already watching");
      }
      delivered.compareAndSet(null, ConfigTree.fingerprint(configDir, ignoreDotFiles));
      if (useWatchService) {
        try {
          watcher = configDir.getFileSystem().newWatchService();
        } catch (IOException | UnsupportedOperationException e) {
          LOG.log(System.Logger.Level.WARNING, "runtime: no watch service for {0} ({1}); polling every {2} ms",
              configDir, e, TimeUnit.NANOSECONDS.toMillis(pollNanos));
        }
      }
      // registered before returning, so that a change made as soon as this returns raises an event
      Map<Path, WatchKey> keys = new HashMap<>();
      register(keys);
      thread = new Thread(() -> run(onChange, keys), "sluice-runtime-watch-" + IDS.incrementAndGet());
      thread.setDaemon(true);
      thread.start();
    }
  }

  /** Stops watching: the thread ends (this waits up to 2 s for a running callback). Idempotent. */
  @Override
  public void close() {
    Thread t;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      t = thread;
      if (watcher != null) {
        try {
          watcher.close();
        } catch (IOException e) {
          LOG.log(System.Logger.Level.DEBUG, "runtime: closing the watch service", e);
        }
      }
      wake.offer(Boolean.TRUE);
    }
    if (t != null && t != Thread.currentThread()) {
      try {
        t.join(2_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The watching thread, or null before {@link #watch} (for tests). */
  Thread thread() {
    synchronized (lock) {
      return thread;
    }
  }

  private void run(Runnable onChange, Map<Path, WatchKey> keys) {
    long nextLook = System.nanoTime() + pollNanos;
    long firstEvent = -1;
    String candidate = null;
    long candidateSince = 0;
    while (!closed) {
      long wait = nextLook - System.nanoTime();
      if (wait > 0) {
        if (!awaitEvent(wait)) {
          continue;
        }
        long now = System.nanoTime();
        if (firstEvent < 0) {
          firstEvent = now;
        }
        nextLook = Math.min(now + QUIET_NANOS, firstEvent + MAX_DEFER_NANOS);
        continue;
      }
      firstEvent = -1;
      String seen = ConfigTree.fingerprint(configDir, ignoreDotFiles);
      register(keys);
      long now = System.nanoTime();
      if (seen.equals(delivered.get())) {
        candidate = null;
        nextLook = now + pollNanos;
      } else if (seen.equals(candidate) || candidate != null && now - candidateSince >= MAX_SETTLE_NANOS) {
        candidate = null;
        nextLook = now + pollNanos;
        delivered.set(seen);
        call(onChange);
      } else {
        if (candidate == null) {
          candidateSince = now;
        }
        candidate = seen;
        nextLook = now + QUIET_NANOS;
      }
    }
  }

  /** Waits up to {@code nanos} for a watch service event; true if one came (and was consumed). */
  private boolean awaitEvent(long nanos) {
    try {
      if (watcher == null) {
        wake.poll(nanos, TimeUnit.NANOSECONDS);
        return false;
      }
      WatchKey key = watcher.poll(nanos, TimeUnit.NANOSECONDS);
      if (key == null) {
        return false;
      }
      for (; key != null; key = watcher.poll()) {
        key.pollEvents();
        key.reset();
      }
      return true;
    } catch (ClosedWatchServiceException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closed = true;
      return false;
    }
  }

  private void call(Runnable onChange) {
    try {
      onChange.run();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "runtime: the config change callback failed; still watching "
          + configDir, e);
    }
  }

  /**
   * Watches the directories whose events can change the files: the config directory and its
   * subdirectories as walked now, its parent (the directory itself replaced), and the watched
   * root's parent (the root swapped). Keyed by real path, so that after a swap the new targets are
   * registered and the old ones dropped.
   */
  private void register(Map<Path, WatchKey> keys) {
    if (watcher == null) {
      return;
    }
    Set<Path> wanted = new LinkedHashSet<>();
    try {
      for (Path d : ConfigTree.list(configDir, ignoreDotFiles).directories()) {
        real(d, wanted);
      }
    } catch (IOException e) {
      // no config directory now: its parent and the root's parent still tell when it comes back
    }
    real(configDir.toAbsolutePath().getParent(), wanted);
    if (watchRoot != null) {
      real(watchRoot.toAbsolutePath().getParent(), wanted);
    }
    for (Iterator<Map.Entry<Path, WatchKey>> it = keys.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Path, WatchKey> e = it.next();
      if (!wanted.contains(e.getKey()) || !e.getValue().isValid()) {
        e.getValue().cancel();
        it.remove();
      }
    }
    for (Path d : wanted) {
      if (!keys.containsKey(d)) {
        try {
          keys.put(d, d.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE,
              StandardWatchEventKinds.ENTRY_MODIFY));
        } catch (IOException | ClosedWatchServiceException e) {
          LOG.log(System.Logger.Level.DEBUG, "runtime: cannot watch {0} ({1}); the poll covers it", d, e);
        }
      }
    }
  }

  private static void real(Path dir, Set<Path> into) {
    if (dir == null) {
      return;
    }
    try {
      into.add(dir.toRealPath());
    } catch (IOException e) {
      // gone: nothing to watch there
    }
  }
}
