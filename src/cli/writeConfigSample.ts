import { writeFileSync } from "node:fs";
import { renderConfigSample } from "../config/renderConfigSample.js";

// Regenerates the committed config.sample.yaml from the schema.
writeFileSync(new URL("../../config.sample.yaml", import.meta.url), renderConfigSample());
