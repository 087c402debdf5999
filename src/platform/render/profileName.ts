/** Class and id names a profile may use (before the prefix), in its HTML and its CSS alike. */
export const SAFE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** Every id and class of profile content carries it, so none can equal one of the page's own. */
export const PROFILE_NAME_PREFIX = "mp-";

/**
 * The name an owner's `id`/`class` `name` gets on the page (`card` → `mp-card`; `mp-card` stays, so
 * sanitizing twice changes nothing), or undefined unless `name` is a plain name.
 */
export function profileName(name: string): string | undefined {
  const bare = name.startsWith(PROFILE_NAME_PREFIX) ? name.slice(PROFILE_NAME_PREFIX.length) : name;
  return SAFE_NAME.test(bare) ? PROFILE_NAME_PREFIX + bare : undefined;
}
