package dev.sluice.server.file;

import dev.sluice.server.file.Reference.Key;
import dev.sluice.server.file.Reference.Level;
import dev.sluice.server.config.ConfigFile;
import dev.sluice.server.settings.VariableInfo;
import java.util.List;
import java.util.Map;

/**
 * {@code docs/configuration.md}, made from the same tables as the schema ({@link ServerFileSchema}):
 * the two ways to configure the server, the server file's format and rules, the commands, every
 * setting and every key of a domain. A test fails when the committed page differs.
 */
public final class ConfigurationPage {
  private ConfigurationPage() {}

  /** The command that rewrites the page and the schema from the code. */
  public static final String REGENERATE = "./mvnw -o -B -q -pl server -am test -Djavadoc.skip"
      + " -Dtest=ConfigurationDocsTest -Dsurefire.failIfNoSpecifiedTests=false -Dsluice.regenerate=true";

  /** The example on the page. */
  static final String EXAMPLE = """
      # yaml-language-server: $schema=https://raw.githubusercontent.com/sluice-ratelimit/sluice/main/docs/sluice-server.schema.json
      settings:            # any setting below, by its environment variable's name
        BACKEND_TYPE: sqlite
        SQLITE_PATH: data/sluice.db
        GRPC_PORT: 8081
        USE_PROMETHEUS: true
      policies:            # named Sluice policies, in docs/policies.md's text form
        api: token-bucket capacity=20 rate=100/1m
        scans: budget limit=50GiB period=1d zone=Europe/Prague
      domains:             # envoyproxy/ratelimit configs, one item per config file of theirs
        - domain: example
          descriptors:
            - key: remote_address
              rate_limit: {unit: minute, requests_per_unit: 10}
            - key: api_key
              rate_limit: {policy: token-bucket capacity=20 rate=5/s}
            - key: tenant
              rate_limit: {policy: api}    # a policy above, by name
      """;

  /** The example of a file with mistakes, and what loading it says (made by loading it). */
  static final String BAD_EXAMPLE = """
      settings:
        BACKEND_TYPE: memory
        GRPC_PORT: 80a1
        GRPC_PROT: 8081
      policies:
        api: token-bucket capacity=20 rate=100/0s
      domains:
        - domain: example
          descriptors:
            - key: remote_address
              rate_limit: {unit: minutes, requests_per_unit: 10}
      limits: {}
      """;

  static String badExampleProblems() {
    try {
      ServerFile.load(new ConfigFile("bad.yaml", BAD_EXAMPLE), Map.of());
    } catch (ServerFileException e) {
      StringBuilder b = new StringBuilder();
      e.problems().forEach(p -> b.append("invalid: ").append(p).append('\n'));
      return b.toString();
    }
    throw new AssertionError("the bad example loads");
  }

