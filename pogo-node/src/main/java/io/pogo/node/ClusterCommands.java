package io.pogo.node;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** {@code pogo nodes}, {@code pogo cluster} and {@code pogo drain}: the cluster as the node behind {@code --api} sees it. */
final class ClusterCommands {
  private ClusterCommands() {
  }

  @Command(name = "nodes", mixinStandardHelpOptions = true, description = "List the cluster's live nodes.")
  static final class Nodes extends ChildCommands.Leaf {
    Nodes(CliContext ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      String reply = client.client(ctx).get("/nodes");
      if (!printedJson(reply)) {
        List<List<String>> rows = new ArrayList<>();
        JsonArray nodes = object(reply).getJsonArray("nodes", new JsonArray());
        for (Object o : nodes) {
          JsonObject n = (JsonObject) o;
          rows.add(List.of(n.getString("name"), n.getString("state", "-"), Render.text(n.getValue("children")),
              Render.text(n.getValue("weight")), Render.tags(n.getValue("tags")), Render.ago(n.getValue("startedAt"), ctx.clock().instant())));
        }
        out().print(Render.table(List.of("NAME", "STATE", "CHILDREN", "WEIGHT", "TAGS", "STARTED"), rows));
        out().flush();
      }
      return 0;
    }
  }

  @Command(name = "cluster", mixinStandardHelpOptions = true,
      description = "Show the cluster: members, quorum, and whether this side is partitioned.")
  static final class Cluster extends ChildCommands.Leaf {
    Cluster(CliContext ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      String reply = client.client(ctx).get("/cluster");
      if (!printedJson(reply)) {
        JsonObject c = object(reply);
        JsonObject q = c.getJsonObject("quorum", new JsonObject());
        out().println("node         " + c.getString("node"));
        out().println("members      " + c.getValue("members") + " " + c.getJsonArray("nodes", new JsonArray()).getList());
        out().println("quorum       " + q.getValue("mode") + ": needs " + q.getValue("size") + ", largest seen "
            + q.getValue("largestSeen") + ", " + (Boolean.TRUE.equals(q.getBoolean("present")) ? "present" : "LOST"));
        out().println("partitioned  " + c.getValue("partitioned"));
        out().flush();
      }
      return 0;
    }
  }

  @Command(name = "drain", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Drain the node behind --api: its children move to other nodes (stop-then-start, or start-then-stop "
          + "for children that ask for it), then it leaves the cluster and its process exits. Answers at once; "
          + "watch the moves with: pogo nodes, pogo child ls"})
  static final class Drain extends ChildCommands.Base {
    /** The node answers at once: an ordinary reply timeout. */
    static final long REPLY_TIMEOUT_MS = 10_000;

    @Option(names = "--no-exit", description = "stay up once drained, hosting nothing new until the node restarts")
    boolean noExit;
    @Option(names = "--timeout", paramLabel = "DURATION", description = "how long the moves may take (default: the node's)")
    String timeout;
    @Mixin
    ChildCommands.Connection conn;

    Drain(CliContext ctx) {
      super(ctx);
    }

    @Override
    ChildCommands.Connection connection() {
      return conn;
    }

    @Override
    public Integer call() {
      JsonObject body = new JsonObject().put("exit", !noExit);
      if (timeout != null) {
        body.put("timeout", ChildCommands.millis(timeout, "--timeout"));
      }
      String reply = conn.client(ctx, REPLY_TIMEOUT_MS).post("/node/drain", body);
      if (!printedJson(reply)) {
        JsonObject r = object(reply);
        out().println("draining " + Render.text(r.getValue("node")) + ": " + Render.text(r.getValue("children"))
            + " children to move; " + (noExit ? "it stays up, hosting nothing new" : "then it leaves the cluster and exits"));
        out().flush();
      }
      return 0;
    }
  }
}
