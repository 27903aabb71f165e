package io.pogo.supervisor.runtime;

import io.pogo.core.child.ChildExit;
import io.pogo.core.child.ChildSpec;
import io.pogo.core.child.ExitInfo;
import io.pogo.core.child.ExitKind;
import io.pogo.core.child.Handover;
import io.pogo.core.error.PogoException;
import io.vertx.core.Context;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Verticle;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.lang.reflect.Constructor;
import java.lang.reflect.Modifier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * Runs verticle children: deploys the user's class (with its config and instances) wrapped so that the
 * supervisor learns when the deployment goes away, and why (see {@link ChildExit}).
 */
public final class VerticleRunner {
  private final Vertx vertx;
  private final ClassLoader classLoader;
  private final LongSupplier clock;

  public VerticleRunner(Vertx vertx, ClassLoader classLoader, LongSupplier clock) {
    this.vertx = vertx;
    this.classLoader = classLoader;
    this.clock = clock;
  }

  /**
   * Loads and checks the class: it exists, is a concrete {@link Deployable} (a Verticle, AbstractVerticle or
   * VerticleBase) with a public no-argument constructor. Blocks on class loading: call from a worker.
   *
   * @throws PogoException VALIDATION_FAILED naming {@code verticle}
   */
  public Class<? extends Deployable> check(ChildSpec spec) {
    String name = spec.verticle();
    Class<?> cls;
    try {
      cls = Class.forName(name, false, classLoader);
    } catch (ClassNotFoundException | LinkageError e) {
      throw PogoException.validation("verticle", "class \"" + name + "\" was not found on the node's classpath");
    }
    if (!Deployable.class.isAssignableFrom(cls)) {
      throw PogoException.validation("verticle", "class \"" + name + "\" is not a verticle (it must implement "
          + "io.vertx.core.Deployable, e.g. extend AbstractVerticle or VerticleBase)");
    }
    if (cls.isInterface() || Modifier.isAbstract(cls.getModifiers())) {
      throw PogoException.validation("verticle", "class \"" + name + "\" is abstract; give a concrete class");
    }
    try {
      Constructor<?> ctor = cls.getConstructor();
      if (!Modifier.isPublic(cls.getModifiers())) {
        throw new NoSuchMethodException();
      }
      ctor.getParameterCount();
    } catch (NoSuchMethodException e) {
      throw PogoException.validation("verticle", "class \"" + name + "\" needs a public no-argument constructor");
    }
    @SuppressWarnings("unchecked")
    Class<? extends Deployable> verticleClass = (Class<? extends Deployable>) cls;
    return verticleClass;
  }

  /** Deploys one instance of the child; the future fails if the deployment fails (a start failure). */
  public Future<ChildInstance> start(ChildSpec spec, Class<? extends Deployable> cls, Context context) {
    return start(spec, cls, context, false, null);
  }

  /**
   * As {@link #start(ChildSpec, Class, Context)}; with {@code handedOver}, each new verticle that implements
   * {@link Handover} gets {@code state} (the old instance's, possibly null) through {@code takeOver} before it starts.
   */
  public Future<ChildInstance> start(ChildSpec spec, Class<? extends Deployable> cls, Context context, boolean handedOver,
                                     JsonObject state) {
    Instance instance = new Instance(context, spec.instances());
    DeploymentOptions options = new DeploymentOptions().setConfig(spec.config().copy()).setInstances(spec.instances());
    return vertx.deployVerticle(() -> {
          Deployable user = newInstance(cls);
          if (handedOver && user instanceof Handover h) {
            h.takeOver(state == null ? null : state.copy());
          }
          return new SupervisedDeployable(user, instance);
        }, options)
        .map(id -> {
          instance.deployed(id, clock.getAsLong());
          return (ChildInstance) instance;
        });
  }

  private static Deployable newInstance(Class<? extends Deployable> cls) {
    try {
      return cls.getConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new IllegalStateException("cannot create " + cls.getName() + ": " + cause, cause);
    }
  }

  /** One deployment of a verticle child. */
  private final class Instance implements ChildInstance {
    private final Context context;
    private final int instances;
    private final Promise<ExitInfo> exit = Promise.promise();
    private final AtomicInteger undeployed = new AtomicInteger();
    private final AtomicReference<JsonObject> reported = new AtomicReference<>();
    private final AtomicBoolean stopRequested = new AtomicBoolean();
    private volatile String deploymentId;
    private volatile long startedAt;
    /** The first deployed verticle and its context: the one asked for its state when the child moves. */
    private final AtomicReference<Deployable> first = new AtomicReference<>();
    private volatile Context firstContext;

