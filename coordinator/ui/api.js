// Talks to the coordinator's API with the key the user logged in with (kept in sessionStorage:
// it lasts as long as the tab and is sent only in the Authorization header, never in a URL).
const KEY = 'fedmark.apiKey';

export const session = {
  key: () => sessionStorage.getItem(KEY),
  login: (key) => sessionStorage.setItem(KEY, key),
  logout: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function headers(body) {
  return { authorization: `Bearer ${session.key() ?? ''}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
}

async function failure(res) {
  const body = await res.json().catch(() => ({}));
  return new ApiError(res.status, body.code ?? `HTTP ${res.status}`, body.message ?? res.statusText);
}

export async function api(method, path, body) {
  const res = await fetch(path, { method, headers: headers(body), ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  if (!res.ok) throw await failure(res);
  return res.json();
}

/**
 * Follows a Server-Sent Events stream with fetch (EventSource cannot send the Authorization header).
 * Calls onMessage(event, data) per message; resolves when the server ends the stream or `signal` aborts.
 */
export async function follow(path, onMessage, signal) {
  const res = await fetch(path, { headers: headers(), signal });
  if (!res.ok) throw await failure(res);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let cut;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let event = 'message';
        const data = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) event = line.slice(7);
          else if (line.startsWith('data: ')) data.push(line.slice(6));
        }
        if (data.length) onMessage(event, JSON.parse(data.join('\n')));
      }
    }
  } catch (err) {
    if (signal?.aborted) return;
    throw err;
  }
}
