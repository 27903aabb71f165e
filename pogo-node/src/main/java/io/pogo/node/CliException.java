package io.pogo.node;

import java.util.List;

/**
 * A CLI failure that ends the command with {@link #exitCode()}: the message is printed as {@code error: <message>}
 * followed by each detail line.
 */
final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The API answered with an error (4xx, 5xx). */
  static final int API_ERROR = 1;
  /** The command line was wrong. */
  static final int USAGE = 2;
  /** The node could not be reached. */
  static final int UNREACHABLE = 3;

  private final int exitCode;
  private final List<String> details;
  /** With --json: printed to stdout instead of the message. */
  private final String rawBody;

  CliException(int exitCode, String message, List<String> details, String rawBody) {
    super(message, null, false, false);
    this.exitCode = exitCode;
    this.details = List.copyOf(details);
    this.rawBody = rawBody;
  }

  static CliException usage(String message) {
    return new CliException(USAGE, message, List.of(), null);
  }

  /** The same failure, ending the command with another exit code. */
  CliException withExitCode(int code) {
    return new CliException(code, getMessage(), details, rawBody);
  }

  int exitCode() {
    return exitCode;
  }

  List<String> details() {
    return details;
  }

  String rawBody() {
    return rawBody;
  }
}
