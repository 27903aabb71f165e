package io.pogo.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Entry point of the benchmark jar: {@code java -Xmx2g -jar pogo-bench/target/pogo-bench.jar single-node}.
 * See pogo-bench/README.md.
 */
public final class Main {
  private Main() {
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help")) {
      usage();
      System.exit(args.length == 0 ? 2 : 0);
    }
    String command = args[0];
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    if (command.equals("ha-node")) {
      // a node of the cluster benchmark's Vert.x HA baseline: logs like a Pogo node (pogo-node's logback.xml, stderr)
      System.setProperty("hazelcast.logging.type", "slf4j");
      System.setProperty("hazelcast.phone.home.enabled", "false");
      System.exit(HaNode.run(rest));
    }
    if (command.equals("cluster")) {
      ClusterBench.Settings cs;
      try {
        cs = ClusterBench.Settings.parse(rest);
      } catch (IllegalArgumentException e) {
        System.err.println("error: " + e.getMessage());
        usage();
        System.exit(2);
        return;
      }
      Files.createDirectories(cs.outDir());
      System.setProperty("pogo.bench.log", cs.outDir().resolve("bench-cluster-client.log").toString());
      System.setProperty("logback.configurationFile", "pogo-bench-logback.xml");
      System.exit(new ClusterBench(cs).run());
    }
    if (command.equals("jobs")) {
      JobsBench.Settings js;
      try {
        js = JobsBench.Settings.parse(rest);
      } catch (IllegalArgumentException e) {
        System.err.println("error: " + e.getMessage());
        usage();
        System.exit(2);
        return;
      }
      Files.createDirectories(js.outDir());
      Files.createDirectories(js.logDir());
      System.setProperty("pogo.bench.log", js.logDir().resolve("bench-jobs-client.log").toString());
      System.setProperty("logback.configurationFile", "pogo-bench-logback.xml");
      System.exit(new JobsBench(js).run());
    }
    if (!command.equals("single-node")) {
      System.err.println("unknown benchmark: " + command);
      usage();
      System.exit(2);
    }
    SingleNodeBench.Settings settings;
    try {
      settings = SingleNodeBench.Settings.parse(rest);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      usage();
      System.exit(2);
      return;
    }
    Files.createDirectories(settings.outDir());
    // Before anything creates a logger: the node logs to a file of its own (see pogo-bench-logback.xml).
    System.setProperty("pogo.bench.log", settings.outDir().resolve("bench-single-node.log").toString());
    System.setProperty("logback.configurationFile", "pogo-bench-logback.xml");
    System.setProperty("hazelcast.logging.type", "slf4j");
    System.setProperty("hazelcast.phone.home.enabled", "false");
    System.exit(new SingleNodeBench(settings).run());
  }

  private static void usage() {
    System.err.println("""
        usage: java -Xmx2g -jar pogo-bench/target/pogo-bench.jar single-node [--quick] [--out DIR] [--children N]
                                                                            [--concurrency 1,16,64,256] [--http-concurrency 64]
          single-node    start-up latency, start throughput and heap per child of one in-JVM node, each
                         against a bare Vert.x / ProcessBuilder baseline measured in the same run
          --quick        small counts (a smoke test of the benchmark itself, ~20 s; figures not meaningful)
          --out DIR      where the JSON report and the node's log go (default: the jar's directory,
                         i.e. pogo-bench/target)
          --children N   children per throughput run (default 10000)
          --concurrency  requests in flight for the throughput curve (default 1,16,64,256)
          --http-concurrency  the points of the curve also run through HTTP (default 64)

               java -Xmx256m -jar pogo-bench/target/pogo-bench.jar cluster [--runs 5] [--quick] [--out DIR] [--children N]
                    [--failover-children N] [--ha-reference N] [--concurrency 64] [--phases failover,scale]
                    [--heartbeat 1s] [--failure-timeout 5s] [--node-heap 384m] [--pogo-jar pogo-node/target/pogo.jar]
          cluster      Pogo nodes as separate JVMs on loopback, each figure against a baseline of the same run:
                       failover after kill -9 of the node holding 1,000 children vs Vert.x HA failover of 1 verticle;
                       10,000 starts through one node of 3 vs a 1-node cluster; lookups on a non-owner vs the owner;
                       children moved when a 4th node joins vs the ideal 1/4, and the time to settle
          --runs N     failover trials (default 5; each on fresh clusters)
          --failover-children N   children on the killed node (default 1000; 3x that in the cluster)
          --ha-reference N        also Vert.x HA with N verticles on the killed node (default 1000; 0: skip)
          --children N children started for the throughput, lookup and join figures (default 10000)

               java -Xmx512m -jar pogo-bench/target/pogo-bench.jar jobs [--quick] [--runs 3] [--hosts 10000]
                    [--concurrency 256] [--phases single,three,vfork] [--out DIR] [--name bench-jobs] [--logs DIR]
                    [--node-heap 512m] [--warmup 1000] [--job-deadline 180] [--budget 560] [--pogo-jar pogo-node/target/pogo.jar]
          jobs         a job of N hosts running `true` (worker mode) on Pogo node JVMs on loopback: hosts per second on
                       one node against `seq N | xargs -P C -I{} true` (runs alternating), the scheduler's overhead per
                       task (dispatch -> start, end -> next dispatch, from the SSE stream), the same job on 3 nodes,
                       and one run with -Djdk.lang.Process.launchMechanism=VFORK on the node
          --name NAME  the report is DIR/NAME.txt and DIR/NAME.json (default DIR: pogo-bench/target)
          --budget S   phases that would end after S seconds (estimated) are skipped and listed""");
  }

  /** The running jar (pogo-bench/target/pogo-bench.jar), or null when not run from a jar. */
  static Path benchJar() {
    try {
      Path jar = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return Files.isRegularFile(jar) ? jar : null;
    } catch (Exception e) {
      return null;
    }
  }

  /** The directory of the running jar (pogo-bench/target), else ./pogo-bench/target, else the working directory. */
  static Path defaultOutDir() {
    try {
      Path jar = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (Files.isRegularFile(jar) && jar.getParent() != null) {
        return jar.getParent();
      }
      if (Files.isDirectory(jar) && jar.getParent() != null) {
        return jar.getParent(); // target/classes -> target
      }
    } catch (Exception ignored) {
      // fall through
    }
    Path local = Path.of("pogo-bench", "target");
    return Files.isDirectory(local) ? local : Path.of(".");
  }
}
