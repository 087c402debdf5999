import type { PersonId } from "../platform/people/Person.js";
import { people } from "../platform/people/people.js";
import { asRoomId, type AccountName, type MatrixUserId, type RoomId } from "../platform/ids.js";
import type { GhostAccounts } from "../platform/ports/GhostAccounts.js";

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

  /** The platform room a portal alias names, or undefined for any other alias. */
  roomOfAlias(alias: string): RoomId | undefined {
    const head = `#${this.prefix}`;
    const tail = `:${this.domain}`;
    if (!alias.startsWith(head) || !alias.endsWith(tail)) return undefined;
    const id = alias.slice(head.length, alias.length - tail.length);
    return PLATFORM_ROOM_ID.test(id) ? asRoomId(id) : undefined;
  }
}
