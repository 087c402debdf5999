import { Type } from "@sinclair/typebox";
import { REACTION_KEY_MAX_CHARS } from "../../platform/reactions/reactionKey.js";

/** Every read of something people can react to carries these. */
export const ReactionCounts = Type.Record(Type.String(), Type.Integer({ minimum: 1 }), {
  $id: "ReactionCounts",
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
