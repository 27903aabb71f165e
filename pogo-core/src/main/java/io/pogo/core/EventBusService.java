package io.pogo.core;

import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.PogoException;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The request side of Pogo's verticles: binds an address to an operation (JSON in, future JSON out) and turns
 * every outcome into a reply, with failures as {@link PogoException}s. A bug (an {@code INTERNAL} failure) is
 * logged once, with its stack trace, where it happened.
 */
public final class EventBusService {
  private static final Logger log = LoggerFactory.getLogger(EventBusService.class);

  private final EventBus bus;
  private final List<MessageConsumer<Object>> consumers = new ArrayList<>();

  public EventBusService(EventBus bus) {
    this.bus = bus;
  }

  public EventBusService serve(String address, Function<JsonObject, Future<JsonObject>> operation) {
    consumers.add(bus.consumer(address, msg -> handle(msg, operation)));
    return this;
  }

  /** As {@link #serve}, for this Vert.x instance only: operations no other node may ask for. */
  public EventBusService serveLocal(String address, Function<JsonObject, Future<JsonObject>> operation) {
    consumers.add(bus.localConsumer(address, msg -> handle(msg, operation)));
    return this;
  }

  /** Completes when every address is registered (cluster-wide, for clustered consumers). */
  public Future<Void> ready() {
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList()).mapEmpty();
  }

  /** Unregisters every address: requests go to the other nodes that serve them, or fail with no handler. */
  public Future<Void> close() {
    return Future.all(consumers.stream().map(MessageConsumer::unregister).toList()).mapEmpty();
  }

  static void handle(Message<Object> msg, Function<JsonObject, Future<JsonObject>> operation) {
    if (!(msg.body() instanceof JsonObject body)) {
      new PogoException(ErrorCode.MALFORMED_REQUEST, "the body must be a JSON object").failMessage(msg);
      return;
    }
    Future<JsonObject> result;
    try {
      result = operation.apply(body);
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    result.onComplete(ar -> {
      if (ar.succeeded()) {
        msg.reply(ar.result());
      } else {
        PogoException pe = PogoException.from(ar.cause());
        if (pe.code() == ErrorCode.INTERNAL) {
          log.error("{} failed on {}", msg.address(), body.getString("id", "(no id)"), ar.cause());
        }
        pe.failMessage(msg);
      }
    });
  }
}
