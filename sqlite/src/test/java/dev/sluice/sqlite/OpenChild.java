package dev.sluice.sqlite;

import java.nio.file.Path;

/**
 * A second process for {@link FileIdentityTest}: tries to open a store on the path it is given and
 * prints {@code OPENED} (then closes it) or {@code REFUSED <message>}.
 */
public final class OpenChild {
  public static void main(String[] args) {
    try (SqliteStore store = SqliteStore.open(Path.of(args[0])).build()) {
      System.out.println("OPENED " + store.path());
    } catch (IllegalStateException e) {
      System.out.println("REFUSED " + e.getMessage());
    }
  }
}
