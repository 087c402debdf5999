import type { Blog, BlogRepository } from "../platform/blogs/Blog.js";
import { jsonSublevel, type JsonSublevel, type RootLevel } from "./LevelDatabase.js";
import { SUBLEVELS } from "./keys.js";

/** Blog settings by owner. Counts live with the posts (LevelPosts), which change them. */
export class LevelBlogs implements BlogRepository {
  private readonly blogs: JsonSublevel<Blog>;

  constructor(db: RootLevel) {
    this.blogs = jsonSublevel<Blog>(db, SUBLEVELS.blogs);
  }

  get(owner: string): Promise<Blog | undefined> {
    return this.blogs.get(owner);
  }

  put(blog: Blog): Promise<void> {
    return this.blogs.put(blog.owner, blog);
  }
}
