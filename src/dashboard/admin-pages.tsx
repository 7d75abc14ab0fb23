import type { Child } from "hono/jsx";
import type { AdminApiKey } from "../admin/admin-keys.js";
import type { AdminStore } from "../admin/admin-stores.js";
import type { AdminUser } from "../admin/admin-users.js";
import { MIN_PASSWORD_LENGTH } from "../http/passwords.js";
import type { ProblemDetail } from "../http/problem.js";
import type { Viewer } from "../http/sessions.js";
import type { Recipient } from "../notify/recipients.js";
import { DASHBOARD_PATH, Layout } from "./layout.js";
import { Moment, None, percent, plural, TableRegion } from "./page-parts.js";

/** The administration pages: stores (aliases, thresholds, recipients), API keys and users, for the viewer's stores. */

export const ADMIN_PATH = `${DASHBOARD_PATH}/admin`;
export const adminStorePath = (code: string) => `${ADMIN_PATH}/stores/${encodeURIComponent(code)}`;
export const adminUserPath = (id: number) => `${ADMIN_PATH}/users/${id}`;

/** What a refused form gets: the reason, and each field's problem. */
export interface FormProblem {
  detail: string;
  errors: ProblemDetail[];
}

/** Confirmations after a change; a redirect names one by its key, so no text from the address is ever shown. */
export const SAVED_NOTICES = {
  store: "The store is saved.",
  thresholds: "The alert thresholds are saved. The next risk sweep applies them.",
  aliases: "The aliases are saved.",
  recipients: "The recipients are saved.",
  revoked: "The API key is revoked: its next request is refused.",
  user: "The user is saved. The change holds from their next page.",
  removed: "The user is removed and signed out.",
} as const;
export type SavedNotice = keyof typeof SAVED_NOTICES;

type Section = "stores" | "keys" | "users";

