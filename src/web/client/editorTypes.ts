/** The JSON shapes the editors read, as the server's OpenAPI documents them. */
import type { PersonProfile } from "./apiTypes.js";

export interface OwnProfile {
  name: string;
  displayName: string;
  avatarUrl: string;
  matrixId: string;
  bio: string;
  bioHtml: string;
  customHtml: string;
  customHtmlSanitized: string;
  customCss: string;
  customCssSanitized: string;
}

export type ProfileFields = Pick<OwnProfile, "displayName" | "avatarUrl" | "bio" | "customHtml" | "customCss">;

/** What the public profile shows for some sources, as `POST /api/v1/me/profile/preview` answers. */
export interface ProfilePreview {
  html: string;
  css: string;
  bioHtml: string;
}

export interface ApiBlog {
  owner: string;
  ownerProfile: PersonProfile;
  title: string;
  description: string;
  postCount: number;
  draftCount?: number;
  blockedCommenters?: string[];
}

export interface ApiPost {
  id: string;
  blog: string;
  author: string;
  title: string;
  slug: string;
  body: string;
  html: string;
  tags: string[];
  published: boolean;
  commentsOpen: boolean;
  createdAt: string;
  updatedAt: string;
  publishedAt?: string;
  commentCount: number;
}

export interface ApiComment {
  id: string;
  postId: string;
  author: string;
  authorProfile: PersonProfile;
  parentId?: string;
  depth: number;
  body: string;
  html: string;
  createdAt: string;
  editedAt?: string;
  deleted: boolean;
  deletedBy?: "author" | "blogOwner";
}

export interface PostInput {
  title: string;
  body: string;
  published: boolean;
  commentsOpen: boolean;
}
