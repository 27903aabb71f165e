package io.pogo.node;

import io.pogo.core.error.FieldError;
import io.pogo.core.error.PogoException;
import io.pogo.core.node.NodeOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeConfigLoaderTest {
  @TempDir
  Path dir;

  private Path yaml(String text) throws IOException {
    Path f = dir.resolve("pogo.yaml");
    Files.writeString(f, text, StandardCharsets.UTF_8);
    return f;
  }

  private static List<String> fields(PogoException e) {
    return e.errors().stream().map(FieldError::field).toList();
  }

  private static String messageOf(PogoException e, String field) {
    return e.errors().stream().filter(fe -> fe.field().equals(field)).map(FieldError::message).findFirst().orElse(null);
  }

  @Test
  void defaultsWithoutAnyLayer() {
    NodeOptions o = new NodeConfigLoader(Map.of(), "box1").load(null, Map.of());
    assertEquals(NodeOptions.defaults("box1"), o);
  }

  @Test
  void flagsOverrideEnvironmentWhichOverridesTheFile() throws IOException {
    Path f = yaml("""
        name: from-file
        httpPort: 9001
        clusterPort: 5801
        failureTimeout: 20s
        tags: {colo: east, role: web}
        join: [127.0.0.1:5801, 127.0.0.1:5802]
        """);
    Map<String, String> env = Map.of("POGO_HTTP_PORT", "9002", "POGO_CLUSTER_PORT", "5802", "POGO_TAGS", "colo=west",
        "POGO_FAILURE_TIMEOUT", "30s", "UNRELATED", "x");
    NodeOptions o = new NodeConfigLoader(env, "box1").load(f, Map.of("httpPort", "9003", "failureTimeout", "15s"));
    assertEquals("from-file", o.name());          // file only
    assertEquals(5802, o.clusterPort());           // env over file
    assertEquals(Map.of("colo", "west"), o.tags()); // env replaces the file's tags
    assertEquals(9003, o.httpPort());              // flag over env over file
    assertEquals(15_000, o.failureTimeoutMs());    // flag over env over file
    assertEquals(List.of("127.0.0.1:5801", "127.0.0.1:5802"), o.join());
  }

  @Test
  void everyEnvironmentVariableMapsToAKnownSetting() {
    NodeConfigLoader.ENV_KEYS.forEach((env, key) -> {
      assertTrue(NodeOptions.defaults("x").toJson().containsKey(key), key);
      assertEquals("POGO_" + NodeConfigLoader.kebab(key).replace('-', '_').toUpperCase(java.util.Locale.ROOT), env);
    });
    assertEquals(NodeOptions.defaults("x").toJson().size() - 1, NodeConfigLoader.ENV_KEYS.size(), "all but children");
  }

  @Test
  void unknownKeyIsRejectedWithTheKnownOnes() throws IOException {
    Path f = yaml("name: a\nhttpPrt: 9000\n");
    PogoException e = assertThrows(PogoException.class, () -> new NodeConfigLoader(Map.of(), "x").load(f, Map.of()));
    assertEquals(List.of("httpPrt"), fields(e));
    assertTrue(messageOf(e, "httpPrt").contains("httpPort"), e.getMessage());
  }

  @Test
  void badDurationAndBadPortAreBothReported() {
    PogoException e = assertThrows(PogoException.class, () -> new NodeConfigLoader(Map.of("POGO_HTTP_PORT", "eighty"), "x")
        .load(null, Map.of("failureTimeout", "10 parsecs")));
    assertTrue(fields(e).containsAll(List.of("failureTimeout", "httpPort")), e.getMessage());
    assertTrue(messageOf(e, "failureTimeout").contains("\"5s\""), messageOf(e, "failureTimeout"));
  }

  @Test
  void nonLoopbackHttpHostWithoutTokenIsRefused() {
    PogoException e = assertThrows(PogoException.class,
        () -> new NodeConfigLoader(Map.of(), "x").load(null, Map.of("httpHost", "0.0.0.0")));
    assertEquals(List.of("httpHost"), fields(e));
    assertTrue(messageOf(e, "httpHost").contains("token"), e.getMessage());
    NodeOptions withToken = new NodeConfigLoader(Map.of("POGO_TOKEN", "0123456789abcdef0123"), "x")
        .load(null, Map.of("httpHost", "0.0.0.0"));
    assertEquals("0.0.0.0", withToken.httpHost());
  }

  @Test
  void childrenInTheConfigAreValidatedWithTheirPath() throws IOException {
    Path f = yaml("""
        children:
          - id: ok
            kind: process
            argv: [sleep, "60"]
          - id: bad
            kind: process
            argv: []
          - id: v
            kind: verticle
            verticle: io.pogo.Example
            config: {greeting: hi}
        """);
    PogoException e = assertThrows(PogoException.class, () -> new NodeConfigLoader(Map.of(), "x").load(f, Map.of()));
    assertEquals(List.of("children[1].argv"), fields(e));
    Files.writeString(f, Files.readString(f).replace("argv: []", "argv: [\"true\"]"));
    NodeOptions o = new NodeConfigLoader(Map.of(), "x").load(f, Map.of());
    assertEquals(3, o.children().size());
    assertEquals(new JsonObject().put("greeting", "hi"), o.children().get(2).getJsonObject("config"));
  }

  @Test
  void yamlSyntaxErrorsGiveLineAndColumn() throws IOException {
    Path f = yaml("name: a\ntags:\n  colo: east\n role: web\n");
    PogoException e = assertThrows(PogoException.class, () -> new NodeConfigLoader(Map.of(), "x").load(f, Map.of()));
    assertEquals(List.of("config"), fields(e));
    assertTrue(messageOf(e, "config").matches(".*pogo\\.yaml: line \\d+, column \\d+: .*"), messageOf(e, "config"));
  }

  @Test
  void duplicateKeysAndNonMappingsAreRejected() {
    PogoException dup = assertThrows(PogoException.class, () -> NodeConfigLoader.parseYaml("name: a\nname: b\n", "f.yaml"));
    assertTrue(dup.getMessage().contains("line 2"), dup.getMessage());
    PogoException list = assertThrows(PogoException.class, () -> NodeConfigLoader.parseYaml("- a\n- b\n", "f.yaml"));
    assertTrue(list.getMessage().contains("mapping"), list.getMessage());
    assertEquals(new JsonObject(), NodeConfigLoader.parseYaml("# only a comment\n", "f.yaml"));
  }

  @Test
  void missingFileIsReported() {
    PogoException e = assertThrows(PogoException.class,
        () -> new NodeConfigLoader(Map.of(), "x").load(dir.resolve("nope.yaml"), Map.of()));
    assertTrue(messageOf(e, "config").contains("does not exist"), e.getMessage());
  }

  @Test
  void malformedTagsFlagIsReportedWithOtherErrors() {
    PogoException e = assertThrows(PogoException.class,
        () -> new NodeConfigLoader(Map.of(), "x").load(null, Map.of("tags", "colo", "clusterPort", "0")));
    assertTrue(messageOf(e, "tags").startsWith("--tags:"), e.getMessage());
    assertTrue(fields(e).contains("clusterPort"), e.getMessage());
  }

  @Test
  void exampleConfigIsValidAndMatchesTheDefaults() throws IOException {
    try (InputStream in = getClass().getResourceAsStream("/example-pogo.yaml")) {
      Path f = yaml(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      assertEquals(NodeOptions.defaults("x"), new NodeConfigLoader(Map.of(), "x").load(f, Map.of()));
    }
  }

  @Test
  void defaultNameIsASanitisedShortHostName() {
    assertEquals("web1", NodeConfigLoader.sanitizeNodeName("web1.example.com"));
    assertEquals("my-box", NodeConfigLoader.sanitizeNodeName("my_box"));
    assertEquals("pogo", NodeConfigLoader.sanitizeNodeName("___"));
    assertEquals("pogo", NodeConfigLoader.sanitizeNodeName(null));
    assertTrue(io.pogo.core.node.NodeOptionsValidator.NODE_NAME.matcher(NodeConfigLoader.defaultNodeName()).matches());
    assertNull(new NodeConfigLoader(Map.of(), "x").load(null, Map.of()).token());
  }
}
