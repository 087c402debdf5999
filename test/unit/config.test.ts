import { readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/ConfigError.js";
import { loadConfig, parseConfig } from "../../src/config/loadConfig.js";
import { renderConfigSample } from "../../src/config/renderConfigSample.js";
import { builtinSamplePlugins } from "../../src/plugins/builtinSamplePlugins.js";
import { ConfigSchema } from "../../src/config/configSchema.js";
import { configLeaves, envNameFor } from "../../src/config/schemaWalk.js";

function issuesOf(fn: () => unknown): Record<string, string> {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return Object.fromEntries((error as ConfigError).issues.map((i) => [i.path, i.problem]));
  }
  throw new Error("expected a ConfigError");
}

describe("config", () => {
  it("fills every default from the schema", () => {
    const config = parseConfig({});
    expect(config.homeserver.url).toBe("http://localhost:8008");
    expect(config.appservice.port).toBe(8090);
    expect(config.api.port).toBe(8080);
    expect(config.store.path).toBe("data/store");
    expect(config.permissions.admins).toEqual([]);
  });

  it("names the path and the problem of every error at once", () => {
    const issues = issuesOf(() =>
      parseConfig({
        homeserver: { url: "ftp://example.org", domain: "no spaces allowed" },
        api: { port: 70000, bindAdress: "0.0.0.0" },
        permissions: { admins: ["alice"] },
        logging: { level: "loud" },
      }),
    );
    expect(issues).toEqual({
      "homeserver.url": "must be an http(s) URL",
      "homeserver.domain": "must be a server name such as example.org",
      "api.port": "must be a port number (1-65535)",
      "api.bindAdress": "unknown key",
      "permissions.admins[0]": "must be a Matrix user ID such as @alice:example.org",
      "logging.level": "must be one of fatal, error, warn, info, debug, trace, silent",
    });
  });

  it("requires a passphrase with encryption and refuses what the engine cannot do", () => {
    expect(issuesOf(() => parseConfig({ encryption: { enabled: true } }))).toEqual({
      "encryption.passphrase": expect.stringContaining("MIRAGE_ENCRYPTION_PASSPHRASE"),
    });
    expect(parseConfig({ encryption: { enabled: true, passphrase: "x" } }).encryption.enabled).toBe(true);
    expect(issuesOf(() => parseConfig({ encryption: { deleteKeysAfterDecrypt: true } }))).toEqual({
      "encryption.deleteKeysAfterDecrypt": expect.stringContaining("set it to false"),
    });
  });

  it("needs an operations token to lock /metrics, and a port of its own for a separate metrics listener", () => {
    expect(issuesOf(() => parseConfig({ operations: { metrics: { requireToken: true } } }))).toEqual({
      "operations.token": expect.stringContaining("MIRAGE_OPERATIONS_TOKEN"),
    });
    expect(issuesOf(() => parseConfig({ operations: { token: "short" } }))).toEqual({ "operations.token": expect.stringContaining("32 characters") });
    expect(issuesOf(() => parseConfig({ operations: { metrics: { port: 8080 } } }))).toEqual({ "operations.metrics.port": expect.stringContaining("must differ") });
    const ok = parseConfig({ operations: { token: "t".repeat(32), metrics: { requireToken: true, port: 9100 } } });
    expect(ok.operations).toEqual({ token: "t".repeat(32), metrics: { requireToken: true, port: 9100, bindAddress: "127.0.0.1" } });
  });

  it("takes any key from MIRAGE_* environment variables, typed by the schema", () => {
    const config = parseConfig(
      { homeserver: { url: "http://file.example" } },
      {
        MIRAGE_HOMESERVER_URL: "https://env.example",
        MIRAGE_API_PORT: "9000",
        MIRAGE_API_TRUST_PROXY: "true",
        MIRAGE_PERMISSIONS_ADMINS: "@a:example.org, @b:example.org",
        MIRAGE_ENCRYPTION_PASSPHRASE: "s3cret",
      },
    );
    expect(config.homeserver.url).toBe("https://env.example");
    expect(config.api.port).toBe(9000);
    expect(config.api.trustProxy).toBe(true);
    expect(config.permissions.admins).toEqual(["@a:example.org", "@b:example.org"]);
    expect(config.encryption.passphrase).toBe("s3cret");
    expect(issuesOf(() => parseConfig({}, { MIRAGE_API_PORT: "eighty" }))).toEqual({
      "api.port": "must be a port number (1-65535)",
    });
  });

  it("gives every key a distinct environment variable name", () => {
    const names = configLeaves(ConfigSchema).map((l) => envNameFor(l.path));
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain("MIRAGE_API_PUBLIC_URL");
  });

  it("reports YAML syntax errors and missing files as config errors", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mirage-config-"));
    const broken = path.join(dir, "broken.yaml");
    await writeFile(broken, "homeserver:\n  url: [unclosed\n");
    await expect(loadConfig({ file: broken, env: {} })).rejects.toThrow(/invalid YAML/);
    await expect(loadConfig({ file: path.join(dir, "absent.yaml"), env: {} })).rejects.toThrow(/file not found/);
  });

  it("resolves relative paths against the config file's directory", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mirage-config-"));
    const file = path.join(dir, "config.yaml");
    await writeFile(file, "store:\n  path: state\n");
    const { config } = await loadConfig({ file, env: {} });
    expect(config.store.path).toBe(path.join(dir, "state"));
    expect(config.appservice.registration).toBe(path.join(dir, "data/registration.yaml"));
  });

  it("config.sample.yaml is exactly what the schema and the built-in plugins' schemas generate, and it is valid", async () => {
    const committed = readFileSync(new URL("../../config.sample.yaml", import.meta.url), "utf8");
    expect(committed).toBe(renderConfigSample(await builtinSamplePlugins()));
    for (const leaf of configLeaves(ConfigSchema)) {
      expect(committed, `sample documents ${leaf.path.join(".")}`).toContain(`${leaf.path.at(-1)}:`);
    }
  });

  it("the sample parses to the defaults", async () => {
    const sample = new URL("../../config.sample.yaml", import.meta.url).pathname;
    const { config } = await loadConfig({ file: sample, env: {} });
    expect(config.homeserver).toEqual(parseConfig({}).homeserver);
  });
});

