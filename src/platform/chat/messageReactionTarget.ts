import { asMessageId } from "../ids.js";
import { people } from "../people/people.js";
import type { ReactionTargets } from "../reactions/ReactionTargets.js";
import type { ChatService } from "./ChatService.js";
import type { MessageRepository } from "./Room.js";

/** Messages as reaction targets: only live messages the reader may read; whoever may read the message hears of reactions. */
export function messageReactionTarget(messages: MessageRepository, chat: ChatService): ReactionTargets {
  return {
    async find(id, reader) {
      const message = await messages.get(asMessageId(id));
      if (!message || message.deleted || !(await chat.canRead(people.fromId(reader), message.roomId))) return undefined;
      return { audience: await chat.messageAudience(message.roomId), roomId: message.roomId };
    },
  };
}
