/**
 * The one way client code builds DOM: properties, attributes, listeners and text only. The
 * single exception, `setSanitizedHtml`, takes HTML the server already sanitized.
 */
export type Child = Node | string | number | null | undefined | false | Child[];
export type Attrs = Record<string, unknown>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2).toLowerCase(), value as EventListener);
    } else if (name === "class") {
      element.className = String(value);
    } else if (name.startsWith("aria-") || name.startsWith("data-") || name === "role" || name === "for" || !(name in element)) {
      element.setAttribute(name, value === true ? "" : String(value));
    } else {
      (element as unknown as Record<string, unknown>)[name] = value;
    }
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Empties `parent` and fills it with `children`. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/**
 * Inserts HTML produced by the server's sanitizer (message and post bodies): never anything
 * typed in the browser. Links leave the app in a new tab without handing it a window reference.
 */
export function setSanitizedHtml(element: Element, serverSanitizedHtml: string): void {
  element.innerHTML = serverSanitizedHtml;
  for (const link of element.querySelectorAll("a[href]")) {
    link.setAttribute("target", "_blank");
    link.setAttribute("rel", "noopener noreferrer");
  }
}

/** The text of server-sanitized HTML, read in an inert document (nothing loads or runs there). */
export function textOfHtml(serverSanitizedHtml: string): string {
  return new DOMParser().parseFromString(serverSanitizedHtml, "text/html").body.textContent?.replace(/\s+/g, " ").trim() ?? "";
}
