package io.pogo.web;

import io.pogo.core.Addresses;
import io.pogo.core.error.FieldError;
import io.pogo.core.error.PogoException;
import io.pogo.core.json.Durations;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The node's self-description and health. Liveness ({@code /health}) answers from the HTTP verticle alone, so
 * a busy or broken event bus does not get the process killed; readiness ({@code /health/ready}) asks this node's
 * {@code pogo.node.info}, so a node whose verticles are not up is taken out of rotation.
 */
final class NodeHandlers {
  private final EventBusGateway bus;
  private final WebSettings settings;

  NodeHandlers(EventBusGateway bus, WebSettings settings) {
    this.bus = bus;
    this.settings = settings;
  }

  /** {@code GET /api/v1/node}: this node's info, as its node-info handler replies it. */
  void info(RoutingContext ctx) {
    bus.request(Addresses.NODE_INFO, new JsonObject(), settings.requestTimeoutMs())
        .onSuccess(info -> Responses.ok(ctx, info))
        .onFailure(ctx::fail);
  }

  /** {@code GET /api/v1/nodes}: every live node with its tags, state and number of children. */
  void nodes(RoutingContext ctx) {
    bus.request(Addresses.NODES_LIST, new JsonObject(), settings.requestTimeoutMs())
        .onSuccess(nodes -> Responses.ok(ctx, nodes))
        .onFailure(ctx::fail);
  }

  /** {@code GET /api/v1/cluster}: members, quorum and whether this side is partitioned, as this node sees them. */
  void cluster(RoutingContext ctx) {
    bus.request(Addresses.CLUSTER_INFO, new JsonObject(), settings.requestTimeoutMs())
        .onSuccess(info -> Responses.ok(ctx, info))
        .onFailure(ctx::fail);
  }

  /**
   * {@code POST /api/v1/cluster/rebalance}: every node moves the children whose placement owner is another node now,
   * a few at a time (also when {@code rebalanceOnJoin} is off). 202: the moves happen in the background.
   */
  void rebalance(RoutingContext ctx) {
    bus.publish(Addresses.CLUSTER_REBALANCE, new JsonObject().put("by", settings.nodeName()));
    Responses.json(ctx, 202, new JsonObject().put("requested", true).put("by", settings.nodeName()));
  }

  /**
   * {@code POST /api/v1/node/drain}, body optional {@code {"exit":true,"timeout":"5m"}}: this node's children move to
   * other nodes, then (unless exit is false) the node leaves the cluster and exits. 202 with the node's answer
   * {@code {"node","state":"draining","children"}}; progress shows in {@code /api/v1/nodes} and the event stream.
   */
  void drain(RoutingContext ctx) {
    List<FieldError> errs = new ArrayList<>();
    QueryParams.rejectUnknown(ctx.queryParams(), Set.of(), errs);
    if (!errs.isEmpty()) {
      throw PogoException.validation(errs);
    }
    JsonObject body = drainRequest(RequestBodies.optionalObject(ctx, "drain options: {\"exit\",\"timeout\"}"));
    bus.request(Addresses.nodeDrain(settings.nodeName()), body, settings.requestTimeoutMs())
        .onSuccess(reply -> Responses.json(ctx, 202, reply))
        .onFailure(ctx::fail);
  }

  /** Checks the drain options, naming each bad field; returns what to send (only the fields given). Pure. */
  static JsonObject drainRequest(JsonObject body) {
    List<FieldError> errs = new ArrayList<>();
    for (String key : body.fieldNames()) {
      if (!key.equals("exit") && !key.equals("timeout")) {
        errs.add(new FieldError(key, "unknown field; drain options are exit and timeout"));
      }
    }
    Object exit = body.getValue("exit");
    if (exit != null && !(exit instanceof Boolean)) {
      errs.add(new FieldError("exit", "must be true or false; got " + exit));
    }
    Object timeout = body.getValue("timeout");
    if (body.containsKey("timeout")) {
      try {
        if (Durations.parseMillis(timeout) < 1) {
          errs.add(new FieldError("timeout", "must be positive; got " + timeout));
        }
      } catch (IllegalArgumentException e) {
        errs.add(new FieldError("timeout", e.getMessage()));
      }
    }
    if (!errs.isEmpty()) {
      throw PogoException.validation(errs);
    }
    return body.copy();
  }

  /** {@code GET /health}: 200 {@code {"status":"UP","node"}} without touching the event bus. */
  void live(RoutingContext ctx) {
    Responses.ok(ctx, status("UP"));
  }

  /** {@code GET /health/ready}: 200 UP, or 503 {@code {"status":"DOWN","node","code","reason"}}. */
  void ready(RoutingContext ctx) {
    bus.request(Addresses.NODE_INFO, new JsonObject(), settings.requestTimeoutMs())
        .onSuccess(info -> Responses.ok(ctx, status("UP")))
        .onFailure(t -> {
          PogoException pe = PogoException.from(t);
          Responses.json(ctx, 503, status("DOWN").put("code", pe.code().name()).put("reason", pe.getMessage()));
        });
  }

  private JsonObject status(String status) {
    return new JsonObject().put("status", status).put("node", settings.nodeName());
  }
}
