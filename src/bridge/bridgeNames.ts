import { createHash } from "node:crypto";
import type { PersonId } from "../platform/people/Person.js";
import { people } from "../platform/people/people.js";
import { USERNAME_PATTERN } from "../platform/accounts/usernameRules.js";
import { asRoomId, type AccountName, type MatrixUserId, type RoomId } from "../platform/ids.js";
import type { GhostAccounts } from "../platform/ports/GhostAccounts.js";

/** Bytes kept as they are in a blog alias for a Matrix owner; every other byte is `=xx` (so `=` never is). */
const ALIAS_SAFE = /[a-z0-9._-]/;
/** Longest encoded Matrix owner in a blog alias, within the 255 bytes of an alias. */
const MAX_ENCODED_OWNER = 180;

/** Room IDs as the platform makes them (`r_` + base64url): the only ones a portal alias may name. */
const PLATFORM_ROOM_ID = /^r_[A-Za-z0-9_-]{1,64}$/;

/**
 * How platform names appear in Matrix: an account is the ghost `@<prefix><name>:<domain>`, a room's
 * portal has the alias `#<prefix><roomId>:<domain>`. Built from the registration's namespace prefix
 * and the homeserver's domain, the same values the registration and `ghostAccounts` use.
 */
export class BridgeNames {
  private readonly ghosts: GhostAccounts;

  constructor(
    private readonly prefix: string,
    readonly domain: string,
  ) {
    this.ghosts = people.ghostAccounts(prefix, domain);
  }

  ghost(account: string): string {
    return `@${this.prefix}${account}:${this.domain}`;
  }

  /** The account whose ghost `userId` is, or undefined for any other Matrix ID. */
  accountOf(userId: string): AccountName | undefined {
    return this.ghosts(userId as MatrixUserId);
  }

  /** The Matrix user a member is: a ghost for an account, the Matrix user itself otherwise. */
  matrixUser(member: PersonId | string): string {
    return people.isMatrixId(member) ? member : this.ghost(member);
  }

  /** The alias localpart of a room's portal. */
  portalAliasLocalpart(roomId: RoomId): string {
    return `${this.prefix}${roomId}`;
  }

  portalAlias(roomId: RoomId): string {
    return `#${this.portalAliasLocalpart(roomId)}:${this.domain}`;
  }

  /**
   * The alias localpart of a blog's room: `<prefix>blog_<account>` for an account; for a Matrix
   * owner, its ID without `@`, every byte outside `[a-z0-9._-]` written `=xx` (account names never
   * hold `=`, so the two cannot meet). An ID too long to encode gets a hash (not reversible: such a
   * blog's room is created on first need, never by an alias query).
   */
  blogAliasLocalpart(owner: PersonId): string {
    if (!people.isMatrixId(owner)) return `${this.prefix}blog_${owner}`;
    let encoded = "";
    for (const byte of Buffer.from(owner.slice(1), "utf8")) {
      const char = String.fromCharCode(byte);
      encoded += ALIAS_SAFE.test(char) ? char : `=${byte.toString(16).padStart(2, "0")}`;
    }
    if (encoded.length > MAX_ENCODED_OWNER) encoded = `=h${createHash("sha256").update(owner).digest("hex").slice(0, 40)}`;
    return `${this.prefix}blog_${encoded}`;
  }

  blogAlias(owner: PersonId): string {
    return `#${this.blogAliasLocalpart(owner)}:${this.domain}`;
  }

  /** The blog owner a blog alias names (an account name or a Matrix user ID), or undefined for any other alias. */
  blogOwnerOfAlias(alias: string): PersonId | undefined {
    const head = `#${this.prefix}blog_`;
    const tail = `:${this.domain}`;
    if (!alias.startsWith(head) || !alias.endsWith(tail)) return undefined;
    const name = alias.slice(head.length, alias.length - tail.length);
    if (!name.includes("=")) return USERNAME_PATTERN.test(name) ? (name as PersonId) : undefined;
    if (!/^(?:[a-z0-9._-]|=[0-9a-f]{2})+$/.test(name)) return undefined;
    const bytes: number[] = [];
    for (let i = 0; i < name.length; i++) {
      if (name[i] === "=") {
        bytes.push(parseInt(name.slice(i + 1, i + 3), 16));
        i += 2;
      } else bytes.push(name.charCodeAt(i));
    }
    const userId = `@${Buffer.from(bytes).toString("utf8")}`;
    // Only the canonical spelling: the one `blogAliasLocalpart` makes for this ID.
    return /^@[^:\s]+:\S+$/.test(userId) && this.blogAliasLocalpart(userId as PersonId) === `${this.prefix}blog_${name}` ? (userId as PersonId) : undefined;
  }

  /** The platform room a portal alias names, or undefined for any other alias. */
  roomOfAlias(alias: string): RoomId | undefined {
    const head = `#${this.prefix}`;
    const tail = `:${this.domain}`;
    if (!alias.startsWith(head) || !alias.endsWith(tail)) return undefined;
    const id = alias.slice(head.length, alias.length - tail.length);
    return PLATFORM_ROOM_ID.test(id) ? asRoomId(id) : undefined;
  }
}
