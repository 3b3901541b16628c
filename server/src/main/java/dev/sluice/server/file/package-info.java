/**
 * Sluice's server file: the server's settings, named policies and envoyproxy/ratelimit domains in
 * one YAML file ({@code sluice-server serve --config FILE}), as an alternative to the environment
 * and the runtime layout.
 *
 * <p>{@link dev.sluice.server.file.ServerFile} reads and checks a file (every problem with file,
 * line and field: {@link dev.sluice.server.file.ServerFileException});
 * {@link dev.sluice.server.file.ServerFileSource} is a file as a running server uses it, reloaded
 * when it changes; {@link dev.sluice.server.file.ServerFileSchema} and
 * {@link dev.sluice.server.file.ConfigurationPage} make the file's JSON Schema and
 * {@code docs/configuration.md} from the code's own tables.
 */
package dev.sluice.server.file;
