/**
 * A dashboard card: a titled section with an optional muted note beside the
 * title.
 *
 * @module
 */

import type { ComponentChildren } from "preact";

/** Props of {@link Card}. */
export interface CardProps {
  /** The card's heading (an `h2`). */
  title: ComponentChildren;
  /** A short muted note beside the heading ("newest first"). */
  note?: ComponentChildren;
  /** The section's `id`, when something links to the card. */
  id?: string;
  children?: ComponentChildren;
}

/**
 * A `section.card` with its heading row.
 *
 * @example
 * ```tsx
 * <Card title="Jobs" note="latest run"><table>…</table></Card>
 * ```
 */
export function Card(props: CardProps) {
  return (
    <section class="card" id={props.id}>
      <div class="card-head">
        <h2>{props.title}</h2>
        {props.note !== undefined && <span class="muted small">{props.note}</span>}
      </div>
      {props.children}
    </section>
  );
}
