package dev.sluice.server.config;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Parse;
import org.snakeyaml.engine.v2.common.SpecVersion;
import org.snakeyaml.engine.v2.events.AliasEvent;
import org.snakeyaml.engine.v2.events.CollectionEndEvent;
import org.snakeyaml.engine.v2.events.CollectionStartEvent;
import org.snakeyaml.engine.v2.events.DocumentEndEvent;
import org.snakeyaml.engine.v2.events.DocumentStartEvent;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.MappingStartEvent;
import org.snakeyaml.engine.v2.events.NodeEvent;
import org.snakeyaml.engine.v2.events.ScalarEvent;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * One node of a YAML document, as yaml.v2's parser builds them: scalars keep their text, whether
 * they were plain and their explicit tag, unresolved; aliases stay aliases (pointing at their
 * anchor's node), so that decoding can count and check them the way yaml.v2 does. snakeyaml-engine
 * supplies the syntax (its event parser); nothing of its YAML 1.2 value resolution is used.
 */
final class YamlNode {

  /** Deepest nesting read; yaml.v2 allows 10000, which Java recursion does not reliably. */
  static final int MAX_DEPTH = 1000;

  enum Kind { SCALAR, MAPPING, SEQUENCE, ALIAS }

  final Kind kind;
  /** 1-based line where the node starts. */
  final int line;
  /** Explicit tag in short form ({@code !!int}), or null. */
  final String tag;
  /** A scalar's text, or an alias's anchor name. */
  final String value;
  /** Whether a scalar is plain (unquoted, not a block scalar). */
  final boolean plain;
  /** A sequence's items, or a mapping's keys and values alternating. */
  final List<YamlNode> children = new ArrayList<>();
  /** An alias's target. */
  YamlNode target;

  private YamlNode(Kind kind, int line, String tag, String value, boolean plain) {
    this.kind = kind;
    this.line = line;
    this.tag = tag;
    this.value = value;
    this.plain = plain;
  }

  /** This node, or the node an alias points at. */
  YamlNode resolved() {
    return kind == Kind.ALIAS ? target : this;
  }

  /** A YAML document that does not parse: the reason names the line, as yaml.v2's do. */
  static final class SyntaxError extends Exception {
    private static final long serialVersionUID = 1L;

    SyntaxError(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * The first document of {@code content}, as yaml.v2's {@code Unmarshal} reads it: the rest of
   * the stream is not parsed. Where libyaml's syntax differs from snakeyaml-engine's (YAML 1.1
   * against 1.2) in double-quoted scalars, libyaml's is followed: {@code \'} is an escaped quote,
   * {@code \/} is no escape, and an escape must not name a surrogate (U+D800 to U+DFFF); a
   * {@code %YAML} directive must say 1.1. NEL (U+0085) is a line break, as in YAML 1.1; the other
   * two YAML 1.1 line breaks, U+2028 and U+2029, are refused.
   *
   * @return the document's root node, or null if the stream holds no document
   */
  static YamlNode parseFirstDocument(String content) throws SyntaxError {
    String text = content.startsWith("\uFEFF") ? content.substring(1) : content;
    text = text.replace('\u0085', '\n'); // libyaml reads NEL as a line break, as LF
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\u2028' || c == '\u2029') { // libyaml: a line break, kept in scalars; not followed here
        int line = 1 + (int) text.substring(0, i).chars().filter(x -> x == '\n').count();
        throw new SyntaxError("line " + line + ": " + String.format("U+%04X", (int) c)
            + " (a YAML 1.1 line break) is not supported; use a newline, or an escape in a double-quoted scalar");
      }
    }
    while (true) {
      try {
        return build(text);
      } catch (MarkedYamlEngineException e) {
        int at = escapedQuote(text, e);
        if (at < 0) {
          int line = e.getProblemMark().or(e::getContextMark).map(Mark::getLine).orElse(-1) + 1;
          String problem = e.getProblem() == null ? e.getContext() : e.getProblem();
          throw new SyntaxError(line > 0 ? "line " + line + ": " + problem : problem);
        }
        text = text.substring(0, at) + "\\x27" + text.substring(at + 2); // libyaml reads \' as '
      } catch (YamlEngineException e) {
        throw new SyntaxError(e.getMessage());
      }
    }
  }

  /** Where snakeyaml-engine refused a {@code \'} escape (which libyaml takes), or -1. */
  private static int escapedQuote(String text, MarkedYamlEngineException e) {
    if (e.getProblem() == null || !e.getProblem().startsWith("found unknown escape character")
        || e.getProblemMark().isEmpty()) {
      return -1;
    }
    int quote = text.offsetByCodePoints(0, Math.min(e.getProblemMark().get().getIndex(), text.codePointCount(0, text.length())));
    return quote >= 1 && quote < text.length() && text.charAt(quote) == '\'' && text.charAt(quote - 1) == '\\'
        ? quote - 1 : -1;
  }

  private static YamlNode build(String text) throws SyntaxError {
    LoadSettings settings = LoadSettings.builder()
        .setCodePointLimit(Integer.MAX_VALUE)
        .setUseMarks(true)
        .build();
    Map<String, YamlNode> anchors = new HashMap<>();
    Deque<YamlNode> open = new ArrayDeque<>();
    Source source = new Source(text);
    YamlNode root = null;
    for (Event e : new Parse(settings).parseString(text)) {
      if (e instanceof DocumentEndEvent) {
        break;
      }
      if (e instanceof CollectionEndEvent) {
        open.pop();
        continue;
      }
      if (e instanceof DocumentStartEvent d && d.getSpecVersion().isPresent()) {
        SpecVersion v = d.getSpecVersion().get();
        if (v.getMajor() != 1 || v.getMinor() != 1) { // libyaml reads %YAML 1.1 only
          int line = d.getStartMark().map(m -> m.getLine() + 1).orElse(0);
          throw new SyntaxError("line " + line + ": found incompatible YAML document");
        }
      }
      if (!(e instanceof NodeEvent ne)) {
        continue; // stream and document start, comments
      }
      YamlNode n = node(ne, anchors);
      if (e instanceof ScalarEvent s && s.isDQuoted()) {
        source.checkEscapes(s, n.line);
      }
      if (open.isEmpty()) {
        root = n;
      } else {
        open.peek().children.add(n);
      }
      if (e instanceof CollectionStartEvent) {
        if (open.size() >= MAX_DEPTH) {
          throw new SyntaxError("line " + n.line + ": exceeded max depth of " + MAX_DEPTH);
        }
        open.push(n);
      }
    }
    return root;
  }

  /** The document's text, read forwards from scalar to scalar by code point index. */
  private static final class Source {
    private final String text;
    private int codePoint;
    private int charIndex;

    Source(String text) {
      this.text = text;
    }

    private int charIndex(int codePointIndex) {
      if (codePointIndex < codePoint) {
        codePoint = 0;
        charIndex = 0;
      }
      while (codePoint < codePointIndex && charIndex < text.length()) {
        charIndex += Character.charCount(text.codePointAt(charIndex));
        codePoint++;
      }
      return charIndex;
    }

    /** Refuses what libyaml refuses in a double-quoted scalar that snakeyaml-engine takes. */
    void checkEscapes(ScalarEvent s, int line) throws SyntaxError {
      if (s.getStartMark().isEmpty() || s.getEndMark().isEmpty()) {
        return;
      }
      int from = charIndex(s.getStartMark().get().getIndex());
      int to = charIndex(s.getEndMark().get().getIndex());
      for (int i = from + 1; i < to - 1; i++) {
        if (text.charAt(i) != '\\') {
          continue;
        }
        char c = text.charAt(i + 1);
        if (c == '/') {
          throw new SyntaxError("line " + line + ": found unknown escape character");
        }
        int length = c == 'u' ? 4 : c == 'U' ? 8 : c == 'x' ? 2 : 0;
        if (length > 0 && i + 2 + length <= to) {
          long code = Long.parseLong(text.substring(i + 2, i + 2 + length), 16);
          if ((code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF) {
            throw new SyntaxError("line " + line + ": found invalid Unicode character escape code");
          }
        }
        i += 1 + length;
      }
    }
  }

  private static YamlNode node(NodeEvent e, Map<String, YamlNode> anchors) throws SyntaxError {
    int line = e.getStartMark().map(m -> m.getLine() + 1).orElse(0);
    YamlNode n;
    if (e instanceof AliasEvent a) {
      String name = a.getAlias().getValue();
      n = new YamlNode(Kind.ALIAS, line, null, name, false);
      n.target = anchors.get(name);
      if (n.target == null) {
        throw new SyntaxError("line " + line + ": unknown anchor '" + name + "' referenced");
      }
      return n;
    }
    if (e instanceof ScalarEvent s) {
      n = new YamlNode(Kind.SCALAR, line, GoYaml.shortTag(s.getTag().orElse(null)), s.getValue(), s.isPlain());
    } else {
      CollectionStartEvent c = (CollectionStartEvent) e;
      n = new YamlNode(c instanceof MappingStartEvent ? Kind.MAPPING : Kind.SEQUENCE, line,
          GoYaml.shortTag(c.getTag().orElse(null)), null, false);
    }
    e.getAnchor().ifPresent(a -> anchors.put(a.getValue(), n));
    return n;
  }

  /** The node's text for a message: a scalar's value, or its kind. */
  String describe() {
    YamlNode r = resolved();
    return switch (r.kind) {
      case SCALAR -> r.value;
      case MAPPING -> "a mapping";
      case SEQUENCE -> "a list";
      case ALIAS -> "an alias";
    };
  }
}
