// Talking to the booth's JSON API (docs/api.md) from the touchscreen and admin pages.
// Every failure becomes an ApiError carrying the booth's own plain-language sentence, so a
// page can show it where it happened; a booth that does not answer gets a sentence too.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status; // HTTP status, or 0 when the booth could not be reached
  }
}

// api('POST', '/api/v1/session', {language: 'en'}, {csrf}) -> the parsed JSON answer (null when empty).
export async function api(method, path, body, options = {}) {
  const headers = {};
  const init = {method, headers, credentials: 'same-origin'};
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  } else if (method !== 'GET' && method !== 'HEAD') {
    init.body = ''; // a Content-Length for bodiless POST/DELETE
  }
  if (options.csrf) headers['X-CSRF-Token'] = options.csrf;
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, options.offlineMessage || 'The booth is not answering. Please wait a moment and try again.');
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const message = data && typeof data.error === 'string' ? data.error : `The booth answered with an error (${res.status}).`;
    throw new ApiError(res.status, message);
  }
  return data;
}

// Address of a QR code (SVG) for short text such as a story code or a pairing code.
export function qrUrl(text) {
  return '/api/v1/qr.svg?text=' + encodeURIComponent(text);
}
