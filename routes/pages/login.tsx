/**
 * The sign-in page: one field for the admin token. No JavaScript.
 *
 * @module
 */

/** Props of {@link LoginPage}. */
export interface LoginPageProps {
  /** Where to go after signing in (already checked by `safeNext`). */
  next: string;
  /** Show the "token not accepted" message. */
  failed: boolean;
  /** Shown after signing out. */
  signedOut: boolean;
  /** Seconds before this address may try again after too many wrong tokens (0: may try now). */
  retryAfter?: number;
}

/** The sign-in form. */
export function LoginPage(props: LoginPageProps) {
  return (
    <main class="login">
      <form method="post" action="/login" class="card login-card">
        <h1>Shop pipeline</h1>
        <p class="muted">Sign in with the admin token to see the dashboard.</p>
        {props.failed && !props.retryAfter && (
          <p class="notice error" role="alert">That token was not accepted.</p>
        )}
        {props.retryAfter
          ? (
            <p class="notice error" role="alert">
              Too many wrong tokens from this address: try again in {props.retryAfter} s.
            </p>
          )
          : null}
        {props.signedOut && <p class="notice" role="status">You are signed out.</p>}
        <label for="token">Admin token</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="current-password"
          required
          autofocus
        />
        <input type="hidden" name="next" value={props.next} />
        <button type="submit" class="primary">Sign in</button>
      </form>
    </main>
  );
}
