// The chat client's entry: mounted on the shell page served under /app/.
export {};
