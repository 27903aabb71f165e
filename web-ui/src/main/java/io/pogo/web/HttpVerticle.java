package io.pogo.web;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.ext.web.Router;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.BindException;

/**
 * The HTTP/JSON face of a node: the REST API under {@code /api/v1}, the live event stream, health and the
 * OpenAPI document. Deployed with the node's settings ({@code NodeOptions.toJson()}) as config. It talks to the
 * rest of the node only over the event bus, with local delivery and explicit timeouts, so it can be deployed on
 * any node that also runs a registry. Kept thin: routes are wired in {@link ApiRouter}, handled in small classes.
 * <p>
 * After listening it records the bound port in the local map {@value #LOCAL_MAP} under {@value #PORT_KEY}, so
 * the launcher can print it when {@code httpPort} was 0.
 */
public final class HttpVerticle extends VerticleBase {
  /** The node-wide local map where the verticle records the bound port. */
  public static final String LOCAL_MAP = "pogo.node";
  /** Key of the bound HTTP port in {@link #LOCAL_MAP}. */
  public static final String PORT_KEY = "httpPort";
  /** Classpath location of the OpenAPI document served at {@code /api/v1/openapi.json}. */
  static final String OPENAPI_RESOURCE = "openapi/pogo-v1.json";

  private static final Logger log = LoggerFactory.getLogger(HttpVerticle.class);

  private int boundPort = -1;

  @Override
  public Future<?> start() {
    JsonObject config = config();
    // Settings (DNS for the loopback check) and the classpath read are blocking: keep them off the event loop.
    return vertx.executeBlocking(() -> new Startup(WebSettings.load(config), readOpenApi()))
        .compose(this::listen);
  }

  private Future<HttpServer> listen(Startup startup) {
    WebSettings settings = startup.settings();
    String host = settings.options().httpHost();
    int port = settings.options().httpPort();
    Router router = ApiRouter.create(vertx, settings, startup.openApi());
    return vertx.createHttpServer()
        .requestHandler(router)
        .listen(port, host)
        .recover(t -> Future.failedFuture(new IllegalStateException(bindFailure(host, port, t), t)))
        .onSuccess(server -> {
          boundPort = server.actualPort();
          ports().put(PORT_KEY, boundPort);
          log.info("node {}: HTTP API listening on http://{}:{}{} ({})", settings.nodeName(), host, boundPort,
              ApiRouter.API, settings.options().token() == null ? "no token" : "bearer token required");
        });
  }

  @Override
  public Future<?> stop() {
    if (boundPort != -1) {
      ports().remove(PORT_KEY, boundPort);
    }
    return Future.succeededFuture();
  }

  private LocalMap<String, Object> ports() {
    return vertx.sharedData().getLocalMap(LOCAL_MAP);
  }

  /** A start-up failure message that says what to change. */
  static String bindFailure(String host, int port, Throwable t) {
    String msg = String.valueOf(t.getMessage());
    boolean inUse = msg.contains("in use");
    for (Throwable c = t; c != null && !inUse; c = c.getCause()) {
      inUse = c instanceof BindException && String.valueOf(c.getMessage()).contains("in use");
    }
    if (inUse) {
      return "port " + port + " on " + host + " is in use: pass --http-port";
    }
    if (msg.contains("assign requested address")) {
      return "cannot listen on " + host + ":" + port + ": the address is not one of this machine's: pass --http-host";
    }
    return "cannot listen on " + host + ":" + port + ": " + msg;
  }

  private static Buffer readOpenApi() {
    try (InputStream in = HttpVerticle.class.getClassLoader().getResourceAsStream(OPENAPI_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(OPENAPI_RESOURCE + " is missing from the classpath");
      }
      Buffer doc = Buffer.buffer(in.readAllBytes());
      doc.toJsonObject(); // fail the start, not the first request, if the document is broken
      return doc;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private record Startup(WebSettings settings, Buffer openApi) {
  }
}
