/** How long one event may keep failing before it is set aside. */
export interface RetryBudget {
  maxAttempts: number;
  maxAgeMs: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

/** Whether a failure at `at` spends the budget of something that failed `attempts` times before, first at `firstFailureAt`. */
export function budgetSpent(budget: RetryBudget, attempts: number, firstFailureAt: number | undefined, at: number): boolean {
  return attempts + 1 >= budget.maxAttempts || at - (firstFailureAt ?? at) >= budget.maxAgeMs;
}

/** Capped exponential backoff after the `attempts`-th failure, jittered ±25 %. */
export function retryDelay(budget: RetryBudget, attempts: number, random: () => number): number {
  const delay = Math.min(budget.maxDelayMs, budget.initialDelayMs * 2 ** Math.min(attempts - 1, 30));
  return Math.round(delay * (0.75 + random() * 0.5));
}
