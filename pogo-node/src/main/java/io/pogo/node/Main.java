package io.pogo.node;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * {@code pogo}: runs a node ({@code node}, {@code up}), talks to one over HTTP ({@code child ...}, {@code ns ...},
 * {@code job ...}, {@code plan}), or runs one job on a private node ({@code one}).
 * Exit codes: 0 success, 1 API error or start failure, 2 usage or config error, 3 node unreachable.
 */
@Command(name = "pogo", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Pogo: a distributed supervisor and fleet job runner on Vert.x. Run a node, manage children, "
        + "or run commands on many hosts through a node's HTTP API.",
    footer = {"", "Exit codes: 0 ok, 1 API error or start failure, 2 usage or config error, 3 node unreachable.",
        "Start here: ./pogo up   then, in another terminal: ./pogo child ls"})
public final class Main implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  public static void main(String[] args) {
    int code = commandLine(CliContext.system()).execute(args);
    System.exit(code);
  }

  /** The whole command tree, wired to {@code ctx}. */
  static CommandLine commandLine(CliContext ctx) {
    CommandLine root = new CommandLine(new Main());
    root.addSubcommand("node", new NodeCommand(ctx));
    root.addSubcommand("up", new NodeCommand.Up(ctx));
    CommandLine child = new CommandLine(new ChildCommands());
    child.addSubcommand("start", new CommandLine(new ChildCommands.Start(ctx)).setStopAtPositional(true));
    child.addSubcommand("ls", new ChildCommands.Ls(ctx));
    child.addSubcommand("get", new ChildCommands.Get(ctx));
    child.addSubcommand("stop", new ChildCommands.Stop(ctx));
    child.addSubcommand("restart", new ChildCommands.Restart(ctx));
    child.addSubcommand("logs", new ChildCommands.Logs(ctx));
    child.addSubcommand("await", new ChildCommands.Await(ctx));
    root.addSubcommand("child", child);
    CommandLine ns = new CommandLine(new NamespaceCommands());
    ns.addSubcommand("put", new NamespaceCommands.Put(ctx));
    ns.addSubcommand("get", new NamespaceCommands.Get(ctx));
    ns.addSubcommand("ls", new NamespaceCommands.Ls(ctx));
    ns.addSubcommand("rm", new NamespaceCommands.Rm(ctx));
    ns.addSubcommand("budget", new NamespaceCommands.Budget(ctx));
    root.addSubcommand("ns", ns);
    root.addSubcommand("plan", new CommandLine(new JobCommands.Plan(ctx)).setStopAtPositional(true));
    CommandLine job = new CommandLine(new JobCommands());
    job.addSubcommand("run", new CommandLine(new JobCommands.Run(ctx)).setStopAtPositional(true));
    job.addSubcommand("ls", new JobCommands.Ls(ctx));
    job.addSubcommand("status", new JobCommands.Status(ctx));
    job.addSubcommand("log", new JobCommands.Log(ctx));
    job.addSubcommand("halt", new JobCommands.Halt(ctx));
    job.addSubcommand("resume", new JobCommands.Resume(ctx));
    job.addSubcommand("retry", new JobCommands.Retry(ctx));
    job.addSubcommand("skip", new JobCommands.Skip(ctx));
    job.addSubcommand("alter", new JobCommands.Alter(ctx));
    root.addSubcommand("job", job);
    root.addSubcommand("one", new CommandLine(new OneCommand(ctx)).setStopAtPositional(true));
    root.addSubcommand("nodes", new ClusterCommands.Nodes(ctx));
    root.addSubcommand("cluster", new ClusterCommands.Cluster(ctx));
    root.addSubcommand("drain", new ClusterCommands.Drain(ctx));
    root.addSubcommand("help", new CommandLine.HelpCommand());
    root.setExecutionExceptionHandler(Main::onException);
    root.setParameterExceptionHandler(new UsageErrors());
    return root;
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return CliException.USAGE;
  }

  private static int onException(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
    if (e instanceof CliException ce) {
      if (ce.rawBody() != null) {
        PrintWriter out = cmd.getOut();
        out.println(ce.rawBody());
        out.flush();
      } else {
        printError(cmd.getErr(), ce);
      }
      return ce.exitCode();
    }
    PrintWriter err = cmd.getErr();
    err.println("error: " + (e.getMessage() == null ? e.getClass().getName() : e.getMessage()));
    err.flush();
    return 1;
  }

  static void printError(PrintWriter err, CliException e) {
    err.println("error: " + e.getMessage());
    e.details().forEach(err::println);
    err.flush();
  }

  /** Usage errors: one line, a pointer to --help, exit 2. */
  static final class UsageErrors implements IParameterExceptionHandler {
    @Override
    public int handleParseException(ParameterException ex, String[] args) {
      CommandLine cmd = ex.getCommandLine();
      PrintWriter err = cmd.getErr();
      err.println("error: " + ex.getMessage());
      CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
      err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
      err.flush();
      return CliException.USAGE;
    }
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"pogo " + (v == null ? "dev" : v) + " (Vert.x 5, Java " + Runtime.version() + ")"};
    }
  }
}
