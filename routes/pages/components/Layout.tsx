/**
 * The frame of every signed-in page: header with navigation and sign-out,
 * then the page's content.
 *
 * @module
 */

import type { ComponentChildren } from "preact";

/** A page of the dashboard, as linked from the navigation. */
export interface NavItem {
  path: string;
  label: string;
}

/** The navigation, in order. */
export const NAV: NavItem[] = [
  { path: "/", label: "Overview" },
  { path: "/products", label: "Products" },
  { path: "/customers", label: "Customers" },
  { path: "/quality", label: "Data quality" },
  { path: "/pipeline", label: "Pipeline" },
  { path: "/alerts", label: "Alerts" },
];

/** Props of {@link Layout}. */
export interface LayoutProps {
  /** Path of the current page (highlighted in the navigation). */
  current: string;
  /** Heading of the page. */
  title: string;
  /** The session's CSRF token, for the sign-out form. */
  csrf: string;
  /** Optional controls shown next to the heading (e.g. the period picker). */
  tools?: ComponentChildren;
  children: ComponentChildren;
}

/** The page frame. */
export function Layout(props: LayoutProps) {
  return (
    <>
      <header class="top">
        <a class="brand" href="/">Shop pipeline</a>
        <nav aria-label="Pages">
          <ul>
            {NAV.map((item) => (
              <li key={item.path}>
                <a
                  href={item.path}
                  aria-current={item.path === props.current ? "page" : undefined}
                >
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <form method="post" action="/logout" class="signout">
          <input type="hidden" name="_csrf" value={props.csrf} />
          <button type="submit" class="link">Sign out</button>
        </form>
      </header>
      <main>
        <div class="page-head">
          <h1>{props.title}</h1>
          {props.tools}
        </div>
        {props.children}
      </main>
    </>
  );
}
