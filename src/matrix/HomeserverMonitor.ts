import { randomUUID } from "node:crypto";
import type { Appservice, MatrixClient } from "@vector-im/matrix-bot-sdk";
import type { Logger } from "../log/createLogger.js";
import type { AppserviceMetrics } from "./appserviceMetrics.js";
import { diagnosePingFailure } from "./diagnosePingFailure.js";

/** What /health reports about the homeserver. */
export interface HomeserverStatus {
  reachable: boolean;
  /** The bot is registered and its profile set: Mirage is fully functional. */
  ready: boolean;
  /** Result of the last homeserver → Mirage ping through the appservice ping API. */
  appservicePing: { ok: boolean; durationMs?: number; problem?: string } | undefined;
  lastCheckedAt: number | undefined;
  /** The last failure, in words an admin can act on. */
  problem: string | undefined;
}

export interface HomeserverMonitorDeps {
  appservice: Appservice;
  /** A client on the appservice's own token: once encryption is on, the bot's client uses its device's token instead. */
  appserviceClient: MatrixClient;
  homeserverUrl: string;
  registrationId: string;
  logger: Logger;
  metrics: AppserviceMetrics;
  maxDelayMs: number;
  /** Runs once per (re)connection, after the bot is registered: profile sync and the like. */
  onConnected(): Promise<void>;
  /** Called whenever the homeserver becomes reachable again. */
  onReady(): void;
  /** Interval of checks once connected. */
  recheckMs?: number;
}

/**
 * Watches the homeserver: Mirage starts without it, retries with capped backoff, and becomes
 * fully functional (bot registered, profile set, appservice ping checked) as soon as it answers.
 */
export class HomeserverMonitor {
  private readonly log: Logger;
  private current: HomeserverStatus = {
    reachable: false,
    ready: false,
    appservicePing: undefined,
    lastCheckedAt: undefined,
    problem: "not checked yet",
  };
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private failures = 0;
  /** Consecutive failed appservice pings while the homeserver is otherwise usable. */
  private pingFailures = 0;
  private checking: Promise<void> | undefined;
  /** Ping ids we sent, to tell our pings from unexpected ones. */
  private readonly outstandingPings = new Set<string>();

  constructor(private readonly deps: HomeserverMonitorDeps) {
    this.log = deps.logger.child({ component: "homeserver" });
  }

  status(): HomeserverStatus {
    return { ...this.current };
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.checking;
  }

  /** Called by the appservice API when the homeserver pings us. */
  notePing(transactionId: string | undefined): void {
    if (transactionId !== undefined && this.outstandingPings.delete(transactionId)) return;
    this.log.debug({ transactionId }, "homeserver pinged us");
  }

  /** One check now (also used by tests); resolves when it finished. */
  check(): Promise<void> {
    this.checking ??= this.runCheck().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      void this.check().then(() => {
        const recheckMs = this.deps.recheckMs ?? 30_000;
        // A failed ping is often a passing race on the homeserver's side: re-check soon, backing off.
        const next = !this.current.ready
          ? Math.min(this.deps.maxDelayMs, 1000 * 2 ** Math.min(this.failures - 1, 16))
          : this.pingFailures > 0
            ? Math.min(recheckMs, 1000 * 2 ** Math.min(this.pingFailures - 1, 16))
            : recheckMs;
        this.schedule(next);
      });
    }, delayMs);
  }

  private async runCheck(): Promise<void> {
    const wasReady = this.current.ready;
    const now = Date.now();
    try {
      await this.fetchVersions();
    } catch (error) {
      this.fail(`homeserver at ${this.deps.homeserverUrl} is unreachable (${describe(error)})`, now);
      return;
    }
    try {
      if (!wasReady) {
        await this.deps.appservice.botIntent.ensureRegistered();
        await this.deps.onConnected();
      }
    } catch (error) {
      this.fail(diagnoseAuthFailure(error), now, true);
      return;
    }
    const ping = wasReady && this.current.appservicePing?.ok ? this.current.appservicePing : await this.ping();
    this.failures = 0;
    this.pingFailures = ping.ok ? 0 : this.pingFailures + 1;
    this.current = { reachable: true, ready: true, appservicePing: ping, lastCheckedAt: now, problem: ping.problem };
    this.deps.metrics.homeserverReachable.set(1);
    if (!wasReady) {
      this.log.info({ pingOk: ping.ok, pingMs: ping.durationMs }, "homeserver connected");
      if (!ping.ok) this.log.error({ problem: ping.problem }, "the homeserver cannot reach Mirage");
      this.deps.onReady();
    }
  }

  private fail(problem: string, now: number, reachable = false): void {
    this.failures += 1;
    const was = this.current;
    this.current = { reachable, ready: false, appservicePing: undefined, lastCheckedAt: now, problem };
    this.deps.metrics.homeserverReachable.set(reachable ? 1 : 0);
    // Say it once per outage, not once per retry.
    if (was.ready || this.failures === 1 || was.problem !== problem) this.log.warn({ problem }, "homeserver not usable; retrying");
    // Lost between periodic checks: retry on the outage schedule, not the idle one.
    if (was.ready) this.schedule(1000);
  }

  private async fetchVersions(): Promise<void> {
    const url = `${this.deps.homeserverUrl.replace(/\/+$/, "")}/_matrix/client/versions`;
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status} from /_matrix/client/versions`);
    await response.json();
  }

  private async ping(): Promise<{ ok: boolean; durationMs?: number; problem?: string }> {
    const transactionId = randomUUID();
    this.outstandingPings.add(transactionId);
    try {
      const result = (await this.deps.appserviceClient.doRequest(
        "POST",
        `/_matrix/client/v1/appservice/${encodeURIComponent(this.deps.registrationId)}/ping`,
        null,
        { transaction_id: transactionId },
      )) as { duration_ms?: number };
      return { ok: true, ...(typeof result.duration_ms === "number" ? { durationMs: result.duration_ms } : {}) };
    } catch (error) {
      return { ok: false, problem: diagnosePingFailure(error) };
    } finally {
      this.outstandingPings.delete(transactionId);
    }
  }
}

function diagnoseAuthFailure(error: unknown): string {
  const e = error as { statusCode?: number; errcode?: string; body?: { errcode?: string } };
  const errcode = e.errcode ?? e.body?.errcode;
  if (errcode === "M_UNKNOWN_TOKEN" || e.statusCode === 401) {
    return "the homeserver does not know Mirage's as_token: add the registration file to app_service_config_files and restart the homeserver";
  }
  if (errcode === "M_EXCLUSIVE" || errcode === "M_FORBIDDEN") {
    return `the homeserver refused to register the bot (${errcode}): is the registration's sender_localpart or namespace taken?`;
  }
  return `registering the bot failed (${describe(error)})`;
}

export function describe(error: unknown): string {
  const e = error as { code?: string; cause?: { code?: string }; message?: string; statusCode?: number; errcode?: string };
  return e?.errcode ?? e?.cause?.code ?? e?.code ?? (e?.statusCode ? `HTTP ${e.statusCode}` : undefined) ?? e?.message ?? String(error);
}
