package dev.sluice.server.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.sluice.server.config.ConfigFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watch: one callback per settled change, within 2 s, through the watch service or the poll,
 * across symlink swaps of the root and of a ConfigMap's {@code ..data}. Waits are bounded
 * (Awaitility); "nothing more happens" is a bounded {@code during}.
 */
class RuntimeSourceWatchTest {

  @TempDir
  Path tmp;

  private RuntimeSource source;
  private final AtomicInteger calls = new AtomicInteger();
  /** What a reload read at its last call. */
  private final AtomicReference<List<ConfigFile>> lastRead = new AtomicReference<>();

  @AfterEach
  void close() {
    if (source != null) {
      source.close();
    }
  }

  private static ConditionFactory within2s() {
    return await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20));
  }

  /** Asserts that the count stays {@code n} for a while (longer than the debounce and a poll). */
  private void staysAt(int n) {
    await().during(Duration.ofMillis(1_500)).atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(50))
        .until(() -> calls.get() == n);
  }

  private Path write(Path p, String content) throws IOException {
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
    return p;
  }

  /** Watches with a reload that reads, as the server does. */
  private RuntimeSource watch(RuntimeSource s) {
    source = s;
    s.watch(() -> {
      try {
        lastRead.set(s.read());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } finally {
        calls.incrementAndGet();
      }
    });
    return s;
  }

  private List<String> contents() {
    return lastRead.get().stream().map(ConfigFile::content).toList();
  }

  @Test
  void addModifyRenameAndDeleteEachCallBackOnce() throws IOException {
    Path dir = tmp.resolve("config");
    write(dir.resolve("a.yaml"), "domain: a");
    watch(new RuntimeSource(dir, null, false, RuntimeSource.DEFAULT_POLL_INTERVAL));

    write(dir.resolve("b.yaml"), "domain: b");
    within2s().until(() -> calls.get() == 1);
    assertThat(contents()).containsExactly("domain: a", "domain: b");

    write(dir.resolve("b.yaml"), "domain: B"); // same size: the contents are compared, not sizes or times
    within2s().until(() -> calls.get() == 2);
    assertThat(contents()).containsExactly("domain: a", "domain: B");

    Files.move(dir.resolve("b.yaml"), dir.resolve("c.yaml"));
    within2s().until(() -> calls.get() == 3);
    assertThat(lastRead.get()).extracting(ConfigFile::name).containsExactly(dir.resolve("a.yaml").toString(),
        dir.resolve("c.yaml").toString());

    Files.delete(dir.resolve("a.yaml"));
    within2s().until(() -> calls.get() == 4);
    assertThat(contents()).containsExactly("domain: B");

    write(dir.resolve("sub/d.yaml"), "domain: d"); // a new subdirectory
    within2s().until(() -> calls.get() == 5);
    write(dir.resolve("sub/d.yaml"), "domain: D");
    within2s().until(() -> calls.get() == 6);
    assertThat(contents()).containsExactly("domain: B", "domain: D");
    staysAt(6);
  }

  @Test
  void changesThatChangeNoFileCallNothing() throws IOException {
    Path dir = tmp.resolve("config");
    Path a = write(dir.resolve("a.yaml"), "domain: a");
    watch(new RuntimeSource(dir, null, true, RuntimeSource.DEFAULT_POLL_INTERVAL));
    write(a, "domain: a"); // rewritten with the same contents
    Files.setLastModifiedTime(a, java.nio.file.attribute.FileTime.fromMillis(0)); // touched
    write(dir.resolve(".a.yaml.swp"), "editor"); // an ignored dotfile
    write(dir.resolve(".git/HEAD"), "ref"); // in an ignored dot directory
    write(tmp.resolve("elsewhere.yaml"), "domain: x"); // next to the config directory
    staysAt(0);
  }

  @Test
  void dotFilesCountWhenNotIgnored() throws IOException {
    Path dir = tmp.resolve("config");
    write(dir.resolve("a.yaml"), "domain: a");
    watch(new RuntimeSource(dir, null, false, RuntimeSource.DEFAULT_POLL_INTERVAL));
    write(dir.resolve(".b.yaml"), "domain: b");
    within2s().until(() -> calls.get() == 1);
    assertThat(contents()).containsExactly("domain: b", "domain: a");
  }

  @Test
  void aBurstOfChangesIsOneCall() throws IOException {
    Path dir = tmp.resolve("config");
    write(dir.resolve("a.yaml"), "domain: a");
    watch(new RuntimeSource(dir, null, false, RuntimeSource.DEFAULT_POLL_INTERVAL));
    for (int i = 0; i < 30; i++) {
      write(dir.resolve("burst-" + i + ".yaml"), "domain: d" + i);
      write(dir.resolve("a.yaml"), "domain: a" + i);
    }
    within2s().until(() -> calls.get() >= 1);
    staysAt(1);
    assertThat(lastRead.get()).hasSize(31);
    assertThat(contents()).contains("domain: a29");
  }

  /** envoyproxy/ratelimit's RUNTIME_WATCH_ROOT case: RUNTIME_ROOT is a symlink pointed at a new version. */
  @Test
  void aSymlinkSwapOfTheRootCallsBackAndTheNewTargetIsWatched() throws IOException {
    write(tmp.resolve("v1/ratelimit/config/a.yaml"), "domain: one");
    write(tmp.resolve("v2/ratelimit/config/a.yaml"), "domain: two");
    Path root = Files.createSymbolicLink(tmp.resolve("current"), tmp.resolve("v1"));
    Path dir = root.resolve("ratelimit/config");
    RuntimeSource s = new RuntimeSource(dir, root, false, RuntimeSource.DEFAULT_POLL_INTERVAL);
    assertThat(s.read()).extracting(ConfigFile::content).containsExactly("domain: one");
    watch(s);

    swap(root, tmp.resolve("v2"));
    within2s().until(() -> calls.get() == 1);
    assertThat(contents()).containsExactly("domain: two");
    assertThat(lastRead.get().get(0).name()).isEqualTo(dir.resolve("a.yaml").toString());

    write(tmp.resolve("v2/ratelimit/config/a.yaml"), "domain: TWO");
    within2s().until(() -> calls.get() == 2);
    assertThat(contents()).containsExactly("domain: TWO");
    staysAt(2);
  }

  /** The watch service alone (no poll for an hour): events in the directory and its root's parent. */
  @Test
  @EnabledOnOs(OS.LINUX)
  void theWatchServiceAloneSeesChangesAndSwaps() throws IOException {
    write(tmp.resolve("v1/config/a.yaml"), "domain: one");
    write(tmp.resolve("v2/config/a.yaml"), "domain: two");
    Path root = Files.createSymbolicLink(tmp.resolve("current"), tmp.resolve("v1"));
    watch(new RuntimeSource(root.resolve("config"), root, false, Duration.ofHours(1)));

    write(tmp.resolve("v1/config/b.yaml"), "domain: b");
    within2s().until(() -> calls.get() == 1);
    swap(root, tmp.resolve("v2"));
    within2s().until(() -> calls.get() == 2);
    assertThat(contents()).containsExactly("domain: two");
    write(tmp.resolve("v2/config/a.yaml"), "domain: TWO"); // registered after the swap
    within2s().until(() -> calls.get() == 3);
    assertThat(contents()).containsExactly("domain: TWO");
  }

  /** The poll alone (as where inotify misses a swap): the same changes, seen by reading. */
  @Test
  void thePollAloneSeesChangesAndSwaps() throws IOException {
    write(tmp.resolve("v1/config/a.yaml"), "domain: one");
    write(tmp.resolve("v2/config/a.yaml"), "domain: two");
    Path root = Files.createSymbolicLink(tmp.resolve("current"), tmp.resolve("v1"));
    watch(new RuntimeSource(root.resolve("config"), root, false, Duration.ofMillis(100), false));

    write(tmp.resolve("v1/config/b.yaml"), "domain: b");
    within2s().until(() -> calls.get() == 1);
    swap(root, tmp.resolve("v2"));
    within2s().until(() -> calls.get() == 2);
    assertThat(contents()).containsExactly("domain: two");
    staysAt(2);
  }

  /** A Kubernetes ConfigMap update: a new {@code ..2024...} directory, then {@code ..data} swapped to it. */
  @Test
  void aConfigMapDataSwapCallsBack() throws IOException {
    Path dir = tmp.resolve("config");
    write(dir.resolve("..v1/limits.yaml"), "domain: one");
    Files.createSymbolicLink(dir.resolve("..data"), Path.of("..v1"));
    Files.createSymbolicLink(dir.resolve("limits.yaml"), Path.of("..data/limits.yaml"));
    RuntimeSource s = new RuntimeSource(dir, null, true, RuntimeSource.DEFAULT_POLL_INTERVAL);
    s.read();
    watch(s);

    write(dir.resolve("..v2/limits.yaml"), "domain: two");
    swap(dir.resolve("..data"), Path.of("..v2"));
    within2s().until(() -> calls.get() == 1);
    assertThat(contents()).containsExactly("domain: two");
    staysAt(1);
  }

  @Test
  void aConfigDirectoryThatAppearsLaterCallsBack() throws IOException {
    Path dir = tmp.resolve("runtime/config");
    watch(new RuntimeSource(dir, null, false, RuntimeSource.DEFAULT_POLL_INTERVAL));
    write(dir.resolve("a.yaml"), "domain: a");
    within2s().until(() -> calls.get() == 1);
    assertThat(contents()).containsExactly("domain: a");
  }

  @Test
  void aChangeBetweenReadAndWatchIsNotLost() throws IOException {
    Path dir = tmp.resolve("config");
    write(dir.resolve("a.yaml"), "domain: a");
    RuntimeSource s = new RuntimeSource(dir, null, false, RuntimeSource.DEFAULT_POLL_INTERVAL);
    s.read();
    write(dir.resolve("a.yaml"), "domain: A");
    watch(s);
    within2s().until(() -> calls.get() == 1);
    assertThat(contents()).containsExactly("domain: A");
  }

  @Test
  void aCallbackThatThrowsDoesNotStopTheWatch() throws IOException {
    Path dir = tmp.resolve("config");
    write(dir.resolve("a.yaml"), "domain: a");
    source = new RuntimeSource(dir, null, false, RuntimeSource.DEFAULT_POLL_INTERVAL);
    source.watch(() -> {
      if (calls.incrementAndGet() == 1) {
        throw new IllegalStateException("a reload failed");
      }
    });
    write(dir.resolve("a.yaml"), "domain: 1");
    within2s().until(() -> calls.get() == 1);
    write(dir.resolve("a.yaml"), "domain: 2");
    within2s().until(() -> calls.get() == 2);
  }

  @Test
  void closeStopsTheThread() throws IOException {
    Path dir = tmp.resolve("config");
    write(dir.resolve("a.yaml"), "domain: a");
    RuntimeSource s = watch(new RuntimeSource(dir, null, false, RuntimeSource.DEFAULT_POLL_INTERVAL));
    Thread t = s.thread();
    assertThat(t.isAlive()).isTrue();
    assertThat(t.isDaemon()).isTrue();
    assertThatThrownBy(() -> s.watch(() -> { })).isInstanceOf(IllegalStateException.class)
        .hasMessage("this RuntimeSource of " + dir + " is already watching");
    s.close();
    within2s().until(() -> !t.isAlive());
    s.close();
    assertThatThrownBy(() -> s.watch(() -> { })).isInstanceOf(IllegalStateException.class)
        .hasMessage("this RuntimeSource of " + dir + " is closed");
    write(dir.resolve("a.yaml"), "domain: b");
    assertThat(calls.get()).isZero();
    assertThat(s.read()).hasSize(1); // reading still works
  }

  @Test
  void aCallbackMayCloseItsSource() throws IOException {
    Path dir = tmp.resolve("config");
    write(dir.resolve("a.yaml"), "domain: a");
    source = new RuntimeSource(dir, null, false, RuntimeSource.DEFAULT_POLL_INTERVAL);
    source.watch(() -> {
      calls.incrementAndGet();
      source.close();
    });
    Thread t = source.thread();
    write(dir.resolve("a.yaml"), "domain: b");
    within2s().until(() -> calls.get() == 1 && !t.isAlive());
  }

  @Test
  void closingAnUnwatchedSourceIsFine() {
    RuntimeSource s = new RuntimeSource(tmp, null, false, RuntimeSource.DEFAULT_POLL_INTERVAL);
    s.close();
    assertThat(s.thread()).isNull();
  }

  /** Points the symlink {@code link} at {@code target} atomically: a new link renamed over the old one. */
  private static void swap(Path link, Path target) throws IOException {
    Path tmpLink = link.resolveSibling(link.getFileName() + ".tmp");
    Files.createSymbolicLink(tmpLink, target);
    Files.move(tmpLink, link, StandardCopyOption.ATOMIC_MOVE);
  }
}
