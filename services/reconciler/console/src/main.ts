// The ops console: sign in with an ops token, then one tab per question an operator asks.
import { ApiError, api, claimsOf, tokenStore, whenUnauthorized } from './api.ts';
import { refreshDeadLetters } from './dead-letters.view.ts';
import { byId } from './dom.ts';
import { refreshRuns, showJobs } from './runs.view.ts';
import { startPolling, stopPolling } from './sales.view.ts';
import { traceOrder } from './trace.view.ts';
import { refreshInbox } from './webhook-inbox.view.ts';

type Tab = 'sales' | 'trace' | 'runs' | 'dead-letters' | 'webhooks';
let current: Tab = 'sales';

const describe = (error: unknown) =>
  error instanceof ApiError
    ? error.status === 403
      ? 'This token does not carry the ops or platform-ops role: the console shows nothing to it.'
      : error.status === 401
        ? 'The token is invalid or expired: sign in again.'
        : `${error.code}: ${error.message}`
    : error instanceof Error
      ? error.message
      : String(error);

const report = (error: unknown) => {
  byId('console-error').textContent = error === null ? '' : describe(error);
};

function showSignIn(message = ''): void {
  stopPolling();
  byId('console').hidden = true;
  byId('sign-out').hidden = true;
  byId('who').textContent = '';
  byId('sign-in').hidden = false;
  byId('sign-in-error').textContent = message;
}

function openTab(tab: Tab): void {
  current = tab;
  for (const button of document.querySelectorAll<HTMLButtonElement>('#tabs button')) button.classList.toggle('active', button.dataset.tab === tab);
  for (const section of document.querySelectorAll<HTMLElement>('.tab')) section.hidden = section.id !== `tab-${tab}`;
  report(null);
  if (tab === 'runs') void Promise.all([showJobs(report), refreshRuns()]).catch(report);
  if (tab === 'dead-letters') void refreshDeadLetters(report).catch(report);
  if (tab === 'webhooks') void refreshInbox().catch(report);
}

/** Checks the token with a guarded call before showing anything: a shopper's token stops here. */
async function signIn(token: string): Promise<void> {
  tokenStore.set(token.trim());
  try {
    await api('GET', '/ops/api/jobs');
  } catch (error) {
    tokenStore.clear();
    showSignIn(describe(error));
    return;
  }
  const claims = claimsOf(token);
  byId('who').textContent = claims ? `${claims.sub ?? '?'} · tenant ${claims.tenant ?? '?'} · ${(claims.roles ?? []).join(', ')}` : '';
  byId('sign-in').hidden = true;
  byId('console').hidden = false;
  byId('sign-out').hidden = false;
  openTab(current);
  startPolling(() => current === 'sales', report);
}

whenUnauthorized((error) => {
  // A token that expires while the console is open: back to the sign-in form, saying why.
  if (error.status === 401 && tokenStore.get()) {
    tokenStore.clear();
    showSignIn(describe(error));
  }
});

document.addEventListener('DOMContentLoaded', () => {
  byId<HTMLFormElement>('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void signIn(byId<HTMLTextAreaElement>('token').value);
  });
  const devForm = byId<HTMLFormElement>('dev-sign-in-form');
  devForm.hidden = document.body.dataset.devSignIn !== 'true';
  devForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = { tenant: byId<HTMLInputElement>('dev-tenant').value.trim(), role: byId<HTMLSelectElement>('dev-role').value };
    api<{ token: string }>('POST', '/ops/api/dev-sign-in', body).then(
      ({ token }) => signIn(token),
      (error: unknown) => showSignIn(describe(error)),
    );
  });
  byId('sign-out').addEventListener('click', () => {
    tokenStore.clear();
    showSignIn();
  });
  for (const button of document.querySelectorAll<HTMLButtonElement>('#tabs button')) button.addEventListener('click', () => openTab(button.dataset.tab as Tab));
  byId<HTMLFormElement>('trace-form').addEventListener('submit', (event) => {
    event.preventDefault();
    traceOrder(byId<HTMLInputElement>('trace-order-id').value.trim()).then(
      () => report(null),
      (error: unknown) => {
        byId('trace-result').replaceChildren();
        report(error);
      },
    );
  });
  byId('dead-letters-refresh').addEventListener('click', () => void refreshDeadLetters(report).catch(report));
  byId('inbox-outcome').addEventListener('change', () => void refreshInbox().catch(report));
  const saved = tokenStore.get();
  if (saved) void signIn(saved);
  else showSignIn();
});
