import type { AccountRepository } from "./accounts/Account.js";
import { ProfileService, type ProfileSanitizer } from "./accounts/ProfileService.js";
import type { BlogRepository } from "./blogs/Blog.js";
import { blogReactionTargets } from "./blogs/blogReactionTargets.js";
import { BlogService } from "./blogs/BlogService.js";
import type { CommentRepository } from "./blogs/Comment.js";
import { CommentService } from "./blogs/CommentService.js";
import type { PostRepository } from "./blogs/Post.js";
import { ChatService } from "./chat/ChatService.js";
import { messageReactionTarget } from "./chat/messageReactionTarget.js";
import type { MessageRepository, RoomRepository } from "./chat/Room.js";
import type { ReadMarkerRepository } from "./chat/ReadMarker.js";
import type { DomainEventBus } from "./events/DomainEvent.js";
import type { GhostAccounts } from "./ports/GhostAccounts.js";
import type { MarkdownRenderer } from "./ports/MarkdownRenderer.js";
import type { CommentPurge } from "./ports/CommentPurge.js";
import type { MessagePurge } from "./ports/MessagePurge.js";
import type { IdMapping } from "./ports/IdMapping.js";
import { RoomLinks } from "./chat/RoomLinks.js";
import type { MatrixProfiles } from "./ports/MatrixProfiles.js";
import { PersonProfiles } from "./people/PersonProfiles.js";
import type { ReactionRepository } from "./reactions/Reaction.js";
import { ReactionService } from "./reactions/ReactionService.js";

export interface PlatformRepositories {
  accounts: AccountRepository;
  rooms: RoomRepository;
  messages: MessageRepository;
  readMarkers: ReadMarkerRepository;
  blogs: BlogRepository;
  posts: PostRepository;
  comments: CommentRepository;
  reactions: ReactionRepository;
  /** Deletes every copy of a message (disappearing messages). */
  messagePurge: MessagePurge;
  /** Deletes every copy of a comment (comment timers). */
  commentPurge: CommentPurge;
  /** Read by `roomLinks` only. */
  idMapping: Pick<IdMapping, "toMatrix" | "byRoom">;
}

export interface PlatformServices {
  chat: ChatService;
  profiles: ProfileService;
  blogs: BlogService;
  comments: CommentService;
  reactions: ReactionService;
  /** Matrix room ↔ platform room or blog, read-only. */
  roomLinks: RoomLinks;
  /** Display names and avatars of the people pages name. */
  personProfiles: PersonProfiles;
}

/**
 * The platform's services wired to each other and to their repositories: the one place that
 * knows which service needs which, used by the app and by tests and benchmarks alike.
 */
export function createPlatformServices(deps: {
  repositories: PlatformRepositories;
  renderer: MarkdownRenderer;
  profileSanitizer: ProfileSanitizer;
  events: DomainEventBus;
  /** Ghosts' Matrix IDs to their accounts: a ghost acting is its account, never a second person. */
  ghosts?: GhostAccounts;
  /** Matrix users' profiles; without it they are shown by their IDs. */
  matrixProfiles?: MatrixProfiles;
  now?: () => number;
}): PlatformServices {
  const { repositories: r, renderer, events } = deps;
  const clock = deps.now ? { now: deps.now } : {};
  const people = deps.ghosts ? { ghosts: deps.ghosts } : {};
  const chat = new ChatService({ rooms: r.rooms, messages: r.messages, markers: r.readMarkers, purge: r.messagePurge, accounts: r.accounts, reactions: r.reactions, renderer, events, ...people, ...clock });
  const blogDeps = { reactions: r.reactions, renderer, events, ...people, ...clock };
  return {
    chat,
    profiles: new ProfileService(r.accounts, deps.profileSanitizer, events, deps.now, deps.ghosts),
    blogs: new BlogService({ ...blogDeps, accounts: r.accounts, blogs: r.blogs, posts: r.posts, comments: r.comments, ...(deps.matrixProfiles ? { matrixProfiles: deps.matrixProfiles } : {}) }),
    comments: new CommentService({ ...blogDeps, blogs: r.blogs, posts: r.posts, comments: r.comments, purge: r.commentPurge }),
    roomLinks: new RoomLinks(r.idMapping),
    personProfiles: new PersonProfiles({ accounts: r.accounts, ...people, ...(deps.matrixProfiles ? { matrix: deps.matrixProfiles } : {}) }),
    reactions: new ReactionService({
      reactions: r.reactions,
      events,
      ...people,
      ...clock,
      targets: { ...blogReactionTargets({ blogs: r.blogs, posts: r.posts, comments: r.comments }), message: messageReactionTarget(r.messages, chat) },
    }),
  };
}
