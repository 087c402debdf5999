/** The JSON shapes the client reads, as the server's OpenAPI documents them. */

export interface ApiUser {
  name: string;
  displayName: string;
  avatarUrl: string;
  matrixId: string;
}

export interface PersonProfile {
  displayName: string;
  avatarUrl?: string;
}

export interface LastMessage {
  id: string;
  sender: string;
  senderProfile?: PersonProfile;
  excerpt: string;
  createdAt: string;
}

export interface ApiRoom {
  id: string;
  kind: "group" | "dm";
  name: string;
  topic: string;
  createdBy: string;
  createdAt: string;
  membership: "join" | "invite" | "leave";
  joinRule: "invite" | "public";
  members?: { member: string; membership: "join" | "invite"; kind: "mirage" | "matrix" }[];
  unreadCount?: number;
  lastMessage?: LastMessage;
  readUpTo?: string;
}

export interface ApiMessage {
  id: string;
  roomId: string;
  seq: number;
  sender: string;
  senderProfile: PersonProfile;
  body: string;
  /** Sanitized by the server; the only HTML the client ever inserts. */
  html: string;
  parentId?: string;
  threadId?: string;
  threadSummary?: { count: number; latestId: string };
  kind: "text" | "notice" | "emote";
  createdAt: string;
  editedAt?: string;
  deleted: boolean;
  delivery?: { state: "failed"; reason: string; at: string };
  reactions: Record<string, number>;
  myReactions: string[];
}

export interface MessagePage {
  messages: ApiMessage[];
  nextBefore: number | null;
}

export interface ReactionSummary {
  target: { kind: "post" | "comment" | "message"; id: string };
  key: string;
  reactions: Record<string, number>;
  myReactions: string[];
}

export interface CallView {
  url: string;
  conferenceId: string;
  domain: string;
  audioOnly: boolean;
  widgetId: string;
  widgetUrl: string;
  creatorUserId: string;
}

/** One `GET /api/v1/sync` event; `object` is what it names, as the reader may see it, when the server sends it. */
export interface SyncEvent {
  kind: string;
  roomId?: string;
  data: { type: string; roomId?: string; messageId?: string; member?: string; membership?: string; by: string; at: string; [field: string]: unknown };
  object?: unknown;
}
