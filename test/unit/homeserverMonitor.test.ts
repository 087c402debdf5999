import { afterEach, describe, expect, it, vi } from "vitest";
import { Registry } from "prom-client";
import type { Appservice, MatrixClient } from "@vector-im/matrix-bot-sdk";
import { createLogger } from "../../src/log/createLogger.js";
import { createAppserviceMetrics } from "../../src/matrix/appserviceMetrics.js";
import { HomeserverMonitor } from "../../src/matrix/HomeserverMonitor.js";

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

function monitorWithPings(answers: Array<"ok" | "fail">) {
  const pings: number[] = [];
  const appserviceClient = {
    doRequest: vi.fn(async () => {
      pings.push(Date.now());
      const answer = answers.shift() ?? "ok";
      if (answer === "fail") throw Object.assign(new Error("AlreadyCalled"), { statusCode: 502, errcode: "M_UNKNOWN" });
      return { duration_ms: 3 };
    }),
  } as unknown as MatrixClient;
  const appservice = { botIntent: { ensureRegistered: async () => undefined } } as unknown as Appservice;
  const monitor = new HomeserverMonitor({
    appservice,
    appserviceClient,
    homeserverUrl: "http://127.0.0.1:1",
    registrationId: "mirage",
    logger: createLogger("silent"),
    metrics: createAppserviceMetrics(new Registry()),
    maxDelayMs: 60_000,
    recheckMs: 30_000,
    onConnected: async () => undefined,
    onReady: () => undefined,
  });
  return { monitor, pings };
}

describe("HomeserverMonitor", () => {
  it("re-checks a failed appservice ping on a short backoff, not after the idle interval", async () => {
    vi.useFakeTimers({ now: 0 });
    vi.stubGlobal("fetch", async () => new Response("{}", { status: 200 }));
    const { monitor, pings } = monitorWithPings(["fail", "fail", "ok"]);
    monitor.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(monitor.status().appservicePing?.ok).toBe(false);
    // Second try after 1 s, third after 2 s more: well before the 30 s idle recheck.
    await vi.advanceTimersByTimeAsync(1000);
    expect(pings).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(2000);
    expect(pings).toEqual([0, 1000, 3000]);
    expect(monitor.status().appservicePing?.ok).toBe(true);
    // Once the ping answers, checks return to the idle interval and reuse the good ping.
    await vi.advanceTimersByTimeAsync(29_000);
    expect(pings).toHaveLength(3);
    await monitor.stop();
  });
});
