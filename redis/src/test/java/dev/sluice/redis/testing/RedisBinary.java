package dev.sluice.redis.testing;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the {@code redis-server} executable the fixtures run, in this order:
 *
 * <ol>
 *   <li>the system property {@value #PROPERTY}, when set (it must name an executable Redis &gt;=
 *       6.2, or resolution fails);
 *   <li>{@code redis-server} on {@code PATH}, when it is Redis &gt;= 6.2;
 *   <li>the binary shipped as a resource by the test dependency {@value #BUNDLED_ARTIFACT}
 *       (Redis 6.2.x for Linux x86_64 and arm64, macOS x86_64 and arm64), extracted once per JVM
 *       to a temporary executable file.
 * </ol>
 *
 * The store's scripts need Redis 6.2 or later (EVALSHA, TIME inside scripts), hence the floor.
 */
public final class RedisBinary {

  /** System property naming the {@code redis-server} executable to use instead of any other. */
  public static final String PROPERTY = "sluice.redis.server";

  /** The Maven artifact (test scope in redis/pom.xml) whose jar ships the fallback binaries. */
  static final String BUNDLED_ARTIFACT = "com.github.codemonstur:embedded-redis";

  /** Oldest Redis the store's scripts run on. */
  static final int[] MINIMUM_VERSION = {6, 2};

  private static final Pattern VERSION = Pattern.compile("\\bv=(\\d+)\\.(\\d+)\\.(\\d+)");

  private static Path resolved;
  private static Path bundled;

  private RedisBinary() {}

  /** The executable to run: see the class comment for the order. Resolved once per JVM. */
  public static synchronized Path resolve() {
    if (resolved == null) {
      resolved = resolve(System.getProperty(PROPERTY), System.getenv("PATH"));
    }
    return resolved;
  }

  /** {@link #resolve()} with the property value and {@code PATH} given, uncached (for tests). */
  static Path resolve(String override, String pathEnv) {
    if (override != null && !override.isBlank()) {
      Path path = Path.of(override.trim());
      if (!Files.isRegularFile(path) || !Files.isExecutable(path)) {
        throw new IllegalStateException(
            "-D" + PROPERTY + "=" + override + " is not an executable file");
      }
      String version = version(path);
      if (!isSupported(version)) {
        throw new IllegalStateException(
            "-D" + PROPERTY + "=" + override + " is Redis " + version + "; the store needs >= "
                + MINIMUM_VERSION[0] + "." + MINIMUM_VERSION[1]);
      }
      return path;
    }
    Optional<Path> onPath = onPath(pathEnv);
    if (onPath.isPresent() && isSupported(version(onPath.get()))) {
      return onPath.get();
    }
    return bundled();
  }

  /** The first executable {@code redis-server} in the given {@code PATH} value, if any. */
  static Optional<Path> onPath(String pathEnv) {
    if (pathEnv == null) {
      return Optional.empty();
    }
    for (String dir : pathEnv.split(Pattern.quote(File.pathSeparator))) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, "redis-server");
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /**
   * The fallback binary from {@value #BUNDLED_ARTIFACT}, extracted to a temporary executable file
   * (once per JVM, deleted when the JVM exits).
   */
  public static synchronized Path bundled() {
    if (bundled != null && Files.isExecutable(bundled)) {
      return bundled;
    }
    String resource = bundledResourceName();
    try (InputStream in = RedisBinary.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(
            "no redis-server on PATH, and the resource " + resource + " is not on the test "
                + "classpath: check the " + BUNDLED_ARTIFACT + " test dependency in redis/pom.xml "
                + "(its version decides the resource names), or set -D" + PROPERTY);
      }
      Path file = Files.createTempFile("sluice-redis-server-", "");
      file.toFile().deleteOnExit();
      Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
      bundled = file;
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("could not extract " + resource + " from the classpath", e);
    }
  }

  /** The resource name of this platform's binary inside the {@value #BUNDLED_ARTIFACT} jar. */
  static String bundledResourceName() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    boolean x64 = arch.equals("amd64") || arch.equals("x86_64");
    boolean arm64 = arch.equals("aarch64") || arch.equals("arm64");
    if (os.contains("linux") && x64) {
      return "redis-server-6.2.6-v5-linux-amd64";
    }
    if (os.contains("linux") && arm64) {
      return "redis-server-6.2.7-linux-arm64";
    }
    if (os.contains("mac") && x64) {
      return "redis-server-6.2.6-v5-darwin-amd64";
    }
    if (os.contains("mac") && arm64) {
      return "redis-server-6.2.6-v5-darwin-arm64";
    }
    throw new IllegalStateException(
        BUNDLED_ARTIFACT + " ships no redis-server >= 6.2 for " + os + "/" + arch
            + ": put one on PATH or set -D" + PROPERTY);
  }

  /** The version {@code binary --version} reports, such as {@code 7.0.15}. */
  static String version(Path binary) {
    try {
      Process process =
          new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
      String output;
      try (InputStream in = process.getInputStream()) {
        output = new String(in.readNBytes(4096), StandardCharsets.UTF_8).trim();
      }
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(binary + " --version did not finish within 10 s");
      }
      Matcher m = VERSION.matcher(output);
      if (!m.find()) {
        throw new IllegalStateException(
            binary + " --version printed no version (v=X.Y.Z): " + output);
      }
      return m.group(1) + "." + m.group(2) + "." + m.group(3);
    } catch (IOException e) {
      throw new UncheckedIOException("could not run " + binary + " --version", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + binary + " --version", e);
    }
  }

  /** Whether a version string such as {@code 6.2.11} is at least {@link #MINIMUM_VERSION}. */
  static boolean isSupported(String version) {
    String[] parts = version.split("\\.");
    int major = Integer.parseInt(parts[0]);
    int minor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
    return major > MINIMUM_VERSION[0]
        || (major == MINIMUM_VERSION[0] && minor >= MINIMUM_VERSION[1]);
  }
}
