package dev.sluice.server.file;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Watches one file for a change of its contents: a daemon thread wakes on a {@link WatchService}
 * event in the file's directory (an edit, a rename over it, a swapped symbolic link such as a
 * Kubernetes ConfigMap's {@code ..data}) or every poll interval, and reads the file through any
 * links. When the contents differ from the last seen ({@link #seen(byte[])}) and have held still
 * for 200 ms (at most 1.5 s of waiting), the callback runs once. A missing or unreadable file is a
 * change too (the callback's reload reports it) — once, until the file changes again.
 */
final class FileWatch implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(FileWatch.class.getName());
  private static final long QUIET_MILLIS = 200;
  private static final long MAX_SETTLE_MILLIS = 1_500;

  private final Path file;
  private final Duration poll;
  private final AtomicReference<String> seen = new AtomicReference<>("");
  private Thread thread;
  private volatile WatchService watcher;
  private volatile boolean closed;

  FileWatch(Path file, Duration poll) {
    this.file = Objects.requireNonNull(file, "file");
    this.poll = Objects.requireNonNull(poll, "poll");
  }

  /** Records contents as seen: a later read of the same contents is no change. */
  void seen(byte[] contents) {
    seen.set(digest(contents));
  }

  /** Starts the thread; {@code onChange} runs on it. */
  synchronized void start(Runnable onChange) {
    if (thread != null || closed) {
      throw new IllegalStateException(closed ? "closed" : "already watching");
    }
    Path dir = file.toAbsolutePath().getParent();
    try {
      watcher = dir.getFileSystem().newWatchService();
      dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
          StandardWatchEventKinds.ENTRY_DELETE);
    } catch (IOException | UnsupportedOperationException e) {
      LOG.fine(() -> "watching " + dir + " for events failed (" + e + "); polling every " + poll.toMillis() + " ms");
      closeWatcher();
    }
    thread = new Thread(() -> loop(onChange), "sluice-file-watch-" + file.getFileName());
    thread.setDaemon(true);
    thread.start();
  }

  private void loop(Runnable onChange) {
    while (!closed) {
      try {
        await();
        String now = fingerprint();
        if (now.equals(seen.get())) {
          continue;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MAX_SETTLE_MILLIS);
        while (!closed && System.nanoTime() < deadline) {
          Thread.sleep(QUIET_MILLIS);
          String again = fingerprint();
          if (again.equals(now)) {
            break;
          }
          now = again;
        }
        if (closed) {
          return;
        }
        seen.set(now);
        onChange.run();
      } catch (InterruptedException | ClosedWatchServiceException e) {
        return;
      } catch (RuntimeException e) {
        LOG.log(Level.SEVERE, "reloading " + file + " failed", e);
      }
    }
  }

  /** Waits for an event in the directory or for the poll interval. */
  private void await() throws InterruptedException {
    WatchService w = watcher;
    if (w == null) {
      Thread.sleep(poll.toMillis());
      return;
    }
    WatchKey key = w.poll(poll.toMillis(), TimeUnit.MILLISECONDS);
    if (key != null) {
      key.pollEvents();
      key.reset();
    }
  }

  private String fingerprint() {
    try {
      return digest(Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      return "missing";
    } catch (IOException e) {
      return "unreadable: " + e.getMessage();
    }
  }

  static String digest(byte[] contents) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(contents));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private void closeWatcher() {
    if (watcher != null) {
      try {
        watcher.close();
      } catch (IOException e) {
        LOG.fine(() -> "closing the watch service: " + e);
      }
      watcher = null;
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    closeWatcher();
    if (thread != null) {
      thread.interrupt();
    }
  }
}
