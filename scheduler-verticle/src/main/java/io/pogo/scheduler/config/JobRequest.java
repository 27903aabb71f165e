package io.pogo.scheduler.config;

import java.util.List;

/**
 * A job as asked for, valid (built by {@code JobRequestParser}), before its targets are expanded. JSON field names
 * are the public contract: {@code namespace, targets, command, mode, concurrency, hostTimeout, jobTimeout,
 * maxFailures, retries, user, outputLimit, requestId}.
 *
 * @param namespace     the namespace whose config and shared limits apply; null: no constraints
 * @param targets       as given: host names, globs ({@code web[01-20].east}, {@code db{1,2}}), tag expressions
 *                      ({@code $colo.east}, needs a namespace)
 * @param command       argv; every {@code {host}} in an argument is replaced by the target; no shell
 * @param mode          agent or worker
 * @param concurrency   job-wide limit on hosts running (and failed hosts holding) at once, of the job's hosts;
 *                      null: no job-wide limit
 * @param hostTimeoutMs a task running longer is killed and the host is {@code timed_out}
 * @param jobTimeoutMs  the job ends {@code timed_out} after this long: running tasks are killed, waiting hosts halted
 * @param maxFailures   failure budget over the job's hosts: this many failed hosts halt the job; null: none
 * @param retries       automatic re-runs of a failed host (0 to {@link #MAX_RETRIES})
 * @param user          who asked (free text; the CLI sends the OS user)
 * @param outputLimitBytes output kept per host and attempt; beyond it the output is cut with a marker
 * @param requestId     the client's idempotency key: a request sent again with the same key (a retry after a timeout
 *                      or a failover) gets the job the first one created instead of a second job; null: none
 */
public record JobRequest(String namespace, List<String> targets, List<String> command, JobMode mode,
                         Limit concurrency, long hostTimeoutMs, long jobTimeoutMs, Limit maxFailures, int retries,
                         String user, int outputLimitBytes, String requestId) {

  public static final long DEFAULT_HOST_TIMEOUT_MS = 600_000;
  public static final long DEFAULT_JOB_TIMEOUT_MS = 3_600_000;
  public static final long MAX_TIMEOUT_MS = 7L * 86_400_000;
  public static final int MAX_RETRIES = 10;
  public static final int DEFAULT_OUTPUT_LIMIT_BYTES = 64 << 10;
  public static final int MAX_OUTPUT_LIMIT_BYTES = 16 << 20;
  /** At most this many hosts after expansion. */
  public static final int MAX_HOSTS = 100_000;
  public static final JobMode DEFAULT_MODE = JobMode.WORKER;
  public static final int MAX_REQUEST_ID_LENGTH = 128;

  public JobRequest {
    targets = List.copyOf(targets);
    command = List.copyOf(command);
  }
}
