import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { join } from 'node:path';

/** Paths of everything a test homeserver keeps in its data directory. */
export interface HomeserverPaths {
  dataDir: string;
  configPath: string;
  logConfigPath: string;
  logPath: string;
  dbPath: string;
  signingKeyPath: string;
  mediaStorePath: string;
  pidPath: string;
  stdioPath: string;
}

export function homeserverPaths(dataDir: string): HomeserverPaths {
  return {
    dataDir,
    configPath: join(dataDir, 'homeserver.yaml'),
    logConfigPath: join(dataDir, 'log.config.yaml'),
    logPath: join(dataDir, 'homeserver.log'),
    dbPath: join(dataDir, 'homeserver.db'),
    signingKeyPath: join(dataDir, 'signing.key'),
    mediaStorePath: join(dataDir, 'media_store'),
    pidPath: join(dataDir, 'homeserver.pid'),
    stdioPath: join(dataDir, 'stdio.log'),
  };
}

/** Synapse's signing key file format: `ed25519 <version> <unpadded base64 of the 32-byte seed>`. */
export function signingKeyFile(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  if (jwk.d === undefined) throw new Error('ed25519 key export has no seed');
  const seed = Buffer.from(jwk.d, 'base64url').toString('base64').replace(/=+$/, '');
  return `ed25519 a_${randomBytes(3).toString('hex')} ${seed}\n`;
}

/** Unbuffered file logging, so a failed start shows its last lines at once. */
export function logConfig(logPath: string): Record<string, unknown> {
  return {
    version: 1,
    formatters: {
      precise: { format: '%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(request)s - %(message)s' },
    },
    handlers: {
      file: { class: 'logging.FileHandler', formatter: 'precise', filename: logPath, encoding: 'utf8' },
    },
    loggers: { 'synapse.storage.SQL': { level: 'INFO' } },
    root: { level: 'INFO', handlers: ['file'] },
    disable_existing_loggers: false,
  };
}

const unlimited = { per_second: 100_000, burst_count: 100_000 };

/** Every client-side `rc_*` limiter Synapse 1.163 reads (synapse/config/ratelimiting.py), raised out of reach. */
const rateLimits = {
  rc_message: unlimited,
  rc_registration: unlimited,
  rc_registration_token_validity: unlimited,
  rc_login: { address: unlimited, account: unlimited, failed_attempts: unlimited },
  rc_admin_redaction: unlimited,
  rc_joins: { local: unlimited, remote: unlimited },
  rc_joins_per_room: unlimited,
  rc_key_requests: unlimited,
  rc_3pid_validation: unlimited,
  rc_invites: { per_room: unlimited, per_user: unlimited, per_issuer: unlimited },
  rc_third_party_invite: unlimited,
  rc_media_create: unlimited,
  rc_presence: { per_user: unlimited },
  rc_delayed_event_mgmt: unlimited,
  rc_room_creation: unlimited,
  rc_reports: unlimited,
  rc_user_directory: unlimited,
  rc_profile: unlimited,
};

export interface HomeserverConfigOptions {
  paths: HomeserverPaths;
  serverName: string;
  port: number;
  sharedSecret: string;
  registrationPaths: readonly string[];
}

export function homeserverConfig(options: HomeserverConfigOptions): Record<string, unknown> {
  const { paths } = options;
  return {
    server_name: options.serverName,
    public_baseurl: `http://127.0.0.1:${options.port}/`,
    pid_file: paths.pidPath,
    listeners: [
      {
        port: options.port,
        bind_addresses: ['127.0.0.1'],
        type: 'http',
        tls: false,
        x_forwarded: false,
        resources: [{ names: ['client'], compress: false }],
      },
    ],
    database: { name: 'sqlite3', args: { database: paths.dbPath } },
    log_config: paths.logConfigPath,
    media_store_path: paths.mediaStorePath,
    signing_key_path: paths.signingKeyPath,
    registration_shared_secret: options.sharedSecret,
    enable_registration: false,
    enable_registration_without_verification: true,
    report_stats: false,
    trusted_key_servers: [],
    suppress_key_server_warning: true,
    app_service_config_files: [...options.registrationPaths],
    experimental_features: {
      msc2409_to_device_messages_enabled: true,
      msc3202_transaction_extensions: true,
      msc3983_appservice_otk_claims: true,
      msc3984_appservice_key_query: true,
    },
    ...rateLimits,
  };
}
