import type { Blog, BlogRepository } from "../platform/blogs/Blog.js";
import type { JournalRecords } from "../platform/ports/Journal.js";
import { jsonSublevel, type BatchOp, type JsonSublevel, type RootLevel } from "./LevelDatabase.js";
import type { LevelJournal } from "./LevelJournal.js";
import { SUBLEVELS } from "./keys.js";

/** Blog settings by owner. Counts live with the posts (LevelPosts), which change them. */
export class LevelBlogs implements BlogRepository {
  private readonly blogs: JsonSublevel<Blog>;

  constructor(
    db: RootLevel,
    private readonly journal: LevelJournal,
  ) {
    this.blogs = jsonSublevel<Blog>(db, SUBLEVELS.blogs);
  }

  get(owner: string): Promise<Blog | undefined> {
    return this.blogs.get(owner);
  }

  put(blog: Blog, events?: JournalRecords): Promise<void> {
    return this.journal.commit([{ type: "put", sublevel: this.blogs, key: blog.owner, value: blog } as BatchOp], events);
  }
}