    Instance(Context context, int instances) {
      this.context = context;
      this.instances = instances;
    }

    void deployed(String id, long at) {
      this.startedAt = at;
      this.deploymentId = id;
      if (undeployed.get() == instances) {
        // it undeployed itself before the deploy's completion reached us
        context.runOnContext(v -> exit.tryComplete(exitInfo()));
      }
    }

    /** Called on each verticle instance's context as it undeploys. */
    void instanceUndeployed(JsonObject exitReport) {
      if (exitReport != null) {
        reported.compareAndSet(null, exitReport);
      }
      // a stop by Pogo completes the exit when Vert.x has finished the undeploy, so a stopped deployment is gone
      if (undeployed.incrementAndGet() == instances && deploymentId != null && !stopRequested.get()) {
        context.runOnContext(v -> exit.tryComplete(exitInfo()));
      }
    }

    private ExitInfo exitInfo() {
      long now = clock.getAsLong();
      if (stopRequested.get()) {
        return ExitInfo.shutdown("stopped (undeployed)", now);
      }
      JsonObject r = reported.get();
      if (r == null) {
        return ExitInfo.normal("undeployed itself", now);
      }
      ExitKind kind = ExitKind.fromWire(r.getString("kind"));
      return new ExitInfo(kind, null, null, r.getString("message"), now);
    }

    void instanceDeploying(Deployable user, Context ctx) {
      if (first.compareAndSet(null, user)) {
        firstContext = ctx;
      }
    }

    @Override
    public Future<JsonObject> handOver() {
      if (!(first.get() instanceof Handover h) || firstContext == null) {
        return Future.succeededFuture(null);
      }
      Promise<JsonObject> state = Promise.promise();
      firstContext.runOnContext(v -> {
        try {
          h.handOver().onComplete(ar -> context.runOnContext(x -> state.handle(ar)));
        } catch (RuntimeException e) {
          context.runOnContext(x -> state.fail(e));
        }
      });
      return state.future();
    }

    @Override
    public Long pid() {
      return null;
    }

    @Override
    public String deploymentId() {
      return deploymentId;
    }

    @Override
    public long startedAt() {
      return startedAt;
    }

    @Override
    public Future<ExitInfo> exit() {
      return exit.future();
    }

    @Override
    public Future<Void> stop(long timeoutMs) {
      if (stopRequested.compareAndSet(false, true) && !exit.future().isComplete()) {
        // Vert.x cannot kill a verticle: past the timeout the undeploy is abandoned and reported as such.
        vertx.undeploy(deploymentId)
            .timeout(Math.max(1, timeoutMs), TimeUnit.MILLISECONDS)
            .onComplete(ar -> context.runOnContext(v -> exit.tryComplete(ar.succeeded()
                ? ExitInfo.shutdown("stopped (undeployed)", clock.getAsLong())
                : ExitInfo.shutdown("undeploy did not finish within " + timeoutMs + " ms; abandoned: "
                    + ar.cause().getMessage(), clock.getAsLong()))));
      }
      return exit.future().mapEmpty();
    }
  }

  /** Wraps the user's verticle so its undeploy (by anyone, including itself) reaches the supervisor. */
  private static final class SupervisedDeployable implements Deployable {
    private final Deployable inner;
    private final Instance owner;

    SupervisedDeployable(Deployable inner, Instance owner) {
      this.inner = inner;
      this.owner = owner;
    }

    @Override
    public Future<?> deploy(Context context) throws Exception {
      owner.instanceDeploying(inner, context);
      if (inner instanceof Verticle v) {
        v.init(context.owner(), context);
        Promise<Void> started = Promise.promise();
        v.start(started);
        return started.future();
      }
      return inner.deploy(context);
    }

    @Override
    public Future<?> undeploy(Context context) throws Exception {
      JsonObject report = context.get(ChildExit.CONTEXT_KEY);
      Future<?> stopped;
      if (inner instanceof Verticle v) {
        Promise<Void> p = Promise.promise();
        v.stop(p);
        stopped = p.future();
      } else {
        stopped = inner.undeploy(context);
      }
      return stopped.andThen(ar -> owner.instanceUndeployed(report));
    }
  }
}