describe("plugins config", () => {
  const HELLO = new URL("../../plugins/examples/hello/index.ts", import.meta.url).pathname;

  it("resolves a plugin module given as a path against the config file's directory; a package name stays as it is", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mirage-config-"));
    const file = path.join(dir, "config.yaml");
    await writeFile(file, "plugins:\n  - id: hello\n    module: ./my-plugins/hello/index.js\n  - id: polls\n    module: \"@acme/mirage-polls\"\n    enabled: false\n");
    const { config } = await loadConfig({ file, env: {} });
    expect(config.plugins).toEqual([
      { id: "hello", module: path.join(dir, "my-plugins/hello/index.js") },
      { id: "polls", module: "@acme/mirage-polls", enabled: false },
    ]);
  });

  it("reports a bad id and an id configured twice by path", () => {
    const error = (() => {
      try {
        parseConfig({ plugins: [{ id: "Hello World" }, { id: "x" }, { id: "x" }] });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error?.issues).toEqual([{ path: "plugins[0].id", problem: "must be 1-32 of a-z, 0-9 and -" }]);
    expect(() => parseConfig({ plugins: [{ id: "x" }, { id: "x" }] })).toThrow(/plugins\[1\]\.id: "x" is configured twice/);
  });

  it("validates each plugin's config against its schema, by path, with defaults and MIRAGE_PLUGINS_<ID>_<KEY> variables", async () => {
    const { preparePlugins } = await import("../../src/plugins/preparePlugins.js");
    const [prepared] = await preparePlugins([{ id: "hello", module: HELLO }], {});
    expect(prepared?.config).toEqual({ greeting: "Hello" });
    const [fromEnv] = await preparePlugins([{ id: "hello", module: HELLO, config: { greeting: "Hi" } }], { MIRAGE_PLUGINS_HELLO_GREETING: "Howdy" });
    expect(fromEnv?.config).toEqual({ greeting: "Howdy" });
    const failure = await preparePlugins(
      [
        { id: "hello", module: HELLO, config: { greeting: 3, extra: true } },
        { id: "nothing-here" },
        { id: "elsewhere", module: "/nonexistent/plugin.js" },
        { id: "other", module: HELLO },
        { id: "off", module: "/nonexistent/too.js", enabled: false },
      ],
      {},
    ).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).issues).toEqual([
      { path: "plugins[0].config.extra", problem: "unknown key" },
      { path: "plugins[0].config.greeting", problem: "expected string" },
      { path: "plugins[1].id", problem: expect.stringMatching(/^no built-in plugin "nothing-here" \(built-ins: .*\); set module for a third-party plugin$/) },
      { path: "plugins[2].module", problem: "not found" },
      { path: "plugins[3].id", problem: 'the module is plugin "hello", not "other"' },
    ]);
  });
});

describe("config.sample.yaml's built-in plugins", () => {
  it("shows each built-in as a commented-out entry with its settings from its schema, leaving the sample's value the default", async () => {
    const { Type } = await import("@sinclair/typebox");
    const { parse } = await import("yaml");
    const sample = renderConfigSample([
      {
        id: "demo",
        description: "A demo plugin.",
        configSchema: Type.Object({
          domain: Type.String({ description: "Server to use.", default: "meet.example" }),
          appSecret: Type.String({ description: "Signing secret.", default: "", secret: true }),
        }),
      },
    ]);
    expect(sample).toContain(
      [
        "# Built-in plugins (uncomment an entry to run it):",
        "#   # demo: A demo plugin.",
        "#   - id: demo",
        "#     enabled: true",
        "#     config:",
        "#       # Server to use.",
        "#       domain: meet.example",
        "#       # Signing secret.",
        "#       # Secret: prefer the environment variable MIRAGE_PLUGINS_DEMO_APP_SECRET.",
        '#       appSecret: ""',
        "plugins: []",
      ].join("\n"),
    );
    expect(parse(sample).plugins).toEqual([]);
    // Uncommented, the entry is a valid plugins list.
    const entry = sample.split("\n").filter((line) => line.startsWith("#   ") && !line.startsWith("#   #")).map((line) => line.slice(3).replace(/^#\s*(.*)$/, ""));
    expect(parse(`plugins:\n${entry.join("\n")}`).plugins).toEqual([{ id: "demo", enabled: true, config: { domain: "meet.example", appSecret: "" } }]);
  });
});
