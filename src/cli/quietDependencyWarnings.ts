// A dependency of matrix-appservice-bridge calls util._extend (DEP0060) on load; that
// warning is not actionable for Mirage's users. Every other warning is still printed.
process.removeAllListeners("warning");
process.on("warning", (warning: Error & { code?: string }) => {
  if (warning.code === "DEP0060") return;
  process.stderr.write(`${warning.name}${warning.code ? ` [${warning.code}]` : ""}: ${warning.message}\n`);
});
