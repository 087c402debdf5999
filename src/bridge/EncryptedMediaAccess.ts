import type { ChatService } from "../platform/chat/ChatService.js";
import { ErrorCodes, MirageError } from "../platform/errors/MirageError.js";
import { asMessageId } from "../platform/ids.js";
import type { Person } from "../platform/people/Person.js";
import type { EncryptedMediaReader, EncryptedMediaStore } from "../platform/ports/EncryptedMedia.js";
import type { IdMapping } from "../platform/ports/IdMapping.js";
import type { MediaDownload, MediaSource } from "../platform/ports/MediaSource.js";
import { fetchEncryptedFile } from "../matrix/crypto/encryptedAttachments.js";

const noSuchMedia = () => new MirageError(ErrorCodes.notFound, "No such media.");

/**
 * Encrypted attachments for the web, under the rule of the message that links them: only an
 * imported event's media (the platform accepted it), only while its message exists, is not
 * deleted, and `reader` may read it. The ciphertext comes through `source` (authenticated media,
 * its size cap and timeout) and is hash-checked and decrypted before any byte is served.
 */
export class EncryptedMediaAccess implements EncryptedMediaReader {
  constructor(
    private readonly deps: { store: EncryptedMediaStore; mapping: IdMapping; chat: ChatService; source: MediaSource },
  ) {}

  async open(id: string, reader: Person, options: { signal?: AbortSignal } = {}): Promise<MediaDownload> {
    const record = await this.deps.store.get(id);
    // Kept before its message was written: the event must have been imported for the media to count.
    if (!record || !(await this.deps.mapping.byEvent(record.eventId))) throw noSuchMedia();
    const link = await this.deps.mapping.byEvent(record.messageEventId);
    if (link?.ref.kind !== "message") throw noSuchMedia();
    try {
      const message = await this.deps.chat.getMessage(reader, asMessageId(link.ref.id));
      if (message.deleted) throw noSuchMedia();
    } catch (error) {
      // Not a reader (not a member, only invited): the same answer as no media, so nothing leaks.
      if (error instanceof MirageError && (error.code === ErrorCodes.forbidden || error.code === ErrorCodes.notFound)) throw noSuchMedia();
      throw error;
    }
    let download: MediaDownload;
    try {
      download = await fetchEncryptedFile(this.deps.source, record.file, options);
    } catch (error) {
      if (error instanceof MirageError && error.code === ErrorCodes.invalidInput) {
        throw new MirageError(ErrorCodes.mediaCorrupt, "The media does not match what its sender encrypted; it is not served.", { cause: error });
      }
      throw error;
    }
    return { ...download, contentType: record.mimetype };
  }
}
