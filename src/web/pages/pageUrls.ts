/** The addresses of the public pages; with an absolute `base` (the public URL) for links that leave the page. */
export interface PageUrls {
  home(): string;
  /** `/@<owner>`; a Matrix owner reads `/@@bob:example.org`, as the links Mirage writes into Matrix. */
  blog(owner: string): string;
  post(owner: string, slug: string): string;
  feed(owner: string): string;
  /** The profile's stylesheet, named by a hash of its content so it can be cached for good. */
  profileCss(owner: string, hash: string): string;
}

// Keeps `@` and `:` readable in Matrix IDs, as `blogUrl`/`postUrl` in the bridge do.
const segment = (part: string) => encodeURIComponent(part).replace(/%40/g, "@").replace(/%3A/gi, ":");

/** Page addresses under `base` ("" for root-relative ones). */
export function pageUrls(base: string): PageUrls {
  const root = base.replace(/\/+$/, "");
  const blog = (owner: string) => `${root}/@${segment(owner)}`;
  return {
    home: () => `${root}/`,
    blog,
    post: (owner, slug) => `${blog(owner)}/${segment(slug)}`,
    feed: (owner) => `${blog(owner)}/feed.atom`,
    profileCss: (owner, hash) => `${blog(owner)}/profile.css?v=${hash}`,
  };
}
