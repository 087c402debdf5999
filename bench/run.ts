import { benchApiRoutes } from "./apiRoutes.js";
import { benchAppserviceIngest } from "./appserviceIngest.js";
import { benchBridge } from "./bridge.js";
import { benchBridgeEncrypted } from "./bridgeEncrypted.js";
import { benchCryptoCost } from "./cryptoCost.js";
import { benchDurableIndexedDB } from "./durableIndexedDB.js";
import { benchLongPoll } from "./longPoll.js";
import { benchRenderHostile } from "./renderHostile.js";
import { benchRenderLoad } from "./renderLoad.js";
import { benchSyncObjects } from "./syncObjects.js";

const benches: Record<string, () => Promise<string[]>> = {
  appserviceIngest: benchAppserviceIngest,
  apiRoutes: benchApiRoutes,
  durableIndexedDB: benchDurableIndexedDB,
  cryptoCost: benchCryptoCost,
  longPoll: benchLongPoll,
  syncObjects: benchSyncObjects,
  renderHostile: benchRenderHostile,
  renderLoad: benchRenderLoad,
  bridge: benchBridge,
  bridgeEncrypted: benchBridgeEncrypted,
};

// `npm run bench -- bridge longPoll` runs only those; no names runs them all.
const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in benches));
if (unknown.length > 0) throw new Error(`unknown benchmark(s) ${unknown.join(", ")}; known: ${Object.keys(benches).join(", ")}`);

// Each benchmark reports figures as ratios against a baseline measured in the same run.
const lines = [`Mirage benchmarks, Node ${process.versions.node}, ${new Date().toISOString()}`];
for (const [name, run] of Object.entries(benches)) if (wanted.length === 0 || wanted.includes(name)) lines.push(...(await run()));
process.stdout.write(lines.join("\n") + "\n");
