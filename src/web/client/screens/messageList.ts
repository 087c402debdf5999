import type { ApiMessage } from "../transport.js";

/**
 * An ordered list of messages keyed by ID (oldest first, by seq), with sends still on their
 * way kept after them. Updates replace one item in place, so focus elsewhere is not disturbed.
 */
export class MessageList {
  readonly element: HTMLOListElement;
  readonly messages = new Map<string, ApiMessage>();
  private readonly items = new Map<string, HTMLElement>();

  constructor(
    label: string,
    private readonly render: (message: ApiMessage) => HTMLElement,
  ) {
    this.element = document.createElement("ol");
    this.element.className = "messages";
    this.element.setAttribute("aria-label", label);
  }

  /** Adds or updates; true when the message is new here. */
  upsert(message: ApiMessage): boolean {
    const known = this.messages.get(message.id);
    if (known && JSON.stringify(known) === JSON.stringify(message)) return false;
    this.messages.set(message.id, message);
    const old = this.items.get(message.id);
    if (old?.classList.contains("is-editing")) return false;
    const item = this.render(message);
    item.dataset.seq = String(message.seq);
    this.items.set(message.id, item);
    if (old) {
      old.replaceWith(item);
      return false;
    }
    const later = [...this.element.children].find((child) => child instanceof HTMLElement && (child.dataset.pending !== undefined || Number(child.dataset.seq) > message.seq));
    this.element.insertBefore(item, later ?? null);
    return true;
  }

  /** Re-renders one message (e.g. its parent arrived). */
  refresh(id: string): void {
    const message = this.messages.get(id);
    const old = this.items.get(id);
    if (!message || !old || old.classList.contains("is-editing")) return;
    const item = this.render(message);
    item.dataset.seq = String(message.seq);
    this.items.set(id, item);
    old.replaceWith(item);
  }

  remove(id: string): void {
    this.items.get(id)?.remove();
    this.items.delete(id);
    this.messages.delete(id);
  }

  addPending(item: HTMLElement): void {
    item.dataset.pending = "";
    this.element.append(item);
  }

  newest(): ApiMessage | undefined {
    let newest: ApiMessage | undefined;
    for (const m of this.messages.values()) if (!newest || m.seq > newest.seq) newest = m;
    return newest;
  }

  item(id: string): HTMLElement | undefined {
    return this.items.get(id);
  }
}
