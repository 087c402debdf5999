import { inject } from 'vitest';
import { type Registration, readRegistration } from './registration.js';
import type { SynapseEndpoint } from './synapse.js';

/** The suite's homeserver, as handed over by the global setup. Call inside a test file. */
export function injectedSynapse(): SynapseEndpoint {
  return {
    url: inject('synapseUrl'),
    serverName: inject('serverName'),
    sharedSecret: inject('sharedSecret'),
  };
}

/** The appservice registration the suite's homeserver has loaded. */
export function injectedRegistration(): Promise<Registration> {
  return readRegistration(inject('registrationPath'));
}
