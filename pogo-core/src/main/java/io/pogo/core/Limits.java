package io.pogo.core;

/**
 * Bounds of the child operations that every face must agree on: the registry enforces them, the HTTP API and the CLI
 * size their own timeouts from them.
 */
public final class Limits {
  private Limits() {
  }

  /** {@code pogo.child.await}: how long a wait lasts when the request does not say. */
  public static final long AWAIT_DEFAULT_TIMEOUT_MS = 30_000;
  /** {@code pogo.child.await}: the longest wait. */
  public static final long AWAIT_MAX_TIMEOUT_MS = 600_000;
  /** {@code pogo.child.start.batch}: the most children in one batch. */
  public static final int BATCH_MAX_CHILDREN = 1_000;
  /** {@code pogo.child.start.batch}: starts the registry runs at once. */
  public static final int BATCH_PARALLEL = 16;
}
