/** What the public pages show, resolved to plain data (names, addresses, sanitized HTML) before rendering. */

/** A person as a page shows them. */
export interface PagePerson {
  id: string;
  displayName: string;
  /** Same-origin (or proxied) image address; absent: initials are shown. */
  avatarUrl?: string;
  /** Their blog's page; absent for people without one. */
  href?: string;
}

export interface PostSummary {
  id: string;
  title: string;
  href: string;
  author: PagePerson;
  /** Plain text. */
  excerpt: string;
  publishedAt: number;
  commentCount: number;
  reactionCount: number;
}

export interface PageReaction {
  key: string;
  count: number;
}

export interface PageComment {
  id: string;
  parentId?: string;
  author: PagePerson;
  /** Sanitized HTML; empty when deleted. */
  html: string;
  createdAt: number;
  editedAt?: number;
  deleted: boolean;
  reactions: PageReaction[];
}

/** Links to neighbouring pages of a list (`?before=` cursors), absent at the ends. */
export interface Pager {
  older?: string;
  newest?: string;
}

/** What every page's head may carry for shared links and feeds. */
export interface PageMeta {
  title: string;
  description: string;
  /** Absolute. */
  canonical: string;
  /** OpenGraph type. */
  type: "website" | "profile" | "article";
  /** Absolute image for link previews. */
  image?: string;
  /** Absolute address of an Atom feed to announce. */
  feed?: { href: string; title: string };
  publishedAt?: number;
  author?: string;
}
