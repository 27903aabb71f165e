package io.pogo.supervisor;

import io.pogo.core.child.ChildRecord;
import io.pogo.core.child.ChildSpec;
import io.pogo.core.child.ChildState;
import io.pogo.supervisor.runtime.ChildInstance;
import io.vertx.core.Future;

/** What a {@link SupervisedChild} needs from its node; a fake in tests, the supervisor verticle in production. */
interface ChildHost {

  String nodeName();

  long now();

  /** Starts one instance of the child (a verticle deployment or a process). Fails if the start fails. */
  Future<ChildInstance> startInstance(ChildSpec spec);

  long setTimer(long delayMs, Runnable action);

  void cancelTimer(long timerId);

  /** Publishes the transition's event at once. */
  void published(ChildState from, ChildRecord record);

  /**
   * Writes the record into the registry ({@code remove}: deletes it); completes when the registry has it.
   * Called in transition order, one at a time per child.
   */
  Future<Void> report(ChildRecord record, boolean remove);
}
