#!/usr/bin/env node
// The `mirage` command: checks the Node.js version before loading anything that needs a newer one.
import { requireNode } from "../scripts/requireNode.mjs";

requireNode();
await import("../dist/src/cli/main.js");
