package dev.sluice.sqlite;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The database file a store opened, by its real identity (the real path, symbolic links resolved,
 * and the file's key: device and inode on Linux, {@link BasicFileAttributes#fileKey()}), and the
 * store's hold on it: its claim in this JVM and its lock.
 *
 * <p>One store per file, so the states cached in memory never go stale under a second writer:
 *
 * <ul>
 *   <li>Within a JVM, a registry of the files open in stores, checked before any channel on the
 *       lock file is opened. POSIX record locks belong to the process: closing any channel on
 *       {@code <db>.lock}, even one that never got the lock, drops the lock the process holds, so a
 *       refused second open must never touch the lock file.
 *   <li>Across processes, {@code <real path>.lock} held with a {@code FileLock}: named from the
 *       real path, so a symbolic link (or a path through one) reaches the same lock. A file with
 *       more than one hard link is refused, since no path tells its names apart.
 *   <li>While the store runs, {@link #check} tells whether the file at the path is still the one
 *       opened: a file deleted or replaced under the store is lost, and reconnecting never creates a
 *       new one.
 * </ul>
 */
final class DatabaseFile {

  /** The files open in stores of this JVM: real path to file key (null until the file exists). */
  private static final Map<Path, Object> OPEN = new HashMap<>();

  /** The real path: what SQLite opens and what the lock is named from. */
  final Path path;
  /** The file's key, known once the file exists. */
  private volatile Object key;
  /** The channel on the lock file, once opened ({@link #lock}). */
  private FileChannel lockChannel;
  /** The lock on it, once held. */
  private FileLock lock;

  private DatabaseFile(Path path, Object key) {
    this.path = path;
    this.key = key;
  }

  /**
   * Resolves {@code given} (absolute) to the real file and claims it for a store in this JVM.
   *
   * @throws IllegalStateException naming the file, if it is open in another store of this JVM,
   *     has more than one hard link, is a symbolic link to nothing, or cannot be resolved
   */
  static DatabaseFile claim(Path given) {
    Path real;
    Object key = null;
    try {
      if (Files.exists(given)) {
        real = given.toRealPath();
        BasicFileAttributes a = Files.readAttributes(real, BasicFileAttributes.class);
        key = a.fileKey();
        int links = links(real);
        if (links > 1) {
          throw new IllegalStateException(given + " has " + links + " hard links; a SQLite store refuses a file"
              + " with more than one name, because a store opened under another name would not see the lock"
              + " (<file>.lock is named from the path): remove the other links, or copy the file");
        }
      } else if (Files.isSymbolicLink(given)) {
        throw new IllegalStateException(given + " is a symbolic link to " + Files.readSymbolicLink(given)
            + ", which does not exist; refusing to create a database through it");
      } else {
        real = given.getParent().toRealPath().resolve(given.getFileName());
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot resolve " + given + ": " + e, e);
    }
    synchronized (OPEN) {
      if (OPEN.containsKey(real) || (key != null && OPEN.containsValue(key))) {
        throw new IllegalStateException(given + (real.equals(given) ? "" : " (" + real + ")")
            + " is already open in another SQLite store in this JVM");
      }
      OPEN.put(real, key);
    }
    return new DatabaseFile(real, key);
  }

  /** The lock file, next to the real file. */
  Path lockFile() {
    return path.resolveSibling(path.getFileName() + ".lock");
  }

  /**
   * Takes the lock file's lock for this process, once the file is claimed; gives the file up if
   * it cannot.
   *
   * @param given the path as given, for the message
   * @throws IllegalStateException naming the file, if another process holds the lock, or the lock
   *     file cannot be created or locked
   */
  void lock(Path given) {
    Path lockFile = lockFile();
    try {
      lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (IOException e) {
      release();
      throw new IllegalStateException("cannot create " + lockFile + ": " + e, e);
    }
    try {
      lock = lockChannel.tryLock();
    } catch (OverlappingFileLockException | IOException e) {
      // overlapping: held in this JVM outside the registry (not by a store)
      release();
      throw new IllegalStateException("cannot lock " + lockFile + ": " + e, e);
    }
    if (lock == null) {
      release();
      throw new IllegalStateException(
          given + " is in use by another process's SQLite store (" + lockFile + " is locked)");
    }
  }

  /**
   * Records the identity of the file once it exists (SQLite created it if absent).
   *
   * @throws IllegalStateException if it cannot be read, or the file has another name already
   */
  void identify() {
    Object k;
    try {
      k = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the identity of " + path + ": " + e, e);
    }
    if (key != null && !Objects.equals(key, k)) {
      throw new IllegalStateException(path + " was replaced by another file while it was being opened");
    }
    key = k;
    synchronized (OPEN) {
      OPEN.put(path, k);
    }
  }

  /**
   * Whether the file at the path is still the one opened.
   *
   * @return null if it is; else what happened to it, for the log
   */
  String check() {
    Object k;
    try {
      k = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    } catch (NoSuchFileException e) {
      return path + " was deleted or moved while its SQLite store was open";
    } catch (IOException e) {
      return "cannot read the identity of " + path + ": " + e;
    }
    if (key == null || k == null || key.equals(k)) {
      return null; // no file keys on this file system: identity cannot be told
    }
    return path + " was replaced by another file (" + k + ", opened as " + key + ") while its SQLite store was open";
  }

  /** Gives the file up (the store closed, or its opening failed): its lock, then its claim. */
  void release() {
    if (lockChannel != null) {
      try {
        if (lock != null) {
          lock.release();
        }
        lockChannel.close();
      } catch (IOException e) {
        // the lock goes with the channel
      }
    }
    synchronized (OPEN) {
      OPEN.remove(path);
    }
  }

  /** The number of hard links of {@code file}; 1 where the file system cannot tell. */
  private static int links(Path file) throws IOException {
    try {
      return ((Number) Files.getAttribute(file, "unix:nlink")).intValue();
    } catch (UnsupportedOperationException | IllegalArgumentException e) {
      return 1;
    }
  }
}
