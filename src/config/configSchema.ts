import { Type, type Static, type TSchema } from "@sinclair/typebox";

/**
 * The one description of Mirage's configuration. Types, validation, defaults,
 * environment-variable names and config.sample.yaml all derive from it.
 *
 * Schema annotations used by the derivations:
 * - `description`: the comment written above the key in config.sample.yaml.
 * - `default`: applied when the key is absent.
 * - `examples[0]`: the sample value for required keys without a default.
 * - `secret: true`: never logged; the sample suggests its environment variable.
 * - `errorMessage`: the problem reported when the value fails its own checks.
 */

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
const LOG_FORMATS = ["auto", "json", "pretty"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

const httpUrl = (description: string, extra: Record<string, unknown> = {}) =>
  Type.String({
    description,
    format: "http-url",
    errorMessage: "must be an http(s) URL",
    ...extra,
  });

const port = (description: string, dflt: number) =>
  Type.Integer({ description, default: dflt, minimum: 1, maximum: 65535, errorMessage: "must be a port number (1-65535)" });

const bindAddress = (description: string) =>
  Type.String({ description, default: "127.0.0.1", minLength: 1, errorMessage: "must be an IP address or host name" });

export const ConfigSchema = Type.Object(
  {
    homeserver: Type.Object(
      {
        url: httpUrl("Client-server API URL of the homeserver Mirage talks to.", {
          default: "http://localhost:8008",
        }),
        domain: Type.String({
          description: "The homeserver's server name: the part after ':' in user IDs.",
          default: "localhost",
          pattern: "^[A-Za-z0-9.\\-]+(:[0-9]{1,5})?$|^\\[[0-9A-Fa-f:.]+\\](:[0-9]{1,5})?$",
          errorMessage: "must be a server name such as example.org",
        }),
        retryMaxDelaySeconds: Type.Integer({
          description: "Longest wait between attempts to reach the homeserver while it is unavailable.",
          default: 60,
          minimum: 1,
          maximum: 3600,
          errorMessage: "must be a whole number of seconds between 1 and 3600",
        }),
      },
      { description: "The Matrix homeserver this bridge is registered with." },
    ),
    appservice: Type.Object(
      {
        registration: Type.String({
          description:
            "Path to the registration file the homeserver loads (made by `mirage generate-registration`). " +
            "`mirage start` creates it with fresh tokens when it does not exist.",
          default: "data/registration.yaml",
          minLength: 1,
        }),
        port: port("Port of the application-service listener the homeserver sends transactions to.", 8090),
        bindAddress: bindAddress("Address the application-service listener binds to."),
        url: httpUrl(
          "URL at which the homeserver reaches the application-service listener; written into a registration made at start.",
          { default: "http://localhost:8090" },
        ),
        roomConcurrency: Type.Integer({
          description: "Rooms whose events are handled at the same time; events within one room are always handled in order.",
          default: 8,
          minimum: 1,
          maximum: 64,
          errorMessage: "must be a whole number between 1 and 64",
        }),
        eventRetry: Type.Object(
          {
            maxAttempts: Type.Integer({
              description: "Failed attempts (the homeserver answered 5xx or 429, or did not answer in time) after which an event or send is dead-lettered.",
              default: 10,
              minimum: 1,
              maximum: 1000,
              errorMessage: "must be a whole number between 1 and 1000",
            }),
            maxAgeSeconds: Type.Integer({
              description: "Time since the first failure after which an event or send is dead-lettered at its next failure.",
              default: 3600,
              minimum: 1,
              maximum: 604800,
              errorMessage: "must be a whole number of seconds between 1 and 604800",
            }),
            initialDelayMs: Type.Integer({
              description: "Wait before the first retry; doubles per failure, with jitter.",
              default: 1000,
              minimum: 10,
              maximum: 60000,
              errorMessage: "must be a whole number of milliseconds between 10 and 60000",
            }),
            maxDelaySeconds: Type.Integer({
              description: "Longest wait between two attempts at the same event or send.",
              default: 300,
              minimum: 1,
              maximum: 3600,
              errorMessage: "must be a whole number of seconds between 1 and 3600",
            }),
          },
          {
            description:
              "Retry budget of a received event whose handling keeps failing (e.g. a join answered 502), and of a send the homeserver " +
              "keeps refusing with 5xx. Only its room waits; after the budget it moves to the dead letters (`!mirage deadletters`). " +
              "While the homeserver is unreachable no attempts are counted.",
          },
        ),
      },
      { description: "How the homeserver reaches Mirage." },
    ),
    api: Type.Object(
      {
        port: port("Port of the HTTP side: JSON API, web pages, /health and /metrics.", 8080),
        bindAddress: bindAddress("Address the HTTP side binds to."),
        publicUrl: httpUrl("Public base URL of the HTTP side, used in links Mirage writes.", {
          default: "http://localhost:8080",
        }),
        trustProxy: Type.Boolean({
          description: "Trust X-Forwarded-* headers (set when Mirage runs behind a reverse proxy).",
          default: false,
        }),
        jwtSecret: Type.String({
          description:
            "Secret (at least 32 characters) signing access tokens. Empty: Mirage generates one and keeps it in its store.",
          default: "",
          secret: true,
          pattern: "^$|^.{32,}$",
          errorMessage: "must be empty or at least 32 characters",
        }),
        accessTokenTtlSeconds: Type.Integer({
          description: "Lifetime of access tokens; clients refresh them with their refresh token.",
          default: 900,
          minimum: 60,
          maximum: 86400,
          errorMessage: "must be a whole number of seconds between 60 and 86400",
        }),
        refreshGraceSeconds: Type.Integer({
          description:
            "After a refresh, how long presenting the refresh token it retired again returns the same new tokens " +
            "(two tabs refreshing at once) instead of ending the session as a stolen token.",
          default: 30,
          minimum: 0,
          maximum: 300,
          errorMessage: "must be a whole number of seconds between 0 and 300",
        }),
        bodyLimitBytes: Type.Integer({
          description: "Largest request body accepted by the JSON API.",
          default: 1048576,
          minimum: 1024,
          maximum: 104857600,
          errorMessage: "must be a number of bytes between 1024 and 104857600",
        }),
        media: Type.Object(
          {
            servers: Type.Array(Type.String({ minLength: 1, maxLength: 261 }), {
              description:
                "Servers whose mxc:// media /media/… serves, besides the homeserver's own domain (always served). " +
                "[\"*\"] serves media from any server, which makes the homeserver fetch remote media for anonymous web readers.",
              default: [],
            }),
            maxBytes: Type.Integer({ description: "Largest media file served; larger ones are answered 502 MEDIA_TOO_LARGE.", default: 26214400, minimum: 1024 }),
            timeoutSeconds: Type.Integer({
              description: "Longest wait for the homeserver to start answering a media download, and between two chunks of its body.",
              default: 20,
              minimum: 1,
              maximum: 300,
            }),
            cacheMaxAgeSeconds: Type.Integer({ description: "How long browsers and caches may keep media (Cache-Control max-age).", default: 86400, minimum: 0 }),
          },
          { description: "Matrix media served to web pages under /media/{server}/{mediaId}." },
        ),
        cors: Type.Object(
          {
            origins: Type.Array(
              Type.String({ pattern: "^https?://[^/]+$", errorMessage: "must be an origin such as https://app.example.org" }),
              { description: "Origins allowed to call the JSON API from a browser (CORS). Empty: same origin only.", default: [] },
            ),
          },
          { description: "Cross-origin access to the JSON API." },
        ),
        sync: Type.Object(
          {
            maxWaitsPerSession: Type.Integer({
              description:
                "Long-polls (GET /api/v1/sync) one session may have waiting at once; a newer one answers its oldest at once, empty.",
              default: 4,
              minimum: 1,
              maximum: 1000,
            }),
            maxWaitsPerAccount: Type.Integer({
              description: "Long-polls one account may have waiting at once, across its sessions; a newer one answers the oldest, empty.",
              default: 16,
              minimum: 1,
              maximum: 10000,
            }),
            maxWaits: Type.Integer({
              description:
                "Long-polls waiting at once in all; past it a new one is answered 503 OVERLOADED with Retry-After. " +
                "Each holds a connection (a file descriptor): keep it well below the process's open-file limit.",
              default: 4000,
              minimum: 1,
              maximum: 1000000,
            }),
          },
          { description: "Bounds on long-poll sync." },
        ),
        rateLimits: Type.Object(
          {
            signUpPerHourPerIp: Type.Integer({ description: "Sign-ups allowed per client IP per hour.", default: 10, minimum: 1 }),
            loginPerMinutePerIp: Type.Integer({ description: "Log-in and refresh attempts allowed per client IP per minute.", default: 30, minimum: 1 }),
            loginFailuresPerSource: Type.Integer({
              description:
                "Failed log-ins on one account from one source (an IPv4 address or an IPv6 /64) before that source must wait " +
                "(1 minute, doubling with each further failure, at most 15 minutes); other sources are not affected.",
              default: 5,
              minimum: 1,
            }),
            loginFailuresPerAccount: Type.Integer({
              description:
                "Failed log-ins on one account from all sources within 15 minutes past which every log-in on it is answered " +
                "after a delay (0.5 s, doubling with each further as many failures, at most 5 s), never refused.",
              default: 100,
              minimum: 1,
            }),
            writesPerMinutePerAccount: Type.Integer({
              description: "Changes (messages, posts, comments, reactions, room and profile changes) one account may make per minute, sustained.",
              default: 120,
              minimum: 1,
            }),
            writeBurstPerAccount: Type.Integer({
              description: "Changes one account may make at once before the per-minute rate applies.",
              default: 30,
              minimum: 1,
            }),
            writeCostChars: Type.Integer({
              description:
                "A change costs one write plus one more for every this many characters of text it carries (at 4000, a 100,000-character post costs 26).",
              default: 4000,
              minimum: 1,
            }),
            mediaPerMinutePerIp: Type.Integer({ description: "Media downloads (/media/…) allowed per client IP per minute.", default: 600, minimum: 1 }),
          },
          { description: "Limits on authentication routes, on changes per account, and on media downloads." },
        ),
      },
      { description: "Mirage's own HTTP side." },
    ),
    operations: Type.Object(
      {
        token: Type.String({
          description:
            "Bearer token (at least 32 characters) that shows /health's details (homeserver link, queues) and, with " +
            "metrics.requireToken, reads /metrics. Empty: /health tells everyone only ok or degraded.",
          default: "",
          secret: true,
          pattern: "^$|^\\S{32,}$",
          errorMessage: "must be empty or at least 32 characters without spaces",
        }),
        metrics: Type.Object(
          {
            requireToken: Type.Boolean({ description: "Answer /metrics only with `Authorization: Bearer <operations.token>`.", default: false }),
            port: Type.Integer({
              description: "Serve /metrics (and /health) on this port of their own instead of the HTTP side's; 0: on the HTTP side.",
              default: 0,
              minimum: 0,
              maximum: 65535,
              errorMessage: "must be 0 or a port number (1-65535)",
            }),
            bindAddress: bindAddress("Address the separate /metrics listener binds to (with metrics.port)."),
          },
          { description: "Who can read Prometheus metrics, and where." },
        ),
      },
      { description: "Health details and metrics for operators." },
    ),
    web: Type.Object(
      {
        enabled: Type.Boolean({ description: "Serve the public pages (/, /@owner, feeds) and the chat client under /app/.", default: true }),
        instanceName: Type.String({ description: "This instance's name, shown in page titles and on the front page.", default: "Mirage", minLength: 1, maxLength: 100 }),
        description: Type.String({
          description: "One sentence about this instance, shown on the front page and in link previews.",
          default: "A privacy-first place to chat and write, connected to Matrix.",
          maxLength: 300,
        }),
      },
      { description: "Mirage's own web side." },
    ),
    render: Type.Object(
      {
        threads: Type.Integer({
          description: "Worker threads rendering Markdown and sanitizing profile HTML/CSS off the event loop. 0: one less than the CPU count (at least 1, at most 4).",
          default: 0,
          minimum: 0,
          maximum: 64,
        }),
        maxQueue: Type.Integer({
          description: "Documents that may wait for a render thread; past it, writes are answered 503 OVERLOADED with Retry-After.",
          default: 64,
          minimum: 1,
          maximum: 100000,
        }),
        documentTimeLimitMs: Type.Integer({
          description: "Longest a render thread may spend on one document; past it the write is refused (422 CONTENT_TOO_COMPLEX) and the thread is replaced.",
          default: 2000,
          minimum: 10,
          maximum: 600000,
        }),
        inlineBelowChars: Type.Integer({
          description: "Documents shorter than this (in UTF-16 code units) are rendered on the event loop: cheaper than a thread hop, and bounded.",
          default: 256,
          minimum: 0,
          maximum: 100000,
        }),
      },
      { description: "Rendering of Markdown, profile HTML and profile CSS." },
    ),
    images: Type.Object(
      {
        maxBytes: Type.Integer({ description: "Largest image fetched by URL (from messages, posts and comments).", default: 10485760, minimum: 1024, maximum: 104857600 }),
        timeoutSeconds: Type.Integer({ description: "Longest one image fetch may take, redirects included.", default: 15, minimum: 1, maximum: 300 }),
        maxPerMessage: Type.Integer({ description: "Images by URL sent to Matrix as m.image per message, post or comment; more are left as links.", default: 4, minimum: 0, maximum: 20 }),
        refusalCacheSeconds: Type.Integer({
          description: "How long a URL whose fetch was refused or failed is not tried again.",
          default: 300,
          minimum: 0,
          maximum: 86400,
        }),
        fetchAllowlist: Type.Array(Type.String({ minLength: 1, maxLength: 261, pattern: "^[^/\\s@]+$" }), {
          description:
            "FOR TESTS ONLY: hosts (host or host:port) fetched over http or https whatever their address, e.g. a test server on 127.0.0.1. " +
            "Leave empty in production: listed hosts bypass the protection against reaching internal addresses.",
          default: [],
        }),
      },
      {
        description:
          "Images by URL: fetched (https only, public addresses only), uploaded to the homeserver once per URL, sent to Matrix as m.image " +
          "and served to web readers from Mirage's copy under /media/external/….",
      },
    ),
    store: Type.Object(
      {
        path: Type.String({ description: "Directory of the embedded level database.", default: "data/store", minLength: 1 }),
      },
      { description: "Where Mirage keeps its state." },
    ),
    bot: Type.Object(
      {
        displayName: Type.String({ description: "Display name of the bridge bot.", default: "Mirage", maxLength: 256 }),
        avatar: Type.String({
          description: "Avatar of the bridge bot: an mxc:// URI, or a path to a local image file that Mirage uploads. Empty for none.",
          default: "",
          pattern: "^$|^mxc://[^/]+/[A-Za-z0-9_-]+$|^[^:]+$",
          errorMessage: "must be empty, an mxc:// URI or a local file path",
        }),
      },
      { description: "The bridge bot (the registration's sender_localpart)." },
    ),
    bridge: Type.Object(
      {
        enabled: Type.Boolean({
          description: "Mirror Mirage's people and rooms into Matrix (ghosts and portal rooms) and carry messages both ways.",
          default: true,
        }),
        encryptPortals: Type.Boolean({
          description: "Create new portal rooms (and DMs) end-to-end encrypted. Takes effect only with encryption.enabled.",
          default: true,
        }),
        aliasQueryWaitSeconds: Type.Integer({
          description: "How long the homeserver's lookup of a #mirage_<room> alias waits for the portal to be created.",
          default: 20,
          minimum: 1,
          maximum: 120,
        }),
      },
      { description: "The bridge between the platform and Matrix." },
    ),
    permissions: Type.Object(
      {
        admins: Type.Array(
          Type.String({ pattern: "^@[^:]+:.+$", errorMessage: "must be a Matrix user ID such as @alice:example.org" }),
          { description: "Matrix user IDs allowed to run bridge-admin commands in any room.", default: [] },
        ),
      },
      { description: "Who may run which bot commands; room power levels decide the rest." },
    ),
    encryption: Type.Object(
      {
        enabled: Type.Boolean({
          description:
            "Let the bot (and ghosts) take part in encrypted rooms as Olm/Megolm devices. Needs the homeserver's " +
            "MSC2409/MSC3202 appservice features (see the README).",
          default: false,
        }),
        passphrase: Type.String({
          description: "Passphrase protecting the crypto store; required when encryption is enabled. Changing it loses the devices.",
          default: "",
          secret: true,
        }),
        storePath: Type.String({
          description: "Directory of the crypto store (one database per device).",
          default: "data/crypto",
          minLength: 1,
        }),
        deleteKeysAfterDecrypt: Type.Boolean({
          description:
            "Forward secrecy: forget each Megolm session once the events it encrypted were handled. " +
            "Not supported by the crypto engine yet; must stay false.",
          default: false,
        }),
        undecryptableReportAfterSeconds: Type.Integer({
          description: "How long an event that cannot be decrypted is retried before the bot reports it once in its room.",
          default: 600,
          minimum: 10,
          maximum: 86400,
          errorMessage: "must be a whole number of seconds between 10 and 86400",
        }),
        ghostStoreIdleSeconds: Type.Integer({
          description: "A ghost's crypto device (its store, opened on first need) is closed after this long unused.",
          default: 300,
          minimum: 1,
          maximum: 86400,
          errorMessage: "must be a whole number of seconds between 1 and 86400",
        }),
        maxOpenGhostStores: Type.Integer({
          description: "At most this many ghosts' crypto stores are open at once; opening one more closes the least recently used idle one.",
          default: 64,
          minimum: 1,
          maximum: 10000,
          errorMessage: "must be a whole number between 1 and 10000",
        }),
      },
      { description: "End-to-bridge encryption." },
    ),
    plugins: Type.Array(
      Type.Object({
        id: Type.String({
          description: "The plugin's id: a built-in's name (`jitsi`, `expiry`) or the id a third-party plugin declares.",
          pattern: "^[a-z0-9-]{1,32}$",
          errorMessage: "must be 1-32 of a-z, 0-9 and -",
        }),
        module: Type.Optional(
          Type.String({
            description: "Where a third-party plugin is: a path (absolute, or relative to this file) or an npm package name. Absent: the built-in of that id.",
            minLength: 1,
            maxLength: 1024,
          }),
        ),
        enabled: Type.Optional(Type.Boolean({ description: "false keeps the entry but does not run the plugin.", default: true })),
        config: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: "The plugin's own settings, validated against its schema.", default: {} })),
      }),
      {
        description:
          "Plugins to run, in order: built-ins by id, third-party plugins by `module`. Each one's `config` is validated against the plugin's schema. See plugins/README.md.",
        default: [],
      },
    ),
    logging: Type.Object(
      {
        level: Type.Unsafe<LogLevel>(
          Type.Union(LOG_LEVELS.map((l) => Type.Literal(l)), {
            description: "Least severe log level written (fatal, error, warn, info, debug, trace or silent).",
            default: "info",
            errorMessage: "must be one of fatal, error, warn, info, debug, trace, silent",
          }),
        ),
        format: Type.Unsafe<LogFormat>(
          Type.Union(LOG_FORMATS.map((f) => Type.Literal(f)), {
            description: "json: one JSON object per line (for log collectors); pretty: human-readable lines; auto: pretty when standard output is a terminal, else json.",
            default: "auto",
            errorMessage: "must be one of auto, json, pretty",
          }),
        ),
      },
      { description: "Structured logs on standard output." },
    ),
  },
  { additionalProperties: false },
);

export type MirageConfig = Static<typeof ConfigSchema>;

/** Config sections are closed too: a misspelt key is an error, not a silent default. */
function closeObjects(schema: TSchema): void {
  if (schema.type === "object" && schema.properties) {
    schema.additionalProperties = false;
    for (const child of Object.values(schema.properties as Record<string, TSchema>)) closeObjects(child);
  }
  if (schema.type === "array" && schema.items) closeObjects(schema.items as TSchema);
}
closeObjects(ConfigSchema);
