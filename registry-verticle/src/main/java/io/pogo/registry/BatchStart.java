package io.pogo.registry;

import io.pogo.core.child.ChildSpec;
import io.pogo.core.child.ChildSpecValidator;
import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.FieldError;
import io.pogo.core.error.PogoException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Serves {@code pogo.child.start.batch}. Every spec is validated first. With {@code onError: rollback} (the default)
 * one invalid spec rejects the whole batch before anything starts, and one failed start stops every child the batch
 * had started: all or nothing. With {@code continue} each child stands alone and the reply tells each one's fate.
 * Starts run {@value #PARALLEL} at a time.
 */
final class BatchStart {
  private static final Logger log = LoggerFactory.getLogger(BatchStart.class);
  static final int MAX_CHILDREN = io.pogo.core.Limits.BATCH_MAX_CHILDREN;
  static final int PARALLEL = io.pogo.core.Limits.BATCH_PARALLEL;
  private static final Set<String> FIELDS = Set.of("children", "onError");
  /** Failures after which nothing of the child is in the table: nothing to undo. */
  private static final Set<ErrorCode> NOTHING_RECORDED = Set.of(ErrorCode.VALIDATION_FAILED, ErrorCode.MALFORMED_REQUEST,
      ErrorCode.ALREADY_STARTED, ErrorCode.NO_ELIGIBLE_NODE, ErrorCode.QUORUM_LOST);

  private final Function<JsonObject, Future<JsonObject>> start;
  private final Function<JsonObject, Future<JsonObject>> stop;

  BatchStart(Function<JsonObject, Future<JsonObject>> start, Function<JsonObject, Future<JsonObject>> stop) {
    this.start = start;
    this.stop = stop;
  }

  private record Item(int index, JsonObject spec, String id, PogoException invalid) {
  }

  Future<JsonObject> start(JsonObject body) {
    List<FieldError> errors = new ArrayList<>();
    for (String key : body.fieldNames()) {
      if (!FIELDS.contains(key)) {
        errors.add(new FieldError(key, "unknown field; a batch has children and onError"));
      }
    }
    Object mode = body.getValue("onError", "rollback");
    boolean rollback = "rollback".equals(mode);
    if (!rollback && !"continue".equals(mode)) {
      errors.add(new FieldError("onError", "must be \"rollback\" or \"continue\"; got \"" + mode + "\""));
    }
    Object list = body.getValue("children");
    if (!(list instanceof JsonArray array) || array.isEmpty() || array.size() > MAX_CHILDREN) {
      errors.add(new FieldError("children", "must be a list of 1 to " + MAX_CHILDREN + " child specs"));
    }
    if (!errors.isEmpty()) {
      throw PogoException.validation(errors); // the request itself is wrong: nothing to start
    }
    JsonArray children = (JsonArray) list;
    List<Item> items = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < children.size(); i++) {
      String prefix = "children[" + i + "].";
      Object o = children.getValue(i);
      PogoException invalid = null;
      String id = null;
      if (!(o instanceof JsonObject spec)) {
        invalid = PogoException.validation("children[" + i + "]", "must be a child spec (a JSON object)");
        items.add(new Item(i, null, null, invalid));
      } else {
        try {
          ChildSpec parsed = ChildSpecValidator.parse(spec, prefix);
          id = parsed.id();
          Integer before = seen.putIfAbsent(id, i);
          if (before != null) {
            invalid = PogoException.validation(prefix + "id", "\"" + id + "\" is also the id of children[" + before + "]");
          }
        } catch (PogoException e) {
          invalid = e;
          id = spec.getValue("id") instanceof String s ? s : null;
        }
        items.add(new Item(i, spec, id, invalid));
      }
      if (invalid != null) {
        errors.addAll(invalid.errors());
      }
    }
    if (!errors.isEmpty() && rollback) {
      throw PogoException.validation(errors); // all or nothing: one invalid spec and nothing starts
    }
    List<Future<JsonObject>> outcomes = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      outcomes.add(null);
    }
    return runAll(items, outcomes).compose(v -> {
      JsonArray results = new JsonArray();
      int started = 0;
      PogoException firstFailure = null;
      String firstFailed = null;
      for (Item item : items) {
        Future<JsonObject> f = outcomes.get(item.index());
        JsonObject result = new JsonObject().put("index", item.index()).put("id", item.id());
        if (f.succeeded()) {
          started++;
          results.add(result.put("ok", true).put("record", f.result()));
        } else {
          PogoException pe = PogoException.from(f.cause());
          if (firstFailure == null) {
            firstFailure = pe;
            firstFailed = item.id();
          }
          results.add(result.put("ok", false).put("error", pe.toJson()));
        }
      }
      JsonObject reply = new JsonObject().put("results", results).put("started", started).put("failed", items.size() - started);
      if (!rollback || firstFailure == null) {
        return Future.succeededFuture(reply.put("rolledBack", false));
      }
      PogoException cause = firstFailure;
      String failedId = firstFailed;
      return undo(items, outcomes).transform(ar -> {
        int undone = ar.succeeded() ? ar.result() : 0;
        String more = ar.failed() ? "; the rollback itself failed (" + PogoException.from(ar.cause()).getMessage()
            + "): look the batch's children up and stop those left" : "";
        return Future.failedFuture(new PogoException(cause.code(), "batch rolled back: child \"" + failedId + "\" failed ("
            + cause.getMessage() + "); the " + undone + " children it had started were stopped" + more, cause.errors(),
            reply.put("rolledBack", true)));
      });
    });
  }

  private Future<Void> runAll(List<Item> items, List<Future<JsonObject>> outcomes) {
    Promise<Void> done = Promise.promise();
    int[] next = {0};
    int[] inFlight = {0};
    Runnable[] pump = new Runnable[1];
    pump[0] = () -> {
      while (inFlight[0] < PARALLEL && next[0] < items.size()) {
        Item item = items.get(next[0]++);
        if (item.invalid() != null) {
          outcomes.set(item.index(), Future.failedFuture(item.invalid()));
          continue;
        }
        inFlight[0]++;
        Future<JsonObject> f;
        try {
          f = start.apply(item.spec());
        } catch (RuntimeException e) {
          f = Future.failedFuture(e);
        }
        outcomes.set(item.index(), f);
        f.onComplete(ar -> {
          inFlight[0]--;
          pump[0].run();
        });
      }
      if (inFlight[0] == 0 && next[0] == items.size()) {
        done.tryComplete();
      }
    };
    pump[0].run();
    return done.future();
  }

  /** Stops what the batch put in the table; completes with how many started children were stopped. */
  private Future<Integer> undo(List<Item> items, List<Future<JsonObject>> outcomes) {
    List<Future<JsonObject>> stops = new ArrayList<>();
    int[] started = {0};
    for (Item item : items) {
      Future<JsonObject> f = outcomes.get(item.index());
      boolean recorded = f.succeeded() || !NOTHING_RECORDED.contains(PogoException.from(f.cause()).code());
      if (item.invalid() == null && recorded) {
        if (f.succeeded()) {
          started[0]++;
        }
        stops.add(stop.apply(new JsonObject().put("id", item.id())).recover(err -> {
          PogoException pe = PogoException.from(err);
          if (pe.code() == ErrorCode.CHILD_NOT_FOUND) {
            return Future.succeededFuture(new JsonObject());
          }
          log.warn("rollback of batch could not stop child {}: {}", item.id(), pe.getMessage());
          return Future.failedFuture(pe);
        }));
      }
    }
    return Future.all(stops).map(v -> started[0]);
  }
}
