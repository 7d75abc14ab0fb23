import type { Child } from "hono/jsx";
import type { Viewer } from "../http/sessions.js";
import type { RainCheckView } from "../subscriptions/rain-checks.js";
import { DASHBOARD_PATH, Layout } from "./layout.js";
import { Day, FilterMessage, Moment, None } from "./page-parts.js";

export const RAIN_CHECKS_PATH = `${DASHBOARD_PATH}/rain-checks`;

export function rainCheckRedeemPath(code: string): string {
  return `${RAIN_CHECKS_PATH}/${encodeURIComponent(code)}/redeem`;
}

/** The rain check found, with the store it belongs to as the viewer sees it. */
export interface RainCheckShown {
  view: RainCheckView;
  store: { code: string; name: string; timeZone: string };
}

interface RainChecksPageProps {
  viewer: Viewer;
  /** what was typed, shown again */
  typed?: string;
  found?: RainCheckShown;
  /** a refusal or a code that names nothing, announced as an alert */
  message?: string;
  /** the rain check was just redeemed here */
  redeemed?: boolean;
}

const STATUS_TEXT: Record<RainCheckView["status"], string> = {
  valid: "Good now",
  not_yet_valid: "Not valid yet",
  redeemed: "Already redeemed",
  expired: "Expired",
};

/** Staff look a customer's rain check up by its code (typed, or scanned into the field) and redeem it once. */
export function RainChecksPage({ viewer, typed, found, message, redeemed }: RainChecksPageProps) {
  return (
    <Layout title="Rain checks" viewer={viewer} current="rain-checks">
      <h1>Rain checks</h1>
      <p class="note">Type the code from the customer's email, or scan its barcode into the field. A rain check is good once, at its own store.</p>
      <form class="filters" method="get" action={RAIN_CHECKS_PATH} role="search" aria-label="Find a rain check">
        <div class="field">
          <label for="rain-check-code">Rain check code</label>
          <input id="rain-check-code" name="code" type="text" value={typed ?? ""} autocomplete="off" autocapitalize="characters" spellcheck={false} maxlength={40} placeholder="RC-XXXX-XXXX-XXXX" />
        </div>
        <button class="button" type="submit">
          Look up
        </button>
      </form>
      <FilterMessage message={message} />
      {redeemed && found ? (
        <p class="notice" role="status">
          {`Rain check ${found.view.code} is redeemed: sell ${found.view.item ?? found.view.sku} at ${found.view.promotion.advertisedPrice ?? "the advertised price"}.`}
        </p>
      ) : null}
      {found ? <RainCheckDetails viewer={viewer} found={found} /> : null}
    </Layout>
  );
}

function Fact({ label, todo = false, children }: { label: string; todo?: boolean; children: Child }) {
  return (
    <div class={todo ? "todo" : undefined}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function RainCheckDetails({ viewer, found }: { viewer: Viewer; found: RainCheckShown }) {
  const { view, store } = found;
  const { promotion } = view;
  return (
    <section aria-labelledby="rain-check-heading">
      <h2 id="rain-check-heading">{`${view.code}: ${STATUS_TEXT[view.status]}`}</h2>
      <dl class="facts">
        <Fact label="Item">{`${view.item ?? view.sku} (SKU ${view.sku})`}</Fact>
        <Fact label="Store">{`${store.code} · ${store.name}`}</Fact>
        <Fact label="Offer">
          {promotion.name}
          {promotion.startDate && promotion.endDate ? (
            <span class="sku">
              <Day date={promotion.startDate} /> to <Day date={promotion.endDate} />
            </span>
          ) : null}
        </Fact>
        <Fact label="Advertised price" todo={view.status === "valid"}>
          {promotion.advertisedPrice ?? <None word="not given: the price in the ad" />}
        </Fact>
        <Fact label="Good from">
          <Moment at={view.validFrom} timeZone={store.timeZone} />
        </Fact>
        <Fact label="Good until">
          <Moment at={view.expiresAt} timeZone={store.timeZone} />
        </Fact>
        {view.redeemedAt ? (
          <Fact label="Redeemed">
            <Moment at={view.redeemedAt} timeZone={store.timeZone} />
            {view.redeemedBy ? <span class="sku">{`by ${view.redeemedBy}`}</span> : null}
          </Fact>
        ) : null}
      </dl>
      {view.status === "valid" ? (
        <form method="post" action={rainCheckRedeemPath(view.code)}>
          <input type="hidden" name="csrf" value={viewer.csrfToken} />
          <input type="hidden" name="store" value={store.code} />
          <button class="button" type="submit">{`Redeem at ${store.code}`}</button>
        </form>
      ) : null}
    </section>
  );
}