function AdminLayout({ title, viewer, section, problem, saved, children }: { title: string; viewer: Viewer; section: Section; problem?: FormProblem; saved?: SavedNotice; children: Child }) {
  const link = (to: Section, path: string, label: string) => (
    <a href={path} aria-current={section === to ? "page" : undefined}>
      {label}
    </a>
  );
  return (
    <Layout title={title} viewer={viewer} current="admin">
      <nav aria-label="Administration">
        <p class="actions">
          {link("stores", ADMIN_PATH, "Stores")}
          {link("keys", `${ADMIN_PATH}/keys`, "API keys")}
          {link("users", `${ADMIN_PATH}/users`, "Users")}
        </p>
      </nav>
      <h1>{title}</h1>
      {viewer.storeIds !== null ? <p class="note">You administer only your own stores.</p> : null}
      {problem ? (
        <div class="message" role="alert">
          <p>{`Nothing was changed: ${problem.detail}`}</p>
          {problem.errors.length > 0 ? (
            <ul>
              {problem.errors.map((error) => (
                <li>{`${error.field ?? "form"}: ${error.reason}`}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      {saved ? (
        <p class="note" role="status">
          {SAVED_NOTICES[saved]}
        </p>
      ) : null}
      {children}
    </Layout>
  );
}

function Csrf({ viewer }: { viewer: Viewer }) {
  return <input type="hidden" name="csrf" value={viewer.csrfToken} />;
}

function TextField({ id, name, label, value, type = "text", required = false, maxlength = 200, autocomplete }: { id: string; name: string; label: string; value?: string | null; type?: string; required?: boolean; maxlength?: number; autocomplete?: string }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input id={id} name={name} type={type} value={value ?? ""} required={required} maxlength={maxlength} autocomplete={autocomplete ?? "off"} />
    </div>
  );
}

function TimeZoneField({ id, value }: { id: string; value?: string }) {
  const zones = Intl.supportedValuesOf("timeZone");
  const choices = value && !zones.includes(value) ? [value, ...zones] : zones;
  return (
    <div class="field">
      <label for={id}>Time zone</label>
      <select id={id} name="timeZone" required>
        {value ? null : <option value="">Choose a time zone</option>}
        {choices.map((zone) => (
          <option value={zone} selected={zone === value}>
            {zone}
          </option>
        ))}
      </select>
    </div>
  );
}

function RoleField({ id, value }: { id: string; value?: string }) {
  return (
    <div class="field">
      <label for={id}>Role</label>
      <select id={id} name="role">
        <option value="manager" selected={value !== "staff"}>
          Manager
        </option>
        <option value="staff" selected={value === "staff"}>
          Staff
        </option>
      </select>
    </div>
  );
}

function Checkbox({ id, name, value = "on", label, checked = false }: { id: string; name: string; value?: string; label: string; checked?: boolean }) {
  return (
    <div class="field check">
      <input id={id} type="checkbox" name={name} value={value} checked={checked} />
      <label for={id}>{label}</label>
    </div>
  );
}

/** Which stores a key or user may use: every store (for an admin of every store), or some of the admin's own. */
function StoreChoices({ idPrefix, stores, viewer, selected }: { idPrefix: string; stores: AdminStore[]; viewer: Viewer; selected?: "all" | string[] }) {
  return (
    <fieldset class="filters">
      <legend>Stores</legend>
      {viewer.storeIds === null ? <Checkbox id={`${idPrefix}-all`} name="allStores" label="Every store, also those added later" checked={selected === "all"} /> : null}
      {stores.map((store) => (
        <Checkbox
          id={`${idPrefix}-${store.id}`}
          name="stores"
          value={store.code}
          label={`${store.code} · ${store.name}`}
          checked={Array.isArray(selected) && selected.includes(store.code)}
        />
      ))}
    </fieldset>
  );
}

/** A form giving access to stores (a key's, a user's): its own fields, then the stores to tick, then its button. */
function AccessForm({ action, viewer, stores, selected, idPrefix, button, children }: { action: string; viewer: Viewer; stores: AdminStore[]; selected?: "all" | string[]; idPrefix: string; button: string; children: Child }) {
  return (
    <form method="post" action={action}>
      <Csrf viewer={viewer} />
      <div class="filters">{children}</div>
      <StoreChoices idPrefix={idPrefix} stores={stores} viewer={viewer} selected={selected} />
      <button class="button" type="submit">
        {button}
      </button>
    </form>
  );
}

function PostButton({ action, viewer, label, hidden = {}, secondary = true }: { action: string; viewer: Viewer; label: Child; hidden?: Record<string, string>; secondary?: boolean }) {
  return (
    <form method="post" action={action}>
      <Csrf viewer={viewer} />
      {Object.entries(hidden).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <button class={secondary ? "button secondary" : "button"} type="submit">
        {label}
      </button>
    </form>
  );
}

/** A list's count, announced, then its table when it has rows. */
function AdminTable({ count, empty, counted, id, caption, columns, children }: { count: number; empty: string; counted: string; id: string; caption: string; columns: string[]; children: Child }) {
  return (
    <>
      <p class="note" role="status">
        {count === 0 ? empty : counted}
      </p>
      {count > 0 ? (
        <TableRegion id={id} compact caption={caption} columns={columns}>
          {children}
        </TableRegion>
      ) : null}
    </>
  );
}

const thresholdsText = (store: Pick<AdminStore, "alertProbability" | "resolveProbability">) =>
  `alert at ${percent(store.alertProbability)}, resolve below ${percent(store.resolveProbability)}`;

/** /dashboard/admin: the stores, and a form to add one (for an admin of every store). */
export function AdminStoresPage({ viewer, stores, problem, saved }: { viewer: Viewer; stores: AdminStore[]; problem?: FormProblem; saved?: SavedNotice }) {
  return (
    <AdminLayout title="Administration: stores" viewer={viewer} section="stores" problem={problem} saved={saved}>
      <AdminTable count={stores.length} empty="There are no stores yet." counted={`${plural(stores.length, "store")}.`} id="admin-stores" caption="Stores, with the names their POS exports use" columns={["Store", "Name", "Time zone", "Aliases", "Alert thresholds"]}>
        {stores.map((store) => (
          <tr>
            <th scope="row">
              <a href={adminStorePath(store.code)}>{store.code}</a>
            </th>
            <td>{store.name}</td>
            <td>{store.timeZone}</td>
            <td>{store.aliases.length === 0 ? <None /> : store.aliases.join(", ")}</td>
            <td>{thresholdsText(store)}</td>
          </tr>
        ))}
      </AdminTable>
      {viewer.storeIds === null ? (
        <section aria-labelledby="add-store-heading">
          <h2 id="add-store-heading">Add a store</h2>
          <form class="filters" method="post" action={`${ADMIN_PATH}/stores`}>
            <Csrf viewer={viewer} />
            <TextField id="store-code" name="code" label="Code" required maxlength={40} />
            <TextField id="store-name" name="name" label="Name" required />
            <TimeZoneField id="store-time-zone" />
            <TextField id="store-aliases" name="aliases" label="Aliases in exports (comma-separated)" maxlength={2000} />
            <button class="button" type="submit">
              Add store
            </button>
          </form>
        </section>
      ) : null}
    </AdminLayout>
  );
}

/** /dashboard/admin/stores/:code: name and time zone, alert thresholds, aliases and alert email recipients. */
export function AdminStorePage({ viewer, store, recipients, problem, saved }: { viewer: Viewer; store: AdminStore; recipients: Recipient[]; problem?: FormProblem; saved?: SavedNotice }) {
  const path = adminStorePath(store.code);
  return (
    <AdminLayout title={`Store ${store.code} · ${store.name}`} viewer={viewer} section="stores" problem={problem} saved={saved}>
      <section aria-labelledby="store-heading">
        <h2 id="store-heading">Name and time zone</h2>
        <form class="filters" method="post" action={path}>
          <Csrf viewer={viewer} />
          <TextField id="edit-name" name="name" label="Name" value={store.name} required />
          <TimeZoneField id="edit-time-zone" value={store.timeZone} />
          <TextField id="edit-feed" name="feedIntervalMinutes" type="number" label="POS feed expected every (minutes)" value={String(store.feedIntervalMinutes)} required />
          <button class="button" type="submit">
            Save store
          </button>
        </form>
      </section>

      <section aria-labelledby="thresholds-heading">
        <h2 id="thresholds-heading">Alert thresholds</h2>
        <p class="note">An item alert opens when the chance of running out reaches the first figure, and resolves once it falls below the second.</p>
        <form class="filters" method="post" action={`${path}/thresholds`}>
          <Csrf viewer={viewer} />
          <TextField id="alert-percent" name="alertPercent" type="number" label="Alert at (%)" value={String(Math.round(store.alertProbability * 100))} required />
          <TextField id="resolve-percent" name="resolvePercent" type="number" label="Resolve below (%)" value={String(Math.round(store.resolveProbability * 100))} required />
          <button class="button" type="submit">
            Save thresholds
          </button>
        </form>
      </section>

      <section aria-labelledby="aliases-heading">
        <h2 id="aliases-heading">Aliases</h2>
        <p class="note">Names this store has in POS exports, besides its code and name.</p>
        {store.aliases.length === 0 ? (
          <p class="note">No aliases.</p>
        ) : (
          <ul class="plain">
            {store.aliases.map((alias) => (
              <li class="actions">
                <span>{alias}</span>
                <PostButton action={`${path}/aliases/remove`} viewer={viewer} hidden={{ alias }} label={<>Remove<span class="sr-only">{` alias ${alias}`}</span></>} />
              </li>
            ))}
          </ul>
        )}
        <form class="filters" method="post" action={`${path}/aliases`}>
          <Csrf viewer={viewer} />
          <TextField id="new-aliases" name="aliases" label="New aliases (comma-separated)" required maxlength={2000} />
          <button class="button" type="submit">
            Add aliases
          </button>
        </form>
      </section>

      <section aria-labelledby="recipients-heading">
        <h2 id="recipients-heading">Alert email recipients</h2>
        {recipients.length === 0 ? (
          <p class="note">Nobody receives this store's alert emails yet.</p>
        ) : (
          <TableRegion id="admin-recipients" compact caption={`Who receives the alert emails of ${store.code}`} columns={["Email", "Name", "Role", "Urgent emails", "Digest", ""]}>
            {recipients.map((recipient) => (
              <tr>
                <th scope="row">{recipient.email}</th>
                <td>{recipient.name ?? <None />}</td>
                <td>{recipient.role}</td>
                <td>{recipient.urgentEmails ? "yes" : "no"}</td>
                <td>{recipient.digest ? `daily at ${recipient.digestTime}` : "no"}</td>
                <td>
                  <PostButton action={`${path}/recipients/${recipient.id}/remove`} viewer={viewer} label={<>Remove<span class="sr-only">{` ${recipient.email}`}</span></>} />
                </td>
              </tr>
            ))}
          </TableRegion>
        )}
        <h3>Add a recipient</h3>
        <form class="filters" method="post" action={`${path}/recipients`}>
          <Csrf viewer={viewer} />
          <TextField id="recipient-email" name="email" type="email" label="Email" required maxlength={254} />
          <TextField id="recipient-name" name="name" label="Name" />
          <RoleField id="recipient-role" />
          <button class="button" type="submit">
            Add recipient
          </button>
        </form>
      </section>
    </AdminLayout>
  );
}

/** /dashboard/admin/keys: the keys in use (never their secrets), a new key's secret once, and the form to make one. */
export function AdminKeysPage({ viewer, keys, stores, created, problem, saved }: { viewer: Viewer; keys: AdminApiKey[]; stores: AdminStore[]; created?: AdminApiKey & { key: string }; problem?: FormProblem; saved?: SavedNotice }) {
  return (
    <AdminLayout title="Administration: API keys" viewer={viewer} section="keys" problem={problem} saved={saved}>
      {created ? (
        <section class="message" role="status" aria-labelledby="new-key-heading">
          <h2 id="new-key-heading">{`New API key “${created.name}”`}</h2>
          <p>Copy it now: it is shown only this once, and only its hash is kept.</p>
          <p>
            <code class="sku">{created.key}</code>
          </p>
        </section>
      ) : null}
      <AdminTable count={keys.length} empty="No API key is in use." counted={`${plural(keys.length, "key")} in use.`} id="admin-keys" caption="API keys in use" columns={["Name", "Starts with", "Stores", "Admin", "Last used", ""]}>
        {keys.map((key) => (
          <tr>
            <th scope="row">{key.name}</th>
            <td>
              <code>{`${key.prefix}…`}</code>
            </td>
            <td>{key.stores === "all" ? "every store" : key.stores.join(", ")}</td>
            <td>{key.admin ? "yes" : "no"}</td>
            <td>{key.lastUsedAt ? <Moment at={key.lastUsedAt} timeZone="UTC" /> : "never"}</td>
            <td>
              <PostButton action={`${ADMIN_PATH}/keys/${key.id}/revoke`} viewer={viewer} label={<>Revoke<span class="sr-only">{` key ${key.name}`}</span></>} />
            </td>
          </tr>
        ))}
      </AdminTable>
      <section aria-labelledby="add-key-heading">
        <h2 id="add-key-heading">Create an API key</h2>
        <AccessForm action={`${ADMIN_PATH}/keys`} viewer={viewer} stores={stores} idPrefix="key-store" button="Create key">
          <TextField id="key-name" name="name" label="Name" required />
          <Checkbox id="key-admin" name="admin" label="Admin key (may use the admin API for its stores)" />
        </AccessForm>
      </section>
    </AdminLayout>
  );
}

/** /dashboard/admin/users: the dashboard accounts and the form to add one. */
export function AdminUsersPage({ viewer, users, stores, problem, saved }: { viewer: Viewer; users: AdminUser[]; stores: AdminStore[]; problem?: FormProblem; saved?: SavedNotice }) {
  return (
    <AdminLayout title="Administration: users" viewer={viewer} section="users" problem={problem} saved={saved}>
      <AdminTable count={users.length} empty="No user sees only your stores." counted={`${plural(users.length, "user")}.`} id="admin-users" caption="Dashboard users and the stores they see" columns={["Email", "Name", "Role", "Admin", "Stores", "Last sign-in"]}>
        {users.map((user) => (
          <tr>
            <th scope="row">
              <a href={adminUserPath(user.id)}>{user.email}</a>
            </th>
            <td>{user.name}</td>
            <td>{user.role}</td>
            <td>{user.admin ? "yes" : "no"}</td>
            <td>{user.stores === "all" ? "every store" : user.stores.join(", ")}</td>
            <td>{user.lastSignInAt ? <Moment at={user.lastSignInAt} timeZone="UTC" /> : "never"}</td>
          </tr>
        ))}
      </AdminTable>
      <section aria-labelledby="add-user-heading">
        <h2 id="add-user-heading">Add a user</h2>
        <AccessForm action={`${ADMIN_PATH}/users`} viewer={viewer} stores={stores} idPrefix="user-store" button="Add user">
          <TextField id="user-email" name="email" type="email" label="Email" required maxlength={254} />
          <TextField id="user-name" name="name" label="Name" required />
          <RoleField id="user-role" />
          <TextField id="user-password" name="password" type="password" label={`Password (at least ${MIN_PASSWORD_LENGTH} characters)`} required maxlength={1024} autocomplete="new-password" />
          <Checkbox id="user-admin" name="admin" label="Admin (may administer the stores they see)" />
        </AccessForm>
      </section>
    </AdminLayout>
  );
}

/** /dashboard/admin/users/:id: a user's name, role, admin right and stores; and removing them. */
export function AdminUserPage({ viewer, user, stores, problem, saved }: { viewer: Viewer; user: AdminUser; stores: AdminStore[]; problem?: FormProblem; saved?: SavedNotice }) {
  const path = adminUserPath(user.id);
  return (
    <AdminLayout title={`User ${user.email}`} viewer={viewer} section="users" problem={problem} saved={saved}>
      <AccessForm action={path} viewer={viewer} stores={stores} selected={user.stores} idPrefix="edit-user-store" button="Save user">
        <TextField id="edit-user-name" name="name" label="Name" value={user.name} required />
        <RoleField id="edit-user-role" value={user.role} />
        <Checkbox id="edit-user-admin" name="admin" label="Admin (may administer the stores they see)" checked={user.admin} />
      </AccessForm>
      <h2>Remove</h2>
      <PostButton action={`${path}/remove`} viewer={viewer} label={`Remove ${user.email}`} />
    </AdminLayout>
  );
}
