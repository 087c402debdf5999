/** The editors' calls: profile, blog, posts, comments and previews, all through the transport. */
import type { ApiBlog, ApiComment, ApiPost, OwnProfile, PostInput, ProfileFields, ProfilePreview } from "./editorTypes.js";
import type { Transport } from "./transport.js";

const enc = encodeURIComponent;

export type EditorApi = ReturnType<typeof editorApi>;

export function editorApi(transport: Transport) {
  const call = <T>(method: string, path: string, body?: unknown) => transport.request<T>(method, path, body);
  return {
    profile: () => call<OwnProfile>("GET", "/api/v1/me/profile"),
    saveProfile: (patch: Partial<ProfileFields>) => call<OwnProfile>("PATCH", "/api/v1/me/profile", patch),
    previewProfile: (sources: Pick<ProfileFields, "bio" | "customHtml" | "customCss">) => call<ProfilePreview>("POST", "/api/v1/me/profile/preview", sources),
    previewMarkdown: (body: string) => call<{ html: string }>("POST", "/api/v1/previews/markdown", { body }).then((r) => r.html),

    blog: (owner: string) => call<ApiBlog>("GET", `/api/v1/blogs/${enc(owner)}`),
    saveBlog: (owner: string, patch: { title?: string; description?: string; blockedCommenters?: string[] }) => call<ApiBlog>("PATCH", `/api/v1/blogs/${enc(owner)}`, patch),
    posts(owner: string, cursor?: string): Promise<{ posts: ApiPost[]; next: string | null }> {
      const query = new URLSearchParams({ limit: "20" });
      if (cursor !== undefined) query.set("cursor", cursor);
      return call("GET", `/api/v1/blogs/${enc(owner)}/posts?${query}`);
    },
    post: (postId: string) => call<ApiPost>("GET", `/api/v1/posts/${enc(postId)}`),
    createPost: (owner: string, input: PostInput) => call<ApiPost>("POST", `/api/v1/blogs/${enc(owner)}/posts`, input),
    editPost: (postId: string, patch: Partial<PostInput>) => call<ApiPost>("PATCH", `/api/v1/posts/${enc(postId)}`, patch),
    deletePost: (postId: string) => call<void>("DELETE", `/api/v1/posts/${enc(postId)}`),

    comments(postId: string, cursor?: string): Promise<{ comments: ApiComment[]; next: string | null }> {
      const query = new URLSearchParams({ limit: "200" });
      if (cursor !== undefined) query.set("cursor", cursor);
      return call("GET", `/api/v1/posts/${enc(postId)}/comments?${query}`);
    },
    deleteComment: (commentId: string) => call<void>("DELETE", `/api/v1/comments/${enc(commentId)}`),
  };
}
