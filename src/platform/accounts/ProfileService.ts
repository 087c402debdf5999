import { ErrorCodes, MirageError } from "../errors/MirageError.js";
import type { DomainEventBus } from "../events/DomainEvent.js";
import type { AccountName } from "../ids.js";
import type { Person } from "../people/Person.js";
import { people } from "../people/people.js";
import type { GhostAccounts } from "../ports/GhostAccounts.js";
import type { Account, AccountRepository } from "./Account.js";
import { cleanDisplayName, reservedWordIn } from "./nameSkeleton.js";

/**
 * Sanitizers the profile needs; implemented by the render module (off the event loop for large
 * input), injected so the domain stays testable. They reject as `MarkdownRenderer` does.
 */
export interface ProfileSanitizer {
  /** Bio Markdown → sanitized HTML. */
  bioHtml(markdown: string): Promise<string>;
  /** The owner's custom HTML → allowlisted HTML (no script, no handlers). */
  html(raw: string): Promise<string>;
  /** The owner's custom CSS → allowlisted, scoped CSS safe inside `<style>`. */
  css(raw: string): Promise<string>;
}

export interface ProfilePatch {
  displayName?: string;
  avatarUrl?: string;
  bio?: string;
  customHtml?: string;
  customCss?: string;
}

const PROFILE_FIELDS = ["displayName", "avatarUrl", "bio", "customHtml", "customCss"] as const satisfies ReadonlyArray<keyof ProfilePatch>;

/** The sanitized forms a public profile page shows, as `update` would store them. */
export interface ProfilePreview {
  bioHtml: string;
  html: string;
  css: string;
}

export const PROFILE_LIMITS = { displayName: 100, avatarUrl: 2048, bio: 10_000, customHtml: 100_000, customCss: 50_000 } as const;

/** Profile edits: validated, sanitized and rendered once at write time; raw sources kept for their owner. */
export class ProfileService {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly sanitizer: ProfileSanitizer,
    private readonly events: DomainEventBus,
    private readonly now: () => number = Date.now,
    /** Ghosts' Matrix IDs to their accounts: a ghost edits its account's profile. */
    private readonly ghosts?: GhostAccounts,
  ) {}

  async get(name: string): Promise<Account> {
    const account = await this.accounts.get(name.toLowerCase() as AccountName);
    if (!account) throw new MirageError(ErrorCodes.notFound, "no such user");
    return account;
  }

  /** The actor's own profile; a Matrix user keeps theirs in Matrix (FORBIDDEN here). */
  async update(actor: Person, patch: ProfilePatch): Promise<Account> {
    const account = await this.ownAccount(actor);
    const next: Account = { ...account, updatedAt: this.now() };
    if (patch.displayName !== undefined) next.displayName = checkDisplayName(patch.displayName);
    if (patch.avatarUrl !== undefined) next.avatarUrl = checkAvatarUrl(patch.avatarUrl);
    if (patch.bio !== undefined) {
      next.bio = patch.bio;
      next.bioHtml = await this.bioHtml(patch.bio);
    }
    if (patch.customHtml !== undefined) {
      next.customHtml = patch.customHtml;
      next.customHtmlSanitized = await this.sanitizer.html(patch.customHtml);
    }
    if (patch.customCss !== undefined) {
      next.customCss = patch.customCss;
      next.customCssSanitized = await this.sanitizer.css(patch.customCss);
    }
    const fields = PROFILE_FIELDS.filter((field) => patch[field] !== undefined);
    // The owner's other sessions refresh; the bridge updates the ghost's Matrix profile.
    const events = [{ event: { type: "profile.changed" as const, name: account.name, fields, by: account.name }, audience: [account.name], at: next.updatedAt }];
    await this.accounts.update(next, events);
    this.events.publish(events);
    return next;
  }

  /**
   * What the actor's public profile would show with these sources (an absent one: as saved), made
   * by the same sanitizers as `update`; stores and publishes nothing. Rejects as `update` does.
   */
  async preview(actor: Person, sources: Pick<ProfilePatch, "bio" | "customHtml" | "customCss">): Promise<ProfilePreview> {
    const account = await this.ownAccount(actor);
    const [bioHtml, html, css] = await Promise.all([
      sources.bio === undefined ? account.bioHtml : this.bioHtml(sources.bio),
      sources.customHtml === undefined ? account.customHtmlSanitized : this.sanitizer.html(sources.customHtml),
      sources.customCss === undefined ? account.customCssSanitized : this.sanitizer.css(sources.customCss),
    ]);
    return { bioHtml, html, css };
  }

  private async ownAccount(actor: Person): Promise<Account> {
    const person = people.canonical(actor, this.ghosts);
    if (person.kind === "matrix") throw new MirageError(ErrorCodes.forbidden, "Matrix users edit their profile in Matrix");
    const account = await this.accounts.get(person.name);
    if (!account) throw new MirageError(ErrorCodes.notFound, "no such user");
    return account;
  }

  private bioHtml(bio: string): Promise<string> {
    return bio === "" ? Promise.resolve("") : this.sanitizer.bioHtml(bio);
  }
}

/**
 * A display name as stored: cleaned of bidi controls and invisible characters (see
 * `cleanDisplayName`), non-empty, without control characters, and using no word reserved for
 * Mirage or its staff. Lookalikes of other accounts' names are refused by the repository.
 */
function checkDisplayName(raw: string): string {
  if (/[\u0000-\u001f\u007f-\u009f]/.test(raw)) throw new MirageError(ErrorCodes.invalidInput, "displayName must not contain control characters");
  const displayName = cleanDisplayName(raw);
  if (displayName === "") throw new MirageError(ErrorCodes.invalidInput, "displayName must contain visible text");
  const reserved = reservedWordIn(displayName);
  if (reserved !== undefined) throw new MirageError(ErrorCodes.nameReserved, `displayName must not use "${reserved}", which is reserved for Mirage and its staff`);
  return displayName;
}

/** Avatars are fetched by browsers: https only, no credentials in the URL. */
function checkAvatarUrl(raw: string): string {
  if (raw === "") return "";
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new MirageError(ErrorCodes.invalidInput, "avatarUrl must be an https URL");
  }
  if (url.protocol !== "https:" || url.username !== "" || url.password !== "") {
    throw new MirageError(ErrorCodes.invalidInput, "avatarUrl must be an https URL without credentials");
  }
  return url.toString();
}
