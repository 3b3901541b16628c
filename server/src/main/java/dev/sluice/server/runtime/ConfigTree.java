package dev.sluice.server.runtime;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The config files under a directory, chosen as envoyproxy/ratelimit's runtime loader (lyft/goruntime,
 * a {@code filepath.Walk}) chooses them: every regular file at any depth, whatever its extension;
 * with {@code ignoreDotFiles}, no file and no directory whose name starts with a dot. Like
 * {@code filepath.Walk}, the walk does not enter a symbolic link to a directory, and a symbolic
 * link to a file is read through. A link whose target is missing is skipped (goruntime skips it
 * with a warning), as is anything that is neither a file nor a directory (a pipe would block).
 * The directory itself may be a symbolic link.
 */
final class ConfigTree {

  private static final System.Logger LOG = System.getLogger(RuntimeSource.class.getName());

  private ConfigTree() {}

  /** The files (sorted) and the directories walked (the config directory first). */
  record Listing(List<Path> files, List<Path> directories) {}

  /** A listing's files with their bytes, and a fingerprint of names and contents. */
  record Contents(List<Path> files, List<byte[]> bytes, String fingerprint) {}

  static Listing list(Path dir, boolean ignoreDotFiles) throws IOException {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(dir, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(dir.toString(), null, "the config directory does not exist");
    }
    if (!a.isDirectory()) {
      throw new NotDirectoryException(dir + " (the config directory is not a directory)");
    }
    List<Path> files = new ArrayList<>();
    List<Path> dirs = new ArrayList<>();
    walk(dir, ignoreDotFiles, files, dirs);
    files.sort(null);
    return new Listing(List.copyOf(files), List.copyOf(dirs));
  }

  private static void walk(Path dir, boolean ignoreDotFiles, List<Path> files, List<Path> dirs) throws IOException {
    List<Path> entries = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
      for (Path p : stream) {
        entries.add(p);
      }
    } catch (NoSuchFileException e) {
      if (dirs.isEmpty()) {
        throw e;
      }
      return; // a subdirectory removed while walking: a change under way, reported by the watcher
    }
    dirs.add(dir);
    for (Path p : entries) {
      if (ignoreDotFiles && p.getFileName().toString().startsWith(".")) {
        continue;
      }
      BasicFileAttributes a;
      try {
        a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      } catch (NoSuchFileException e) {
        continue;
      }
      if (a.isDirectory()) {
        walk(p, ignoreDotFiles, files, dirs);
      } else if (a.isRegularFile()) {
        files.add(p);
      } else if (a.isSymbolicLink()) {
        link(p, files);
      } else {
        LOG.log(System.Logger.Level.DEBUG, "runtime: skipping {0}: neither a file nor a directory", p);
      }
    }
  }

  private static void link(Path p, List<Path> files) throws IOException {
    try {
      if (Files.readAttributes(p, BasicFileAttributes.class).isRegularFile()) {
        files.add(p);
      } else {
        LOG.log(System.Logger.Level.DEBUG, "runtime: skipping {0}: a link to a directory is not entered", p);
      }
    } catch (NoSuchFileException e) {
      LOG.log(System.Logger.Level.DEBUG, "runtime: skipping {0}: a link to nothing", p);
    } catch (FileSystemException e) {
      if (e.getReason() == null || !e.getReason().contains("symbolic links")) {
        throw e;
      }
      LOG.log(System.Logger.Level.DEBUG, "runtime: skipping {0}: a link loop", p);
    }
  }

  /** Reads every listed file; one removed since the listing is left out (a change under way). */
  static Contents read(Path dir, boolean ignoreDotFiles) throws IOException {
    Listing listing = list(dir, ignoreDotFiles);
    MessageDigest digest = sha256();
    List<Path> files = new ArrayList<>();
    List<byte[]> contents = new ArrayList<>();
    for (Path p : listing.files()) {
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(p);
      } catch (NoSuchFileException e) {
        continue;
      }
      files.add(p);
      contents.add(bytes);
      byte[] name = p.toString().getBytes(StandardCharsets.UTF_8);
      digest.update(ByteBuffer.allocate(16).putLong(name.length).putLong(bytes.length).array());
      digest.update(name);
      digest.update(bytes);
    }
    return new Contents(List.copyOf(files), List.copyOf(contents), HexFormat.of().formatHex(digest.digest()));
  }

  /**
   * A fingerprint of what {@link #read} would return now; a failure to read is a fingerprint of its
   * own, so that a config directory appearing, vanishing or turning unreadable counts as a change.
   */
  static String fingerprint(Path dir, boolean ignoreDotFiles) {
    try {
      return read(dir, ignoreDotFiles).fingerprint();
    } catch (IOException e) {
      return "unreadable: " + e;
    }
  }

  /** {@code bytes} as UTF-8, refusing malformed input with a message naming {@code file} and the offset. */
  static String utf8(Path file, byte[] bytes) throws IOException {
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult r = decoder.decode(in, out, true);
    if (!r.isError()) {
      r = decoder.flush(out);
    }
    if (r.isError()) {
      throw new IOException("config file " + file + " is not valid UTF-8: " + r.length()
          + " malformed byte(s) at byte offset " + in.position());
    }
    return out.flip().toString();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
