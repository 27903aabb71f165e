package io.pogo.web;

import io.pogo.core.error.FieldError;
import io.pogo.core.error.PogoException;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The query strings of the job routes, turned into the bodies of {@code pogo.job.list}, {@code pogo.job.hosts} and
 * {@code pogo.job.output}. Every bad parameter is named (P9); unknown ones are refused so a typo does not silently
 * widen a listing. Pure.
 */
final class JobParams {
  /** The job states of the scheduler's contract (DESIGN.md, "Jobs"). */
  static final List<String> JOB_STATES = List.of("running", "halted", "finished", "failed", "deadlocked", "timed_out");
  /** The host states of the scheduler's contract. */
  static final List<String> HOST_STATES = List.of("waiting", "ready", "running", "succeeded", "failed", "timed_out",
      "skipped", "halted", "lost");

  static final int DEFAULT_JOB_LIMIT = 50;
  /** A page of jobs stays a small reply; the listing is for people, newest first. */
  static final int MAX_JOB_LIMIT = 1000;
  static final int DEFAULT_HOST_LIMIT = 1000;
  /** A page of hosts is at most a few megabytes on the event bus; larger jobs are read in pages. */
  static final int MAX_HOST_LIMIT = 10_000;
  /** Offsets and line numbers are bounded only to keep them plain numbers. */
  static final long MAX_OFFSET = Integer.MAX_VALUE;

  private static final Set<String> JOB_LIST_PARAMS = Set.of("state", "user", "namespace", "limit", "offset");
  private static final Set<String> HOST_LIST_PARAMS = Set.of("state", "limit", "offset");
  private static final Set<String> OUTPUT_PARAMS = Set.of("attempt", "after");

  private JobParams() {
  }

  /** {@code ?state&user&namespace&limit&offset} as {@code {"state","user","namespace","limit","offset"}}. */
  static JsonObject jobList(MultiMap params) {
    List<FieldError> errs = new ArrayList<>();
    QueryParams.rejectUnknown(params, JOB_LIST_PARAMS, errs);
    JsonObject query = new JsonObject();
    putIfGiven(query, "state", QueryParams.oneOf(params, "state", JOB_STATES, errs));
    putIfGiven(query, "user", nonBlank(params, "user", errs));
    putIfGiven(query, "namespace", nonBlank(params, "namespace", errs));
    query.put("limit", QueryParams.wholeNumber(params, "limit", 1, MAX_JOB_LIMIT, DEFAULT_JOB_LIMIT, errs));
    query.put("offset", QueryParams.wholeNumber(params, "offset", 0, MAX_OFFSET, 0, errs));
    return checked(query, errs);
  }

  /** {@code ?state&limit&offset} of one job's hosts as {@code {"id","state","limit","offset"}}. */
  static JsonObject hostList(String id, MultiMap params) {
    List<FieldError> errs = new ArrayList<>();
    QueryParams.rejectUnknown(params, HOST_LIST_PARAMS, errs);
    JsonObject query = new JsonObject().put("id", id);
    putIfGiven(query, "state", QueryParams.oneOf(params, "state", HOST_STATES, errs));
    query.put("limit", QueryParams.wholeNumber(params, "limit", 1, MAX_HOST_LIMIT, DEFAULT_HOST_LIMIT, errs));
    query.put("offset", QueryParams.wholeNumber(params, "offset", 0, MAX_OFFSET, 0, errs));
    return checked(query, errs);
  }

  /**
   * {@code ?attempt&after} of one host's output as {@code {"id","host","attempt","after"}}: without {@code attempt}
   * every attempt; {@code after} is a line's {@code seq}, to follow (only lines after it).
   */
  static JsonObject output(String id, String host, MultiMap params) {
    List<FieldError> errs = new ArrayList<>();
    QueryParams.rejectUnknown(params, OUTPUT_PARAMS, errs);
    JsonObject query = new JsonObject().put("id", id).put("host", host);
    if (params.contains("attempt")) {
      query.put("attempt", QueryParams.wholeNumber(params, "attempt", 1, MAX_OFFSET, 1, errs));
    }
    if (params.contains("after")) {
      query.put("after", QueryParams.wholeNumber(params, "after", 0, Long.MAX_VALUE, 0, errs));
    }
    return checked(query, errs);
  }

  private static String nonBlank(MultiMap params, String name, List<FieldError> errs) {
    String v = QueryParams.single(params, name, errs);
    if (v != null && v.isBlank()) {
      errs.add(new FieldError(name, "must not be empty (leave it out to list every " + name + ")"));
      return null;
    }
    return v;
  }

  private static void putIfGiven(JsonObject json, String key, String value) {
    if (value != null) {
      json.put(key, value);
    }
  }

  private static JsonObject checked(JsonObject query, List<FieldError> errs) {
    if (!errs.isEmpty()) {
      throw PogoException.validation(errs);
    }
    return query;
  }
}
