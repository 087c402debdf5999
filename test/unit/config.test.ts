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
