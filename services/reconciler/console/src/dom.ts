// Every value on the page comes from the books or from events (error messages included), so the
// page is built with text nodes only: nothing received is ever parsed as HTML.

type Child = Node | string | number | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
}

/** A table from a header row and body rows; a cell that is a number is right-aligned. */
export function fillTable(
  table: HTMLTableElement,
  headers: readonly string[],
  rows: readonly Child[][],
  rowAttributes: (index: number) => Record<string, string> = () => ({}),
): void {
  table.replaceChildren(
    el('thead', {}, el('tr', {}, ...headers.map((header) => el('th', {}, header)))),
    el(
      'tbody',
      {},
      ...rows.map((cells, index) => el('tr', rowAttributes(index), ...cells.map((cell) => el('td', typeof cell === 'number' ? { class: 'num' } : {}, cell)))),
    ),
  );
}

export const time = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—');
