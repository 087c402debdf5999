// The same filter the mirage command installs: a dependency's DEP0060 (util._extend) warning
// is dropped in test workers too; every other warning is still printed.
import "../../src/cli/quietDependencyWarnings.js";
