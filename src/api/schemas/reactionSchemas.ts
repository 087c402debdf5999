import { Type } from "@sinclair/typebox";
import { REACTION_KEY_MAX_CHARS } from "../../platform/reactions/reactionKey.js";

/**
 * Every read of something people can react to carries these. A map written as
 * `additionalProperties` (not TypeBox's Record, which is `patternProperties`): OpenAPI 3.0 knows
 * only the former, and the serializer writes it about twice as fast on a page of messages.
 */
export const ReactionCounts = Type.Object({}, {
  $id: "ReactionCounts",
  additionalProperties: Type.Integer({ minimum: 1 }),
  description: "How many people reacted with each key; keys nobody uses are absent.",
});

export const ReactionSummary = Type.Object(
  {
    target: Type.Object({ kind: Type.Union([Type.Literal("post"), Type.Literal("comment"), Type.Literal("message")]), id: Type.String() }),
    key: Type.String({ description: `The key as stored: NFC-normalized, 1-${REACTION_KEY_MAX_CHARS} characters.` }),
    reactions: Type.Ref(ReactionCounts),
    myReactions: Type.Array(Type.String(), { description: "Keys you reacted with." }),
  },
  { $id: "ReactionSummary" },
);

export const reactionSchemas = [ReactionCounts, ReactionSummary];
