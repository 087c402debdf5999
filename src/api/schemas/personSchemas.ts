import { Type } from "@sinclair/typebox";

/** How a person is shown beside what they wrote: alike for Mirage accounts and Matrix users. */
export const PersonProfile = Type.Object(
  {
    displayName: Type.String({ description: "Their display name; their account name or Matrix ID when none is known." }),
    avatarUrl: Type.Optional(
      Type.String({ description: "Their avatar: Mirage's media route for a Matrix avatar (never the homeserver's own URL), or the https URL a Mirage account set. Absent: none." }),
    ),
  },
  { $id: "PersonProfile" },
);

export const personSchemas = [PersonProfile];
