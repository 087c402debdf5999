import type { PersonId } from "../platform/people/Person.js";
import type { PersonProfile, PersonProfiles } from "../platform/people/PersonProfiles.js";
import { mediaUrlUnder } from "../platform/render/createMarkdownRenderer.js";

/** A person's profile as the API returns it (schema `PersonProfile`). */
export interface PersonProfileJson {
  displayName: string;
  avatarUrl?: string;
}

/** The profiles of everyone a page names, looked up once per page; then one per person. */
export type ProfileLookup = (ids: Iterable<string>) => Promise<(id: string) => PersonProfileJson>;

/**
 * Looks profiles up through `profiles` and shapes them for the API: an `mxc://` avatar becomes
 * Mirage's media route under `publicUrl` (root-relative without one). Without `profiles` everyone
 * is shown by their ID.
 */
export function profileLookup(profiles: PersonProfiles | undefined, publicUrl = ""): ProfileLookup {
  const mediaUrl = mediaUrlUnder(publicUrl);
  const json = (profile: PersonProfile): PersonProfileJson => {
    if (profile.avatar === undefined) return { displayName: profile.displayName };
    return { displayName: profile.displayName, avatarUrl: profile.avatar.startsWith("mxc://") ? mediaUrl(profile.avatar) : profile.avatar };
  };
  return async (ids) => {
    const found = profiles ? await profiles.of(ids as Iterable<PersonId>) : new Map<string, PersonProfile>();
    return (id) => {
      const profile = found.get(id as PersonId);
      return profile ? json(profile) : { displayName: id };
    };
  };
}
