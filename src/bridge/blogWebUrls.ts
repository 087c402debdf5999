import type { PersonId } from "../platform/people/Person.js";
import { blogUrl, postUrl } from "./convert/postToMatrix.js";

/**
 * The web pages of a blog (`/@<owner>`) and of its posts (`/@<owner>/<slug>`) under Mirage's public
 * URL, bound to it (the addresses themselves are made by `blogUrl`/`postUrl`).
 */
export function blogWebUrls(publicUrl: string): { blog(owner: PersonId): string; post(owner: PersonId, slug: string): string } {
  return { blog: (owner) => blogUrl(publicUrl, owner), post: (owner, slug) => postUrl(publicUrl, owner, slug) };
}