  /**
   * The page.
   *
   * @return Markdown, ending with a newline; the same on every call
   */
  public static String markdown() {
    StringBuilder b = new StringBuilder();
    b.append("# Configuration\n\n")
        .append("<!-- Generated from the server's own tables by dev.sluice.server.file.ConfigurationPage, like\n")
        .append("     docs/sluice-server.schema.json; ConfigurationDocsTest fails when they and the code differ.\n")
        .append("     Do not edit by hand; regenerate both with\n")
        .append("     ").append(REGENERATE).append("\n-->\n\n");
    b.append("""
        The server reads its configuration in one of two ways:

        - **As envoyproxy/ratelimit does** (`sluice-server serve`): settings from environment
          variables, rate limit configs from the files of the runtime layout
          (`RUNTIME_ROOT/RUNTIME_SUBDIRECTORY/RUNTIME_APPDIRECTORY`), reloaded when they change. A
          deployment of theirs runs unchanged.
        - **From one server file** (`sluice-server serve --config sluice.yaml`): the same settings,
          named Sluice policies and the same rate limit configs in one YAML file, checked against a
          JSON Schema in the editor, reloaded when it changes.

        Every setting below means the same in both.

        ## The server file

        ```yaml
        """).append(EXAMPLE).append("""
        ```

        Three top-level keys, each optional; any other key is refused. A fuller example is
        `examples/sluice.yaml`.

        - **`settings`**: any setting of the [table below](#settings), by its environment variable's
          name; a name the table does not list is refused (with the nearest name). A value is one
          YAML scalar and is read from its text as written, exactly as the same text in the
          environment variable would be (Go's syntax): `8081`, `"8081"` and `0x1F91` are the same
          port, `10s` a duration, `true` or `false` a boolean; `yes` is not a boolean here, as it is
          not in the environment. An empty value (nothing, `~` or `null`) is the empty string, as
          `NAME=` is in the environment. Lists and mappings are refused: a list or map setting is
          written as its variable would be, `EXTRA_TAGS: a:1,b:2`.
        - **`policies`**: name to policy text, as [docs/policies.md](policies.md) describes
          (`token-bucket`, `fixed-window`, `sliding-log`, `sliding-counter`, `concurrency`,
          `budget`). The server's own API uses them by name, and so may a descriptor's `policy` or
          `policies` (rate policies only): the descriptor takes the named policy's definition, and
          its counts stay its own, as with a policy written out in place.
        - **`domains`**: a list whose items are envoyproxy/ratelimit config files, each exactly in
          their format (the [keys below](#domains)), read and checked as the runtime layout's files
          are: yaml.v2's YAML 1.1 rules, their key check, their messages, Sluice's `policy` and
          `policies` in `rate_limit`. `MERGE_DOMAIN_CONFIG` lets two items configure one domain.

        ### Environment and file

        An environment variable that is set (even to the empty string) wins over the file's value
        for the same setting; a setting neither gives takes its default. The start prints which
        settings came from the file and which from the environment (`over the file's` where both
        gave one), and a note names the settings that both gave. With a server file the runtime
        layout is not read: `RUNTIME_*` and `FORCE_START_WITHOUT_INITIAL_CONFIG` have no effect
        (a note says so when they are set), and the file must load for the server to start.

        ### Errors

        A file that does not load is refused whole, with every problem found, one a line in the
        order of the file, each naming the file, the line and the field. Settings are checked as the
        environment's are (a setting from the environment is named so); domains stop at their first
        fault, as envoyproxy/ratelimit's loader does. This file:

        ```yaml
        """).append(BAD_EXAMPLE).append("""
        ```

        is refused with (`sluice-server config check bad.yaml`):

        ```
        """).append(badExampleProblems()).append("""
        ```

        ### Reloading

        The file is watched (file system events and a read every second, through symbolic links,
        so a Kubernetes ConfigMap's swap is seen). When its contents change and then hold still, it
        is read and checked whole, as a start would: if it loads, its domains and policies replace
        the running ones; if it does not, the last good ones stay, the problems are logged and the
        `config_load_error` counter counts it, as with the runtime layout. Settings take effect at
        the start only: when the file's settings differ from those the server started with, the
        log says which (names, never values) and that they need a restart.

        ### Editors

        `docs/sluice-server.schema.json` is the file's JSON Schema (draft 2020-12), made from the
        same tables as this page; `sluice-server config schema` prints it. With the YAML language
        server (VS Code's YAML extension, and others), a first line
        `# yaml-language-server: $schema=<path or URL of the schema>` gives completion, the
        descriptions below on hover, and checks as you type. The schema is stricter than the server
        in two places: a domain key at a level where envoyproxy/ratelimit ignores it (such as
        `unit` beside `key`), and a unit in mixed case (`Minute`).

        ## Commands

        | command | what it does |
        |---|---|
        | `sluice-server serve` | runs the server; settings from the environment, configs from the runtime layout |
        | `sluice-server serve --config FILE` | runs the server from a server file (environment variables win over its settings) |
        | `sluice-server serve --local` | runs it on this machine to try it: loopback only, SQLite in `./data`, configs from `./examples/config` |
        | `sluice-server config check FILE\\|DIR...` | checks envoyproxy/ratelimit config files (`--merge` as `MERGE_DOMAIN_CONFIG`), or one server file whole, and prints the descriptor trees |
        | `sluice-server config schema` | prints the server file's JSON Schema |
        | `sluice-server settings` | lists every setting with its default and what Sluice does with it |

        `config check` takes a file as a server file when its top level has `settings`, `policies`
        or `domains` and neither `domain` nor `descriptors`; it reads the environment as `serve
        --config` does. Exit status 0 if valid, 1 if not.

        ## Settings

        Each setting is an environment variable of envoyproxy/ratelimit (their names, defaults and
        Go syntax) or Sluice's own, and a key of the server file's `settings`. *Supported*: honoured.
        *Partly*: the values the text names are honoured, the others stop the start with a message
        saying what to do. *Ignored*: read (a malformed value still stops the start, as it does
        theirs) but changes nothing; the start notes it when set to another value than its
        default. Secrets are masked wherever the server shows them.
        """);
    VariableInfo.Group group = null;
    for (VariableInfo v : groupedVariables()) {
      if (v.group() != group) {
        group = v.group();
        b.append("\n### ").append(Reference.title(group)).append("\n\n")
            .append("| setting | default | type | Sluice | what it does |\n|---|---|---|---|---|\n");
      }
      b.append("| `").append(v.name()).append("` | ")
          .append(v.defaultText().isEmpty() ? "" : "`" + cell(v.defaultText()) + "`").append(" | ")
          .append(Reference.syntax(v.kind())).append(" | ")
          .append(Reference.label(v.use())).append(" | ")
          .append(cell(v.text())).append(v.secret() ? " (secret)" : "").append(" |\n");
    }
    b.append("""

        ## Domains

        Each item of `domains` is one envoyproxy/ratelimit config file, in their format; their
        documentation describes how requests match descriptors. The keys, by level:
        """);
    for (Level level : Level.values()) {
      b.append("\n### ").append(capitalized(level.title)).append("\n\n| key | value | what it does |\n|---|---|---|\n");
      for (Key k : Reference.keys(level)) {
        b.append("| `").append(k.name()).append('`').append(k.required() ? " (required)" : "").append(" | ")
            .append(value(k.type())).append(" | ").append(cell(k.text())).append(" |\n");
      }
    }
    b.append("""

        Text values take any scalar but a float (`value: 200` is the text `200`); booleans take
        YAML's `true` and `false` and yaml.v2's `yes`, `no`, `on`, `off`, `y`, `n`. A key at a
        level where it does not belong is accepted and ignored, as theirs does (the schema flags
        it).
        """);
    return b.toString();
  }

  /** The variables grouped, groups in their first appearance's order, each in the table's order. */
  static List<VariableInfo> groupedVariables() {
    List<VariableInfo> all = VariableInfo.all();
    List<VariableInfo.Group> order = all.stream().map(VariableInfo::group).distinct().toList();
    return order.stream().flatMap(g -> all.stream().filter(v -> v.group() == g)).toList();
  }

  private static String value(Reference.Type t) {
    return switch (t) {
      case TEXT -> "text";
      case FLAG -> "boolean";
      case COUNT -> "whole number, 0 to 4294967295";
      case UNIT -> String.join(", ", Reference.units().subList(0, Reference.units().size() / 2));
      case DESCRIPTORS -> "list of descriptors";
      case RATE_LIMIT -> "mapping (below)";
      case REPLACES -> "list of `{name: ...}`";
      case RATE_POLICY -> "rate policy text";
      case RATE_POLICIES -> "list of rate policy texts";
      case MAPPING -> "mapping";
    };
  }

  private static String capitalized(String s) {
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  /** Text for a table cell: pipes escaped. */
  private static String cell(String s) {
    return s.replace("|", "\\|");
  }
}
