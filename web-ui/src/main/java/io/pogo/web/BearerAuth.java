package io.pogo.web;

import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.PogoException;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The node's bearer token check. The API runs commands on machines, so with a token set every mutating call
 * (anything but GET, HEAD, OPTIONS) must carry {@code Authorization: Bearer <token>}; when the API is bound to a
 * non-loopback address, reads need it too. {@code /health} and {@code /health/*} stay open so probes need no
 * secret. Mounted on every path before anything else, so new routes are protected by default.
 * <p>
 * Tokens are compared as SHA-256 digests with {@link MessageDigest#isEqual}: constant time, and the length of
 * the real token does not leak either.
 */
final class BearerAuth implements Handler<RoutingContext> {
  private static final String SCHEME = "bearer ";

  private final byte[] tokenDigest;
  private final boolean readsNeedToken;

  /**
   * @param token          the node's token, or null for none (then only loopback binds are allowed)
   * @param readsNeedToken true when the server listens on a non-loopback address
   */
  BearerAuth(String token, boolean readsNeedToken) {
    this.tokenDigest = token == null ? null : digest(token);
    this.readsNeedToken = readsNeedToken;
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (tokenDigest == null || isOpen(ctx)) {
      ctx.next();
      return;
    }
    String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (header == null) {
      ctx.fail(new PogoException(ErrorCode.UNAUTHORIZED, "this call needs Authorization: Bearer <token>"));
    } else if (header.regionMatches(true, 0, SCHEME, 0, SCHEME.length())
        && MessageDigest.isEqual(tokenDigest, digest(header.substring(SCHEME.length()).trim()))) {
      ctx.next();
    } else {
      ctx.fail(new PogoException(ErrorCode.UNAUTHORIZED, "the Authorization header does not carry the node's bearer token"));
    }
  }

  private boolean isOpen(RoutingContext ctx) {
    String path = ctx.normalizedPath();
    if (path.equals("/health") || path.startsWith("/health/")) {
      return true;
    }
    HttpMethod m = ctx.request().method();
    boolean read = m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS;
    return read && !readsNeedToken;
  }

  private static byte[] digest(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java platform", e);
    }
  }
}
