import { MemoryLevel } from "memory-level";
import { describe, expect, it } from "vitest";
import { CommandDispatcher, type RoomFacts } from "../../src/platform/commands/CommandDispatcher.js";
import { CommandRegistry } from "../../src/platform/commands/CommandRegistry.js";
import { pluginAdminCommands } from "../../src/plugins/pluginAdminCommands.js";
import type { PluginStatus } from "../../src/plugins/PluginHost.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver } from "../../src/store/openStore.js";

const ADMIN = "@admin:t";

describe("plugin admin commands", () => {
  it("list plugins, purge a stopped plugin's store (data and jobs), refuse a running one and non-admins", async () => {
    const store = storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel);
    const statuses: Record<string, PluginStatus> = { jitsi: "running", old: "disabled: start threw TypeError" };
    const registry = new CommandRegistry();
    for (const c of pluginAdminCommands({ status: () => statuses, storages: store.plugins })) registry.register(c);
    const facts: RoomFacts = { powerLevel: async () => 100, isDirectWithBot: async () => true, isBridgeAdmin: (id) => id === ADMIN, place: async () => ({ kind: "room" }) };
    const dispatcher = new CommandDispatcher(registry, facts);
    const send = async (body: string, sender = ADMIN) => {
      const result = await dispatcher.dispatch({ body, sender, roomId: "!admin:t", eventId: "$cmd", sentAt: 0 });
      return "replies" in result ? result.replies.map((r) => r.text).join("\n") : "";
    };
    for (const id of ["jitsi", "old", "older"]) {
      const storage = store.plugins.open(id);
      await storage.data.put("k", { id });
      await storage.jobs.put({ id: `${id}-job`, at: 5, name: "tick", payload: null });
    }

    expect(await send("!mirage plugins")).toBe("jitsi: running\nold: disabled: start threw TypeError");
    expect(await send("!mirage plugin purge jitsi")).toMatch(/jitsi is running: set enabled: false/);
    expect(await send("!mirage plugin purge old", "@mod:t")).not.toMatch(/Deleted/);
    expect(await send("!mirage plugin purge Bad/Id")).toMatch(/1-32 of a-z/);
    expect(await send("!mirage plugin purge old")).toBe("Deleted everything old stored (its data and scheduled jobs).");

    expect(await store.plugins.open("old").data.get("k")).toBeUndefined();
    expect(await store.plugins.open("old").jobs.due(100, 10)).toEqual([]);
    expect(await store.plugins.open("jitsi").data.get("k")).toEqual({ id: "jitsi" });
    expect(await store.plugins.open("older").data.get("k")).toEqual({ id: "older" });
    expect(await send("!mirage plugin purge older")).toMatch(/Deleted everything older stored/);
    expect(await store.plugins.open("older").data.get("k")).toBeUndefined();
  });
});
