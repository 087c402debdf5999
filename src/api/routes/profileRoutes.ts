import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Account } from "../../platform/accounts/Account.js";
import type { AccountService } from "../../platform/accounts/AccountService.js";
import { PROFILE_LIMITS, type ProfileService } from "../../platform/accounts/ProfileService.js";
import { AccountNameParam } from "../schemas/identifierSchemas.js";
import type { WriteThrottle } from "../../platform/accounts/WriteThrottle.js";
import { authenticate } from "../authenticate.js";
import { authenticateWriter } from "../authenticateWriter.js";
import { optionalAuthenticate } from "../optionalAuthenticate.js";
import { errorResponses } from "../schemas/common.js";
import { people } from "../../platform/people/people.js";

const PublicProfile = Type.Object(
  {
    name: Type.String(),
    displayName: Type.String(),
    avatarUrl: Type.String(),
    matrixId: Type.String(),
    bio: Type.String({ description: "Markdown source." }),
    bioHtml: Type.String({ description: "Sanitized HTML." }),
    customHtml: Type.String({ description: "The owner's HTML, sanitized." }),
    customCss: Type.String({ description: "The owner's CSS, sanitized and scoped." }),
  },
  { $id: "PublicProfile" },
);

const OwnProfile = Type.Composite(
  [
    Type.Omit(PublicProfile, ["customHtml", "customCss"]),
    Type.Object({
      customHtml: Type.String({ description: "As written by the owner (only the owner sees this)." }),
      customHtmlSanitized: Type.String(),
      customCss: Type.String({ description: "As written by the owner." }),
      customCssSanitized: Type.String(),
    }),
  ],
  { $id: "OwnProfile" },
);

const ProfilePatchBody = Type.Object(
  {
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: PROFILE_LIMITS.displayName })),
    avatarUrl: Type.Optional(Type.String({ maxLength: PROFILE_LIMITS.avatarUrl, description: "https URL, or empty to remove" })),
    bio: Type.Optional(Type.String({ maxLength: PROFILE_LIMITS.bio })),
    customHtml: Type.Optional(Type.String({ maxLength: PROFILE_LIMITS.customHtml })),
    customCss: Type.Optional(Type.String({ maxLength: PROFILE_LIMITS.customCss })),
  },
  { $id: "ProfilePatch", additionalProperties: false, minProperties: 1 },
);

export const profileSchemas = [PublicProfile, OwnProfile, ProfilePatchBody];

export interface ProfileRoutesOptions {
  accounts: AccountService;
  profiles: ProfileService;
  matrixIdFor(name: string): string;
  /** Per-account budget for changes; none: unlimited. */
  writes?: WriteThrottle;
}

/** Public profiles and the owner's own profile. */
export async function profileRoutes(app: FastifyInstance, opts: ProfileRoutesOptions): Promise<void> {
  const base = (a: Account) => ({
    name: a.name,
    displayName: a.displayName,
    avatarUrl: a.avatarUrl,
    matrixId: opts.matrixIdFor(a.name),
    bio: a.bio,
    bioHtml: a.bioHtml,
  });
  const own = (a: Account) => ({
    ...base(a),
    customHtml: a.customHtml,
    customHtmlSanitized: a.customHtmlSanitized,
    customCss: a.customCss,
    customCssSanitized: a.customCssSanitized,
  });
  const auth = { preValidation: authenticate(opts.accounts) };
  const write = authenticateWriter(opts.accounts, opts.writes);
  const security = [{ bearer: [] }];
  const tags = ["profiles"];

  app.get<{ Params: { name: string } }>(
    "/api/v1/users/:name",
    {
      // Nothing here depends on the reader, but a stale token is refused as on every other read.
      preValidation: optionalAuthenticate(opts.accounts),
      schema: {
        summary: "A public profile (sanitized forms only)",
        tags,
        security: [{}, { bearer: [] }],
        params: Type.Object({ name: Type.Ref(AccountNameParam) }),
        response: { 200: { $ref: "PublicProfile#" }, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const a = await opts.profiles.get(request.params.name);
      return { ...base(a), customHtml: a.customHtmlSanitized, customCss: a.customCssSanitized };
    },
  );

  app.get("/api/v1/me/profile", { ...auth, schema: { summary: "Your profile, with raw sources", tags, security, response: { 200: { $ref: "OwnProfile#" }, ...errorResponses(401) } } }, async (request) =>
    own(request.auth!.account),
  );

  app.patch<{ Body: Static<typeof ProfilePatchBody> }>(
    "/api/v1/me/profile",
    {
      ...write,
      schema: {
        summary: "Edit your profile",
        description:
          "The display name is cleaned of bidi controls and invisible characters; 400 NAME_RESERVED if it uses a word reserved for Mirage or its staff, " +
          "409 NAME_CONFUSABLE if it is, or looks like (UTS #39 skeleton), another account's username or display name.",
        tags,
        security,
        body: { $ref: "ProfilePatch#" },
        response: { 200: { $ref: "OwnProfile#" }, ...errorResponses(400, 401, 409, 422, 429, 503) },
      },
    },
    async (request) => own(await opts.profiles.update(people.account(request.auth!.account.name), request.body)),
  );
}
