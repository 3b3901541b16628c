package dev.sluice.server;

import dev.sluice.server.config.ConfigException;
import dev.sluice.server.config.ConfigFile;
import dev.sluice.server.config.ConfigLoader;
import dev.sluice.server.config.RateLimitConfig;
import dev.sluice.server.runtime.RuntimeSource;
import dev.sluice.server.settings.Settings;
import dev.sluice.server.settings.SettingsException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The {@code sluice-server} command line: {@code serve}, {@code config check}, {@code settings}. */
@Command(name = "sluice-server", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
    description = {
        "A rate limit service: a drop-in replacement for envoyproxy/ratelimit (same gRPC and HTTP API, config",
        "files and environment variables) on Sluice's exact algorithms and stores.",
        "",
        "Start it on this machine with the example config and a SQLite file in ./data:",
        "  sluice-server serve --local",
        "Start it as envoyproxy/ratelimit would run (settings from the environment):",
        "  BACKEND_TYPE=redis REDIS_URL=redis:6379 RUNTIME_ROOT=/data RUNTIME_SUBDIRECTORY=ratelimit sluice-server serve",
        "Check config files before deploying them:",
        "  sluice-server config check examples/config",
        "",
        "Every setting is in docs/server.md; `sluice-server settings` lists them with their defaults."},
    subcommands = {Main.Serve.class, Main.ConfigCommand.class, Main.SettingsCommand.class})
public final class Main implements Runnable {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /**
   * Runs the command line and exits with its status.
   *
   * @param args the arguments
   */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line; returns the exit status. */
  static int run(String... args) {
    return new CommandLine(new Main()).execute(args);
  }

  /** {@code --version}. */
  static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"sluice-server " + Version.get(), "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"};
    }
  }

  /** {@code serve}. */
  @Command(name = "serve", mixinStandardHelpOptions = true,
      description = {
          "Runs the server until SIGTERM or SIGINT (Ctrl-C), then stops gracefully: health turns to",
          "failing, listeners stop accepting, calls in flight finish, the store is closed; exit status 0.",
          "Settings come from environment variables (envoyproxy/ratelimit's names, docs/server.md)."})
  static final class Serve implements Callable<Integer> {

    @Option(names = "--local", description = {
        "Defaults for trying it out: listen on 127.0.0.1 only, SQLite store in ./data/sluice.db,",
        "config from ./examples/config. Environment variables that are set still win."})
    boolean local;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      Map<String, String> env = new HashMap<>(System.getenv());
      if (local) {
        env.putIfAbsent("HOST", "127.0.0.1");
        env.putIfAbsent("GRPC_HOST", "127.0.0.1");
        env.putIfAbsent("DEBUG_HOST", "127.0.0.1");
        env.putIfAbsent("BACKEND_TYPE", "sqlite");
        env.putIfAbsent("SQLITE_PATH", "data/sluice.db");
        env.putIfAbsent("RUNTIME_ROOT", "examples");
        env.putIfAbsent("RUNTIME_SUBDIRECTORY", "");
        env.putIfAbsent("RUNTIME_APPDIRECTORY", "config");
        env.putIfAbsent("RUNTIME_WATCH_ROOT", "false");
        env.putIfAbsent("USE_STATSD", "false");
      }
      PrintWriter err = spec.commandLine().getErr();
      Settings settings;
      try {
        settings = Settings.fromEnvironment(env);
      } catch (SettingsException e) {
        err.println("sluice-server: " + e.getMessage());
        err.flush();
        return 2;
      }
      Logs.configure(settings.log());
      for (String notice : settings.notices()) {
        err.println("note: " + notice);
      }
      CountDownLatch stop = new CountDownLatch(1);
      Signals.onStop(stop::countDown);
      SluiceServer server;
      try {
        server = SluiceServer.start(settings);
      } catch (Exception e) {
        err.println("sluice-server: cannot start: " + e.getMessage());
        err.flush();
        return 1;
      }
      server.printBanner(System.out);
      System.out.flush();
      stop.await();
      System.out.println("stopping: draining calls in flight, closing the store");
      server.close();
      System.out.println("stopped");
      return 0;
    }
  }

  /** {@code config}. */
  @Command(name = "config", mixinStandardHelpOptions = true, description = "Config files.",
      subcommands = {ConfigCheck.class})
  static final class ConfigCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }
  }

  /** {@code config check}. */
  @Command(name = "check", mixinStandardHelpOptions = true,
      description = {
          "Validates config files as the server would load them and prints each domain's descriptor tree",
          "with the policy each leaf maps to. Exit status 0 if valid, 1 if not (the message names the",
          "file, the path in the tree and the reason)."})
  static final class ConfigCheck implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "FILE|DIR", description = "YAML files, or directories of them (*.yaml, *.yml)")
    List<Path> paths;

    @Option(names = "--merge", description = "Merge files of the same domain (MERGE_DOMAIN_CONFIG=true).")
    boolean merge;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      List<ConfigFile> files = new java.util.ArrayList<>();
      try {
        for (Path p : paths) {
          if (Files.isDirectory(p)) {
            try (RuntimeSource source = new RuntimeSource(p, null, true, RuntimeSource.DEFAULT_POLL_INTERVAL)) {
              files.addAll(source.read());
            }
          } else if (Files.isRegularFile(p)) {
            files.add(new ConfigFile(p.toString(), utf8(p)));
          } else {
            err.println("config check: " + p + ": no such file or directory");
            err.flush();
            return 1;
          }
        }
        RateLimitConfig config = ConfigLoader.load(files, merge);
        out.print(config.tree());
        out.println("valid: " + files.size() + " file(s), " + config.domains().size() + " domain(s)");
        out.flush();
        return 0;
      } catch (ConfigException e) {
        err.println("invalid: " + e.getMessage());
        err.flush();
        return 1;
      } catch (IOException e) {
        err.println("config check: " + e.getMessage());
        err.flush();
        return 1;
      }
    }

    private static String utf8(Path p) throws IOException {
      try {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(p))).toString();
      } catch (CharacterCodingException e) {
        throw new IOException(p + ": not valid UTF-8", e);
      }
    }
  }

  /** {@code settings}. */
  @Command(name = "settings", mixinStandardHelpOptions = true,
      description = "Lists every environment variable the server reads, with its default and what Sluice does with it.")
  static final class SettingsCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      spec.commandLine().getOut().print(Settings.reference());
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
