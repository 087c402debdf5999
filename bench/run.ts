import { benchApiRoutes } from "./apiRoutes.js";
import { benchAppserviceIngest } from "./appserviceIngest.js";
import { benchCryptoCost } from "./cryptoCost.js";
import { benchDurableIndexedDB } from "./durableIndexedDB.js";
import { benchLongPoll } from "./longPoll.js";
import { benchRenderHostile } from "./renderHostile.js";
import { benchRenderLoad } from "./renderLoad.js";

// Each benchmark reports figures as ratios against a baseline measured in the same run.
const lines = [
  `Mirage benchmarks, Node ${process.versions.node}, ${new Date().toISOString()}`,
  ...(await benchAppserviceIngest()),
  ...(await benchApiRoutes()),
  ...(await benchDurableIndexedDB()),
  ...(await benchCryptoCost()),
  ...(await benchLongPoll()),
  ...(await benchRenderHostile()),
  ...(await benchRenderLoad()),
];
process.stdout.write(lines.join("\n") + "\n");
