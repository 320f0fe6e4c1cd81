// The one client of the CityZen API (docs/portal-web.md): every screen calls the API through
// it. It adds the bearer token (kept in memory by auth.js), reads problem+json answers into
// ApiProblem (status, stable code, French and English messages, errors[] per field), turns a
// network failure or a 502/503/504 into ApiUnavailable, and revalidates with ETag where the
// API sends one (If-None-Match → 304: the copy it already has).
export class ApiProblem extends Error {
  constructor(status, document) {
    super(document?.title || `HTTP ${status}`);
    this.status = status;
    this.code = document?.code || 'unknown';
    this.messages = document?.messages || null;
    this.errors = Array.isArray(document?.errors) ? document.errors : [];
    this.retryAfter = null;
  }
}

export class ApiUnavailable extends Error {
  constructor(cause) {
    super('unavailable');
    this.cause = cause;
  }
}

export class Api {
  constructor(base, tokenSource) {
    this.base = base.replace(/\/$/, '');
    this.tokenSource = tokenSource;
    this.copies = new Map(); // url → {etag, body}
  }

  url(path, params) {
    const url = new URL(this.base + path, window.location.origin);
    for (const [name, value] of Object.entries(params || {})) {
      if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, value);
    }
    return url.toString();
  }

  async get(path, params) {
    const url = this.url(path, params);
    const copy = this.copies.get(url);
    const headers = copy ? { 'If-None-Match': copy.etag } : {};
    const response = await this.send(url, { method: 'GET', headers });
    if (response.status === 304 && copy) return copy.body;
    const body = await this.read(response);
    const etag = response.headers.get('ETag');
    if (etag) this.copies.set(url, { etag, body });
    return body;
  }

  // A file's bytes (the desk's case files): a Blob and the name Content-Disposition gives.
  async getBlob(path) {
    const response = await this.send(this.url(path), { method: 'GET', headers: { Accept: '*/*' } });
    if (!response.ok) throw new ApiProblem(response.status, await this.json(response));
    return response.blob();
  }

  async postJson(path, document, headers = {}) {
    const response = await this.send(this.url(path), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(document),
    });
    return this.read(response);
  }

  // multipart/form-data: a JSON part named `part` and files under `fileField` (the API's
  // `attachments`; the desk API's `file`). The JSON goes
  // as a plain field, not a Blob: a Blob part gets a filename, and the API (rightly) takes any
  // part with a filename for a file (RFC 7578 section 4.2); a field without a type is
  // text/plain (section 4.4), which the API reads as the JSON document.
  async postParts(path, part, document, files, headers = {}, fileField = 'attachments') {
    const form = new FormData();
    form.append(part, JSON.stringify(document));
    for (const file of files) form.append(fileField, file.blob, file.name);
    const response = await this.send(this.url(path), { method: 'POST', headers, body: form });
    return this.read(response);
  }

  async send(url, init) {
    const token = this.tokenSource();
    const headers = { Accept: 'application/json', ...init.headers };
    if (token) headers.Authorization = `Bearer ${token}`;
    let response;
    try {
      response = await fetch(url, { ...init, headers, credentials: 'omit', cache: 'no-cache' });
    } catch (error) {
      throw new ApiUnavailable(error); // offline, refused, blocked: nothing was answered
    }
    if ([502, 503, 504].includes(response.status)) {
      const problem = new ApiProblem(response.status, await this.json(response));
      problem.retryAfter = response.headers.get('Retry-After');
      throw new ApiUnavailable(problem);
    }
    return response;
  }

  async read(response) {
    const body = await this.json(response);
    if (!response.ok) throw new ApiProblem(response.status, body);
    return body;
  }

  async json(response) {
    const text = await response.text();
    if (!text) return null;
    try {
      return JSON.parse(text);
    } catch {
      return null;
    }
  }
}
