import { DASHBOARD_PATH, Layout } from "./layout.js";

/** the one answer to a wrong password, an unknown address and a locked account: it must not tell them apart */
export const SIGN_IN_REFUSED =
  "That email and password did not sign you in. Check them and try again. After several failed attempts sign-in is paused for a while; ask your administrator if it keeps failing.";

interface SignInPageProps {
  csrfToken: string;
  email?: string;
  /** where to go after signing in (already checked to be a dashboard path) */
  next?: string;
  message?: string;
}

export function SignInPage({ csrfToken, email, next, message }: SignInPageProps) {
  return (
    <Layout title="Sign in">
      <div class="sign-in">
        <h1>Sign in</h1>
        {message ? (
          <p class="message" role="alert" id="sign-in-error">
            {message}
          </p>
        ) : null}
        <form method="post" action={`${DASHBOARD_PATH}/login`}>
          <input type="hidden" name="csrf" value={csrfToken} />
          {next ? <input type="hidden" name="next" value={next} /> : null}
          <div class="field">
            <label for="email">Email</label>
            <input
              id="email"
              name="email"
              type="email"
              autocomplete="username"
              required
              maxlength={254}
              value={email ?? ""}
              aria-describedby={message ? "sign-in-error" : undefined}
            />
          </div>
          <div class="field">
            <label for="password">Password</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required maxlength={1024} />
          </div>
          <button class="button" type="submit">
            Sign in
          </button>
        </form>
      </div>
    </Layout>
  );
}
