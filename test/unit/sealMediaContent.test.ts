import { Attachment, EncryptedAttachment } from "@matrix-org/matrix-sdk-crypto-nodejs";
import type { MatrixClient } from "@vector-im/matrix-bot-sdk";
import { describe, expect, it } from "vitest";
import { sealMediaContent } from "../../src/matrix/crypto/sealMediaContent.js";

/** A media repository in memory, with the two client methods the sealing uses. */
function fakeRepository() {
  const files = new Map<string, Buffer>([
    ["mxc://hs/plain", Buffer.from("the picture")],
    ["mxc://hs/thumb", Buffer.from("the thumbnail")],
  ]);
  const client = {
    downloadContent: async (mxc: string) => ({ data: files.get(mxc)!, contentType: "image/png" }),
    uploadContent: async (data: Buffer) => {
      const url = `mxc://hs/upload${files.size}`;
      files.set(url, Buffer.from(data));
      return url;
    },
  } as unknown as MatrixClient;
  const decrypt = (file: { url: string }) => Buffer.from(Attachment.decrypt(new EncryptedAttachment(new Uint8Array(files.get(file.url)!), JSON.stringify(file)))).toString();
  return { client, files, decrypt };
}

describe("sealMediaContent", () => {
  it("replaces a plain url and thumbnail_url by EncryptedFiles whose ciphertext was uploaded", async () => {
    const { client, files, decrypt } = fakeRepository();
    const content = {
      msgtype: "m.image",
      body: "picture.png",
      url: "mxc://hs/plain",
      info: { mimetype: "image/png", thumbnail_url: "mxc://hs/thumb", thumbnail_info: { w: 10 } },
    };
    const sealed = (await sealMediaContent(client, "m.room.message", content)) as Record<string, any>;
    expect(sealed.url).toBeUndefined();
    expect(sealed.info.thumbnail_url).toBeUndefined();
    expect(sealed.info).toMatchObject({ mimetype: "image/png", thumbnail_info: { w: 10 } });
    expect(sealed.file).toMatchObject({ v: "v2", key: { alg: "A256CTR" }, url: expect.stringMatching(/^mxc:\/\/hs\/upload/) });
    expect(files.get(sealed.file.url)!.toString()).not.toBe("the picture");
    expect(decrypt(sealed.file)).toBe("the picture");
    expect(decrypt(sealed.info.thumbnail_file)).toBe("the thumbnail");
  });

  it("seals an edit's new content and leaves text, stickers and already encrypted files alone", async () => {
    const { client, decrypt } = fakeRepository();
    const edit = await sealMediaContent(client, "m.room.message", {
      msgtype: "m.image",
      body: "* picture.png",
      url: "mxc://hs/plain",
      "m.new_content": { msgtype: "m.image", body: "picture.png", url: "mxc://hs/plain" },
    });
    expect(decrypt((edit["m.new_content"] as { file: { url: string } }).file)).toBe("the picture");
    const text = { msgtype: "m.text", body: "mxc://hs/plain", url: "mxc://hs/plain" };
    expect(await sealMediaContent(client, "m.room.message", text)).toBe(text);
    const already = { msgtype: "m.file", body: "f", file: { url: "mxc://hs/x" } };
    expect(await sealMediaContent(client, "m.room.message", already)).toEqual(already);
    const reaction = { "m.relates_to": { rel_type: "m.annotation", event_id: "$e", key: "👍" } };
    expect(await sealMediaContent(client, "m.reaction", reaction)).toBe(reaction);
  });
});
