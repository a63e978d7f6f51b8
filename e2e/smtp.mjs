// A small SMTP sink (RFC 5321, without TLS or AUTH) for the browser tests: the portal sends
// its mail here over a real SMTP connection, and the tests read what arrived.

import net from 'node:net';

/** Starts a sink on 127.0.0.1 and a free port. Resolves to { port, messages, waitFor, close }. */
export async function startSmtpSink() {
  const messages = [];
  const waiters = [];
  const sockets = new Set();

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.setEncoding('latin1');
    let buffer = '';
    let envelope = { from: null, to: [] };
    let data = null; // the lines of a message being received, or null outside DATA
    const reply = (line) => socket.write(`${line}\r\n`);
    reply('220 e2e-sink ESMTP ready');

    socket.on('data', (chunk) => {
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf('\r\n')) !== -1) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (data !== null) {
          if (line === '.') {
            const raw = Buffer.from(data.join('\r\n') + '\r\n', 'latin1').toString('utf8');
            const message = { from: envelope.from, to: envelope.to, raw, ...parseMessage(raw) };
            messages.push(message);
            for (const waiter of [...waiters]) waiter();
            envelope = { from: null, to: [] };
            data = null;
            reply('250 2.0.0 queued');
          } else {
            // Dot-stuffing: a leading dot was doubled by the sender.
            data.push(line.startsWith('.') ? line.slice(1) : line);
          }
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') {
          reply('250-e2e-sink');
          reply('250-8BITMIME');
          reply('250 SMTPUTF8');
        } else if (verb === 'HELO') {
          reply('250 e2e-sink');
        } else if (verb === 'MAIL') {
          const m = /^MAIL FROM:\s*<([^>]*)>/i.exec(line);
          if (!m) { reply('501 5.5.4 syntax: MAIL FROM:<address>'); continue; }
          envelope = { from: m[1], to: [] };
          reply('250 2.1.0 ok');
        } else if (verb === 'RCPT') {
          const m = /^RCPT TO:\s*<([^>]*)>/i.exec(line);
          if (!m || envelope.from === null) { reply('503 5.5.1 MAIL first'); continue; }
          envelope.to.push(m[1]);
          reply('250 2.1.5 ok');
        } else if (verb === 'DATA') {
          if (envelope.to.length === 0) { reply('503 5.5.1 RCPT first'); continue; }
          data = [];
          reply('354 end with <CRLF>.<CRLF>');
        } else if (verb === 'RSET') {
          envelope = { from: null, to: [] };
          reply('250 2.0.0 ok');
        } else if (verb === 'NOOP') {
          reply('250 2.0.0 ok');
        } else if (verb === 'QUIT') {
          reply('221 2.0.0 bye');
          socket.end();
        } else {
          reply('502 5.5.2 command not implemented');
        }
      }
    });
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });

  /** The first message (arrived or arriving) for which `match` is true, within `timeoutMs`. */
  function waitFor(match, timeoutMs = 20000) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = messages.find(match);
        if (found) {
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(check), 1);
          resolve(found);
        }
      };
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(check), 1);
        reject(new Error(`no matching mail arrived at the SMTP sink within ${timeoutMs} ms ` +
          `(${messages.length} arrived: ${messages.map((m) => `${m.to.join(',')}: ${m.subject}`).join('; ') || 'none'})`));
      }, timeoutMs);
      waiters.push(check);
      check();
    });
  }

  function close() {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(resolve));
  }

  return { port: server.address().port, messages, waitFor, close };
}

/** Headers, subject and the decoded text of every part of a MIME message. */
export function parseMessage(raw) {
  const { headers, body } = splitHeaders(raw);
  const texts = [];
  collectText(headers, body, texts);
  return { headers, subject: decodeWords(headers.subject || ''), text: texts.join('\n') };
}

function splitHeaders(raw) {
  const at = raw.search(/\r?\n\r?\n/);
  const head = at === -1 ? raw : raw.slice(0, at);
  const body = at === -1 ? '' : raw.slice(at).replace(/^\r?\n\r?\n/, '');
  const headers = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

function collectText(headers, body, texts) {
  const type = headers['content-type'] || 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type);
  if (/^multipart\//i.test(type) && boundary) {
    const parts = body.split(`--${boundary[1]}`).slice(1);
    for (const part of parts) {
      if (part.startsWith('--')) break;
      const inner = splitHeaders(part.replace(/^\r?\n/, ''));
      collectText(inner.headers, inner.body, texts);
    }
    return;
  }
  if (!/^text\//i.test(type)) return;
  const encoding = (headers['content-transfer-encoding'] || '7bit').toLowerCase();
  let text = body;
  if (encoding === 'base64') {
    text = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  } else if (encoding === 'quoted-printable') {
    text = Buffer.from(
      body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    ).toString('utf8');
  }
  texts.push(text);
}

/** RFC 2047 encoded words in a header, such as =?utf-8?b?…?=. */
function decodeWords(value) {
  return value.replace(/=\?([^?]+)\?([bq])\?([^?]*)\?=\s*/gi, (_, charset, kind, text) => {
    if (kind.toLowerCase() === 'b') return Buffer.from(text, 'base64').toString('utf8');
    return Buffer.from(
      text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (__, h) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    ).toString('utf8');
  });
}
