/** The Entra ID host names the identity listener plays. */
export const IDENTITY_HOSTS = ['sts.windows.net', 'login.microsoftonline.com', 'login.windows.net'] as const;
