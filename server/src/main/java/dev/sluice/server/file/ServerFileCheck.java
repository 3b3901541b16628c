package dev.sluice.server.file;

import dev.sluice.Policy;
import dev.sluice.PolicyText;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code sluice-server config check} for a server file: the whole file checked as
 * {@code serve --config} reads it (with the environment's variables over its settings), then the
 * domains' descriptor trees, the policies and where the settings come from.
 */
public final class ServerFileCheck {
  private ServerFileCheck() {}

  /**
   * Whether any of the paths is a server file rather than envoyproxy/ratelimit config files
   * ({@link ServerFile#looksLike}).
   *
   * @param paths the command's paths
   * @return whether to check them as a server file
   */
  public static boolean applies(List<Path> paths) {
    for (Path p : paths) {
      if (Files.isRegularFile(p)) {
        try {
          if (ServerFile.looksLike(new String(Files.readAllBytes(p), StandardCharsets.UTF_8))) {
            return true;
          }
        } catch (IOException e) {
          // not readable: the config files' check reports it
        }
      }
    }
    return false;
  }

  /**
   * Checks a server file and prints what it holds.
   *
   * @param paths exactly one server file
   * @param env the environment, whose variables win over the file's settings
   * @param out where the result goes
   * @param err where problems go, one {@code invalid: file:line: field: reason} a line
   * @return 0 if valid, 1 if not
   */
  public static int run(List<Path> paths, Map<String, String> env, PrintWriter out, PrintWriter err) {
    try {
      if (paths.size() != 1) {
        err.println("config check: a server file is checked on its own: config check FILE");
        return 1;
      }
      ServerFile f;
      try {
        f = ServerFile.read(paths.get(0), env);
      } catch (ServerFileException e) {
        for (ServerFileException.Problem p : e.problems()) {
          err.println("invalid: " + p);
        }
        return 1;
      } catch (IOException e) {
        err.println("config check: " + paths.get(0) + ": " + e.getMessage());
        return 1;
      }
      out.print(f.config().tree());
      for (Map.Entry<String, Policy> p : f.policies().entrySet()) {
        out.println("policy " + p.getKey() + ": " + PolicyText.format(p.getValue()));
      }
      for (String line : f.describeOrigins()) {
        out.println(line);
      }
      for (String notice : f.notices()) {
        out.println("note: " + notice);
      }
      out.println("valid: " + f.name() + ": " + f.fileSettings().size() + " setting(s), " + f.policies().size()
          + " polic" + (f.policies().size() == 1 ? "y" : "ies") + ", " + f.config().domains().size() + " domain(s)");
      return 0;
    } finally {
      out.flush();
      err.flush();
    }
  }
}
