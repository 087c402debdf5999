import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** Synapse's answer when no server in the room could be asked to let us in. */
const MAKE_JOIN_FAILED = JSON.stringify({ errcode: 'M_UNKNOWN', error: 'Failed to make_join via any server' });

/**
 * An HTTP forwarder in front of the homeserver that answers 502 "Failed to make_join via any
 * server" to joins of the rooms it is told to fail, and forwards everything else unchanged.
 */
export class JoinFailingProxy {
  private server: Server | undefined;
  private readonly failing = new Set<string>();
  /** Joins answered 502, per room. */
  readonly refusedJoins = new Map<string, number>();
  /** When set, a refused join after the first waits for it before answering. */
  hold: Promise<void> | undefined;

  constructor(
    readonly port: number,
    private readonly target: URL,
  ) {}

  failJoins(roomId: string): void {
    this.failing.add(roomId);
  }

  allowJoins(roomId: string): void {
    this.failing.delete(roomId);
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    server?.closeAllConnections();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const room = this.joinTarget(req);
    if (room !== undefined && this.failing.has(room)) {
      const refused = (this.refusedJoins.get(room) ?? 0) + 1;
      this.refusedJoins.set(room, refused);
      req.resume();
      if (refused > 1 && this.hold) await this.hold;
      res.writeHead(502, { 'content-type': 'application/json' }).end(MAKE_JOIN_FAILED);
      return;
    }
    const upstream = request(
      { host: this.target.hostname, port: Number(this.target.port), method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }

  /** The room a client-server join request is for, if it is one. */
  private joinTarget(req: IncomingMessage): string | undefined {
    if (req.method !== 'POST' || !req.url) return undefined;
    const path = new URL(req.url, 'http://proxy').pathname;
    const match = /^\/_matrix\/client\/(?:v3|r0)\/(?:join\/([^/]+)|rooms\/([^/]+)\/join)$/.exec(path);
    const encoded = match?.[1] ?? match?.[2];
    return encoded === undefined ? undefined : decodeURIComponent(encoded);
  }
}
