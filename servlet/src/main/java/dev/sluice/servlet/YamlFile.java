package dev.sluice.servlet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Parse;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Reads the {@code sluice:} tree of a YAML file with snakeyaml-engine, safely: the YAML 1.2 core
 * schema (no Java types from tags), duplicate keys refused, at most {@value #MAX_ALIASES} aliases
 * (an alias bomb expands a few lines into billions of nodes) and {@value #MAX_BYTES} bytes. Every YAML error names the file and the line.
 */
final class YamlFile {

  /** Most aliases ({@code *name}) in a file: a configuration needs a few at most. */
  static final int MAX_ALIASES = 32;

  /** Largest file read, 1 MiB. */
  static final int MAX_BYTES = 1 << 20;

  /** The one top-level key. */
  static final String ROOT = "sluice";

  private YamlFile() {}

  /**
   * The mapping under {@code sluice:}.
   *
   * @param file the YAML file
   * @return the mapping, or null when {@code sluice:} has no value
   * @throws IllegalArgumentException naming the file (and the line, for YAML errors) when it
   *     cannot be read, is not YAML, or does not hold {@code sluice:} alone at the top
   */
  static Map<String, ?> sluiceTree(Path file) {
    String name = file.toString();
    String text;
    try {
      if (Files.size(file) > MAX_BYTES) {
        throw new IllegalArgumentException(name + ": is larger than " + MAX_BYTES + " bytes; a configuration is"
            + " a few kilobytes");
      }
      text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)))
          .toString();
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(name + ": no such file", e);
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(name + ": not UTF-8 text", e);
    } catch (IOException e) {
      throw new UncheckedIOException(name + ": cannot be read: " + e.getMessage(), e);
    }
    LoadSettings settings = LoadSettings.builder()
        .setLabel(name)
        .setSchema(new CoreSchema())
        .setAllowDuplicateKeys(false)
        .setAllowRecursiveKeys(false)
        .setAllowNonScalarKeys(false)
        .setMaxAliasesForCollections(MAX_ALIASES)
        .setCodePointLimit(MAX_BYTES)
        .build();
    Object document;
    try {
      countAliases(name, settings, text);
      document = new org.snakeyaml.engine.v2.api.Load(settings).loadFromString(text);
    } catch (MarkedYamlEngineException e) {
      throw new IllegalArgumentException(describe(name, e), e);
    } catch (YamlEngineException e) {
      throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
    }
    if (document == null) {
      throw new IllegalArgumentException(name + ": is empty; it holds the sluice: tree");
    }
    if (!(document instanceof Map<?, ?> top)) {
      throw new IllegalArgumentException(name + ": must be a mapping with the one key sluice:, not a "
          + (document instanceof java.util.List ? "list" : "single value"));
    }
    for (Object key : top.keySet()) {
      if (!ROOT.equals(key)) {
        throw new IllegalArgumentException(name + ": unknown top-level key '" + key
            + "'; the file holds the one key sluice:");
      }
    }
    if (!top.containsKey(ROOT)) {
      throw new IllegalArgumentException(name + ": has no sluice: key");
    }
    Object tree = top.get(ROOT);
    if (tree != null && !(tree instanceof Map)) {
      throw new IllegalArgumentException(name + ": sluice: must be a mapping of keys to values");
    }
    @SuppressWarnings("unchecked")
    Map<String, ?> map = (Map<String, ?>) tree;
    return map;
  }

  /** Refuses more than {@link #MAX_ALIASES} aliases at the line of the first one too many. */
  private static void countAliases(String name, LoadSettings settings, String text) {
    int aliases = 0;
    for (Event e : new Parse(settings).parseString(text)) {
      if (e.getEventId() == Event.ID.Alias && ++aliases > MAX_ALIASES) {
        throw new IllegalArgumentException(name + ":" + line(e.getStartMark()) + ": more than " + MAX_ALIASES
            + " aliases (*name); a configuration needs a few at most");
      }
    }
  }

  private static String describe(String name, MarkedYamlEngineException e) {
    StringBuilder b = new StringBuilder(name).append(':').append(line(e.getProblemMark())).append(": ")
        .append(e.getProblem() == null ? "invalid YAML" : e.getProblem());
    if (e.getContext() != null) {
      b.append(" (").append(e.getContext());
      e.getContextMark().ifPresent(m -> b.append(" at line ").append(m.getLine() + 1));
      b.append(')');
    }
    return b.toString();
  }

  private static String line(Optional<Mark> mark) {
    return mark.map(m -> Integer.toString(m.getLine() + 1)).orElse("?");
  }
}
