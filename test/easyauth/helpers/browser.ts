import { request, type Agent } from 'undici';

export const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';

/** A tiny browser: one cookie jar (cookies ignore ports, as browsers do), requests with redirects left to the test. */
export class Browser {
  cookies = new Map<string, string>();
  constructor(readonly tls: Agent) {}
  async go(url: string, init: { method?: string; form?: Record<string, string>; json?: unknown; headers?: Record<string, string> } = {}) {
    const headers: Record<string, string> = { 'user-agent': BROWSER_UA, ...(init.headers ?? {}) };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (init.form) {
      body = new URLSearchParams(init.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers['content-type'] = 'application/json';
    }
    const res = await request(url, { method: (init.method ?? (body ? 'POST' : 'GET')) as 'GET', headers, ...(body !== undefined ? { body } : {}), dispatcher: this.tls });
    const text = await res.body.text();
    const set = res.headers['set-cookie'];
    for (const c of (Array.isArray(set) ? set : set ? [set] : []) as string[]) {
      const [pair, ...attrs] = c.split(';');
      const [k, v] = [pair!.slice(0, pair!.indexOf('=')).trim(), pair!.slice(pair!.indexOf('=') + 1).trim()];
      if (v === '' || attrs.some((a) => /expires=Thu, 01 Jan 1970/i.test(a))) this.cookies.delete(k);
      else this.cookies.set(k, v);
    }
    const location = res.headers.location as string | undefined;
    return { status: res.statusCode, text, headers: res.headers, location: location ? new URL(location, url).toString() : undefined, set };
  }
}

/**
 * Sign a user in as a browser does: `/.auth/login/aad` → the Entra twin's form → the form_post back to
 * `/.auth/login/aad/callback`. Returns the callback's answer (302 with the session cookie set in the jar).
 */
export async function browserSignIn(b: Browser, site: string, username: string, password: string) {
  const login = await b.go(`${site}/.auth/login/aad`);
  if (login.status !== 302 || !login.location) throw new Error(`/.auth/login/aad answered ${login.status}`);
  const page = await b.go(login.location);
  const ctx = /name="ctx" value="([^"]+)"/.exec(page.text)?.[1];
  const formAction = /<form method="post" action="([^"]+)"/.exec(page.text)?.[1];
  if (!ctx || !formAction) throw new Error(`no sign-in form (${page.status})`);
  const posted = await b.go(new URL(formAction, login.location).toString(), { form: { ctx, username, password } });
  const back = /<form method="POST" name="hiddenform" action="([^"]+)"/.exec(posted.text)?.[1]?.replace(/&amp;/g, '&');
  if (!back) throw new Error(`no form_post back to the site (${posted.status})`);
  const fields = Object.fromEntries([...posted.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!.replace(/&amp;/g, '&')]));
  return b.go(back, { form: fields, headers: { origin: new URL(login.location).origin } });
}
