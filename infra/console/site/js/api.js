// The console's HTTP API client: bearer token on every call, errors as ApiFailure with the API's { error } body.
export class ApiFailure extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export function createApi(baseUrl, token) {
  const base = baseUrl.replace(/\/$/, '');
  async function call(method, path, { query, body } = {}) {
    const url = new URL(`${base}${path}`, location.href);
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
    let response;
    try {
      response = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new ApiFailure(0, 'network', String(error?.message ?? error));
    }
    const text = await response.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const e = json?.error ?? {};
      throw new ApiFailure(response.status, e.code ?? `http_${response.status}`, e.message ?? (text.slice(0, 200) || response.statusText), e.details);
    }
    return json;
  }
  return {
    get: (path, query) => call('GET', path, { query }),
    post: (path, body) => call('POST', path, { body }),
    /** Every page of a `{ items, cursor? }` listing, up to maxItems. */
    async all(path, query, maxItems = 1000) {
      const items = [];
      let cursor;
      do {
        const page = await call('GET', path, { query: { ...query, ...(cursor ? { cursor } : {}) } });
        items.push(...(page?.items ?? []));
        cursor = page?.cursor;
      } while (cursor && items.length < maxItems);
      return items;
    },
  };
}
