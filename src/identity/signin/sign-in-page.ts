/** HTML escaping for text and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export interface SignInPageInput {
  action: string;
  ctx: string;
  tenantId: string;
  clientName: string;
  username: string;
  error?: string;
  users: Array<{ userPrincipalName: string; displayName: string; canSignIn: boolean }>;
  /** A device code's sign-in: the page asks whether the user is signing in to that app and offers Cancel (declines). */
  device?: boolean;
}

/** Headers of every page the sign-in flow serves (no framing, no caching, no scripts on the form). */
export const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store, no-cache',
  Pragma: 'no-cache',
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/**
 * The twin's sign-in page: a form with `username` and `password` (ARCHITECTURE.md contract), the
 * pending request's handle `ctx`, and the directory's users listed (a `<datalist>` for the username
 * field and a table), `login_hint` pre-filled. No script: a browser or a test posts the form as it is.
 */
export function signInPage(p: SignInPageInput): string {
  const rows = p.users
    .map((u) => `<tr><td class="upn">${escapeHtml(u.userPrincipalName)}</td><td>${escapeHtml(u.displayName)}</td><td>${u.canSignIn ? 'password set' : 'no password: cannot sign in'}</td></tr>`)
    .join('');
  const options = p.users.map((u) => `<option value="${escapeHtml(u.userPrincipalName)}">${escapeHtml(u.displayName)}</option>`).join('');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in to your account</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}label{display:block;margin:.75rem 0 .25rem}input{width:100%;padding:.4rem;box-sizing:border-box}button{margin-top:1rem;padding:.5rem 1.5rem}#error{color:#a4262c}table{margin-top:2rem;border-collapse:collapse;font-size:.9rem}td{padding:.2rem .6rem;border-bottom:1px solid #ddd}</style>
</head><body>
<h1>Sign in</h1>
<p>Trustline Entra ID twin · tenant <code>${escapeHtml(p.tenantId)}</code> · to <strong>${escapeHtml(p.clientName)}</strong></p>
${p.device ? `<p id="device-prompt">Are you trying to sign in to ${escapeHtml(p.clientName)}? Only continue if you downloaded the app from a store or website that you trust.</p>` : ''}
${p.error ? `<p id="error" role="alert">${escapeHtml(p.error)}</p>` : ''}
<form method="post" action="${escapeHtml(p.action)}" id="signin">
<input type="hidden" name="ctx" value="${escapeHtml(p.ctx)}">
<label for="username">Email, phone, or Skype</label>
<input type="email" id="username" name="username" value="${escapeHtml(p.username)}" list="directory-users" autocomplete="username" required>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password">
<button type="submit" id="idSIButton9">Sign in</button>
</form>
${p.device ? `<form method="post" action="${escapeHtml(p.action)}" id="decline"><input type="hidden" name="ctx" value="${escapeHtml(p.ctx)}"><input type="hidden" name="decline" value="1"><button type="submit" id="idBtn_Back">Cancel</button></form>` : ''}
<datalist id="directory-users">${options}</datalist>
<table id="users"><caption>Users in this directory</caption>${rows}</table>
</body></html>`;
}

/** `response_mode=form_post`: a page that posts the response to the redirect URI (script, and a button without it). */
export function formPostPage(redirectUri: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('');
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Working...</title></head>
<body onload="document.forms[0].submit()">
<form method="POST" name="hiddenform" action="${escapeHtml(redirectUri)}">${inputs}<noscript><p>Script is disabled. Click Submit to continue.</p><input type="submit" value="Submit"></noscript></form>
</body></html>`;
}

/** An error page (a request the STS will not send back to the client: unknown client, unregistered redirect URI). */
export function errorPage(title: string, message: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><h1>${escapeHtml(title)}</h1><p id="error">${escapeHtml(message)}</p></body></html>`;
}

/**
 * The device code verification page (`/common/oauth2/deviceauth`, where Entra's `https://microsoft.com/devicelogin`
 * leads): one field, `otc`, for the code the device shows. No script.
 */
export function deviceCodePage(action: string, error?: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Enter code</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}input{width:100%;padding:.4rem;box-sizing:border-box}button{margin-top:1rem;padding:.5rem 1.5rem}#error{color:#a4262c}</style>
</head><body>
<h1>Enter code</h1>
<p>Enter the code displayed on your app or device.</p>
${error ? `<p id="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="${escapeHtml(action)}" id="devicecode">
<input type="text" id="otc" name="otc" placeholder="Code" autocomplete="off" maxlength="32" required>
<button type="submit" id="idSIButton9">Next</button>
</form>
</body></html>`;
}

/** A page that only tells the user something (a device sign-in approved or cancelled). */
export function noticePage(title: string, message: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><h1>${escapeHtml(title)}</h1><p id="message">${escapeHtml(message)}</p></body></html>`;
}
