import { apiHarness } from "./apiHarness.js";

/** A clock that moves one second per reading, so creation order is time order. */
export const ticking = () => {
  let t = Date.UTC(2026, 0, 1);
  return () => (t += 1000);
};

/** The API harness with alice and bob signed up, and a helper that posts into a blog. */
export async function blogSetup() {
  const h = await apiHarness({ now: ticking() });
  const alice = await h.signUp("alice");
  const bob = await h.signUp("bob");
  const post = async (token: string, body: Record<string, unknown>, owner = "alice") => h.json("POST", `/api/v1/blogs/${owner}/posts`, body, token);
  return { ...h, alice, bob, post };
}

export const errorCode = (res: { body: any }) => res.body?.error?.code;
