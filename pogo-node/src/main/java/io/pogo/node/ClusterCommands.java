package io.pogo.node;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;

import java.util.ArrayList;
import java.util.List;

/** {@code pogo nodes} and {@code pogo cluster}: the cluster as the node behind {@code --api} sees it. */
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
}
