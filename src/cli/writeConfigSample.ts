import { writeFileSync } from "node:fs";
import { renderConfigSample } from "../config/renderConfigSample.js";
import { builtinSamplePlugins } from "../plugins/builtinSamplePlugins.js";

// Regenerates the committed config.sample.yaml from the schema and the built-in plugins' schemas.
writeFileSync(new URL("../../config.sample.yaml", import.meta.url), renderConfigSample(await builtinSamplePlugins()));
