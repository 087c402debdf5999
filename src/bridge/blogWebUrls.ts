import type { PersonId } from "../platform/people/Person.js";

/**
 * The web pages of a blog (`/@<owner>`) and of its posts (`/@<owner>/<slug>`) under Mirage's public
 * URL. A Matrix owner keeps its `@` and `:` (both allowed in a path segment): `/@@bob:example.org`.
 */
export function blogWebUrls(publicUrl: string): { blog(owner: PersonId): string; post(owner: PersonId, slug: string): string } {
  const base = publicUrl.replace(/\/+$/, "");
  const segment = (text: string) => encodeURIComponent(text).replace(/%40/g, "@").replace(/%3A/gi, ":");
  const blog = (owner: PersonId) => `${base}/@${segment(owner)}`;
  return { blog, post: (owner, slug) => `${blog(owner)}/${segment(slug)}` };
}
