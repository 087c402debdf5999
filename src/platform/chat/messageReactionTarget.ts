import type { ReactionTargets } from "../reactions/ReactionTargets.js";
import type { ChatService } from "./ChatService.js";
import type { MessageRepository } from "./Room.js";

/** Messages as reaction targets: only live messages in rooms the reader has joined; the room's members see it. */
export function messageReactionTarget(messages: MessageRepository, chat: ChatService): ReactionTargets {
  return {
    async find(id, reader) {
      const message = await messages.get(id);
      if (!message || message.deleted || !(await chat.canRead(reader, message.roomId))) return undefined;
      return { audience: await chat.audienceOf(message.roomId), roomId: message.roomId };
    },
  };
}
