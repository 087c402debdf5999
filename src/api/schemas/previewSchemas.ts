import { Type, type Static } from "@sinclair/typebox";
import { PROFILE_LIMITS } from "../../platform/accounts/ProfileService.js";
import { BLOG_LIMITS } from "../../platform/blogs/contentRules.js";

export const MarkdownPreviewRequest = Type.Object(
  { body: Type.String({ maxLength: BLOG_LIMITS.postBodyChars, description: "Markdown, as a post's or comment's body (may be blank)." }) },
  { $id: "MarkdownPreviewRequest", additionalProperties: false },
);
export type MarkdownPreviewRequestT = Static<typeof MarkdownPreviewRequest>;

export const MarkdownPreview = Type.Object(
  { html: Type.String({ description: "Sanitized HTML, exactly as a post or comment with this body shows on the web." }) },
  { $id: "MarkdownPreview" },
);

export const ProfilePreviewRequest = Type.Object(
  {
    bio: Type.Optional(Type.String({ maxLength: PROFILE_LIMITS.bio, description: "Markdown; absent: the saved bio." })),
    customHtml: Type.Optional(Type.String({ maxLength: PROFILE_LIMITS.customHtml, description: "Absent: the saved HTML." })),
    customCss: Type.Optional(Type.String({ maxLength: PROFILE_LIMITS.customCss, description: "Absent: the saved CSS." })),
  },
  { $id: "ProfilePreviewRequest", additionalProperties: false, minProperties: 1 },
);
export type ProfilePreviewRequestT = Static<typeof ProfilePreviewRequest>;

export const ProfilePreview = Type.Object(
  {
    html: Type.String({ description: "The custom HTML, sanitized, as the public profile page shows it (style attributes moved into `css`, images through Mirage's copy)." }),
    css: Type.String({ description: "The custom CSS, sanitized and scoped to `.mirage-profile`, then each former style attribute as a rule, as the public profile page applies it." }),
    bioHtml: Type.String({ description: "The bio rendered and sanitized." }),
  },
  { $id: "ProfilePreview" },
);

export const previewSchemas = [MarkdownPreviewRequest, MarkdownPreview, ProfilePreviewRequest, ProfilePreview];
