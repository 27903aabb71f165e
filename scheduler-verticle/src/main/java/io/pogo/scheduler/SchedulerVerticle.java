package io.pogo.scheduler;

import io.pogo.core.Addresses;
import io.pogo.core.EventBusService;
import io.pogo.core.json.Durations;
import io.pogo.scheduler.store.HazelcastJobStore;
import io.pogo.scheduler.store.InMemoryJobStore;
import io.pogo.scheduler.store.JobStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/**
 * The job scheduler: a cluster singleton, run as the supervised child {@value SchedulerBootstrap#CHILD_ID} (so the
 * registry keeps exactly one running and moves it when its node goes). It serves every job and namespace address
 * and receives the workers' task reports; its state lives in the cluster ({@link HazelcastJobStore}), so the next
 * instance continues every job. Config: {@code {"requestTimeout": "5s"}}.
 */
public final class SchedulerVerticle extends VerticleBase {
  private JobService jobs;
  private EventBusService service;

  @Override
  public Future<?> start() {
    long requestTimeoutMs = Durations.parseMillis(config().getValue("requestTimeout", "5s"));
    JobStore store = vertx instanceof VertxInternal vi && vi.clusterManager() instanceof HazelcastClusterManager hcm
        ? new HazelcastJobStore(vertx, context, hcm.getHazelcastInstance()) : new InMemoryJobStore();
    Object node = vertx.sharedData().getLocalMap("pogo.node").get("name");
    io.micrometer.core.instrument.MeterRegistry registry = node == null ? null
        : io.vertx.micrometer.backends.BackendRegistries.getNow("pogo:" + node);
    jobs = new JobService(vertx, context, store, requestTimeoutMs,
        registry != null ? registry : new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    // superseded by a newer scheduler: stop answering, so that every request reaches the new one
    jobs.onSuperseded(() -> {
      if (service != null) {
        service.close();
      }
    });
    // Take over first (epoch, fence the workers, load), then answer: nobody sees a half-loaded scheduler.
    return jobs.start().compose(v -> {
      vertx.eventBus().<JsonObject>consumer(Addresses.EVENTS_NODE, msg -> {
        String type = msg.body().getString("type");
        if ("node.left".equals(type)) {
          jobs.nodeLeft(msg.body().getString("node"));
        } else {
          // a node that joins (or starts, or begins to stop) changes where tasks may go: learn it now, not at the
          // next periodic refresh
          jobs.nodesChanged();
        }
      });
      service = new EventBusService(vertx.eventBus());
      return service
          .serve(Addresses.NAMESPACE_PUT, jobs::putNamespace)
          .serve(Addresses.NAMESPACE_GET, jobs::getNamespace)
          .serve(Addresses.NAMESPACE_LIST, jobs::listNamespaces)
          .serve(Addresses.NAMESPACE_DELETE, jobs::deleteNamespace)
          .serve(Addresses.NAMESPACE_BUDGET, jobs::budget)
          .serve(Addresses.PLAN, jobs::plan)
          .serve(Addresses.JOB_RUN, jobs::run)
          .serve(Addresses.JOB_GET, jobs::get)
          .serve(Addresses.JOB_LIST, jobs::list)
          .serve(Addresses.JOB_HOSTS, jobs::hosts)
          .serve(Addresses.JOB_OUTPUT, jobs::output)
          .serve(Addresses.JOB_HALT, jobs::halt)
          .serve(Addresses.JOB_RESUME, jobs::resume)
          .serve(Addresses.JOB_RETRY, jobs::retry)
          .serve(Addresses.JOB_SKIP, jobs::skip)
          .serve(Addresses.JOB_ALTER, jobs::alter)
          .serve(Addresses.SCHEDULER_TASK_REPORT, jobs::report)
          .ready();
    });
  }

  @Override
  public Future<?> stop() {
    if (jobs != null) {
      jobs.stop();
    }
    return Future.succeededFuture();
  }
}
