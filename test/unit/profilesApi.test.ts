import { describe, expect, it } from "vitest";
import type { MatrixUserId } from "../../src/platform/ids.js";
import { people } from "../../src/platform/people/people.js";
import { blogSetup as setup } from "../support/blogSetup.js";

/* Everyone a page names comes with their profile: Mirage accounts and Matrix users alike. */

const bobId = "@bob:remote.example" as MatrixUserId;
const bob = people.matrix(bobId);
const later = Date.UTC(2100, 0, 1);

describe("profiles in the API", () => {
  it("shows a Matrix commenter's display name and avatar (through Mirage's media route) beside an account's", async () => {
    const { json, alice, post, comments, matrixProfiles } = await setup();
    expect((await json("PATCH", "/api/v1/me/profile", { displayName: "Alice A." }, alice)).status).toBe(200);
    const p = (await post(alice, { title: "Hello", body: "b" })).body;
    expect(p.authorProfile).toEqual({ displayName: "Alice A." });
    await matrixProfiles.noteMember(bobId, "Bob from Matrix", "mxc://remote.example/avatar1", later);
    await comments.addComment(bob, p.id, { body: "hi from Element" });
    await json("POST", `/api/v1/posts/${p.id}/comments`, { body: "welcome" }, alice);
    const listed = (await json("GET", `/api/v1/posts/${p.id}/comments`)).body.comments;
    expect(listed.map((c: any) => [c.author, c.authorProfile])).toEqual([
      ["@bob:remote.example", { displayName: "Bob from Matrix", avatarUrl: expect.stringMatching(/^https?:\/\/[^/]+\/media\/remote\.example\/avatar1$/) }],
      ["alice", { displayName: "Alice A." }],
    ]);
    expect((await json("GET", `/api/v1/posts/${p.id}`)).body.authorProfile).toEqual({ displayName: "Alice A." });
    expect((await json("GET", "/api/v1/blogs/alice")).body.ownerProfile).toEqual({ displayName: "Alice A." });
  });

  it("shows a Matrix user with no known profile by their ID, and drops a hostile one's unsafe parts", async () => {
    const { json, alice, post, comments, matrixProfiles } = await setup();
    const p = (await post(alice, { title: "Hello", body: "b" })).body;
    await comments.addComment(bob, p.id, { body: "who am I" });
    expect((await json("GET", `/api/v1/posts/${p.id}/comments`)).body.comments[0].authorProfile).toEqual({ displayName: bobId });
    await matrixProfiles.noteMember(bobId, `\u202E${"B".repeat(10_000)}`, "https://tracker.example/pixel.png", later);
    const shown = (await json("GET", `/api/v1/posts/${p.id}/comments`)).body.comments[0].authorProfile;
    expect(shown).toEqual({ displayName: "B".repeat(100) });
  });

  it("titles a Matrix owner's blog with their display name until they set a title", async () => {
    const { json, blogs, matrixProfiles } = await setup();
    await blogs.createPost(bob, bobId, { title: "From Matrix", body: "hi" });
    expect((await json("GET", `/api/v1/blogs/${encodeURIComponent(bobId)}`)).body).toMatchObject({ title: bobId, ownerProfile: { displayName: bobId } });
    await matrixProfiles.noteMember(bobId, "Bob's Name", undefined, later);
    expect((await json("GET", `/api/v1/blogs/${encodeURIComponent(bobId)}`)).body).toMatchObject({ title: "Bob's Name", ownerProfile: { displayName: "Bob's Name" } });
    expect((await json("GET", `/api/v1/blogs/${encodeURIComponent(bobId)}/posts`)).body.posts[0].authorProfile).toEqual({ displayName: "Bob's Name" });
    await blogs.updateBlog(bob, bobId, { title: "Bob's Blog" });
    expect((await json("GET", `/api/v1/blogs/${encodeURIComponent(bobId)}`)).body.title).toBe("Bob's Blog");
  });

  it("gives messages their sender's profile, and a cached page shows a profile change at once", async () => {
    const { json, alice, chat, matrixProfiles } = await setup();
    const room = await chat.createRoom(bob, { name: "from matrix", invite: ["alice"] });
    await json("POST", `/api/v1/rooms/${room.id}/members`, { handle: "alice" }, alice);
    await matrixProfiles.noteMember(bobId, "Bob", undefined, later);
    await chat.send(bob, room.id, { body: "hello from Element" });
    const sent = (await json("POST", `/api/v1/rooms/${room.id}/messages`, { body: "hi bob" }, alice)).body;
    expect(sent.senderProfile).toEqual({ displayName: "alice" });
    const page = async () => (await json("GET", `/api/v1/rooms/${room.id}/messages`, undefined, alice)).body.messages.map((m: any) => [m.sender, m.senderProfile.displayName]);
    expect(await page()).toEqual([["alice", "alice"], [bobId, "Bob"]]);
    // The same page again comes from the cache; the profile change must not be hidden by it.
    expect(await page()).toEqual([["alice", "alice"], [bobId, "Bob"]]);
    await matrixProfiles.noteMember(bobId, "Robert", "mxc://remote.example/r", later);
    expect(await page()).toEqual([["alice", "alice"], [bobId, "Robert"]]);
    expect((await json("PATCH", "/api/v1/me/profile", { displayName: "Alice A." }, alice)).status).toBe(200);
    expect(await page()).toEqual([["alice", "Alice A."], [bobId, "Robert"]]);
  });
});
