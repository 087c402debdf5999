import type { Account } from "../../src/platform/accounts/Account.js";
import { createPlatformServices, type PlatformServices } from "../../src/platform/createPlatformServices.js";
import { DomainEventBus, type PublishedEvent } from "../../src/platform/events/DomainEvent.js";
import { asAccountName } from "../../src/platform/ids.js";
import type { Person } from "../../src/platform/people/Person.js";
import { people } from "../../src/platform/people/people.js";
import type { MarkdownRenderer } from "../../src/platform/ports/MarkdownRenderer.js";
import type { Store } from "../../src/store/openStore.js";

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const renderer: MarkdownRenderer = { toWebHtml: async (md) => `<p>${escape(md)}</p>`, toMatrixHtml: async (md) => `<p>${escape(md)}</p>` };

/** The platform's services over `store`, with a stand-in renderer (and `options.now` as their clock), recording what the in-memory bus emits. */
export function platformOverStore(store: Store, options: { now?: () => number } = {}): PlatformServices & { emitted: PublishedEvent[]; account(name: string): Promise<Account>; person(name: string): Promise<Person> } {
  const events = new DomainEventBus();
  const emitted: PublishedEvent[] = [];
  events.subscribe((published) => emitted.push(published));
  const services = createPlatformServices({
    repositories: store,
    renderer,
    profileSanitizer: { bioHtml: async (md) => `<p>${escape(md)}</p>`, html: async (s) => escape(s), css: async () => "" },
    events,
    ghosts: people.ghostAccounts("mirage_", "test.example"),
    ...(options.now ? { now: options.now } : {}),
  });
  /** The account, created on first use. */
  const account = async (name: string): Promise<Account> => {
    const existing = await store.accounts.get(asAccountName(name));
    if (existing) return existing;
    const created: Account = {
      name: asAccountName(name),
      passwordHash: "x",
      displayName: name,
      avatarUrl: "",
      bio: "",
      bioHtml: "",
      customHtml: "",
      customHtmlSanitized: "",
      customCss: "",
      customCssSanitized: "",
      createdAt: 1,
      updatedAt: 1,
    };
    await store.accounts.create(created);
    return created;
  };
  /** The account as the acting Person, created on first use. */
  const person = async (name: string): Promise<Person> => people.account((await account(name)).name);
  return { ...services, emitted, account, person };
}
